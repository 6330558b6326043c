// SPDX-License-Identifier: GPL-3.0-or-later
#include "fs/FileSource.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace podium::fs {

Result<std::unique_ptr<FileSource>> FileSource::open(const std::string& path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int e = errno;
        if (e == EISDIR) {
            Error err(ErrorCode::ShardedCheckpointDirectory,
                      "a directory named like a checkpoint (DeepSpeed/FSDP sharded checkpoint): not supported");
            return std::move(err).inFile(path);
        }
        return Error(ErrorCode::IoOpenFailed, std::strerror(e)).inFile(path);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        return Error(ErrorCode::IoOpenFailed, std::strerror(e)).inFile(path);
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return Error(ErrorCode::ShardedCheckpointDirectory,
                     "a directory named like a checkpoint (DeepSpeed/FSDP sharded checkpoint): not supported")
            .inFile(path);
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return Error(ErrorCode::IoNotRegularFile, "not a regular file").inFile(path);
    }
    return std::unique_ptr<FileSource>(new FileSource(fd, path, st));
}

FileSource::~FileSource()
{
    ::close(m_fd);
}

Status FileSource::readAt(std::uint64_t offset, std::span<std::uint8_t> out)
{
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::pread(m_fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return Error(ErrorCode::IoReadFailed, std::strerror(errno), offset + done).inFile(m_path);
        }
        if (n == 0)
            return Error(ErrorCode::IoReadFailed,
                         "file ended after " + std::to_string(offset + done) + " bytes (it is being written or was truncated)",
                         offset + done)
                .inFile(m_path);
        done += static_cast<std::size_t>(n);
    }
    account(out.size());
    return {};
}

} // namespace podium::fs

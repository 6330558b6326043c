// SPDX-License-Identifier: GPL-3.0-or-later
// FileSource: a ByteSource over an open file descriptor, read with pread (no mmap: a scan touches a few
// kilobytes of files that may be gigabytes, and pread keeps the bytes-read count exact).
#pragma once

#include "util/ByteSource.h"

#include <memory>
#include <sys/stat.h>

namespace podium::fs {

class FileSource final : public podium::ByteSource {
public:
    /// Opens `path` read-only. Errors: IoOpenFailed (with errno text), IoNotRegularFile,
    /// ShardedCheckpointDirectory for a directory named *.ckpt.
    static Result<std::unique_ptr<FileSource>> open(const std::string& path);
    ~FileSource() override;
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;

    std::uint64_t size() const override { return static_cast<std::uint64_t>(m_stat.st_size); }
    Status readAt(std::uint64_t offset, std::span<std::uint8_t> out) override;
    const std::string& name() const override { return m_path; }
    const struct stat& stat() const noexcept { return m_stat; }

private:
    FileSource(int fd, std::string path, const struct stat& st) : m_fd(fd), m_path(std::move(path)), m_stat(st) {}
    int m_fd;
    std::string m_path;
    struct stat m_stat;
};

} // namespace podium::fs

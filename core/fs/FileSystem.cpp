// SPDX-License-Identifier: GPL-3.0-or-later
#include "fs/FileSystem.h"

#include <algorithm>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

namespace podium::fs {

Error errnoError(int err, const std::string& path, const std::string& what)
{
    ErrorCode c = ErrorCode::FsFailed;
    switch (err) {
    case EEXIST: case ENOTEMPTY: c = ErrorCode::FsExists; break;
    case ENOENT: c = ErrorCode::FsNotFound; break;
    case EACCES: case EPERM: c = ErrorCode::FsPermission; break;
    case ENOSPC: case EDQUOT: c = ErrorCode::FsNoSpace; break;
    case EROFS: c = ErrorCode::FsReadOnly; break;
    default: break;
    }
    return Error(c, what + ": " + std::strerror(err)).inFile(path);
}

std::string parentOf(const std::string& path)
{
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

FileSystem& FileSystem::real()
{
    static FileSystem fs;
    return fs;
}

Status FileSystem::renameNoReplace(const std::string& from, const std::string& to)
{
    if (::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0)
        return {};
    const int e = errno;
    if (e != EINVAL && e != ENOSYS && e != ENOTSUP)
        return errnoError(e, from, "cannot rename to " + to);
    // No RENAME_NOREPLACE here (some network file systems): link() refuses an existing target too.
    if (::link(from.c_str(), to.c_str()) != 0)
        return errnoError(errno, from, "cannot link to " + to);
    if (::unlink(from.c_str()) != 0)
        return errnoError(errno, from, "linked to " + to + " but cannot remove the old name");
    return {};
}

Status FileSystem::renameReplace(const std::string& from, const std::string& to)
{
    if (::rename(from.c_str(), to.c_str()) != 0)
        return errnoError(errno, from, "cannot rename to " + to);
    return {};
}

Status FileSystem::syncDirectory(const std::string& dir)
{
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errnoError(errno, dir, "cannot open the folder to sync it");
    const int rc = ::fsync(fd);
    const int e = errno;
    ::close(fd);
    if (rc != 0 && e != EINVAL) // some file systems cannot fsync a directory; nothing more to do there
        return errnoError(e, dir, "cannot sync the folder");
    return {};
}

Status FileSystem::writeFileAtomic(const std::string& path, std::string_view bytes)
{
    const std::string dir = parentOf(path);
    std::random_device rd;
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, ".%08x.tmp", rd());
    const std::string tmp = dir + "/." + std::filesystem::path(path).filename().string() + suffix;
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return errnoError(errno, path, "cannot create a temporary file beside it");
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            return errnoError(e, path, "cannot write");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const int e = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        return errnoError(e, path, "cannot sync");
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        return errnoError(e, path, "cannot replace");
    }
    return syncDirectory(dir);
}

Status FileSystem::writeTail(const std::string& path, std::uint64_t offset, std::string_view bytes)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errnoError(errno, path, "cannot open for rewriting");
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            ::close(fd);
            return errnoError(e, path, "cannot write at offset " + std::to_string(offset + done));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::ftruncate(fd, static_cast<off_t>(offset + bytes.size())) != 0 || ::fsync(fd) != 0) {
        const int e = errno;
        ::close(fd);
        return errnoError(e, path, "cannot finish the rewrite");
    }
    ::close(fd);
    return {};
}

Status FileSystem::writeFileSpliced(const std::string& path, const std::string& source, std::uint64_t from,
                                    std::uint64_t to, std::string_view replacement)
{
    const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return errnoError(errno, source, "cannot open");
    struct stat st {};
    if (::fstat(in, &st) != 0 || to < from || static_cast<std::uint64_t>(st.st_size) < to) {
        ::close(in);
        return Error(ErrorCode::InvalidArgument, "the range to replace is not inside the file").inFile(source);
    }
    const std::string dir = parentOf(path);
    const std::string tmp = path + ".splice.tmp";
    ::unlink(tmp.c_str());
    const int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        const int e = errno;
        ::close(in);
        return errnoError(e, path, "cannot create a temporary file beside it");
    }
    auto fail = [&](int e, const std::string& what) {
        ::close(in);
        ::close(out);
        ::unlink(tmp.c_str());
        return errnoError(e, path, what);
    };
    auto writeAll = [&](const char* p, std::size_t n) {
        while (n > 0) {
            const ssize_t w = ::write(out, p, n);
            if (w < 0) { if (errno == EINTR) continue; return false; }
            p += w;
            n -= static_cast<std::size_t>(w);
        }
        return true;
    };
    std::vector<char> buf(1 << 20);
    auto copyRange = [&](std::uint64_t a, std::uint64_t b) {
        while (a < b) {
            const ssize_t r = ::pread(in, buf.data(), static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), b - a)), static_cast<off_t>(a));
            if (r < 0) { if (errno == EINTR) continue; return false; }
            if (r == 0) { errno = EIO; return false; }
            if (!writeAll(buf.data(), static_cast<std::size_t>(r))) return false;
            a += static_cast<std::uint64_t>(r);
        }
        return true;
    };
    if (!copyRange(0, from) || !writeAll(replacement.data(), replacement.size()) ||
        !copyRange(to, static_cast<std::uint64_t>(st.st_size)))
        return fail(errno, "cannot write the rewritten copy");
    if (::fsync(out) != 0)
        return fail(errno, "cannot sync");
    ::close(in);
    ::close(out);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        return errnoError(e, path, "cannot put the rewritten copy in place");
    }
    return syncDirectory(dir);
}

Status FileSystem::symlink(const std::string& target, const std::string& linkPath)
{
    if (::symlink(target.c_str(), linkPath.c_str()) != 0)
        return errnoError(errno, linkPath, "cannot create a link to " + target);
    return {};
}

Status FileSystem::hardlink(const std::string& existing, const std::string& linkPath)
{
    if (::link(existing.c_str(), linkPath.c_str()) != 0)
        return errnoError(errno, linkPath, "cannot create a hard link to " + existing);
    return {};
}

Status FileSystem::remove(const std::string& path)
{
    if (::unlink(path.c_str()) != 0)
        return errnoError(errno, path, "cannot remove");
    return {};
}

Status FileSystem::makeDirectories(const std::string& dir)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return errnoError(ec.value(), dir, "cannot create the folder");
    return {};
}

Status FileSystem::removeOwnTree(const std::string& dir)
{
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (it->path().extension() == ".ckpt")
            return Error(ErrorCode::FsFailed, "refusing to remove a folder that holds a checkpoint (" + it->path().string() + ")").inFile(dir);
    std::filesystem::remove_all(dir, ec);
    if (ec)
        return errnoError(ec.value(), dir, "cannot remove");
    return {};
}

Status FileSystem::setModificationTime(const std::string& path, std::int64_t mtimeNs)
{
    const struct timespec times[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(mtimeNs / 1000000000), static_cast<long>(mtimeNs % 1000000000)}};
    if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0)
        return errnoError(errno, path, "cannot set the modification time of");
    return {};
}

Result<std::string> FileSystem::readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return errnoError(errno ? errno : ENOENT, path, "cannot read");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool FileSystem::exists(const std::string& path)
{
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

bool FileSystem::isSymlink(const std::string& path)
{
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

Status replaceLink(FileSystem& fs, const std::string& target, const std::string& linkAbs)
{
    const std::string dir = parentOf(linkAbs);
    const std::string name = std::filesystem::path(linkAbs).filename().string();
    if (FileSystem::exists(linkAbs) && !FileSystem::isSymlink(linkAbs))
        return Error(ErrorCode::FsExists, "'" + name + "' is a real file, not a link").inFile(linkAbs);
    if (!FileSystem::exists(linkAbs)) {
        auto st = fs.symlink(target, linkAbs);
        if (!st && (st.error().code == ErrorCode::FsPermission || st.error().code == ErrorCode::FsFailed)) {
            // file systems without symlinks (some FUSE/SMB mounts): a hard link serves the same purpose
            if (auto h = fs.hardlink(dir + "/" + target, linkAbs); !h)
                return Error(h.error().code, "neither a symlink nor a hard link is possible here: " + h.error().detail).inFile(linkAbs);
            return fs.syncDirectory(dir);
        }
        if (!st)
            return st;
        return fs.syncDirectory(dir);
    }
    // Replace an existing link atomically: a new link under a temporary name, renamed over the old one.
    std::random_device rd;
    const std::string tmp = dir + "/.podium-link-" + std::to_string(rd() & 0xFFFFFF) + ".tmp";
    if (auto st = fs.symlink(target, tmp); !st)
        return st;
    if (auto st = fs.renameReplace(tmp, linkAbs); !st) {
        (void)fs.remove(tmp);
        return st;
    }
    return fs.syncDirectory(dir);
}

} // namespace podium::fs

// SPDX-License-Identifier: GPL-3.0-or-later
// FileSystem: every persistent write of the core goes through here (Note [every write through core/fs]).
//
// - writeFileAtomic: temp file in the same directory → write → fsync → rename over the target → fsync the
//   directory. A reader sees the old or the new file, never a torn one; after return it survives a crash.
//   (Qt's QSaveFile does not fsync the directory; KeePassXC's Database::performSave has the same note.)
// - renameNoReplace: renameat2(RENAME_NOREPLACE); on file systems without it, link() + unlink() — both
//   fail when the target exists, so a checkpoint is never replaced.
// - The class is a seam: tests substitute a FileSystem that fails (or "crashes") after N operations.
#pragma once

#include "util/Result.h"

#include <string>
#include <string_view>
#include <vector>

namespace podium::fs {

class FileSystem {
public:
    virtual ~FileSystem() = default;

    /// The real file system.
    static FileSystem& real();

    /// Renames `from` to `to`; FsExists when `to` exists (nothing changes then).
    virtual Status renameNoReplace(const std::string& from, const std::string& to);
    /// Renames `from` over `to`, replacing it: only for Podium's own files (journal, manifest, links).
    virtual Status renameReplace(const std::string& from, const std::string& to);
    virtual Status writeFileAtomic(const std::string& path, std::string_view bytes);
    virtual Status syncDirectory(const std::string& dir);
    /// Writes `bytes` at `offset` of the existing file `path`, cuts the file just after them and fsyncs it
    /// (the embedded-state rewrite: a new tail behind bytes that stay where they are). Never creates a file.
    virtual Status writeTail(const std::string& path, std::uint64_t offset, std::string_view bytes);
    /// Creates `path` atomically (temporary file, fsync, rename, fsync of the directory) as a copy of `source`
    /// whose bytes [from, to) are replaced by `replacement` — a whole-file rewrite, copied in 1 MiB chunks.
    virtual Status writeFileSpliced(const std::string& path, const std::string& source, std::uint64_t from,
                                    std::uint64_t to, std::string_view replacement);
    /// Creates symlink `linkPath` whose text is `target`; FsExists when `linkPath` exists.
    virtual Status symlink(const std::string& target, const std::string& linkPath);
    /// Creates a hard link; FsExists when `linkPath` exists.
    virtual Status hardlink(const std::string& existing, const std::string& linkPath);
    /// Removes a file or a symlink (never used on a checkpoint).
    virtual Status remove(const std::string& path);
    virtual Status makeDirectories(const std::string& dir);
    /// Removes a folder Podium made for itself (a scratch copy of a remote tree's logs) and all in it.
    /// Refuses a folder holding a checkpoint (*.ckpt): those are never deleted.
    virtual Status removeOwnTree(const std::string& dir);
    /// Sets a file's modification time (a local copy of a remote object keeps the object's time).
    virtual Status setModificationTime(const std::string& path, std::int64_t mtimeNs);

    // Reading (not a seam for failures, but here so callers need one object)
    static Result<std::string> readFile(const std::string& path);
    static bool exists(const std::string& path);
    static bool isSymlink(const std::string& path);
};

/// Points the symlink `linkAbs` at `target` (relative text): creates it, or replaces an existing symlink
/// atomically (new link under a temporary name, renamed over). A regular file there is never replaced:
/// FsExists. Where symlinks are impossible, a hard link to the target.
Status replaceLink(FileSystem& fs, const std::string& target, const std::string& linkAbs);

/// Maps errno to the core's codes (FsExists, FsNotFound, FsPermission, FsNoSpace, FsReadOnly, FsFailed).
Error errnoError(int err, const std::string& path, const std::string& what);

/// The directory part of a path ("." when none).
std::string parentOf(const std::string& path);

} // namespace podium::fs

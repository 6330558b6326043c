// SPDX-License-Identifier: GPL-3.0-or-later
// S3SyncExecutor: sync::SyncExecutor for an S3 prefix — the embedded ModelCheckpoint state rewritten so that it
// names the objects as they are now. An object cannot be written in place: each checkpoint is replaced by a
// multipart upload of itself whose parts copy its unchanged bytes server-side (UploadPartCopy with a byte
// range) and upload only what changes — for a torch zip the new tail (data.pkl record, central directory, end
// records), for the legacy format the new main pickle padded to S3's 5 MiB part minimum with the bytes that
// follow it. So the bytes sent stay O(tail), not O(file); an object under 5 MiB is uploaded whole (a ranged read
// of it, then one PUT). The new object replaces the old atomically when the upload completes.
//
// Journaled like on disk (S3Journal): the old and new bytes of every file are stored under
// `<dir>/.podium/sync/<id>/` before the first checkpoint is replaced; recovery tells old from new by size,
// ETag and the bytes at the changed range; undo writes the old bytes back the same way (kind "unsync").
#pragma once

#include "remote/S3Journal.h"
#include "sync/StateSync.h"

#include <functional>
#include <map>

namespace podium::remote {

/// Plans the sync of every checkpoint object directly in `dir` (relative to the store's location), read by
/// ranges. `objects`: that directory's objects by name. The rename map comes from the directory's history
/// (S3Journal::pull first) unless `config.renamed` is set.
sync::SyncPlan planS3Sync(S3Store& store, const std::string& dir, const std::map<std::string, RemoteObject>& objects,
                          sync::SyncConfig config);

class S3SyncExecutor {
public:
    explicit S3SyncExecutor(S3Store& store) : m_store(store) {}
    /// Test seam, as S3RenameExecutor's: "tails", "journal", "write", "history".
    std::function<Status(std::string_view point)> crashPoint;

    /// Applies `plan` (from planS3Sync) in `dir`. Errors: JournalInterrupted, FsIdentityChanged, the store's.
    Result<sync::SyncReport> apply(const std::string& dir, const sync::SyncPlan& plan,
                                   const std::map<std::string, RemoteObject>& objects, const std::string& pairedWith = {},
                                   bool rebased = false);
    /// Writes the old bytes back (journal kind "unsync") and marks `sync` undone.
    Result<sync::SyncReport> undo(const std::string& dir, const rename::Journal& sync);
    /// Completes an interrupted sync (or unsync), or with `rollback` restores what was there before it.
    Result<sync::SyncReport> recover(const std::string& dir, const rename::Journal& interrupted, bool rollback);

private:
    enum class FileState { Old, New, Unknown };
    Result<FileState> stateOf(S3Journal& journal, const rename::JournalRewrite& w, const std::vector<std::uint8_t>& oldBytes,
                              const std::vector<std::uint8_t>& newBytes);
    /// Replaces the bytes of `w` in the object: `from` (what is there now) by `to`.
    Result<std::uint64_t> rewrite(S3Journal& journal, const rename::JournalRewrite& w, const std::vector<std::uint8_t>& from,
                                  const std::vector<std::uint8_t>& to);
    Result<sync::SyncReport> run(S3Journal& journal, rename::Journal& j);
    Status crash(std::string_view point) { return crashPoint ? crashPoint(point) : Status{}; }
    S3Store& m_store;
};

/// `podium-cli undo` in an S3 directory: the last sync (and the rename it was paired with) or rename.
Result<std::string> undoLastS3(S3Store& store, const std::string& dir);
/// `podium-cli recover` in an S3 directory, whatever was interrupted. Errors: NothingToUndo, JournalBad.
Result<std::string> recoverAnyS3(S3Store& store, const std::string& dir, bool rollback);

} // namespace podium::remote

// SPDX-License-Identifier: GPL-3.0-or-later
// S3RenameExecutor: rename::RenameExecutor for an S3 prefix. S3 has no rename: each step copies the object
// server-side (CopyObject; above 5 GB a multipart upload of UploadPartCopy parts), confirms the copy (its size,
// and its ETag — a plain copy keeps the source's), and only then deletes the source. So at every moment each
// checkpoint exists under its old name, its new name, or both; never under neither.
//
// The journal is S3Journal's (objects under `<dir>/.podium/` plus a local copy), durable before the first copy,
// advanced after each step. Recovery reads each step's state off the bucket, not off the journal's count: the
// object at the step's source and at its target, matched by ETag and size — the source alone (not done), the
// target alone (done), both (copied, not deleted: completing deletes the source, rolling back the copy).
//
// S3 has no "copy unless the target exists": the target is looked up (HEAD) right before each copy, which
// leaves a window in which another writer could take the name; Podium's own temporaries are hidden names no
// training writes.
#pragma once

#include "remote/S3Journal.h"
#include "rename/RenameExecutor.h"

#include <functional>
#include <map>

namespace podium::remote {

struct S3ApplyOptions {
    bool force = false;               ///< apply even when a checkpoint was written in the last `activeSeconds`
    std::int64_t activeSeconds = 60;
};

class S3RenameExecutor {
public:
    explicit S3RenameExecutor(S3Store& store) : m_store(store) {}

    /// Test seam: asked before every change to the bucket ("journal", "copy", "delete", "history"); an error
    /// stops the operation there, as a crash would, leaving the journal as it is.
    std::function<Status(std::string_view point)> crashPoint;

    /// Applies `plan` in `dir` (relative to the store's location). `objects`: the listing's objects of the
    /// directory by name (their ETags are what is checked). Errors: JournalInterrupted, FolderActive,
    /// FsIdentityChanged, RemoteTaken, RemoteNotConfirmed, the store's.
    Result<rename::ApplyReport> apply(const std::string& dir, const rename::RenamePlan& plan,
                                      const std::map<std::string, RemoteObject>& objects, const S3ApplyOptions& options = {});
    /// Completes (or rolls back) the interrupted rename in `dir`. Errors: NothingToUndo, JournalBad.
    Result<rename::RecoveryReport> recover(const std::string& dir, bool rollback = false);
    /// Reverses the last applied rename of `dir`. Errors: NothingToUndo, JournalInterrupted, PlanConflict, FsIdentityChanged.
    Result<rename::ApplyReport> undo(const std::string& dir);

    /// The objects directly in `dir`, by their name in it (namesOf: what planRename must not collide with).
    Result<std::map<std::string, RemoteObject>> objectsIn(const std::string& dir);
    static std::vector<std::string> namesOf(const std::map<std::string, RemoteObject>& objects);

private:
    enum class StepState { NotDone, Copied, Done, Unknown };
    StepState stateOf(const std::string& dir, const rename::Step& step, const rename::JournalMove& move);
    Status moveObject(const std::string& dir, const std::string& from, const std::string& to, const rename::JournalMove& move);
    Status confirmAndDelete(const std::string& dir, const std::string& from, const std::string& to, const rename::JournalMove& move);
    Result<rename::ApplyReport> run(S3Journal& journal, rename::Journal j);
    Status crash(std::string_view point) { return crashPoint ? crashPoint(point) : Status{}; }
    bool sameObject(const RemoteObject& o, const rename::JournalMove& move) const;
    S3Store& m_store;
};

} // namespace podium::remote

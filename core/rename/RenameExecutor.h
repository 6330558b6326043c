// SPDX-License-Identifier: GPL-3.0-or-later
// RenameExecutor: applies a RenamePlan on disk, recovers an interrupted one, undoes the last one.
// Nothing here can lose or clobber a checkpoint: every move is a no-replace rename, a file whose identity
// changed since the scan stops the plan before anything moves, and the journal (RenameJournal.h) is durable
// before the first move (Note [journal before rename]).
#pragma once

#include "fs/FileSystem.h"
#include "rename/RenameJournal.h"

#include <map>

namespace podium::rename {

struct ApplyOptions {
    bool force = false;                 ///< apply even when the folder looks active
    std::int64_t activeSeconds = 60;    ///< a checkpoint modified this recently means training still writes
};

struct ApplyReport {
    std::string journalId;
    std::vector<JournalMove> moved;
};

struct RecoveryReport {
    std::string journalId;
    std::string action;                 ///< "completed" | "rolled back"
    std::size_t stepsDone = 0;          ///< steps performed by the recovery
};

/// The scan's identities of the files in `directory` (folder-relative), by file name: what apply() checks.
std::map<std::string, ranking::FileIdentity> identitiesIn(const ranking::ScanResult& scan, const std::string& directory);
/// Every name in a directory (files, links, folders): what planRename() must not collide with.
std::vector<std::string> namesInDirectory(const std::string& dirAbs);

class RenameExecutor {
public:
    explicit RenameExecutor(fs::FileSystem& fs = fs::FileSystem::real()) : m_fs(fs) {}

    /// Applies `plan` in `dir` (absolute path of plan.directory). `identities` are the scan's identities of
    /// the files by name. Errors: JournalInterrupted (recover first), FolderActive, FsIdentityChanged,
    /// PlanConflict, the file system's errors (each with the file).
    Result<ApplyReport> apply(const std::string& dir, const RenamePlan& plan,
                              const std::map<std::string, ranking::FileIdentity>& identities,
                              const ApplyOptions& options = {});

    /// Completes (or, with `rollback`, reverses) the interrupted plan in `dir`. Errors: NothingToUndo when
    /// there is none, JournalBad when the directory no longer matches the journal.
    Result<RecoveryReport> recover(const std::string& dir, bool rollback = false);

    /// Reverses the last applied rename in `dir`. Errors: NothingToUndo, JournalInterrupted, PlanConflict
    /// (an original name is taken again), FsIdentityChanged.
    Result<ApplyReport> undo(const std::string& dir, const ApplyOptions& options = {});

private:
    Result<ApplyReport> run(const std::string& dir, Journal journal, const ApplyOptions& options);
    Status finish(const std::string& dir, Journal& journal);
    Status requireNoInterrupted(const std::string& dir) const;
    Status markUndone(const std::string& dir, const std::string& originalId, const std::string& undoId);
    fs::FileSystem& m_fs;
};

} // namespace podium::rename

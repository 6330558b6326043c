// SPDX-License-Identifier: GPL-3.0-or-later
// StateSync: rewrite the ModelCheckpoint state embedded in checkpoints so that its paths name the files as
// they are now — after Podium renamed them (the rename history), and, with `rebase`, in the folder where they
// are now (a run copied from a cluster resumes with its top-k intact instead of Lightning's "The dirpath has
// changed … won't be reloaded").
//
// What changes, per ModelCheckpoint state in checkpoint["callbacks"]: `dirpath`, `best_model_path`,
// `kth_best_model_path`, `last_model_path` and the keys of `best_k_models`. A path under the embedded dirpath
// keeps its place but gets the file's current name (and, rebased, the current directory); other paths are
// left alone. Only those string opcodes are patched (pickle/PicklePatch); every other byte of the pickle, and
// every tensor record of the zip, stays as it was (zip/ZipRewrite). The legacy (non-zip) format has no
// directory to re-point, so such a file is rewritten whole — a copy with the main pickle replaced, put in place
// by rename — and the original is kept (a hard link under .podium/sync/) for undo: it costs the file's size on
// disk until the history is pruned.
//
// planSync is pure with respect to the disk (it reads, never writes); SyncExecutor (below) applies a plan
// under a journal, undoes it and recovers an interrupted one.
#pragma once

#include "fs/FileSystem.h"
#include "util/ByteSource.h"
#include "rename/RenameJournal.h"
#include "zip/ZipRewrite.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace podium::sync {

struct PathChange {
    std::string field;  ///< "dirpath", "best_model_path", "best_k_models", ...
    std::string from;
    std::string to;
};

struct FileSync {
    std::string file;                  ///< name in the directory
    ranking::FileIdentity identity;
    std::vector<PathChange> changes;   ///< empty: the file already says the right thing
    std::size_t edits = 0;             ///< string opcodes patched (a memoised string counts once)
    zip::TailRewrite rewrite;          ///< zip: the new tail
    bool whole = false;                ///< legacy: the file is rewritten whole
    std::uint64_t spliceFrom = 0, spliceTo = 0; ///< legacy: the main pickle's bytes in the file
    std::vector<std::uint8_t> replacement;       ///< legacy: the patched main pickle
    std::uint64_t bytesToWrite() const noexcept
    {
        return whole ? identity.size - (spliceTo - spliceFrom) + replacement.size() : rewrite.tail.size();
    }
};

struct SyncConfig {
    bool rebase = false;
    /// Embedded file name → current file name in this directory. Unset: planSync reads it from the
    /// directory's rename history (rename::renameMap) — what every caller wants except tests.
    std::optional<std::map<std::string, std::string>> renamed;
    /// Sets best_model_path of every state to this file of the directory (the pin), when not empty. Only
    /// that reference changes (pickle::KeyedEdits): best_k_models keeps its keys. best_model_score, a tensor,
    /// is left as it is.
    std::string bestModelFile;
};

struct SyncPlan {
    std::string directory;             ///< absolute
    std::vector<FileSync> files;       ///< only files that change
    std::vector<Error> skipped;        ///< checkpoints that could not be planned (named, with why)
    bool empty() const noexcept { return files.empty(); }
};

/// Plans the rewrite of every checkpoint file (`*.ckpt`, not links) directly in `dirAbs`. Errors reading
/// the rename history are reported in `skipped`.
SyncPlan planSync(const std::string& dirAbs, const SyncConfig& config);

/// The same for one file (for tests and the fuzz target). Errors: the reader's.
Result<FileSync> planFileSync(const std::string& path, const SyncConfig& config);
/// The same for any byte source (a remote object): `file` its name in `directory`, the location a rebase
/// writes (an absolute path, or an s3:// URL as Lightning's fsspec dirpaths are).
Result<FileSync> planSourceSync(ByteSource& source, const std::string& file, const ranking::FileIdentity& identity,
                                const std::string& directory, const SyncConfig& config);

struct SyncReport {
    std::string journalId;
    std::size_t files = 0;
    std::uint64_t bytesWritten = 0;    ///< into checkpoint files (tails), excluding the journal's copies
};

class SyncExecutor {
public:
    explicit SyncExecutor(fs::FileSystem& fs = fs::FileSystem::real()) : m_fs(fs) {}
    /// Called before each file is prepared (done files, total, the file's name, bytes it will write): a whole
    /// legacy rewrite copies the file, which takes a while for large ones.
    std::function<void(std::size_t done, std::size_t total, const std::string& file, std::uint64_t bytes)> progress;
    /// Asked before each file is prepared: true stops the sync with Cancelled before any checkpoint changed
    /// (what was prepared stays under .podium/sync/, like after any failure of that phase).
    std::function<bool()> cancelled;
    /// Applies `plan` under a journal (kind "sync"). The tails (old and new) are durable beside the journal
    /// before the first checkpoint is touched. Errors: JournalInterrupted, FsIdentityChanged, the file system's.
    Result<SyncReport> apply(const SyncPlan& plan, const std::string& pairedWith = {}, bool rebased = false);
    /// Writes the original tails back (journal kind "unsync") and marks the sync undone.
    Result<SyncReport> undo(const std::string& dirAbs, const rename::Journal& sync);
    /// Completes an interrupted sync, or with `rollback` restores the original bytes.
    Result<SyncReport> recover(const std::string& dirAbs, const rename::Journal& interrupted, bool rollback);

private:
    Status writeJournal(const std::string& dirAbs, const rename::Journal& j);
    Status finish(const std::string& dirAbs, rename::Journal& j);
    /// Puts `copyRel` (a file under .podium/sync/) in place of `file` by link + rename, keeping the copy.
    Status install(const std::string& dirAbs, const std::string& copyRel, const std::string& file);
    fs::FileSystem& m_fs;
};

/// Undo for a directory: the last thing Podium did there — a sync (and the rename it was paired with), or a
/// rename. Errors: NothingToUndo, the executors'.
Result<std::string> undoLast(fs::FileSystem& fs, const std::string& dirAbs);
/// Recovery for a directory whatever was interrupted (a rename or a sync). Errors: NothingToUndo, JournalBad.
Result<std::string> recoverAny(fs::FileSystem& fs, const std::string& dirAbs, bool rollback);

} // namespace podium::sync

// SPDX-License-Identifier: GPL-3.0-or-later
// FolderScan: read every checkpoint in a folder, in parallel, cancellable, re-reading only what changed.
//
// - Lists `*.ckpt` in the folder (and below it with `recursive`; hidden folders such as Podium's own
//   `.podium/` are skipped). A directory named *.ckpt (DeepSpeed/FSDP shards) is listed with its error.
// - Symlinks (Lightning's save_last='link', Podium's rank links) are listed as links to their target and
//   not read a second time when the target is in the folder.
// - Files are read on a bounded pool of threads; `progress(done, total)` is called after each file (from a
//   worker thread, never concurrently) and returning false cancels the scan.
// - A FolderScanner remembers what it read: a rescan re-reads only files whose size, mtime or inode changed.
// - One unreadable file never hides the others: it is listed with its Error.
#pragma once

#include "checkpoint/CheckpointReader.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace podium::ranking {

struct FileIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t size = 0;
    std::int64_t mtimeNs = 0;
    bool operator==(const FileIdentity&) const = default;
};

struct ScannedFile {
    std::string path;          ///< folder + "/" + relPath
    std::string relPath;       ///< relative to the scanned folder, '/'-separated
    FileIdentity identity;
    bool isSymlink = false;
    std::string linkTarget;    ///< the link's text as stored
    std::string linkTargetRel; ///< the target relative to the folder, when it is inside it ("" otherwise)
    bool linkStoredAsText = false; ///< a link checked out as a plain file holding the target's name
    std::shared_ptr<const checkpoint::Checkpoint> checkpoint; ///< shared with the rescan cache, never copied
    std::optional<Error> error;
    /// The safety verdict of what torch.load would unpickle (also for a file that could not be read).
    safety::Verdict verdict = safety::Verdict::Safe;
    std::string verdictSummary;
    bool ok() const noexcept { return checkpoint != nullptr; }
};

/// A persistent store of what reading files gave, keyed by absolute path and identity (index/ScanIndex
/// implements it with SQLite). A scan asks it before reading a file and tells it what it read; whatever
/// the cache answers must be what reading the file again would give (it checks the identity and the
/// detail), so a scan through it ranks exactly as one without it.
class ScanCache {
public:
    virtual ~ScanCache() = default;
    /// Before the lookups of one scan of `folderAbs` (absolute, normal): a chance to load its records at once.
    virtual void prepare(const std::string& folderAbs, bool recursive) = 0;
    /// Fills `f`'s read part (checkpoint, error, verdict) when a record for `absPath` with `f.identity` and at
    /// least `detail` exists.
    virtual bool lookup(const std::string& absPath, ScannedFile& f, checkpoint::Detail detail) = 0;
    /// After the scan: the files it read, by absolute path, and every path it listed (so that records of
    /// files gone from the folder are dropped).
    virtual void store(const std::string& folderAbs, bool recursive,
                       const std::vector<std::pair<std::string, const ScannedFile*>>& read,
                       const std::vector<std::string>& listedAbs, checkpoint::Detail detail) = 0;
};

struct ScanOptions {
    bool recursive = false;
    unsigned threads = 0; ///< 0: one per core, at most 8
    std::function<bool(std::size_t done, std::size_t total)> progress;
    /// Called with each file right after it is read (before `progress`, serialized the same way): lets a
    /// viewer show rows as they arrive.
    std::function<void(const ScannedFile&)> fileRead;
    checkpoint::ReadOptions read;
    /// Keep what was read for the next scan of this FolderScanner (a viewer rescans; a one-shot command
    /// has nothing to gain from copying every result into the cache).
    bool remember = true;
    /// A persistent cache to consult and fill (nullptr: none). Used only with the default reading limits.
    ScanCache* cache = nullptr;
};

/// What a recursive listing saw besides checkpoints: one walk of a tree serves the scan, run discovery
/// (runs/RunTree) and the rename journals. Directories whose name starts with "." and directories named
/// *.ckpt (sharded checkpoints) are not entered; their presence is noted where it matters.
struct TreeListing {
    std::vector<std::string> dirs;        ///< every directory entered, folder-relative ("" = the folder), walk order
    std::vector<std::string> hydraDirs;   ///< directories holding a .hydra/ folder, walk order
    std::vector<std::string> journalDirs; ///< directories holding a .podium/ folder (Podium's journal), sorted
    /// Log and configuration files (metrics.csv, events.out.tfevents.*, hparams.yaml, config.yaml),
    /// folder-relative, walk order.
    std::vector<std::string> treeFiles;
};

struct ScanResult {
    std::string folder;
    /// Recursive scans only: the rest of what the walk saw (nullptr for a one-folder scan).
    std::shared_ptr<const TreeListing> tree;
    std::vector<ScannedFile> files; ///< sorted by relPath
    bool cancelled = false;
    std::size_t reread = 0;         ///< files actually read in this scan (the rest came from a cache)
    std::size_t fromIndex = 0;      ///< files whose results came from the persistent cache
    const ScannedFile* find(std::string_view relPath) const noexcept;
};

/// Lists the checkpoint files of `folder` (no reading). With `recursive`, `tree` (when given) receives the
/// rest of what the walk saw. Errors: FsNotFound, FsPermission.
Result<std::vector<ScannedFile>> listCheckpoints(const std::string& folder, bool recursive, TreeListing* tree = nullptr);

class FolderScanner {
public:
    /// Scans `folder`. Thread-safe with respect to itself (one scan at a time per scanner).
    Result<ScanResult> scan(const std::string& folder, const ScanOptions& options = {});

private:
    std::mutex m_mutex;
    std::map<std::string, ScannedFile> m_cache; ///< by path
};

/// Fills `f`'s read part (checkpoint or error, verdict) from what reading it gave; errors name `f.path`.
void takeJudged(ScannedFile& f, checkpoint::Judged&& judged);

/// A symbolic link stored as a plain file (git with core.symlinks=false, copy tools, object stores): when
/// `f` failed as not-a-checkpoint and its few bytes are a `.ckpt` name, that name ("" otherwise). The caller
/// decides whether the name is a file beside it.
std::string textLinkTarget(const ScannedFile& f, ByteSource& src);

/// The identity (device, inode, size, mtime) of `path` without following a final symlink.
Result<FileIdentity> identityOf(const std::string& path, bool followLinks = true);

} // namespace podium::ranking

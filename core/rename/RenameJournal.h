// SPDX-License-Identifier: GPL-3.0-or-later
// RenameJournal: the record that makes a rename crash-safe and undoable. Format: docs/journal.md.
//
// Where: `<dir>/.podium/journal.json` while a plan runs (dir = the directory whose files move), then
// `<dir>/.podium/history/<id>.json` once it is applied or rolled back. Written atomically (core/fs).
// Note [journal before rename]: the journal, with every step and each file's identity (device, inode, size,
// mtime), is durable before the first rename; each step is recorded after it happened. Recovery does not
// trust the progress count alone: a file keeps its inode across rename(2), so each step's state is read off
// the directory (is the file at its source or at its target?).
#pragma once

#include "ranking/FolderScan.h"
#include "rename/RenamePlan.h"

#include <nlohmann/json.hpp>
#include <map>
#include <optional>

namespace podium::rename {

struct JournalMove {
    std::string from;
    std::string to;
    int rank = 0;
    ranking::FileIdentity identity;
    std::string etag;               ///< on S3: the object's ETag (its identity; a server-side copy keeps it)
};

/// One checkpoint whose embedded state a "sync" journal rewrites: the file keeps its first `keep` bytes; the
/// tail after them is replaced. Both tails are kept beside the journal (`.podium/sync/<id>/`), so recovery and
/// undo can write either one back.
struct JournalRewrite {
    std::string file;               ///< name in the directory
    ranking::FileIdentity identity; ///< before the rewrite (device and inode stay; size and mtime change)
    std::uint64_t keep = 0;
    std::uint64_t oldSize = 0;
    std::uint64_t newSize = 0;
    std::string oldTail;            ///< path of the original tail, relative to the directory
    std::string newTail;            ///< path of the new tail, relative to the directory
    std::size_t edits = 0;          ///< strings changed
    /// A whole-file rewrite (the legacy format): oldTail/newTail are then complete copies — a hard link to the
    /// original and the rewritten file — installed by link + rename; the file's inode changes.
    bool whole = false;
    std::string etag;               ///< on S3: the object's ETag before the rewrite
};

struct Journal {
    std::string id;                 ///< sortable: 20261130T192500Z-<random>
    std::string kind = "rename";    ///< "rename" | "undo" | "sync" | "unsync"
    std::string created;            ///< ISO 8601 UTC
    std::string directory;          ///< absolute path where the files are
    std::string monitor;
    std::string state = "applying"; ///< "applying" | "applied" | "rolled_back"
    std::string undoes;             ///< for kind "undo": the id it reverses
    std::string undoneBy;           ///< set on a plan that an undo reversed
    std::vector<JournalMove> moves;
    std::vector<Step> steps;
    std::size_t completed = 0;      ///< steps (or, for "sync", rewrites) recorded as done
    std::vector<JournalRewrite> rewrites; ///< kind "sync" / "unsync"
    std::string pairedWith;         ///< a "sync" made by `rename --sync-state`: the rename it belongs to
    bool rebased = false;           ///< a "sync" that also replaced the embedded directory

    nlohmann::json toJson() const;
    static Result<Journal> fromJson(const nlohmann::json& j, const std::string& file);
};

std::string journalDir(const std::string& dir);       ///< <dir>/.podium
std::string journalPath(const std::string& dir);      ///< <dir>/.podium/journal.json
std::string historyDir(const std::string& dir);       ///< <dir>/.podium/history

/// The interrupted plan in `dir`, if any. Errors: JournalBad when the file cannot be read or parsed.
Result<std::optional<Journal>> readInterrupted(const std::string& dir);
/// Every finished plan of `dir`, oldest first.
Result<std::vector<Journal>> readHistory(const std::string& dir);

/// Old name -> current name in `dir` after every applied plan of its history (renames and undos, in
/// order) — since the last applied sync, which made the embedded names the names of its time. Names are
/// file names within `dir`; names Podium did not move are absent.
Result<std::map<std::string, std::string>> renameMap(const std::string& dir);

/// The same for every directory of a scan, as folder-relative paths (what RankConfig::renamed wants).
Result<std::map<std::string, std::string>> renameMapForScan(const ranking::ScanResult& scan);

std::string newJournalId();
std::string nowIso8601();

} // namespace podium::rename

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
};

struct Journal {
    std::string id;                 ///< sortable: 20261130T192500Z-<random>
    std::string kind = "rename";    ///< "rename" | "undo"
    std::string created;            ///< ISO 8601 UTC
    std::string directory;          ///< absolute path where the files are
    std::string monitor;
    std::string state = "applying"; ///< "applying" | "applied" | "rolled_back"
    std::string undoes;             ///< for kind "undo": the id it reverses
    std::string undoneBy;           ///< set on a plan that an undo reversed
    std::vector<JournalMove> moves;
    std::vector<Step> steps;
    std::size_t completed = 0;      ///< steps recorded as done

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
/// order). Names are file names within `dir`; names Podium did not move are absent.
Result<std::map<std::string, std::string>> renameMap(const std::string& dir);

/// The same for every directory of a scan, as folder-relative paths (what RankConfig::renamed wants).
Result<std::map<std::string, std::string>> renameMapForScan(const ranking::ScanResult& scan);

std::string newJournalId();
std::string nowIso8601();

} // namespace podium::rename

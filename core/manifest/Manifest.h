// SPDX-License-Identifier: GPL-3.0-or-later
// Manifest: the ranking written down, so it survives the end of the training session.
// Schema: docs/manifest.schema.json (schema_version 1; fields are only ever added). JSON or CSV; written
// atomically through core/fs. Default location: `<DIR>/podium-manifest.json` (or `.csv`).
#pragma once

#include "fs/FileSystem.h"
#include "ranking/Ranking.h"
#include "rename/RenameJournal.h"

#include <nlohmann/json.hpp>
#include <optional>

namespace podium::manifest {

inline constexpr int kSchemaVersion = 1;

struct Pin {
    std::string file;      ///< folder-relative pinned checkpoint
    std::string link;      ///< folder-relative link that points to it
    std::string pinnedAt;  ///< ISO 8601 UTC
};

struct ManifestInput {
    const ranking::Ranking* ranking = nullptr;
    const ranking::ScanResult* scan = nullptr;      ///< for sizes and mtimes
    std::vector<std::pair<std::string, rename::Journal>> history; ///< (folder-relative directory, plan)
    std::optional<Pin> pin;
    std::map<std::string, std::string> sha256;      ///< folder-relative file -> hash, when asked for
    /// The runs of the tree (`podium-cli runs --json`'s "runs"), written as the manifest's "runs" when set.
    std::optional<nlohmann::json> runs;
};

/// Fills `in.history` and `in.pin` from the `.podium/` records of the folder and of every directory of
/// `scan` below it (unreadable records are skipped: the manifest reports what can be read).
void readFolderRecords(ManifestInput& in, const ranking::ScanResult& scan);
/// The pin of the scanned folder (or of a directory below it), if any, with the absolute directory it
/// lives in.
std::optional<std::pair<Pin, std::string>> findPin(const ranking::ScanResult& scan);

nlohmann::json toJson(const ManifestInput& in);
/// One row per ranked or unranked checkpoint: group,monitor,mode,rank,file,score,score_source,epoch,
/// global_step,size,mtime,sha256,status.
std::string toCsv(const ManifestInput& in);

/// Writes `bytes` to `path` atomically. Errors: the file system's (FsReadOnly, FsNoSpace, ...).
Status write(fs::FileSystem& fs, const std::string& path, std::string_view bytes);

/// Pins live in `<dir>/.podium/pin.json` of the directory that holds the pinned file.
Result<std::optional<Pin>> readPin(const std::string& dirAbs, const std::string& dirRel);
std::string pinPath(const std::string& dirAbs);

} // namespace podium::manifest

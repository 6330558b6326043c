// SPDX-License-Identifier: GPL-3.0-or-later
// Ranking: which checkpoint is the best, the 2nd best, ... for each ModelCheckpoint, from what the files
// themselves say. A pure function of a ScanResult and a config: no I/O.
//
// The rules (also in the README, "How ranking decides"):
//  1. Groups. One group per ModelCheckpoint identity: its state key (Lightning >= 1.5), or for 1.4 files the
//     callback class + monitor. Its files live in the folder directory where most of the names its state
//     mentions exist (the embedded dirpath is from the training machine; the folder has usually moved).
//  2. Members and scores. The authority is the newest checkpoint (highest global_step, then newest mtime)
//     that carries the group's state: its best_k_models is the top-k as Lightning last knew it. Embedded
//     absolute paths are matched to files by their name relative to the embedded dirpath. A file's own
//     current_score counts only when the file was saved by this callback as a top-k entry (its own
//     best_k_models lists itself with that score): current_score goes stale in last.ckpt and in files
//     another callback wrote.
//  3. Without callback state (save_weights_only=True) scores come from the file name
//     (`epoch=3-step=16-val_loss=0.730`, or the monitor's name followed by a number for
//     auto_insert_metric_name=False templates) — or from a metrics table joined on global_step.
//  4. Mode: the state key's 'mode'; else kth_value (+inf: min, -inf: max, until top-k fills); else guessed
//     from the monitor's name like Keras' mode='auto' (acc, auc, f1, precision, recall, iou, map, score → max;
//     anything else → min) and reported as guessed; the user's --mode overrides all.
//  5. Order: best first by mode; NaN last (Lightning itself stores a NaN score as +inf for min, -inf for
//     max); ties keep the earlier global_step first (Lightning admits only strictly better scores).
//  6. Unranked, with the reason: last.ckpt ("last checkpoint"), files of the group's directory that are not
//     in the embedded top-k ("not in the embedded top-k: left over from an earlier run or evicted"), links.
//     Files Podium itself renamed are found through the rename history (RankConfig::renamed).
//  7. Problems: stale entries (best_k_models names a file that is missing), files the state does not know,
//     a best_model_path that is not rank 1.
#pragma once

#include "ranking/FolderScan.h"

#include <map>
#include <nlohmann/json.hpp>

namespace podium::ranking {

using checkpoint::Mode;
using checkpoint::Score;

struct RankedEntry {
    int rank = 0;
    std::string file;         ///< relative to the folder
    Score score;
    std::string scoreSource;  ///< "best_k_models", "current_score", "filename", "metrics.csv"
    std::optional<std::int64_t> epoch;
    std::optional<std::int64_t> globalStep;
};

struct UnrankedEntry {
    std::string file;
    std::string reason;
};

struct Group {
    std::string stateKey;     ///< the ModelCheckpoint state key, or "filename:<monitor>" for weights-only folders
    std::string monitor;
    Mode mode = Mode::Unknown;
    std::string modeSource;   ///< "state_key", "kth_value", "guessed", "user"
    std::string directory;    ///< folder-relative directory of the group's files ("" = the folder itself)
    std::string embeddedDirpath;
    std::string authority;    ///< the file whose best_k_models decided membership ("" without state)
    std::optional<std::int64_t> saveTopK; ///< from the state key when present
    std::vector<RankedEntry> ranked;
    std::vector<UnrankedEntry> unranked;
    std::vector<std::string> problems;
    /// "val/loss ↓" style label for selectors.
    std::string label() const;
};

struct FileError {
    std::string file;
    Error error;
};

struct Ranking {
    std::string folder;
    std::vector<Group> groups;
    std::vector<FileError> errors;
    /// Groups whose monitor is `monitor` ("" = all).
    std::vector<const Group*> select(std::string_view monitor) const;
};

/// Metric values from the run's logs (metrics.csv), keyed by monitor name then global_step.
using MetricTable = std::map<std::string, std::map<std::int64_t, double>>;

struct RankConfig {
    std::string monitor;               ///< only groups with this monitor; also names the metric for weights-only files
    std::optional<Mode> mode;          ///< overrides the file's / guessed mode
    const MetricTable* metrics = nullptr;
    /// Podium's own renames (from the rename history): folder-relative old path -> current path. The
    /// embedded state still names the files as Lightning saved them; this maps those names to the files.
    const std::map<std::string, std::string>* renamed = nullptr;
};

/// True when a group has no callback state and some files found no score in their names: the run's logs
/// (metrics/MetricLog) may have them — rank again with RankConfig::metrics.
bool wantsMetricLogs(const Ranking& r);

Ranking rank(const ScanResult& scan, const RankConfig& config = {});

/// Keras-style mode guess from a monitor name.
Mode guessMode(std::string_view monitor) noexcept;

/// The value of `monitor` in a checkpoint file name (`...-val_loss=0.7300...`, `...acc0.821...`), or nullopt.
std::optional<double> scoreFromFilename(std::string_view filename, std::string_view monitor);

/// `rank --json` (the CLI contract).
nlohmann::json toJson(const Ranking& r);
/// One group of it (the manifest adds file facts to the same object).
nlohmann::json toJson(const Group& g);
/// The errors array of it.
nlohmann::json errorsJson(const Ranking& r);

} // namespace podium::ranking

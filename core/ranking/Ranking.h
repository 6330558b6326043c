// SPDX-License-Identifier: GPL-3.0-or-later
// Ranking: which checkpoint is the best, the 2nd best, ... for each ModelCheckpoint, from what the files
// themselves say. A pure function of a ScanResult and a config: no I/O.
//
// The rules (also in the README, "How ranking decides"):
//  1. Groups. One group per (directory, ModelCheckpoint identity): its state key (Lightning >= 1.5), or for
//     1.4 files the callback class + monitor — never a key across directories (every job of a sweep writes
//     the same key). The directory is the carrier's own, or the nearest ancestor where more of its top-k
//     names exist (filename templates with a '/'). Embedded paths may be POSIX or Windows (EmbeddedPath.h).
//  2. Members and scores. The authority is the newest checkpoint (highest global_step, then newest mtime)
//     that carries the group's state: its best_k_models is the top-k as Lightning last knew it (>= 1.5.7).
//     Embedded absolute paths are matched to files by their name relative to the embedded dirpath.
//     Lightning 1.0-1.5.6 store no top-k list: each top-k file's own current_score is its score (Lightning
//     deletes evicted files; last.ckpt holds the latest value and is left out); 0.x keep only the best score
//     at the top level. A score from a file name is rounded: the run's metrics.csv value at that step
//     replaces it when it agrees with the rounding.
//  3. Without callback state (save_weights_only=True) scores come from the file name
//     (`epoch=3-step=16-val_loss=0.730`, or the monitor's name followed by a number for
//     auto_insert_metric_name=False templates) — or from a metrics table joined on global_step.
//  4. Mode: the state key's 'mode'; else kth_value (+inf: min, -inf: max, until top-k fills); else the newest
//     best_model_score being the members' minimum or maximum (no top-k list); else guessed
//     from the monitor's name like Keras' mode='auto' (acc, auc, f1, precision, recall, iou, map, score → max;
//     anything else → min) and reported as guessed; the user's --mode overrides all.
//  5. Order: best first by mode; NaN last (Lightning itself stores a NaN score as +inf for min, -inf for
//     max); ties keep the earlier global_step first (Lightning admits only strictly better scores).
//  6. Unranked, with the reason: last.ckpt ("last checkpoint"), files of the group's directory that are not
//     in the embedded top-k ("not in the embedded top-k: left over from an earlier run or evicted"), links.
//     Files Podium itself renamed are found through the rename history (RankConfig::renamed).
//  7. Problems: stale entries (best_k_models names a file that is missing), files the state does not know,
//     a best_model_path that is not rank 1.
//  8. Every checkpoint appears: ranked or unranked (with its reason) in each group of its directory, in
//     Ranking::unranked when its directory has no group, or among the errors. Truncated files are never
//     ranked; each entry carries the file's safety verdict (ranking never refuses a suspicious file).
#pragma once

#include "ranking/FolderScan.h"

#include <functional>
#include <map>
#include <nlohmann/json.hpp>

namespace podium::ranking {

using checkpoint::Mode;
using checkpoint::Score;

struct RankedEntry {
    int rank = 0;
    std::string file;         ///< relative to the folder
    Score score;
    std::string scoreSource;  ///< "best_k_models", "current_score", "best_model_score", "filename", "metrics.csv"
    std::optional<std::int64_t> epoch;
    std::optional<std::int64_t> globalStep;
    safety::Verdict verdict = safety::Verdict::Safe; ///< the file's safety verdict
};

struct UnrankedEntry {
    std::string file;
    std::string reason;
    safety::Verdict verdict = safety::Verdict::Safe;
};

struct Group {
    std::string stateKey;     ///< the ModelCheckpoint state key, or "filename:<monitor>" for weights-only folders
    std::string monitor;
    Mode mode = Mode::Unknown;
    std::string modeSource;   ///< "state_key", "kth_value", "guessed", "user"
    std::string directory;    ///< folder-relative directory of the group's files ("" = the folder itself)
    std::string embeddedDirpath;
    std::string authority;    ///< the file whose best_k_models decided membership ("" without state)
    std::string run;          ///< the path of the run it belongs to (runs/RunTree; "" = the folder itself)
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
    std::vector<UnrankedEntry> unranked; ///< files of directories that have no group (plain state_dicts ...)
    std::vector<FileError> errors;
    /// Groups whose monitor is `monitor` ("" = all).
    std::vector<const Group*> select(std::string_view monitor) const;
};

/// Metric values from the run's logs (metrics.csv), keyed by monitor name then global_step.
using MetricTable = std::map<std::string, std::map<std::int64_t, double>>;

struct RankConfig {
    std::string monitor;               ///< only groups with this monitor; also names the metric for weights-only files
    std::optional<Mode> mode;          ///< overrides the file's / guessed mode
    const MetricTable* metrics = nullptr; ///< one table for every directory (when metricsFor gives none)
    /// The metrics of the run a folder-relative directory belongs to (its metrics.csv), or null.
    std::function<const MetricTable*(const std::string& directory)> metricsFor;
    const MetricTable* metricsOf(const std::string& directory) const;
    /// Podium's own renames (from the rename history): folder-relative old path -> current path. The
    /// embedded state still names the files as Lightning saved them; this maps those names to the files.
    const std::map<std::string, std::string>* renamed = nullptr;
};

/// True when some score came from a (rounded) file name or found none there: the run's logs
/// (metrics/MetricLog) may have the exact value — rank again with RankConfig::metrics/metricsFor.
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

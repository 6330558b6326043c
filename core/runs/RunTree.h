// SPDX-License-Identifier: GPL-3.0-or-later
// RunTree: the training runs of an experiment tree — Lightning log versions, Hydra jobs and sweeps,
// checkpoint folders — and which of them are one run (a resume continues a run; independent runs, even
// with equal hyper-parameters, never join). After ../shared/design/runs.md:
//
// Discovery
//   D1. A log stream is a directory holding metrics.csv, events.out.tfevents.*, hparams.yaml or config.yaml.
//   D2. A Hydra job is a directory whose .hydra/hydra.yaml has a top-level `hydra:` key (a sweep: a
//       directory with multirun.yaml); its parameters are its overrides.yaml; every log stream and
//       checkpoint directory under a job belongs to that job.
//   D3. A checkpoint belongs to the run whose directory holds it; a checkpoint folder outside any log
//       stream (an explicit dirpath) goes to the run whose logged steps cover its checkpoints' steps.
// One run or two
//   R1. An explicit pointer: config.yaml (LightningCLI) or the Hydra config/overrides has `ckpt_path`
//       naming a file of another run: resumed from it when the stream's steps continue, a warm start
//       ("derived from") when they start at 0.
//   R2. Step continuity: a stream whose first step is > 0 continues the run with equal hyper-parameters
//       whose last step (or newest checkpoint's global_step) is <= that first step.
//   R3. A shared dirpath: one checkpoint folder whose newest state lists files older than the second
//       stream's start joins the streams that wrote it.
//   Two loggers of one Trainer (CSV in <save_dir>/lightning_logs/version_0, TensorBoard in
//   <save_dir>/tensorboard/version_0, same steps) are one run.
// Pure but for reading the tree's small text files (YAML, metrics.csv, event files): no writes.
#pragma once

#include "metrics/MetricLog.h"
#include "ranking/Ranking.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace podium::runs {

/// A directory of logs (D1), folder-relative.
struct LogStream {
    std::string dir;
    std::vector<metrics::LogSource> sources;      ///< its metrics.csv / event files
    std::map<std::string, std::string> hparams;   ///< hparams.yaml, flattened ("model.lr" -> "0.001")
    std::optional<std::string> ckptPath;          ///< config.yaml's ckpt_path (LightningCLI)
    std::optional<std::int64_t> firstStep, lastStep, lastEpoch;
    std::int64_t newestMtimeNs = 0;
};

struct Run {
    std::string name;                      ///< path ("." for the folder itself) and Hydra overrides: "0 lr=0.01 seed=2"
    std::string path;                      ///< folder-relative ("" = the folder itself)
    std::vector<std::string> logDirs;      ///< the log streams joined into it, oldest first
    std::vector<std::string> checkpointDirs;
    std::string resumedFrom;               ///< the checkpoint it was resumed from (folder-relative), or ""
    std::string derivedFrom;               ///< a warm start's checkpoint, or ""
    std::map<std::string, std::string> params; ///< Hydra config / overrides, hparams.yaml, checkpoints' hyper_parameters
    std::vector<std::string> overrides;    ///< Hydra's overrides.yaml, as written
    std::optional<int> hydraJob;           ///< job.num
    std::optional<std::int64_t> epochs;    ///< epochs trained (last epoch + 1)
    std::optional<std::int64_t> steps;     ///< optimizer steps (the highest global_step or logged step)
    std::int64_t newestMtimeNs = 0;
    bool active = false;                   ///< a file of it was written in the last minute
};

struct RunTree {
    std::string folder;
    std::vector<Run> runs;                 ///< sorted by path
    std::vector<std::string> differs;      ///< parameter names whose values differ across runs
    std::vector<std::string> problems;
    std::vector<LogStream> streams;        ///< every log stream found

    /// The run a folder-relative directory (or file) belongs to, or -1.
    int runOf(std::string_view relPath) const;
    /// Makes runOf a lookup per path level instead of a search of every run (discoverRuns calls it; after
    /// changing `runs` call it again — a tree whose run count changed is searched).
    void indexDirectories();
    /// The run's own log files, oldest stream first (never another run's).
    std::vector<metrics::LogSource> logsOf(const Run& run) const;

private:
    std::unordered_map<std::string, int> m_owner; ///< directory -> run (the first run naming it)
    std::size_t m_ownerRuns = 0;                  ///< runs.size() when m_owner was made
};

/// A persistent store of facts derived from the tree's small text files (index/ScanIndex implements it):
/// a value remembered for (file, kind) is answered while the file's identity is unchanged.
class FactCache {
public:
    virtual ~FactCache() = default;
    /// Before the lookups of one discovery under `folderAbs` (absolute, normal).
    virtual void prepareFacts(const std::string& folderAbs) = 0;
    virtual std::optional<std::string> fact(const std::string& absPath, std::string_view kind) = 0;
    virtual void remember(const std::string& absPath, std::string_view kind, std::string value) = 0;
    /// Writes what was remembered.
    virtual void flush() = 0;
};

/// Finds the runs under `folder`. `scan` gives the checkpoint files (their directories, steps and states);
/// `nowNs` decides `active`.
/// `cache` (may be null) answers for the text files that did not change since they were last read.
RunTree discoverRuns(const std::string& folder, const ranking::ScanResult& scan, std::int64_t nowNs,
                     FactCache* cache = nullptr);

/// Sets each group's `run` (the run's path) from the tree.
void assignRuns(ranking::Ranking& ranking, const RunTree& tree);

/// A run's best of one monitored metric: saved (rank 1 of its groups) and logged (its own logs).
struct RunBest {
    std::string monitor;
    checkpoint::Mode mode = checkpoint::Mode::Unknown;
    ranking::Score bestScore;
    std::string bestFile;
    std::optional<double> bestLoggedScore;
    std::optional<std::int64_t> bestLoggedStep;
    bool bestLoggedHasCheckpoint = false;  ///< a checkpoint was saved at the best logged step
};
/// `groupsOfRun`: the run's entry of groupsByRun (saves searching every group for each run of a large tree).
std::vector<RunBest> bestOf(const Run& run, const ranking::Ranking& ranking, const metrics::MetricLog& logs,
                            const std::vector<const ranking::Group*>* groupsOfRun = nullptr);
/// For each run of `tree`, the groups at or under one of its checkpoint directories (what bestOf looks at).
std::vector<std::vector<const ranking::Group*>> groupsByRun(const RunTree& tree, const ranking::Ranking& ranking);

/// The global top-N across runs for one monitor and mode.
struct LeaderEntry {
    int rank = 0;
    std::string run;       ///< the run's path (its identity; "" = the folder itself)
    std::string runName;   ///< with its Hydra overrides, for people
    std::string file;
    ranking::Score score;
    std::optional<std::int64_t> epoch, globalStep;
};
struct Leaderboard {
    std::string monitor;
    checkpoint::Mode mode = checkpoint::Mode::Unknown;
    std::vector<LeaderEntry> entries;
    std::vector<std::string> runsWithoutMonitor; ///< runs of the tree that do not monitor it (by path)
};
/// `monitor` "" = the monitor most runs have. Runs whose groups monitor it in the other mode are listed
/// among runsWithoutMonitor rather than mixed in.
Leaderboard leaderboard(const RunTree& tree, const ranking::Ranking& ranking, const std::string& monitor, std::size_t top);

/// `podium-cli runs --json` (the CLI contract; fields only ever added).
nlohmann::json toJson(const RunTree& tree, const ranking::Ranking& ranking,
                      const std::vector<metrics::MetricLog>& logsPerRun);
/// `podium-cli rank --across --json`.
nlohmann::json toJson(const Leaderboard& board, const std::string& folder);

/// Flattens a YAML document's mappings into dotted keys with scalar text values (sequences as "[a, b]").
std::map<std::string, std::string> flattenYaml(const std::string& text);

} // namespace podium::runs

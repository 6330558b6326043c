// SPDX-License-Identifier: GPL-3.0-or-later
// MetricLog: the logs of a training run, found from its checkpoint folder and joined into one timeline.
//
// Discovery (discoverLogs): metrics.csv and events.out.tfevents.* files in the folder (up to 4 levels down),
// else in its parent (Lightning's default layout keeps checkpoints in `<logger>/version_N/checkpoints/` beside
// the logs), else in its grandparent. Once a log is found in a `version_N` directory, the other `version_*`
// directories of the same logger are taken too: a resumed run writes a new version whose steps continue.
// Walks are bounded (hidden directories skipped, at most 4000 directories), so a folder in a large tree
// stays quick. findLogsUnder() takes a log folder the user chose.
//
// Joining (loadMetricLog): one series per metric name and log kind; versions in numeric order, points in
// file order. TensorBoard points get their epoch from the file's own `epoch` scalar (Lightning logs it).
#pragma once

#include "metrics/MetricSeries.h"
#include "util/Result.h"

#include <map>
#include <nlohmann/json.hpp>

namespace podium::metrics {

struct LogSource {
    std::string path;   ///< absolute
    LogKind kind = LogKind::Csv;
};

struct MetricLog {
    std::vector<LogSource> sources;
    std::vector<Series> series;
    std::vector<Error> problems; ///< unreadable or corrupt log files (what could be read is still in `series`)
};

std::vector<LogSource> discoverLogs(const std::string& checkpointFolder);
std::vector<LogSource> findLogsUnder(const std::string& logsDir);
MetricLog loadMetricLog(std::vector<LogSource> sources);

/// The `podium-cli metrics --json` object (the CLI contract): paths relative to `baseDir`.
nlohmann::json toJson(const MetricLog& log, const std::string& baseDir);
/// name,kind,step,epoch,wall_time,value — one row per point.
std::string toCsv(const MetricLog& log);

/// Values by metric name then step, for the ranking's fallback (first series of a name wins: csv first).
std::map<std::string, std::map<std::int64_t, double>> valuesByStep(const MetricLog& log);

} // namespace podium::metrics

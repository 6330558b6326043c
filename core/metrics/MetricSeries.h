// SPDX-License-Identifier: GPL-3.0-or-later
// MetricSeries: logged metrics as plain data — one series per metric name and log kind, points in time
// order. Produced by CsvLog / EventFile, joined over a run's versions by MetricLog.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace podium::metrics {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Point {
    std::optional<std::int64_t> step;
    double epoch = kNaN;      ///< NaN when the log does not say
    double wallTime = kNaN;   ///< seconds since the Unix epoch; NaN for metrics.csv
    double value = kNaN;
};

enum class LogKind { Csv, TfEvents };
inline const char* kindName(LogKind k) noexcept { return k == LogKind::Csv ? "csv" : "tfevents"; }

struct Series {
    std::string name;
    LogKind kind = LogKind::Csv;
    std::string source;               ///< the file the first point came from
    std::vector<std::string> sources; ///< every file that contributed (a resumed run: one per version)
    std::vector<Point> points;
};

} // namespace podium::metrics

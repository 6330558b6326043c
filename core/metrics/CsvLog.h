// SPDX-License-Identifier: GPL-3.0-or-later
// CsvLog: Lightning's CSVLogger output, `<save_dir>/<name>/version_N/metrics.csv`.
//
// Columns are `epoch`, `step` and one per logged metric (names may contain '/'); rows are sparse — a metric's
// cell is empty on rows where it was not logged — and values may be `nan`, `inf`, `-inf`. Fields are split by
// libcsv (RFC 4180: quoted fields, embedded commas, quotes and newlines), values parsed like Python's float().
#pragma once

#include "metrics/MetricSeries.h"
#include "util/Result.h"

#include <string_view>

namespace podium::metrics {

/// The series of one metrics.csv text (`path` is recorded as their source). Errors: CsvBad (with the line).
Result<std::vector<Series>> parseMetricsCsv(std::string_view text, const std::string& path);
/// Reads and parses a file. Errors: the file system's, CsvBad.
Result<std::vector<Series>> readMetricsCsv(const std::string& path);

/// A CSV cell as a number the way Python's float() reads it ("nan", "inf", "-Infinity", " 1e-3 "), or nullopt.
std::optional<double> parseNumber(std::string_view cell);

} // namespace podium::metrics

// SPDX-License-Identifier: GPL-3.0-or-later
// EventFile: TensorBoard event files (`events.out.tfevents.*`) — the scalars in them.
//
// Framing (TFRecord): u64 length, u32 masked CRC32C of the length, `length` bytes of data, u32 masked CRC32C
// of the data, all little-endian. Both CRCs are verified; a mismatch stops the reading there and is reported
// (the records before it are kept). A record cut short at the end of the file is normal — training is still
// writing — and ends the reading without an error (`truncatedTail`).
//
// Each record is a tensorflow `Event` protobuf. Podium decodes the wire format itself (a small reader, fuzzed
// by tests/fuzz/fuzz_events) instead of linking libprotobuf: it needs five fields of four messages, no .proto
// compiler in the build, no protobuf runtime on GPU servers, and unknown fields are skipped, never built.
//   Event:        wall_time = 1 (double), step = 2 (int64), file_version = 3 (string), summary = 5 (Summary)
//   Summary:      value = 1 (repeated Value)
//   Value:        tag = 1 (string), simple_value = 2 (float), tensor = 8 (TensorProto)
//   TensorProto:  dtype = 1, tensor_content = 4 (bytes), float_val = 5, double_val = 6, int_val = 7,
//                 int64_val = 10, half_val = 13 (packed or not) — a scalar tensor's one element is the value.
#pragma once

#include "metrics/MetricSeries.h"
#include "util/Result.h"

#include <map>
#include <string_view>

namespace podium::metrics {

struct EventFileData {
    std::string fileVersion;                   ///< "brain.Event:2"
    std::size_t records = 0;                   ///< whole records read
    std::map<std::string, std::vector<Point>> scalars; ///< tag → points in record order
    std::size_t simpleValues = 0, tensorValues = 0;
    bool truncatedTail = false;                ///< the file ends inside a record (still being written)
    std::optional<Error> corruption;           ///< a CRC mismatch or an undecodable record: where and what
};

/// Reads the scalars of an event file's bytes (`path` for messages). Never fails: see `corruption`.
EventFileData parseEventFile(std::string_view bytes, const std::string& path);
/// Errors: the file system's.
Result<EventFileData> readEventFile(const std::string& path);

} // namespace podium::metrics

// SPDX-License-Identifier: GPL-3.0-or-later
// CheckpointCodec: a Checkpoint (and what reading a file gave: its error, its verdict) as compact bytes
// for the scan index, and back.
//
// The bytes are Podium's own (the index is a cache, never exchanged): LEB128 integers, length-prefixed
// strings, JSON fields as MessagePack (nlohmann). Decoding checks every length against what is left and
// fails as a whole — a damaged record is a cache miss, never a half-filled Checkpoint. kCodecVersion is
// part of the index's identity: a change of Checkpoint's fields bumps it and every stored record is
// dropped (tests/unit/TestScanIndex round-trips every fixture and compares inspect --json).
#pragma once

#include "checkpoint/Checkpoint.h"
#include "util/Error.h"

#include <optional>
#include <string>
#include <string_view>

namespace podium::index {

inline constexpr int kCodecVersion = 1;

/// What reading one file gave, as the scan keeps it (ranking::ScannedFile's read part).
struct ReadOutcome {
    std::optional<checkpoint::Checkpoint> checkpoint;
    std::optional<Error> error;
    safety::Verdict verdict = safety::Verdict::Safe;
    std::string verdictSummary;
};

/// What a record calls the file: its folder-relative name (a Checkpoint's `file`) and its path (an error's
/// `file`). Strings equal to them are stored as references, so a record read back under other names (the
/// tree opened from another folder) says those.
struct Names {
    std::string_view rel;
    std::string_view path;
};

std::string encode(const ReadOutcome& outcome, Names names);
/// nullopt when the bytes are not a whole record of this codec version.
std::optional<ReadOutcome> decode(std::string_view bytes, Names names);

} // namespace podium::index

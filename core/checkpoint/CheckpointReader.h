// SPDX-License-Identifier: GPL-3.0-or-later
// CheckpointReader: container -> safe pickle -> Lightning fields, for one file.
#pragma once

#include "checkpoint/Checkpoint.h"
#include "checkpoint/TorchFile.h"
#include "util/Result.h"

namespace podium::checkpoint {

/// Reads `path`. Reads the end records, the central directory, data.pkl and the few storages that hold
/// scores — never the weights. A file that is not a Lightning checkpoint (a plain state_dict) is read
/// fine and says so in `isLightning`/`notLightningReason`. Errors name the file.
Result<Checkpoint> readCheckpoint(const std::string& path, const ReadOptions& options = {});

/// The same from an already opened TorchFile (tests and fuzzers use memory sources).
Checkpoint interpret(const TorchFile& file, const std::string& name, Detail detail = Detail::Full);

/// Parses a ModelCheckpoint state key ("ModelCheckpoint{'monitor': 'val/loss', 'mode': 'min', ...}") into
/// its kind and fields; nullopt when it is not of that shape.
std::optional<std::pair<std::string, nlohmann::json>> parseStateKey(std::string_view key);

} // namespace podium::checkpoint

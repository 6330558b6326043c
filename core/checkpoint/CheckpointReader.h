// SPDX-License-Identifier: GPL-3.0-or-later
// CheckpointReader: container -> safe pickle -> Lightning fields, for one file.
#pragma once

#include "checkpoint/Checkpoint.h"
#include "checkpoint/TorchFile.h"
#include "util/Result.h"

namespace podium::checkpoint {

/// Reads `path`. Reads the end records, the central directory, data.pkl and the few storages that hold
/// scores — never the weights. A file that is not a Lightning checkpoint (a plain state_dict) is read
/// fine and says so in `isLightning`/`notLightningReason`; a truncated one whose data.pkl survived is read
/// too (`truncated`). Errors name the file.
Result<Checkpoint> readCheckpoint(const std::string& path, const ReadOptions& options = {});

/// A file read for inspection: the checkpoint when it could be read, the error when not (or where a
/// truncated file ends), and always the safety audit of its bytes.
struct Judged {
    std::optional<Checkpoint> checkpoint;
    std::optional<Error> error;
    safety::Audit audit; ///< the verdict; its globals and findings are in checkpoint->audit when that exists
    /// The whole audit, wherever it is kept.
    const safety::Audit& full() const noexcept { return checkpoint ? checkpoint->audit : audit; }
};
Judged readJudged(const std::string& path, const ReadOptions& options = {});
/// The same from an open source (a remote file, memory); `name` is what results call it.
Judged readJudged(ByteSource& source, const std::string& name, const ReadOptions& options = {});

/// The same from an already opened TorchFile (tests and fuzzers use memory sources).
Checkpoint interpret(const TorchFile& file, const std::string& name, Detail detail = Detail::Full);

/// Parses a ModelCheckpoint state key ("ModelCheckpoint{'monitor': 'val/loss', 'mode': 'min', ...}") into
/// its kind and fields; nullopt when it is not of that shape.
std::optional<std::pair<std::string, nlohmann::json>> parseStateKey(std::string_view key);

} // namespace podium::checkpoint

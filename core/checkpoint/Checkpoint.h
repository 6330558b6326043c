// SPDX-License-Identifier: GPL-3.0-or-later
// Checkpoint: what Podium knows about one .ckpt file, as plain data. Built by CheckpointReader from the
// pickle's value tree; ranking, the CLI and the GUI read only this.
//
// Lightning facts encoded here (see CheckpointReader.cpp for where each comes from):
//   - ModelCheckpoint state lives in checkpoint["callbacks"], keyed by the callback's state key — a string
//     "ModelCheckpoint{'monitor': 'val/loss', 'mode': 'min', ...}" since Lightning 1.5 (the only place
//     `mode` is stored), or the callback class itself up to 1.4.
//   - Lightning 1.4/1.5 stored epoch+1 and global_step+1 in some paths; `epoch`/`global_step` here are
//     what the file says, never adjusted.
#pragma once

#include "pickle/Machine.h"
#include "safety/Audit.h"
#include "util/Error.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace podium::checkpoint {

enum class Mode { Unknown, Min, Max };
std::string_view modeName(Mode m) noexcept; // "min", "max", "unknown"

/// How much of a checkpoint interpret() keeps.
///   Full:    everything Checkpoint has (inspect, the viewer, manifests).
///   Ranking: what ranking reads — epoch, global_step, the Lightning version and the ModelCheckpoint
///            states (with only the state-key fields ranking uses: monitor, mode, save_top_k). No
///            hyper-parameters, state_dict summary, globals list, top-level keys, loops or other callbacks.
///            For one-shot commands over whole folders (podium-cli rank/path/rename/pin): a scan keeps
///            every file's result until it ranks, and these parts were most of it.
enum class Detail { Full, Ranking };

/// A score as the file holds it: absent (None or missing), or a number (NaN/inf allowed).
using Score = std::optional<double>;

struct CallbackState {
    std::string stateKey;       ///< the key in checkpoint["callbacks"] (for 1.4 files: the class's qualified name)
    std::string kind;           ///< "ModelCheckpoint" or the subclass name before '{'
    std::string monitor;        ///< "" when the callback monitors nothing
    Mode mode = Mode::Unknown;
    std::string modeSource;     ///< "state_key", "kth_value" or "unknown"
    Score currentScore;
    Score bestModelScore;
    std::string bestModelPath;
    std::vector<std::pair<std::string, Score>> bestKModels; ///< in the file's order
    bool hasBestKModels = false;
    std::string kthBestModelPath;
    Score kthValue;
    std::string lastModelPath;
    std::string dirpath;
    nlohmann::json keyFields;   ///< the state key's own fields when it is a dict repr (every_n_epochs, ...)
    /// Lightning 0.7-0.10 kept no callback state: the top-level checkpoint_callback_best_model_score /
    /// checkpoint_callback_best_model_path (0.7: checkpoint_callback_best) are shown as this state.
    bool fromTopLevelKeys = false;
    std::vector<std::string> warnings; ///< e.g. a score whose storage could not be read
};

struct TensorSummary {
    std::size_t tensors = 0;
    std::uint64_t elements = 0;      ///< parameter count
    std::uint64_t bytes = 0;
    std::map<std::string, std::size_t> dtypes;    ///< dtype -> tensor count
    std::map<std::string, std::size_t> locations; ///< "cpu", "cuda:0" -> tensor count
};

struct Checkpoint {
    Detail detail = Detail::Full;   ///< Ranking: the parts ranking does not read were not kept (see Detail)
    std::string file;               ///< the path as given
    std::uint64_t fileSize = 0;
    std::string format;             ///< "zip" | "legacy"
    std::string zipPrefix;          ///< "archive", or the file stem for plain torch.save
    bool bigEndian = false;
    std::size_t entries = 0;        ///< zip entries / legacy storages
    int pickleProtocol = 0;
    std::uint64_t pickleBytes = 0;
    std::string topLevelType;       ///< "dict", "OrderedDict", ...
    std::vector<std::string> topLevelKeys;

    bool isLightning = false;
    std::string notLightningReason; ///< why not, in words
    std::optional<std::string> lightningVersion;
    std::optional<std::int64_t> epoch;
    std::optional<std::int64_t> globalStep;
    std::vector<CallbackState> callbacks; ///< ModelCheckpoint states only
    std::vector<std::string> otherCallbacks; ///< keys of other callback states (EarlyStopping, ...)

    nlohmann::json hyperParameters;           ///< null when absent
    std::string hparamsName;
    nlohmann::json datamoduleHyperParameters; ///< null when absent
    TensorSummary stateDict;
    std::size_t optimizers = 0;
    std::size_t lrSchedulers = 0;
    std::vector<std::string> loops;

    /// Cut short (a training killed inside torch.save): read from what survived, never loadable by torch.
    bool truncated = false;
    std::optional<Error> truncation;        ///< where it ends (TruncatedZip, TruncatedLegacy)
    /// The safety verdict of what torch.load would unpickle (safety/Audit.h); audit.globals and
    /// audit.findings are kept with Full detail only.
    safety::Verdict verdict = safety::Verdict::Safe;
    safety::Audit audit;

    std::vector<std::string> warnings;
    std::uint64_t bytesRead = 0;    ///< what reading it cost

    const CallbackState* callback(std::string_view stateKey) const noexcept;
    bool hasUnsafeGlobals() const noexcept;
};

/// The `inspect --json` object (the CLI contract; fields are only ever added).
nlohmann::json toJson(const Checkpoint& c);
/// `{"file", "error": {"code", "message", "offset"}}` for a file that could not be read; with `audit`, also
/// its verdict, globals and findings (a file that cannot be read still had its bytes judged).
nlohmann::json errorJson(const std::string& file, const Error& e, const safety::Audit* audit = nullptr);
/// The `error` object alone.
nlohmann::json errorObject(const Error& e);
/// The safety part of inspect --json: `verdict`, `safe`, `verdict_summary`, `container`, `globals`, `findings`.
void addAuditJson(nlohmann::json& j, const safety::Audit& a);
nlohmann::json scoreJson(const Score& s);

} // namespace podium::checkpoint

// SPDX-License-Identifier: GPL-3.0-or-later
// PicklePatch: rewrite chosen string arguments of a pickle and nothing else.
//
// The pickle is walked opcode by opcode with the shared Opcodes table (never executed); every opcode is
// copied byte for byte except the string opcodes named by offset, which are re-encoded with their new text
// (BINUNICODE family; SHORT_BINUNICODE when it still fits). A memoised string is one opcode followed by
// BINPUTs, and every later reference is a BINGET of the memo slot, so patching the opcode changes every
// reference. FRAME lengths (protocol 4+) are recomputed for frames whose content changed size.
#pragma once

#include "util/ByteReader.h"

#include <map>
#include <string>
#include <vector>

namespace podium::pickle {

/// offset of a string opcode (relative to the pickle's first byte) → its new text (UTF-8).
using StringEdits = std::map<std::uint64_t, std::string>;

/// dict key → new string value for the value that follows that key (e.g. "best_model_path" → the pinned
/// file). Unlike an offset edit this changes one reference, not the string object: when the old value is
/// memoised (Lightning's best_model_path is the same str object as a best_k_models key) the old string still
/// goes into the memo (`<old> BINPUT n POP <new>`), so every other reference keeps it.
using KeyedEdits = std::map<std::string, std::string>;

/// The patched pickle. Errors: PickleBadArgument when an offset is not a string opcode or not an opcode
/// boundary, the pickle's own errors (truncated, unknown opcode) with offsets.
Result<std::vector<std::uint8_t>> patchStrings(Bytes pickle, const StringEdits& edits, const KeyedEdits& keyed = {});

} // namespace podium::pickle

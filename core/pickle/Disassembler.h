// SPDX-License-Identifier: GPL-3.0-or-later
// Disassembler: what `podium-cli dis FILE` prints — one line per opcode (offset, name, argument), indented by
// open MARKs, after CPython's pickletools.dis. It decodes with the same table and argument readers as the
// Machine but builds nothing, so it also shows pickles the Machine refuses, up to the failing byte.
#pragma once

#include "util/ByteReader.h"
#include "util/Result.h"

#include <ostream>

namespace podium::pickle {

struct DisOptions {
    std::size_t maxArgChars = 160; ///< longer string arguments are shortened with an ellipsis
    bool indent = true;
};

/// Writes the disassembly of the pickle at the start of `pickle` to `out`; stops after STOP. Returns the
/// error (code, offset) when the stream is malformed, after printing every opcode before it.
Status disassemble(Bytes pickle, std::ostream& out, const DisOptions& options = {});

} // namespace podium::pickle

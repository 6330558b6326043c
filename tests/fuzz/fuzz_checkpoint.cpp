// SPDX-License-Identifier: GPL-3.0-or-later
// Property: for any bytes, TorchFile::openJudged + interpret (zip, legacy, tar or bare pickle; truncated zips
// from their local headers; pickles, Lightning fields, score storages) yields a Checkpoint, an Error naming
// the file, or both (a truncated file); the audit of its trail always gives a verdict that is never "safe"
// while a global or finding of a pickle torch reads is worse; toJson of every result works.
#include "checkpoint/CheckpointReader.h"
#include "util/ByteSource.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    podium::MemorySource src({data, size}, "fuzz.ckpt");
    podium::checkpoint::ReadOptions o;
    o.limits.maxNodes = 1 << 20;
    o.limits.maxBytes = std::size_t{32} << 20;
    o.verifyCrc = (size & 1) != 0;
    auto opened = podium::checkpoint::TorchFile::openJudged(src, o);
    const auto audit = podium::safety::judge(opened.trail, true);
    if (audit.verdict == podium::safety::Verdict::Safe) {
        for (const auto& g : audit.globals)
            if (g.readByTorch && g.verdict != podium::pickle::Verdict::Safe)
                std::abort(); // a safe verdict over a global that is not
        for (const auto& f : audit.findings)
            if (f.level != podium::safety::Verdict::Safe)
                std::abort();
    }
    if (opened.error && opened.error->file != "fuzz.ckpt")
        std::abort(); // errors name the file
    nlohmann::json j;
    if (opened.file) {
        auto c = podium::checkpoint::interpret(*opened.file, "fuzz.ckpt");
        j = podium::checkpoint::toJson(c);
    } else if (opened.error) {
        j = podium::checkpoint::errorJson("fuzz.ckpt", *opened.error, &audit);
    }
    (void)j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return 0;
}

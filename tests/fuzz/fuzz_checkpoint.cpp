// SPDX-License-Identifier: GPL-3.0-or-later
// Property: for any bytes, TorchFile::open + interpret (zip or legacy container, pickle, Lightning fields,
// score storages) either yields a Checkpoint or an Error naming the file; toJson of the result works.
#include "checkpoint/CheckpointReader.h"
#include "util/ByteSource.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    podium::MemorySource src({data, size}, "fuzz.ckpt");
    podium::checkpoint::ReadOptions o;
    o.limits.maxNodes = 1 << 20;
    auto f = podium::checkpoint::TorchFile::open(src, o);
    if (!f)
        return 0;
    auto c = podium::checkpoint::interpret(**f, "fuzz.ckpt");
    (void)podium::checkpoint::toJson(c).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return 0;
}

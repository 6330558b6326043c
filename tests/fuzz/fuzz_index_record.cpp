// SPDX-License-Identifier: GPL-3.0-or-later
// Property: the scan index's record codec. For any bytes read as a checkpoint, decode(encode(outcome)) gives
// the same outcome (toJson, error, verdict); a prefix of that record, or the record with a byte changed at a
// place the input picks, decodes to nothing or to a whole record that encodes and decodes again the same;
// the input itself, taken as a record, likewise. No crash, no read outside the input (ASan, UBSan).
#include "checkpoint/CheckpointReader.h"
#include "index/CheckpointCodec.h"
#include "util/ByteSource.h"

#include <cstdlib>

using namespace podium;

namespace {

std::string describe(const index::ReadOutcome& o)
{
    nlohmann::json j;
    j["c"] = o.checkpoint ? checkpoint::toJson(*o.checkpoint) : nlohmann::json();
    if (o.error)
        j["e"] = {std::string(errorCodeName(o.error->code)), o.error->file, o.error->offset, o.error->detail, o.error->where};
    j["v"] = static_cast<int>(o.verdict);
    j["s"] = o.verdictSummary;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

constexpr index::Names kNames{"fuzz.ckpt", "/data/fuzz.ckpt"};

void stable(std::string_view bytes)
{
    auto d = index::decode(bytes, kNames);
    if (!d)
        return;
    const std::string again = index::encode(*d, kNames);
    auto d2 = index::decode(again, kNames);
    if (!d2 || describe(*d2) != describe(*d))
        std::abort(); // a record that decodes re-encodes to itself
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    stable(input);

    MemorySource src({data, size}, "fuzz.ckpt");
    checkpoint::ReadOptions o;
    o.limits.maxNodes = 1 << 20;
    o.limits.maxBytes = std::size_t{32} << 20;
    auto judged = checkpoint::readJudged(src, "fuzz.ckpt", o);
    index::ReadOutcome out;
    out.checkpoint = std::move(judged.checkpoint);
    if (judged.error)
        out.error = std::move(judged.error)->inFile("/data/fuzz.ckpt");
    out.verdict = judged.audit.verdict;
    out.verdictSummary = judged.audit.summary;
    const std::string record = index::encode(out, kNames);
    auto back = index::decode(record, kNames);
    if (!back || describe(*back) != describe(out))
        std::abort(); // every outcome round-trips
    if (record.empty())
        return 0;
    std::uint64_t h = 1469598103934665603ull;
    for (std::size_t i = 0; i < std::min<std::size_t>(size, 64); ++i)
        h = (h ^ data[i]) * 1099511628211ull;
    const std::size_t at = static_cast<std::size_t>(h % record.size());
    if (index::decode(std::string_view(record).substr(0, at), kNames))
        std::abort(); // a prefix is never a whole record
    std::string changed = record;
    changed[at] = static_cast<char>(changed[at] ^ static_cast<char>(1 + (h >> 56) % 255));
    stable(changed);
    return 0;
}

// SPDX-License-Identifier: GPL-3.0-or-later
// Property: for any bytes, parseEventFile (TFRecord framing, CRC32C, the protobuf wire reader) and
// parseMetricsCsv return data or a reported corruption — no crash, no read outside the input, no unbounded
// allocation (ASan/UBSan enforce). The CRC check would stop most mutations at the framing, so half of the
// inputs are re-framed with valid CRCs first: the protobuf reader then sees the fuzzer's bytes.
#include "metrics/Crc32c.h"
#include "metrics/CsvLog.h"
#include "metrics/EventFile.h"

#include <cstring>
#include <string>

using namespace podium::metrics;

namespace {

std::string frame(const std::uint8_t* data, std::size_t size)
{
    std::string out;
    auto put = [&](const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); };
    // split the input into records at 0xFF bytes, each framed correctly
    std::size_t start = 0;
    for (std::size_t i = 0; i <= size; ++i) {
        if (i < size && data[i] != 0xFF)
            continue;
        const std::uint64_t len = i - start;
        const std::uint32_t lc = maskCrc(crc32c(reinterpret_cast<const std::uint8_t*>(&len), 8));
        const std::uint32_t dc = maskCrc(crc32c(data + start, len));
        put(&len, 8);
        put(&lc, 4);
        put(data + start, len);
        put(&dc, 4);
        start = i + 1;
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::string_view raw(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 3) {
    case 0: (void)parseEventFile(raw, "fuzz"); break;
    case 1: (void)parseEventFile(frame(data + 1, size - 1), "fuzz"); break;
    default: (void)parseMetricsCsv(raw, "fuzz.csv"); break;
    }
    return 0;
}

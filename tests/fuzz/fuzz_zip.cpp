// SPDX-License-Identifier: GPL-3.0-or-later
// Property: for any bytes, ZipArchive::open and reading every entry it lists either succeed or return an
// Error — no crash, no read outside the input, no allocation beyond the input's size (ASan/UBSan enforce).
#include "util/ByteSource.h"
#include "zip/ZipArchive.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    podium::MemorySource src({data, size});
    auto z = podium::zip::ZipArchive::open(src);
    if (!z)
        return 0;
    for (const auto& e : z->entries()) {
        auto r = z->read(e, true);
        (void)r;
        auto rr = z->readRange(e, 0, 4);
        (void)rr;
    }
    return 0;
}

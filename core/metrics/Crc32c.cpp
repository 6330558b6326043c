// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/Crc32c.h"

#include <array>

namespace podium::metrics {

namespace {

constexpr std::array<std::uint32_t, 256> makeTable()
{
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1; // reflected Castagnoli polynomial
        t[i] = c;
    }
    return t;
}

constexpr auto kTable = makeTable();

} // namespace

std::uint32_t crc32c(const std::uint8_t* data, std::size_t n) noexcept
{
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < n; ++i)
        c = kTable[(c ^ data[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

} // namespace podium::metrics

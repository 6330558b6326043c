// SPDX-License-Identifier: GPL-3.0-or-later
// Crc32c: CRC-32C (Castagnoli), as TFRecord framing uses it, and TensorFlow's "masked" form of it.
// Neither zlib nor libcrypto provides the Castagnoli polynomial, so this is the small table-driven version.
#pragma once

#include <cstddef>
#include <cstdint>

namespace podium::metrics {

std::uint32_t crc32c(const std::uint8_t* data, std::size_t n) noexcept;

/// TensorFlow's mask: rotate right by 15 and add a constant (so CRCs of CRCs stay strong).
constexpr std::uint32_t maskCrc(std::uint32_t crc) noexcept
{
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

} // namespace podium::metrics

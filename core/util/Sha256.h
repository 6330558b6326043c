// SPDX-License-Identifier: GPL-3.0-or-later
// SHA-256 of a file (OpenSSL's libcrypto, loaded on first use), for the manifest's optional hashes and the rename tests.
#pragma once

#include "util/Result.h"

#include <cstdint>
#include <span>
#include <string>

namespace podium {

/// Lower-case hex SHA-256 of the file's contents. Errors: IoOpenFailed, IoReadFailed.
Result<std::string> sha256File(const std::string& path);
/// Lower-case hex SHA-256 of `bytes`. Errors: IoReadFailed when libcrypto cannot be loaded.
Result<std::string> sha256Bytes(std::span<const std::uint8_t> bytes);

} // namespace podium

// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/Error.h"

#include <array>

namespace podium {

std::string_view errorCodeName(ErrorCode code) noexcept
{
    static constexpr std::array names = {
#define PODIUM_NAME_ENTRY(name) std::string_view{#name},
        PODIUM_ERROR_CODES(PODIUM_NAME_ENTRY)
#undef PODIUM_NAME_ENTRY
    };
    const auto i = static_cast<std::size_t>(code);
    return i < names.size() ? names[i] : std::string_view{"Unknown"};
}

std::string Error::describe() const
{
    std::string out{errorCodeName(code)};
    if (offset != npos) {
        out += " at ";
        if (!where.empty()) {
            out += where;
            out += '+';
        }
        out += std::to_string(offset);
    }
    if (!detail.empty()) {
        out += ": ";
        out += detail;
    }
    return out;
}

std::string Error::message() const
{
    if (file.empty())
        return describe();
    return file + ": " + describe();
}

} // namespace podium

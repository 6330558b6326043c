// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/ByteSource.h"

#include <algorithm>

namespace podium {

Result<std::vector<std::uint8_t>> ByteSource::read(std::uint64_t offset, std::size_t n)
{
    std::vector<std::uint8_t> buf(n);
    if (auto st = readAt(offset, buf); !st)
        return std::move(st).error();
    return buf;
}

Status MemorySource::readAt(std::uint64_t offset, std::span<std::uint8_t> out)
{
    if (offset > m_data.size() || out.size() > m_data.size() - offset)
        return Error(ErrorCode::IoReadFailed,
                     "read of " + std::to_string(out.size()) + " bytes past the end (size " +
                         std::to_string(m_data.size()) + ")",
                     offset);
    std::copy_n(m_data.data() + offset, out.size(), out.data());
    account(out.size());
    return {};
}

} // namespace podium

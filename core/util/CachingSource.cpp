// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/CachingSource.h"

#include "util/BufferPool.h"

#include <algorithm>
#include <cstring>

namespace podium {

CachingSource::~CachingSource()
{
    for (auto& b : m_blocks)
        BufferPool::give(std::move(b.bytes));
}

Status CachingSource::readAt(std::uint64_t offset, std::span<std::uint8_t> out)
{
    for (const auto& b : m_blocks)
        if (offset >= b.offset && offset - b.offset <= b.bytes.size() && out.size() <= b.bytes.size() - (offset - b.offset)) {
            std::memcpy(out.data(), b.bytes.data() + (offset - b.offset), out.size());
            return {};
        }
    return m_inner.readAt(offset, out);
}

Status CachingSource::prefetch(std::vector<ByteRange> ranges, std::uint64_t maxGap, std::uint64_t maxSpan)
{
    const std::uint64_t size = m_inner.size();
    std::erase_if(ranges, [&](const ByteRange& r) { return r.offset >= size || r.length == 0; });
    for (auto& r : ranges)
        r.length = std::min(r.length, size - r.offset);
    std::sort(ranges.begin(), ranges.end(), [](const auto& a, const auto& b) { return a.offset < b.offset; });
    std::size_t i = 0;
    while (i < ranges.size()) {
        std::uint64_t start = ranges[i].offset, end = start + ranges[i].length;
        std::size_t j = i + 1;
        for (; j < ranges.size(); ++j) {
            const std::uint64_t e = std::max(end, ranges[j].offset + ranges[j].length);
            if (ranges[j].offset > end + maxGap || e - start > maxSpan)
                break;
            end = e;
        }
        Block b{start, BufferPool::take(static_cast<std::size_t>(end - start))};
        if (auto st = m_inner.readAt(start, b.bytes); !st)
            return st;
        m_blocks.push_back(std::move(b));
        i = j;
    }
    return {};
}

} // namespace podium

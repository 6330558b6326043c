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
    if (out.empty())
        return m_inner.readAt(offset, out);
    // What blocks hold is copied; only the rest is read (a data.pkl longer than the head read, a central
    // directory longer than the tail read: just the part outside).
    while (!out.empty()) {
        const Block* holding = nullptr;
        std::uint64_t until = offset + out.size(); // where the next block starts, inside this read
        for (const auto& b : m_blocks) {
            if (offset >= b.offset && offset - b.offset < b.bytes.size()) {
                holding = &b;
                break;
            }
            if (b.offset > offset && b.offset < until && !b.bytes.empty())
                until = b.offset;
        }
        std::size_t n = 0;
        if (holding) {
            n = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), holding->offset + holding->bytes.size() - offset));
            std::memcpy(out.data(), holding->bytes.data() + (offset - holding->offset), n);
        } else {
            n = static_cast<std::size_t>(until - offset);
            if (auto st = m_inner.readAt(offset, out.first(n)); !st)
                return st;
        }
        offset += n;
        out = out.subspan(n);
    }
    return {};
}

Status CachingSource::prefetch(std::vector<ByteRange> ranges, std::uint64_t maxGap, std::uint64_t maxSpan)
{
    const std::uint64_t size = m_inner.size();
    std::erase_if(ranges, [&](const ByteRange& r) { return r.offset >= size || r.length == 0; });
    for (auto& r : ranges)
        r.length = std::min(r.length, size - r.offset);
    std::erase_if(ranges, [&](const ByteRange& r) { // already held (a small file is one block)
        return std::any_of(m_blocks.begin(), m_blocks.end(), [&](const Block& b) {
            return r.offset >= b.offset && r.offset + r.length <= b.offset + b.bytes.size();
        });
    });
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

// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/BufferPool.h"

#include <algorithm>

namespace podium {

namespace {

struct Pool {
    std::vector<std::vector<std::uint8_t>> free;
};
thread_local Pool t_pool;

} // namespace

std::vector<std::uint8_t> BufferPool::take(std::size_t n)
{
    auto& free = t_pool.free;
    // The smallest pooled buffer that holds n; else the largest (it grows, keeping the pool's pages warm).
    std::size_t pick = free.size();
    for (std::size_t i = 0; i < free.size(); ++i) {
        const bool fits = free[i].size() >= n;
        if (pick == free.size()) { pick = i; continue; }
        const bool pickFits = free[pick].size() >= n;
        if (fits && (!pickFits || free[i].size() < free[pick].size()))
            pick = i;
        else if (!fits && !pickFits && free[i].size() > free[pick].size())
            pick = i;
    }
    if (pick == free.size())
        return std::vector<std::uint8_t>(n);
    std::vector<std::uint8_t> b = std::move(free[pick]);
    free.erase(free.begin() + static_cast<std::ptrdiff_t>(pick));
    b.resize(n); // a shrink writes nothing; a growth fills only the new tail
    return b;
}

void BufferPool::give(std::vector<std::uint8_t>&& b) noexcept
{
    if (b.capacity() == 0 || b.capacity() > kMaxBytes)
        return;
    auto& free = t_pool.free;
    try {
        if (free.size() >= kMaxBuffers) {
            // keep the larger ones: drop the smallest if b is bigger
            auto smallest = std::min_element(free.begin(), free.end(),
                                             [](const auto& x, const auto& y) { return x.capacity() < y.capacity(); });
            if (smallest->capacity() >= b.capacity())
                return;
            free.erase(smallest);
        }
        b.resize(b.capacity()); // the whole storage is usable next time without a fill
        free.push_back(std::move(b));
    } catch (...) {
        // out of memory while pooling: let b free itself
    }
}

} // namespace podium

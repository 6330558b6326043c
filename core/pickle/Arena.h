// SPDX-License-Identifier: GPL-3.0-or-later
// Arena: the bump allocator behind a Document's value tree (see Machine.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace podium::pickle {

/// Arena: a bump allocator for the value tree. Nodes, records and the ArenaVec arrays inside them are
/// placed with `bump()`. Nothing is freed before the Document goes. Chunks are recycled through a small
/// per-thread pool: a scan runs thousands of pickles per thread, and fresh large allocations cost a page
/// fault per 4 KiB each time.
class Arena final {
public:
    Arena() = default;
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;
    ~Arena();
    void* bump(std::size_t n, std::size_t align)
    {
        std::uintptr_t p = (m_cur + (align - 1)) & ~(std::uintptr_t(align) - 1);
        if (p + n > m_end) [[unlikely]]
            return grow(n, align);
        m_cur = p + n;
        return reinterpret_cast<void*>(p);
    }

    /// Bytes taken from the system so far (the budget Limits::maxBytes is checked against).
    std::size_t bytes() const noexcept { return m_bytes; }
    /// Past `limit` bytes, grow() throws ArenaFull instead of allocating.
    void setLimit(std::size_t limit) noexcept { m_limit = limit; }
    struct ArenaFull {};

private:
    struct Chunk {
        void* data;
        std::size_t size;
    };
    void* grow(std::size_t n, std::size_t align);

    std::vector<Chunk> m_chunks;
    std::uintptr_t m_cur = 0, m_end = 0;
    std::size_t m_next = 64 * 1024;
    std::size_t m_bytes = 0;
    std::size_t m_limit = ~std::size_t{0};
};

} // namespace podium::pickle

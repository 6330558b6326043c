// Arena: the bump allocator behind a Document's value tree (see Machine.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory_resource>
#include <vector>

namespace podium::pickle {

/// Arena: a bump allocator for the value tree. Values are placed with `bump()` (inline, no virtual call);
/// the pmr containers inside them allocate through the memory_resource interface from the same chunks.
/// Nothing is freed before the Document goes. Chunks are recycled through a small per-thread pool: a scan
/// runs thousands of pickles per thread, and fresh large allocations cost a page fault per 4 KiB each time.
class Arena final : public std::pmr::memory_resource {
public:
    Arena() = default;
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;
    ~Arena() override;
    void* bump(std::size_t n, std::size_t align)
    {
        std::uintptr_t p = (m_cur + (align - 1)) & ~(std::uintptr_t(align) - 1);
        if (p + n > m_end) [[unlikely]]
            return grow(n, align);
        m_cur = p + n;
        return reinterpret_cast<void*>(p);
    }

private:
    struct Chunk {
        void* data;
        std::size_t size;
    };
    void* grow(std::size_t n, std::size_t align);
    void* do_allocate(std::size_t n, std::size_t align) override { return bump(n, align); }
    void do_deallocate(void*, std::size_t, std::size_t) override {}
    bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }

    std::vector<Chunk> m_chunks;
    std::uintptr_t m_cur = 0, m_end = 0;
    std::size_t m_next = 64 * 1024;
};

} // namespace podium::pickle

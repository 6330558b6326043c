// SPDX-License-Identifier: GPL-3.0-or-later
// BufferPool: per-thread recycling of the byte buffers a scan reads files into (data.pkl with its local
// header, the prefetched score records, the central directory).
//
// Why: a scan reads thousands of files per thread, each into fresh buffers of tens of KiB, while it keeps
// a small result per file. glibc's allocator then places the next file's buffers a little higher each
// time, and on a VM a first-touched page costs 7-15 µs: two thirds of a 1000-file scan's page faults were
// in these buffers and their zero-fill. A buffer taken here reuses an earlier one's storage, and a
// recycled buffer keeps its length, so shrinking it to the size asked for writes nothing.
//
// The pool is bounded (kMaxBuffers buffers of at most kMaxBytes each); larger or surplus buffers are
// freed as usual. A buffer may be given back on any thread: it joins that thread's pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace podium {

struct BufferPool {
    static constexpr std::size_t kMaxBuffers = 8;
    static constexpr std::size_t kMaxBytes = std::size_t{4} << 20;

    /// A buffer of `n` bytes (contents unspecified: the caller overwrites them), from this thread's pool
    /// when one is there.
    static std::vector<std::uint8_t> take(std::size_t n);
    /// Returns `b`'s storage to this thread's pool (or frees it when the pool is full or `b` is large).
    static void give(std::vector<std::uint8_t>&& b) noexcept;
};

/// One spare vector of T per thread, for the other per-file vectors a scan fills and drops (the zip
/// entries, the document's storage and tensor lists): take() starts from the storage the previous file
/// gave back. T should be trivially destructible (a given vector is cleared).
template <typename T>
struct SpareVector {
    static std::vector<T> take(std::size_t reserve)
    {
        std::vector<T> v = std::move(slot());
        v.clear();
        v.reserve(reserve);
        return v;
    }
    static void give(std::vector<T>&& v) noexcept
    {
        auto& s = slot();
        if (v.capacity() > s.capacity() && v.capacity() * sizeof(T) <= BufferPool::kMaxBytes) {
            v.clear();
            s = std::move(v);
        }
    }

private:
    static std::vector<T>& slot() noexcept
    {
        thread_local std::vector<T> s;
        return s;
    }
};

} // namespace podium

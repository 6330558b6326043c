// SPDX-License-Identifier: GPL-3.0-or-later
// CachingSource: a ByteSource over another one that can fetch several byte ranges ahead of use, merging
// nearby ranges into one read. A checkpoint's score tensors live in a dozen small zip records close to
// each other; reading them one by one costs a system call each (on a VM, most of a scan's system time).
// What prefetched blocks hold is served from memory, only the rest of a read passes through (a read that
// starts or ends inside a block reads just the part outside). bytesRead() and readCalls() of the inner
// source stay the honest count of I/O.
#pragma once

#include "util/ByteSource.h"

#include <vector>

namespace podium {

struct ByteRange {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

class CachingSource final : public ByteSource {
public:
    explicit CachingSource(ByteSource& inner) : m_inner(inner) {}
    ~CachingSource() override; ///< gives the prefetched blocks back to the thread's BufferPool

    std::uint64_t size() const override { return m_inner.size(); }
    const std::string& name() const override { return m_inner.name(); }
    Status readAt(std::uint64_t offset, std::span<std::uint8_t> out) override;

    /// Reads `ranges` (clamped to the file) in as few reads as possible: ranges whose gap is below
    /// `maxGap` share a read, as long as a read stays under `maxSpan` bytes; ranges a block already holds
    /// are not read again.
    Status prefetch(std::vector<ByteRange> ranges, std::uint64_t maxGap = 16 * 1024,
                    std::uint64_t maxSpan = 1024 * 1024);

private:
    struct Block {
        std::uint64_t offset;
        std::vector<std::uint8_t> bytes;
    };
    ByteSource& m_inner;
    std::vector<Block> m_blocks;
};

} // namespace podium

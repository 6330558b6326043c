// SPDX-License-Identifier: GPL-3.0-or-later
#include "util/HugePages.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <mutex>

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PODIUM_OWN_MALLOC 0 // the sanitizer's allocator, not glibc's: nothing here applies
#else
#define PODIUM_OWN_MALLOC 1
#endif

namespace podium {

#if defined(__linux__) && defined(__GLIBC__) && defined(MADV_HUGEPAGE) && PODIUM_OWN_MALLOC
namespace {

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25 // Linux 6.1; older kernels answer EINVAL
#endif

constexpr std::uintptr_t kPage = 4096;
constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;

/// A block allocated only for its effect on the heap: the compiler may not drop the malloc/free pair.
void* used(void* p)
{
    asm volatile("" : : "r"(p) : "memory");
    return p;
}

std::uintptr_t programBreak()
{
    return reinterpret_cast<std::uintptr_t>(::sbrk(0));
}

/// The main arena lives below the program break. Its free top is used up by blocks under the mmap
/// threshold, so that one more block makes malloc move the break (by the block plus the top pad), and
/// the top from the old one on is advised. The blocks are freed again: the heap keeps the new top for what
/// follows.
void adviseMainHeap()
{
    void* fill[16] = {};
    std::size_t n = 0;
    for (std::size_t top = mallinfo2().keepcost; top > 1024 && n < 16; top = mallinfo2().keepcost)
        fill[n++] = used(std::malloc(std::min<std::size_t>(top - 512, 64 * 1024)));
    const std::uintptr_t before = programBreak();
    void* block = used(std::malloc(64 * 1024)); // larger than what the free lists of a young heap hold
    const std::uintptr_t after = programBreak();
    // From the old top on: freeing the blocks gives it back to the top, where the next allocations go.
    const std::uintptr_t lowest = n ? reinterpret_cast<std::uintptr_t>(fill[0]) : before;
    const std::uintptr_t from = lowest & ~(kPage - 1);
    const bool grown = before != std::uintptr_t(-1) && after > before;
    // Advised while the blocks still hold the new part (freeing them may give its last pages back).
    const bool advised = grown && ::madvise(reinterpret_cast<void*>(from), after - from, MADV_HUGEPAGE) == 0;
    std::free(block);
    for (std::size_t i = 0; i < n; ++i)
        std::free(fill[i]);
    if (!advised)
        return;
    // The heap's next allocations start where its top starts, rarely on a 2 MiB boundary, and the pages
    // before the first boundary stay 4 KiB pages (up to 2 MiB of them: what a rank's listing, ranking and
    // JSON need, in half of the runs measured). Blocks kept for the life of the process fill that stretch:
    // address space only, one page touched per block.
    static void* s_pad[24];
    static std::size_t s_padCount = 0;
    void* marker = used(std::malloc(64)); // where the top starts now (kept: it is the first pad)
    std::uintptr_t at = reinterpret_cast<std::uintptr_t>(marker);
    if (!marker || at < from || at >= after) { // served from a free chunk below: leave it
        std::free(marker);
        return;
    }
    s_pad[s_padCount++] = marker;
    at += 64;
    while (s_padCount < std::size(s_pad)) {
        const std::uintptr_t gap = ((at + kHuge - 1) & ~(kHuge - 1)) - at;
        if (gap < kPage)
            break;
        const std::uintptr_t size = std::min<std::uintptr_t>(gap - 64, 120 * 1024); // under the mmap threshold
        void* pad = used(std::malloc(size));
        const auto p = reinterpret_cast<std::uintptr_t>(pad);
        if (!pad || p < at || p > at + 64) { // not the top's next bytes: stop there
            std::free(pad);
            break;
        }
        s_pad[s_padCount++] = pad;
        at = p + size; // the next allocation lands a chunk header further
    }
}

/// A thread arena: its heap starts at a 64 MiB-aligned address and its first kHeapStep bytes are mapped
/// read-write when the arena is made (top pad). Its first 2 MiB already hold 4 KiB pages (the arena's
/// header was written before this advice) and would stay that way: they are collapsed into a huge page.
void adviseArena(std::uintptr_t inside)
{
    const std::uintptr_t start = inside & ~(kHuge - 1);
    if (::madvise(reinterpret_cast<void*>(start), HugePages::kHeapStep, MADV_HUGEPAGE) != 0)
        return; // no THP here, or not the region expected: 4 KiB pages, as without the advice
    (void)::madvise(reinterpret_cast<void*>(start), kHuge, MADV_COLLAPSE);
}

} // namespace
#endif

void HugePages::forThreadHeap() noexcept
{
#if defined(__linux__) && defined(__GLIBC__) && defined(MADV_HUGEPAGE) && PODIUM_OWN_MALLOC
    thread_local bool done = false;
    if (done)
        return;
    done = true;
    static std::once_flag padOnce;
    std::call_once(padOnce, [] { mallopt(M_TOP_PAD, static_cast<int>(kHeapStep)); });
    // Where this thread's allocations go: a small one lands in its arena (made now if it has none yet).
    void* probe = used(std::malloc(64));
    if (!probe)
        return;
    const auto at = reinterpret_cast<std::uintptr_t>(probe);
    std::free(probe);
    if (at < programBreak())
        adviseMainHeap();
    else
        adviseArena(at);
#endif
}

} // namespace podium

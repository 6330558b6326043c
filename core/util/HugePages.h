// SPDX-License-Identifier: GPL-3.0-or-later
// HugePages: asks Linux for transparent huge pages under the calling thread's malloc heap.
//
// Why: a scan keeps a small result per file, so every file touches new heap memory, and on a virtual
// machine the first touch of a 4 KiB page costs 7-15 µs: a 1000-file `podium-cli rank` took ~1,600 page
// faults, more than a tenth of its time. With transparent huge pages in `madvise` mode (Debian's default)
// a heap region marked MADV_HUGEPAGE faults in 2 MiB at a time instead (~480 faults, 13% faster). glibc
// does the same by itself when started with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 and a large top pad;
// this does it from inside the process.
//
// What forThreadHeap() does, once per thread (cheap to call again):
//   - sets malloc's top pad to kHeapStep (process-wide, public mallopt), so heaps grow in large steps;
//   - a thread arena (every thread but the main one): advises the first kHeapStep bytes of the arena,
//     which start at a 64 MiB-aligned address, and collapses the 2 MiB that already hold the arena's
//     header into a huge page (MADV_COLLAPSE, Linux 6.1);
//   - the main thread's heap (the program break): grows it once and advises the new part.
// It only advises: pages are still faulted on first touch, an older kernel or THP set to `never` means
// 4 KiB pages as before, and nothing changes for correctness. Memory cost: at most one partly used 2 MiB
// page per heap region in use (peak RSS of a 1000-file rank: 10 -> 15 MB).
#pragma once

#include <cstddef>

namespace podium {

struct HugePages {
    static constexpr std::size_t kHeapStep = std::size_t{8} << 20;
    /// Advises huge pages for the calling thread's malloc heap (a no-op where that is not supported).
    static void forThreadHeap() noexcept;
};

} // namespace podium

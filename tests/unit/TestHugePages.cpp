// SPDX-License-Identifier: GPL-3.0-or-later
// HugePages: the advice lands where a thread's allocations go (when the kernel offers transparent huge
// pages), is harmless to repeat, and leaves malloc working on every thread. The main thread's part needs a
// young heap (podium-cli calls it first thing), which a test runner's is not: the scan benchmark shows its
// effect (page faults per run).
#include "util/HugePages.h"

#include <QtTest>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace podium;

namespace {

/// THP mode from sysfs ("always", "madvise", "never"), or "" when the kernel has none.
std::string thpMode()
{
    std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string line;
    std::getline(f, line);
    const auto open = line.find('['), close = line.find(']');
    return open == std::string::npos || close == std::string::npos ? "" : line.substr(open + 1, close - open - 1);
}

/// The VmFlags of the mapping that holds `p` (from /proc/self/smaps), or "" when none does.
std::string vmFlagsAt(const void* p)
{
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    std::ifstream f("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(f, line)) {
        std::uintptr_t lo = 0, hi = 0;
        char dash = 0;
        std::istringstream head(line);
        if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
            inside = a >= lo && a < hi;
            continue;
        }
        if (inside && line.rfind("VmFlags:", 0) == 0)
            return line;
    }
    return {};
}

bool sanitized()
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return true;
#else
    return false;
#endif
}

} // namespace

class TestHugePages : public QObject {
    Q_OBJECT
private slots:
    void threadHeapIsAdvised();
    void repeatedCallsAndAllocationsWork();
};

void TestHugePages::threadHeapIsAdvised()
{
    std::string flags;
    std::thread t([&] {
        HugePages::forThreadHeap();
        std::vector<std::string> keep;
        for (int i = 0; i < 1000; ++i)
            keep.emplace_back(200, 'x');
        flags = vmFlagsAt(keep.back().data());
    });
    t.join();
    if (sanitized() || (thpMode() != "madvise" && thpMode() != "always"))
        QSKIP("no transparent huge pages to ask for here");
    QVERIFY2(flags.find(" hg") != std::string::npos, flags.c_str());
}

void TestHugePages::repeatedCallsAndAllocationsWork()
{
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([] {
            for (int round = 0; round < 3; ++round) {
                HugePages::forThreadHeap();
                std::vector<std::vector<int>> v;
                for (int i = 0; i < 2000; ++i)
                    v.emplace_back(100, i);
                for (int i = 0; i < 2000; ++i)
                    QCOMPARE(v[static_cast<std::size_t>(i)][99], i);
            }
        });
    for (auto& t : threads)
        t.join();
    HugePages::forThreadHeap();
    HugePages::forThreadHeap();
    std::string big(3 << 20, 'y'); // past the advised step: still plain malloc
    QCOMPARE(big[big.size() - 1], 'y');
}

QTEST_GUILESS_MAIN(TestHugePages)
#include "TestHugePages.moc"

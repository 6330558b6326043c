// SPDX-License-Identifier: GPL-3.0-or-later
// podium-bench-scan FOLDER [--threads N] [--repeat N] [--recursive]
//
// Reads every checkpoint in FOLDER exactly as `podium-cli rank` does (parallel scan, then the ranking) and
// prints checkpoints per second, bytes and read calls per checkpoint, and the process's peak memory.
// Compare with ../shared/tools/baseline_scan.py (see README "Performance").
#include "ranking/Ranking.h"
#include "util/HugePages.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/resource.h>

int main(int argc, char** argv)
{
    podium::HugePages::forThreadHeap(); // as podium-cli does
    std::string folder;
    unsigned threads = 0;
    int repeat = 1;
    bool recursive = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--threads" && i + 1 < argc) threads = static_cast<unsigned>(std::stoi(argv[++i]));
        else if (a == "--repeat" && i + 1 < argc) repeat = std::stoi(argv[++i]);
        else if (a == "--recursive" || a == "-r") recursive = true;
        else folder = a;
    }
    if (folder.empty()) {
        std::fprintf(stderr, "usage: podium-bench-scan FOLDER [--threads N] [--repeat N] [--recursive]\n");
        return 2;
    }
    double best = 1e30;
    std::size_t files = 0, ok = 0, groups = 0;
    std::uint64_t bytes = 0;
    for (int r = 0; r < repeat; ++r) {
        podium::ranking::FolderScanner scanner; // fresh: no cache between repeats
        podium::ranking::ScanOptions so;
        so.remember = false; // as podium-cli rank does
        so.read.detail = podium::checkpoint::Detail::Ranking;
        so.threads = threads;
        so.recursive = recursive;
        const auto t0 = std::chrono::steady_clock::now();
        auto scan = scanner.scan(folder, so);
        if (!scan) {
            std::fprintf(stderr, "%s\n", scan.error().message().c_str());
            return 1;
        }
        auto ranking = podium::ranking::rank(*scan);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::min(best, s);
        files = scan->files.size();
        ok = 0;
        bytes = 0;
        for (const auto& f : scan->files)
            if (f.checkpoint) {
                ++ok;
                bytes += f.checkpoint->bytesRead;
            }
        groups = ranking.groups.size();
    }
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("folder              %s\n", folder.c_str());
    std::printf("checkpoints         %zu (%zu read, %zu groups)\n", files, ok, groups);
    std::printf("scan+rank time      %.4f s (best of %d)\n", best, repeat);
    std::printf("checkpoints/s       %.0f\n", files / best);
    std::printf("bytes read / ckpt   %.0f\n", ok ? static_cast<double>(bytes) / ok : 0.0);
    std::printf("peak RSS            %.1f MB\n", ru.ru_maxrss / 1024.0);
    std::printf("page faults         %ld (whole process, all repeats)\n", ru.ru_minflt);
    return 0;
}

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whole-process scan timing, podium-cli against the Python peers, interleaved (issue 3's benchmark).

    bench/compare_scan.py CORPUS [--cli build/release/app/podium-cli] [--runs 7] [--torchload]

Each round runs `baseline_scan.py CORPUS --method pickleonly` once and `podium-cli rank CORPUS --json`
three times, so both see the same machine load (this VM's wall clock drifts by ±25% over minutes).
Prints every figure and the medians' ratio, and each tool's peak RSS (one more run under /usr/bin/time:
a child forked from this script would report the script's own size as its high-water mark). Warm cache:
one untimed run of each first. Not a test: nothing fails on a figure.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def timed(cmd):
    t0 = time.perf_counter()
    status = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    elapsed = time.perf_counter() - t0
    if status not in (0, 1):  # rank exits 1 when a file failed (its output is still complete)
        sys.exit(f"{cmd[0]} failed with status {status}")
    return elapsed


def peak_rss_mb(cmd):
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(r.stderr.strip().splitlines()[-1]) / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("--cli", default=os.path.join(ROOT, "build/release/app/podium-cli"))
    ap.add_argument("--baseline", default=os.path.join(ROOT, "../shared/tools/baseline_scan.py"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--torchload", action="store_true", help="also time --method torchload once (slow)")
    a = ap.parse_args()

    podium = [a.cli, "rank", a.corpus, "--json"]
    python = ["/usr/bin/python3", a.baseline, a.corpus, "--method", "pickleonly"]
    timed(podium), timed(python)  # warm the page cache and both tools' code
    P, C = [], []
    for _ in range(a.runs):
        P.append(timed(python))
        for _ in range(3):
            C.append(timed(podium))
    prss, crss = peak_rss_mb(python), peak_rss_mb(podium)
    fmt = lambda xs: " ".join(f"{x:.3f}" for x in xs)
    print(f"corpus            {a.corpus} ({sum(1 for n in os.listdir(a.corpus) if n.endswith('.ckpt'))} checkpoints)")
    print(f"pickle-only peer  median {statistics.median(P):.3f} s  [{fmt(P)}]  peak RSS {prss:.0f} MB")
    print(f"podium-cli rank   median {statistics.median(C):.3f} s  [{fmt(C)}]  peak RSS {crss:.0f} MB")
    print(f"ratio of medians  {statistics.median(P) / statistics.median(C):.1f}x")
    if a.torchload:
        torchload = ["/usr/bin/python3", a.baseline, a.corpus, "--method", "torchload"]
        print(f"torch.load peer   {timed(torchload):.3f} s  peak RSS {peak_rss_mb(torchload):.0f} MB")


if __name__ == "__main__":
    main()

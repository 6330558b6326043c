#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every metrics.csv under DATA, read by Python's csv module, must equal what `podium-cli metrics --json`
reports: the same series (one per metric column), the same points in the same order, the same step and epoch,
and bit-identical values (NaN/inf as the strings "nan"/"inf"/"-inf").

Usage: compare_metrics_csv.py PODIUM_CLI DATA_DIR
"""
import csv
import json
import math
import os
import subprocess
import sys


def expected(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    series = {}
    for c, name in enumerate(header):
        if name in ("epoch", "step"):
            continue
        pts = []
        for row in body:
            if c < len(row) and row[c] != "":
                v = float(row[c])
                val = "nan" if math.isnan(v) else ("inf" if v == math.inf else ("-inf" if v == -math.inf else v))
                rec = dict(zip(header, row))
                pts.append({"step": int(float(rec["step"])) if rec.get("step") else None,
                            "epoch": int(float(rec["epoch"])) if rec.get("epoch") else None, "value": val})
        series[name] = pts
    return series


def main():
    cli, data = sys.argv[1], sys.argv[2]
    files = 0
    bad = []
    for root, _dirs, names in os.walk(data):
        if "metrics.csv" not in names:
            continue
        files += 1
        path = os.path.join(root, "metrics.csv")
        out = subprocess.run([cli, "metrics", root, "--logs", root, "--json"], capture_output=True, text=True)
        if out.returncode != 0:
            bad.append(f"{path}: podium-cli exited {out.returncode}: {out.stderr}")
            continue
        got = {s["name"]: s for s in json.loads(out.stdout)["series"] if s["kind"] == "csv"}
        want = expected(path)
        if sorted(got) != sorted(want):
            bad.append(f"{path}: series {sorted(got)} != {sorted(want)}")
            continue
        for name, pts in want.items():
            have = [{"step": p["step"], "epoch": p["epoch"], "value": p["value"]} for p in got[name]["points"]]
            if have != pts:
                bad.append(f"{path}: {name}: {have[:3]}... != {pts[:3]}...")
    if files == 0:
        bad.append(f"no metrics.csv under {data}")
    for b in bad:
        print("MISMATCH", b)
    print(f"{files} metrics.csv files compared, {len(bad)} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

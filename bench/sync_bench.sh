#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Embedded-state sync benchmark: rewrites the ModelCheckpoint state of every checkpoint in CORPUS (rebased to
# where it is), reports the time and the bytes written per file, then undoes it (the files are byte-identical
# again). Make a corpus with ../shared/tools/make_perf_corpus.py, e.g.
#   /usr/bin/python3 ../shared/tools/make_perf_corpus.py --n 40 --size-mb 250 --out /tmp/perf/c40big
# Usage: bench/sync_bench.sh CORPUS [PODIUM_CLI]     (default: build/release/app/podium-cli)
set -euo pipefail
corpus=${1:?corpus folder}
cli=${2:-build/release/app/podium-cli}
chmod u+w "$corpus"/*.ckpt
out=$(mktemp)
trap 'rm -f "$out"' EXIT
/usr/bin/time -f "sync: %e s wall, %M KB peak RSS" "$cli" sync "$corpus" --rebase --json > "$out"
python3 - "$out" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for d in j["directories"]:
    n = len(d["files"])
    print(f"{n} files rewritten, {d.get('bytes_written', 0)} bytes written, "
          f"{d.get('bytes_written', 0) / max(n, 1):.0f} bytes per file")
PY
/usr/bin/time -f "undo: %e s wall" "$cli" undo "$corpus"

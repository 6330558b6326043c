#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs every fuzz target for a short time, seeded with the checkpoints and pickles in tests/data.
# Usage: tests/fuzz/run_smoke.sh BUILD_DIR [SECONDS]   (BUILD_DIR from the `fuzz` preset)
set -euo pipefail
build=${1:?build dir}
secs=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
data="$here/../data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ckpt" "$work/pickle" "$work/events" "$work/s3"
# seeds: every checkpoint (zip + legacy + broken + hostile), every data.pkl and sample pickle, kept crashes
i=0; for f in $(find "$data" -name '*.ckpt' -type f); do cp "$f" "$work/ckpt/seed$i.ckpt"; i=$((i+1)); done
cp "$data"/generated/pickles/*.pkl "$work/pickle/"
python3 - "$data" "$work/pickle" <<'PY'
import sys, zipfile, glob, os
for i, f in enumerate(glob.glob(sys.argv[1] + "/fixtures/*/*/*.ckpt")):
    try:
        z = zipfile.ZipFile(f)
        n = [x for x in z.namelist() if x.endswith("/data.pkl")][0]
        open(os.path.join(sys.argv[2], f"data{i}.pkl"), "wb").write(z.read(n))
    except Exception:
        pass
PY
# event files and metrics.csv, each behind the selector byte fuzz_events reads first (0: raw, 2: csv)
i=0; for f in $(find "$data" -name 'events.out.tfevents.*' -type f); do
  { printf '\x00'; cat "$f"; } > "$work/events/ev$i"; i=$((i+1)); done
for f in $(find "$data" -name 'metrics.csv' -type f); do
  { printf '\x02'; cat "$f"; } > "$work/events/csv$i"; i=$((i+1)); done
# S3 listings and error documents: the kept examples (libFuzzer adds what it finds to the first folder)
cp "$here"/corpus/fuzz_s3_listing/seed-* "$work/s3/"
status=0
for t in fuzz_zip fuzz_zip_diff fuzz_checkpoint fuzz_pickle fuzz_events fuzz_index_record fuzz_s3_listing; do
  seeds="$work/ckpt"; [ "$t" = fuzz_pickle ] && seeds="$work/pickle"; [ "$t" = fuzz_events ] && seeds="$work/events"
  [ "$t" = fuzz_s3_listing ] && seeds="$work/s3"
  echo "== $t (${secs}s)"
  # Every crash found is kept in corpus/<target>/ and replayed on every later run.
  if ! "$build/tests/fuzz/$t" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=262144 -print_final_stats=1 \
       -artifact_prefix="$here/corpus/$t/crash-" "$seeds" "$here/corpus/$t" > "$work/$t.log" 2>&1; then
    status=1
    grep -E "ERROR|SUMMARY|#[0-9]+ 0x" "$work/$t.log" | head -20
  fi
  grep -E "^stat::(number_of_executed_units|new_units_added)" "$work/$t.log" || true
done
exit $status

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Experiment-tree benchmark (issue 17): a generated tree of RUNS Hydra jobs × 10 checkpoints with logs, made
# from the sweep-dev fixture's real checkpoints (bench/make_tree_corpus.py, varied scores). Times, side by
# side in one run: the first open (empty scan index), the reopen through the index, --no-index, and the
# reference `find TREE -printf '%s %T@'`; then the window (podium --measure: first rows, whole load, the UI
# thread's worst stall) first and reopened; peak RSS of each with /usr/bin/time.
# Usage: bench/tree_bench.sh [TREE] [BUILD_DIR]    (defaults: /tmp/tree1000, build/release)
set -euo pipefail
tree=${1:-/tmp/tree1000}
build=${2:-build/release}
cli="$build/app/podium-cli"
gui="$build/app/podium"
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$tree/multirun" ]; then
  /usr/bin/python3 "$here/make_tree_corpus.py" --runs 1000 --ckpts 10 --out "$tree"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PODIUM_INDEX="$work/index.sqlite3"
echo "tree: $tree ($(find "$tree" -name '*.ckpt' | wc -l) checkpoints, $(find "$tree" -type f | wc -l) files)"
hyperfine --style basic -w 1 -r 5 -N \
  --prepare "rm -f $PODIUM_INDEX $PODIUM_INDEX-wal $PODIUM_INDEX-shm" -n "first open (empty index)" "$cli rank --across $tree" \
  --prepare "true" -n "reopen (through the index)" "$cli rank --across $tree" \
  --prepare "true" -n "without the index" "$cli rank --across --no-index $tree" \
  --prepare "true" -n "find -printf" "find $tree -printf '%s %T@\\n'" 2>&1 | grep -Ev '^ *$'
# (hyperfine runs the reopen after the first-open runs, so the index is warm for it)
rm -f "$PODIUM_INDEX"*
/usr/bin/time -f "peak RSS, first open: %M KB" "$cli" rank --across "$tree" > /dev/null
/usr/bin/time -f "peak RSS, reopen: %M KB" "$cli" rank --across "$tree" > /dev/null
echo "index: $(du -k "$PODIUM_INDEX" | cut -f1) KB"
if [ -x "$gui" ]; then
  export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
  rm -f "$PODIUM_INDEX"*
  for pass in "window, first open" "window, reopen" "window, reopen"; do
    out=$(/usr/bin/time -f "%M" "$gui" --measure "$tree" 2>"$work/time" | tail -1)
    echo "$pass: $out, peak RSS $(grep -E '^[0-9]+$' "$work/time" | tail -1) KB"
  done
fi

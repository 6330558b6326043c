#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up a Debian 12 machine, builds Podium (release) and opens a checkpoint folder — the bundled example
# run (resources/example) when none is given. Without a display it says so and runs podium-cli instead.
# Usage: scripts/run.sh [FOLDER]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/setup-debian.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
folder=${1:-$root/resources/example}
bin=build/release/app
if [ -x "$bin/podium" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
  exec "$bin/podium" "$folder"
fi
if [ -x "$bin/podium" ]; then
  echo "No display: showing the ranking with podium-cli. (For the window: run under a desktop session,"
  echo "or 'xvfb-run $bin/podium --screenshot shot.png $folder' to render it to a PNG.)"
else
  echo "The desktop app is not built in this configuration; showing the ranking with podium-cli."
fi
exec "$bin/podium-cli" rank --recursive "$folder"

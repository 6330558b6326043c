#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Sets up a Debian 12 machine, builds, and runs every test: the dev build (unit + GUI tests, offscreen),
# the ASan+UBSan build of the core and unit tests, and a short smoke run of every fuzz target.
# Usage: scripts/test.sh            (FUZZ_SECONDS=N sets the per-target fuzz time, default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh --tests
/usr/bin/python3 -c "import torch" || { echo "python3-torch is needed for the real-torch check" >&2; exit 1; }
export QT_QPA_PLATFORM=offscreen
jobs=$(nproc)

echo "== dev build and tests"
cmake --preset dev
cmake --build --preset dev -j "$jobs"
ctest --preset dev -j "$jobs"

echo "== asan build and unit tests"
cmake --preset asan
cmake --build --preset asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --preset asan -j "$jobs"

echo "== fuzz smoke"
cmake --preset fuzz
cmake --build --preset fuzz -j "$jobs"
tests/fuzz/run_smoke.sh build/fuzz "${FUZZ_SECONDS:-20}"
echo "== packaging: validate, stage, package, install"
# The packages are made from the dev build here (stripped by CPack) to keep CI short; scripts/package.sh
# makes them from the release preset.
(cd build/dev && cpack)
appstreamcli validate --no-net build/dev/installer/io.github.podium.Podium.metainfo.xml
desktop-file-validate installer/io.github.podium.Podium.desktop
# Errors fail (the copyright file among them); warnings and pedantic notes are printed, not fatal.
lintian --fail-on error --no-tag-display-limit build/dev/podium_*_amd64.deb
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cmake --install build/dev --prefix "$stage"
"$stage/bin/podium-cli" --version
"$stage/bin/podium-cli" rank tests/data/fixtures/seed-static-name
"$stage/bin/podium" --version
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
# As a user installs it: apt resolves and installs the package's dependencies (dpkg -i would not), so a
# dependency missing from the .deb's list shows up below, when the installed binaries run.
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall ./build/dev/podium_*_amd64.deb
/usr/bin/podium-cli --version
/usr/bin/podium-cli path tests/data/fixtures/seed-static-name --rank 2
/usr/bin/podium-cli rank /usr/share/podium/example
/usr/bin/podium --version
test -f /usr/share/applications/io.github.podium.Podium.desktop
test -f /usr/share/icons/hicolor/scalable/apps/io.github.podium.Podium.svg
test -f /usr/share/doc/podium/copyright
man -w podium-cli >/dev/null 2>&1 || test -f /usr/share/man/man1/podium-cli.1.gz || test -f /usr/share/man/man1/podium-cli.1
# The installed window on the installed example (a missing runtime library or Qt plugin fails here and
# nowhere else): a fresh data folder, so the example is copied from /usr/share/podium/example.
home=$(mktemp -d)
HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_RUNTIME_DIR="$home" \
  /usr/bin/podium --screenshot "$stage/installed.png" --size 1024x700
/usr/bin/python3 tests/support/check_screenshot.py "$stage/installed.png" 1024 700
test -f "$home/data/Podium/Podium/example/checkpoints/best-v4.ckpt"
rm -rf "$home"
echo "all tests passed"

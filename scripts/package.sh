#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the release and its packages: build/release/podium_<version>_amd64.deb and podium-<version>-<arch>.tar.gz.
# Usage: scripts/package.sh      (after scripts/setup-debian.sh; dpkg-shlibdeps comes with dpkg-dev)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release
cmake --build --preset release -j "$(nproc)"
(cd build/release && cpack)
ls -1 build/release/*.deb build/release/*.tar.gz

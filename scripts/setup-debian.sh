#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs what Podium needs to build, test and run on Debian 12 (bookworm). Safe to run again.
# As root it installs directly; otherwise it uses sudo.
# Usage: scripts/setup-debian.sh            what building and running needs
#        scripts/setup-debian.sh --tests    also what the tests need (clang for the fuzzers, python3-torch for
#                                           the real-torch check, Xvfb, the desktop-file/AppStream validators)
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git python3
  qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev libgl-dev
  nlohmann-json3-dev libcli11-dev libssl-dev zlib1g-dev libyaml-cpp-dev libsqlite3-dev libcurl4-openssl-dev libexpat1-dev
  libzip-dev libcsv-dev zipcmp zipmerge ziptool
  xvfb xauth
)
if [ "${1:-}" = "--tests" ]; then
  packages+=(clang libclang-rt-14-dev python3-torch appstream desktop-file-utils dpkg-dev file lintian
             nginx-light openssl curl)
  # Node.js and npm for the S3 test server (tests/remote): Debian's, unless a newer Node is already there.
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi
remote_test_server() {
  # The S3-compatible test server, pinned by tests/remote/package-lock.json (from the npm registry).
  here=$(cd "$(dirname "$0")/.." && pwd)
  if [ ! -f "$here/tests/remote/node_modules/@20minutes/s3rver/package.json" ]; then
    echo "setup: npm ci in tests/remote (the S3 test server)"
    # npm trusts Node's own CA list, not the system's: point it at the system store too, so that a
    # machine's own CAs (an egress proxy's, installed with update-ca-certificates) are trusted as by apt/curl
    local extra="${NODE_EXTRA_CA_CERTS:-}"
    [ -z "$extra" ] && [ -f /etc/ssl/certs/ca-certificates.crt ] && extra=/etc/ssl/certs/ca-certificates.crt
    (cd "$here/tests/remote" && NODE_EXTRA_CA_CERTS="$extra" npm ci --no-audit --no-fund --loglevel=error)
  fi
}
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  [ "${1:-}" = "--tests" ] && remote_test_server
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# nginx is a test tool here (the tests start their own on loopback): its package must not start a system
# service on port 80. invoke-rc.d asks policy-rc.d; exit 101 = "not now". Only while installing, and only
# when the machine has no policy of its own.
if [[ " ${missing[*]} " == *" nginx-light "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
[ "${1:-}" = "--tests" ] && remote_test_server
exit 0

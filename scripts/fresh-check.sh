#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Proves the README's two commands on a bare Debian 12 machine, as a new user runs them: a minimal root made by
# debootstrap (--variant=minbase bookworm: nothing preinstalled, not even git or sudo), /proc and /dev mounted
# (and unmounted again on exit), a clean clone of this repository's committed HEAD, then inside the chroot
#     scripts/run.sh          (sets up, builds and shows the bundled example: without a display, the ranking)
#     scripts/test.sh         (sets up and runs every test, CI=true, as .ci/run does)
# It downloads a whole system (~1.5 GB with the build and test packages), so CI does not run it.
#
# Usage (as root, or a user with sudo): scripts/fresh-check.sh [WORKDIR]
#   WORKDIR          where the root is made (default: a new /var/tmp/podium-fresh.XXXXXX; removed on success
#                    unless KEEP=1)
#   DEBIAN_MIRROR    the mirror for debootstrap (default: the first of this machine's apt sources, else
#                    http://deb.debian.org/debian)
#   ONLY=run|test    run one of the two commands
# The tests read ../shared (the fixtures, wild and security corpora) when it exists beside this checkout: it is
# bind-mounted read-only at the same place beside the clone, as CI sees it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

if ! command -v debootstrap >/dev/null; then
  echo "fresh-check: installing debootstrap"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
fi
mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -h -o -E '^(URIs:|deb) +https?://[^ ]+debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null |
           grep -v security | head -1 | awk '{print $2}') || true
  mirror=${mirror:-http://deb.debian.org/debian}
fi

given_work=${1:-}
only=${ONLY:-both}
work=${given_work:-$(mktemp -d /var/tmp/podium-fresh.XXXXXX)}
root="$work/root"
mkdir -p "$root"
mounts=()
cleanup() {
  local rc=$?
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    $sudo umount -R "${mounts[$i]}" 2>/dev/null || $sudo umount -l "${mounts[$i]}" || true
  done
  if [ $rc -eq 0 ] && [ "${KEEP:-0}" != 1 ] && [ -z "$given_work" ]; then
    $sudo rm -rf --one-file-system "$work"
  else
    echo "fresh-check: the root is kept in $root"
  fi
  exit $rc
}
trap cleanup EXIT

started=$(date +%s)
echo "fresh-check: debootstrap --variant=minbase bookworm $root $mirror"
if [ ! -x "$root/usr/bin/apt-get" ]; then
  $sudo debootstrap --variant=minbase bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
fi
$sudo cp /etc/resolv.conf "$root/etc/resolv.conf"
# The machine's own certificate authorities (an egress proxy's, under /usr/local/share/ca-certificates) are
# part of the machine, not of the project: the root gets them as a new machine of this place has them, and
# the ca-certificates package adds them to the system store when the setup installs it.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  $sudo mkdir -p "$root/usr/local/share/ca-certificates"
  $sudo cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
fi

$sudo mount -t proc proc "$root/proc"; mounts+=("$root/proc")
$sudo mount --rbind /dev "$root/dev"; $sudo mount --make-rslave "$root/dev"; mounts+=("$root/dev")

# A clean clone of what is committed (uncommitted changes are not part of the check).
$sudo rm -rf "$root/src"
$sudo mkdir -p "$root/src"
$sudo git clone -q --no-hardlinks "$repo" "$root/src/podium"
commit=$(git -C "$root/src/podium" rev-parse --short HEAD) # what is checked (HEAD may move meanwhile)
echo "fresh-check: cloned $commit into /src/podium"
if [ -d "$repo/../shared" ]; then
  $sudo mkdir -p "$root/src/shared"
  $sudo mount --bind "$(cd "$repo/../shared" && pwd)" "$root/src/shared"
  $sudo mount -o remount,bind,ro "$root/src/shared"
  mounts+=("$root/src/shared")
fi

in_root() {
  $sudo chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
status=0
if [ "$only" = both ] || [ "$only" = run ]; then
  echo "== fresh-check: scripts/run.sh"
  in_root /bin/bash -c 'cd /src/podium && scripts/run.sh' 2>&1 | tee "$work/run.log" | tail -15
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fresh-check: scripts/run.sh FAILED"; status=1; }
fi
if [ $status -eq 0 ] && { [ "$only" = both ] || [ "$only" = test ]; }; then
  echo "== fresh-check: scripts/test.sh"
  in_root /bin/bash -c 'cd /src/podium && CI=true QT_QPA_PLATFORM=offscreen scripts/test.sh' 2>&1 |
    tee "$work/test.log" | tail -25
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fresh-check: scripts/test.sh FAILED (log: $work/test.log)"; status=1; }
fi
echo "fresh-check: $([ $status -eq 0 ] && echo passed || echo FAILED) in $(( $(date +%s) - started )) s" \
     "(Debian $(cat "$root/etc/debian_version"), commit $commit)"
exit $status

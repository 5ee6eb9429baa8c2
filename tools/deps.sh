#!/bin/bash
# Install the Debian packages that unum's build, tests and benchmarks need.
# Idempotent: installs only what is missing; uses sudo when not root.
# Usage: tools/deps.sh [--check]   (--check: exit 1 if anything is missing)
set -euo pipefail

PKGS="gcc g++ make binutils python3 qemu-system-x86 qemu-utils grub-pc-bin grub-common
xorriso mtools cpio musl-tools dpkg-dev e2fsprogs curl wrk redis-tools apache2-utils
xz-utils file busybox-static clang-format-14 linux-libc-dev clang-14 tcl
libvirt-clients libxml2-utils
libclang-rt-14-dev gnuplot-nox iperf3
python3.11 libpython3.11-stdlib openjdk-17-jdk-headless"

missing=()
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done

if [ "${1:-}" = "--check" ]; then
	[ ${#missing[@]} -eq 0 ] && exit 0
	echo "deps: missing: ${missing[*]}" >&2
	exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

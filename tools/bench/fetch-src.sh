#!/bin/bash
# Fetch third-party files pinned in deps.lock from Debian's archive, check
# their sha256 and unpack them under $BUILD (default build/). Try:
#   tools/bench/fetch-src.sh qemu-plugin-h   # -> build/qemu/include/qemu-plugin.h
#   tools/bench/fetch-src.sh linux           # -> build/linux/vmlinuz
#   tools/bench/fetch-src.sh netbase         # -> build/netbase/etc/{services,protocols}
# Also: fetch NAME | unpack NAME DIR | lock-src|lock-deb NAME[=VERSION] (lines to pin)
#       | relock NAME (NAME's lines in deps.lock replaced by its newest version's).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
LOCK=$ROOT/deps.lock
DL=$BUILD/dl

die() { echo "fetch-src: $*" >&2; exit 1; }
SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo

# Lines of deps.lock for NAME, as "VERSION SHA256 FILE".
lock_lines() {
	awk -v n="$1" '$1 == n && $1 !~ /^#/ { print $2, $3, $4 }' "$LOCK"
}

# apt-get source needs deb-src entries; add them beside Debian's deb ones
# (same URIs and suites; other vendors' repositories are left out).
ensure_deb_src() {
	grep -rqsE '^(deb-src[[:space:]]|Types:.*deb-src)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/ && return 0
	local out=/etc/apt/sources.list.d/unum-deb-src
	echo "fetch-src: adding deb-src entries ($out.*)" >&2
	if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
		cat /etc/apt/sources.list.d/*.sources | awk -v RS= -v ORS='\n\n' '
			/(^|\n)Types:[^\n]*deb/ && /(^|\n)URIs:[^\n]*debian/ {
				sub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print
			}' | $SUDO tee "$out.sources" >/dev/null
	fi
	if [ -f /etc/apt/sources.list ]; then
		sed -n '/debian/s/^deb\([[:space:]]\)/deb-src\1/p' /etc/apt/sources.list |
			$SUDO tee "$out.list" >/dev/null
	fi
	$SUDO apt-get update -qq
}

# True when FILE in $DL has the pinned sha256.
check_sum() {
	[ -f "$DL/$2" ] && echo "$1  $DL/$2" | sha256sum --quiet -c - 2>/dev/null
}

# Download every pinned file of NAME into $DL and check it.
fetch() {
	local name=$1 lines ver sum file need=0
	lines=$(lock_lines "$name")
	[ -n "$lines" ] || die "$name: not in deps.lock"
	while read -r ver sum file; do
		check_sum "$sum" "$file" || need=1
	done <<<"$lines"
	[ $need -eq 0 ] && return 0
	ver=$(head -1 <<<"$lines" | cut -d' ' -f1)
	mkdir -p "$DL"
	case $(head -1 <<<"$lines" | cut -d' ' -f3) in
	*.deb)	(cd "$DL" && apt-get -q -o APT::Sandbox::User=root download \
			"$name=$ver" >&2) ;;
	*)	ensure_deb_src
		(cd "$DL" && apt-get -q -o APT::Sandbox::User=root source \
			--download-only "$name=$ver" >&2) ;;
	esac 2>"$DL/apt-$name.log" || gone "$name" "$ver" "$(head -1 <<<"$lines" | cut -d' ' -f3)"
	while read -r ver sum file; do
		check_sum "$sum" "$file" ||
			die "$DL/$file: sha256 is $(sha256sum "$DL/$file" | cut -d' ' -f1), deps.lock says $sum"
	done <<<"$lines"
}

# apt could not fetch NAME=VERSION: one line saying what the archive has
# instead and the command that re-pins it (apt's words in $DL/apt-NAME.log)
gone() {
	local name=$1 ver=$2 file=$3 have kind=src
	case $file in *.deb) kind=deb ;; esac
	if [ $kind = deb ]; then
		have=$(apt-cache policy "$name" 2>/dev/null | awk '/Candidate:/ { print $2 }')
	else
		have=$(newest_src "$name")
	fi
	if [ "$have" = "$ver" ]; then
		die "$name $ver: the archive lists it but did not serve $(sed -n 's|^E: Failed to fetch .*/\([^/ ]*\)  *\(404.*\) \[.*|\1 (\2)|p' "$DL/apt-$name.log" | head -1) (apt's words: $DL/apt-$name.log)"
	fi
	die "$name $ver is not in the archive (it has ${have:-no version of it}); update deps.lock with: $0 relock $name"
}

# The newest version of source package NAME the archive lists (apt-cache
# showsrc lists each suite's in its own order: bookworm's before
# bookworm-security's, an older one first), in dpkg's ordering.
newest_src() {
	local v best=
	for v in $(apt-cache showsrc "$1" 2>/dev/null | awk '/^Version:/ { print $2 }'); do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v
		fi
	done
	echo "$best"
}

# Replace NAME's lines in deps.lock with those of its newest version.
relock() {
	local name=$1 kind=src new
	case $(lock_lines "$name" | head -1 | cut -d' ' -f3) in *.deb) kind=deb ;; esac
	new=$(lock "$kind" "$name")
	awk -v n="$name" -v new="$new" '
		$1 == n && !done { print new; done = 1; next }
		$1 == n { next }
		{ print }' "$LOCK" >"$LOCK.tmp" && mv "$LOCK.tmp" "$LOCK"
	echo "fetch-src: deps.lock: $name is now $(lock_lines "$name" | head -1 | cut -d' ' -f1)" >&2
}

# Path of NAME's pinned file whose name matches the glob PATTERN.
pinned_file() {
	local f
	# shellcheck disable=SC2254 # $2 is a glob on purpose
	f=$(lock_lines "$1" | awk '{ print $3 }' | while read -r x; do
		case $x in $2) echo "$x" ;; esac; done | head -1)
	[ -n "$f" ] || die "$1: no file matching $2 in deps.lock"
	echo "$DL/$f"
}

# Unpack source package NAME (with Debian's patches) into DIR.
unpack() {
	fetch "$1"
	rm -rf "$2"
	mkdir -p "$(dirname "$2")"
	dpkg-source --no-check -x "$(pinned_file "$1" '*.dsc')" "$2" >/dev/null
}

# qemu-plugin.h alone, from the orig tarball (Debian's patches leave it
# alone in 7.2: checked by grepping the debian tarball).
qemu_plugin_h() {
	local out=$BUILD/qemu/include/qemu-plugin.h orig
	fetch qemu
	orig=$(pinned_file qemu '*.orig.tar.*')
	mkdir -p "$(dirname "$out")"
	tar -xOf "$orig" --wildcards '*/include/qemu/qemu-plugin.h' >"$out.tmp"
	[ -s "$out.tmp" ] || die "$orig: no include/qemu/qemu-plugin.h"
	mv "$out.tmp" "$out"
	echo "$out"
}

# The cloud kernel: only boot/ of the package (vmlinuz, config; its
# System.map is a stub), unpacked, never installed; vmlinuz a stable name.
linux() {
	local name deb dir=$BUILD/linux
	name=$(awk '$1 ~ /^linux-image-.*-cloud-amd64$/ { print $1; exit }' "$LOCK")
	[ -n "$name" ] || die "no linux-image-*-cloud-amd64 in deps.lock"
	fetch "$name"
	deb=$(pinned_file "$name" '*.deb')
	rm -rf "$dir"
	mkdir -p "$dir/root"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir/root" --wildcards './boot/*'
	cp "$dir"/root/boot/vmlinuz-* "$dir/vmlinuz"
	echo "$name" >"$dir/PACKAGE"
	echo "$dir/vmlinuz"
}

# netbase's /etc/services and /etc/protocols (for app initrds), unpacked
# from its .deb into $BUILD/netbase/etc.
netbase() {
	local deb dir=$BUILD/netbase
	fetch netbase
	deb=$(pinned_file netbase '*.deb')
	rm -rf "$dir"
	mkdir -p "$dir/root"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir/root" ./etc/services ./etc/protocols
	mv "$dir/root/etc" "$dir/etc"
	rm -rf "$dir/root"
	echo "$dir/etc"
}

# Print deps.lock lines for source (KIND=src) or binary (KIND=deb) package
# NAME, at its newest version or at NAME=VERSION; paste them into deps.lock.
lock() {
	local kind=$1 spec=$2 tmp name ver
	name=${spec%%=*}
	ver=${spec#*=}
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # tmp is expanded now: it is local
	trap "rm -rf '$tmp'" EXIT
	if [ "$kind" = deb ]; then
		[ "$ver" = "$spec" ] &&
			ver=$(apt-cache policy "$name" | awk '/Candidate:/ { print $2 }')
		(cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "$name=$ver" >&2)
	else
		ensure_deb_src
		[ "$ver" = "$spec" ] &&
			ver=$(newest_src "$name")
		(cd "$tmp" && apt-get -q -o APT::Sandbox::User=root source \
			--download-only "$name=$ver" >&2)
	fi
	(cd "$tmp" && for f in *; do
		echo "$name $ver $(sha256sum "$f" | cut -d' ' -f1) $f"
	done)
}

case ${1:-} in
qemu-plugin-h)	qemu_plugin_h ;;
linux)		linux ;;
netbase)	netbase ;;
fetch)		[ $# -eq 2 ] || die "usage: $0 fetch NAME"; fetch "$2"; echo "$DL" ;;
unpack)		[ $# -eq 3 ] || die "usage: $0 unpack NAME DIR"; unpack "$2" "$3" ;;
relock)		[ $# -eq 2 ] || die "usage: $0 relock NAME"; relock "$2" ;;
lock-src|lock-deb)
		[ $# -eq 2 ] || die "usage: $0 $1 NAME[=VERSION]"; lock "${1#lock-}" "$2" ;;
*)		echo "usage: $0 qemu-plugin-h | linux | netbase | fetch NAME | unpack NAME DIR | lock-src|lock-deb NAME[=VERSION] | relock NAME" >&2
		exit 2 ;;
esac

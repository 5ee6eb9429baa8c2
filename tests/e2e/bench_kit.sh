#!/bin/bash
# Smoke test of the benchmark kit (tools/bench): the floor kernel exits with
# status 1, icount counts a known-count kernel exactly, markers.sh, and
# linux-guest runs a static binary (output, stderr, status, icount marks).
# Run: make -f tools/bench/bench.mk bench-check  (or this file; ~15 s)
# Silent when it passes; else exit 1, each failure a "FAIL: ..." line on stderr.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
export BUILD=${BUILD:-build}
B=$BUILD/bench
tmp=$(mktemp -d /tmp/bench_kit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# qemu and musl-gcc are project dependencies (tools/deps.sh): no skipping.
make -s -f tools/bench/bench.mk BUILD="$BUILD" bench-tools "$B/exact.elf" "$B/exact.sym" ||
	{ echo "FAIL: building the kit (make -f tools/bench/bench.mk bench-tools)" >&2; exit 1; }

Q=(qemu-system-x86_64 -M microvm,acpi=off -accel tcg -cpu max -m 16M
	-display none -nodefaults -no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=4)

# Floor: exits through isa-debug-exit with v=0 (QEMU status 1).
timeout 20 "${Q[@]}" -kernel "$B/floor.elf" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ ! -s "$tmp/err" ] ||
	fail "floor.elf: expected QEMU status 1 and no message, got $rc: $(cat "$tmp/err")"

# icount: exact counts between the labels of exact.S.
marks=$(tools/bench/markers.sh -s "$B/exact.sym" pvh_start mark_loop mark_rep mark_end) ||
	fail "markers.sh on exact.sym"
timeout 20 "${Q[@]}" -kernel "$B/exact.elf" \
	-plugin "$B/icount.so,$marks,out=$tmp/ic" 2>"$tmp/err"
got=$(awk '$2 == "mark" { c[$3] = $5 } $2 == "total" { t = $3 }
	END { print c["mark_loop"] - c["pvh_start"], c["mark_rep"] - c["mark_loop"],
	      c["mark_end"] - c["mark_rep"], t - c["mark_end"] }' "$tmp/ic" 2>/dev/null)
[ "$got" = "1 2000 4 2" ] ||
	fail "icount on exact.elf: expected deltas '1 2000 4 2', got '$got' ($(cat "$tmp/ic" "$tmp/err" 2>&1))"

# markers.sh names what is missing.
tools/bench/markers.sh -s "$B/exact.sym" no_such_symbol >/dev/null 2>"$tmp/err" &&
	fail "markers.sh: expected failure for a missing symbol"
grep -q no_such_symbol "$tmp/err" || fail "markers.sh: expected the missing name on stderr"

# linux-guest: stdout exactly, stderr, exit status, icount marks.
cat >"$tmp/hello.c" <<'EOF'
#include <stdio.h>
int main(int argc, char **argv) {
	fprintf(stderr, "err line\n");
	printf("%d [%s] [%s]\nno newline", argc, argv[1], argv[2]);
	return 7;
}
EOF
musl-gcc -static -O2 -o "$tmp/hello" "$tmp/hello.c" || fail "musl-gcc hello"
timeout 120 tools/bench/linux-guest --icount "$tmp/lic" "$tmp/hello" a "b c" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
printf '3 [a] [b c]\nno newline' >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" ||
	fail "linux-guest stdout: expected '$(cat "$tmp/want")', got '$(cat "$tmp/out")'"
grep -qx 'err line' "$tmp/err" || fail "linux-guest stderr: expected 'err line', got '$(cat "$tmp/err")'"
[ $rc -eq 7 ] || fail "linux-guest status: expected 7, got $rc"
n=$(awk '$2 == "mark" && ($3 == "init" || $3 == "app") && $5 ~ /^[0-9]+$/' "$tmp/lic" 2>/dev/null | wc -l)
[ "$n" -eq 2 ] || fail "linux-guest --icount: expected marks init and app hit, got: $(cat "$tmp/lic" 2>&1)"

[ $fails -eq 0 ] || exit 1
exit 0

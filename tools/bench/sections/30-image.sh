#!/bin/bash
# Benchmark section "image": apps/hello baked into a disk image by tools/unum
# image (GRUB, stripped kernel, xz initrd): its size, and the wall time of
# booting it with plain QEMU through SeaBIOS and GRUB to power-off, against
# the kernel-only GRUB image (build/unum.img) when it is built.
# Run: tools/bench/run image
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT
RUNS=${BENCH_IMAGE_RUNS:-3}

bench_table_head "image: apps/hello disk image (tools/unum image)" \
	"  q35, TCG, default CPU, only COM1: the plain QEMU line of README.md; baseline = build/unum.img (kernel only)" \
	"unum.img"

img=$BENCH_TMP/hello.img
why=
if [ ! -f "$KERNEL" ]; then
	why="$KERNEL not built"
elif ! musl-gcc -static -O2 -o "$BENCH_TMP/hello" "$BENCH_ROOT/apps/hello/hello.c"; then
	why="musl-gcc failed"
elif ! UNUM_KERNEL=$KERNEL "$BENCH_ROOT/tools/unum" image -o "$img" "$BENCH_TMP/hello"; then
	why="tools/unum image failed"
fi
base=$BUILD/unum.img
[ -f "$base" ] || base=

# Wall time, QEMU start to exit; "-" for a boot that did not end by itself.
grub_boot_us() {
	local t0=${EPOCHREALTIME/./} rc=0
	cp "$1" "$BENCH_TMP/boot.img"
	timeout -s TERM -k 5 "$BENCH_TIMEOUT" "$QEMU" -M q35 -display none -serial stdio \
		-drive file="$BENCH_TMP/boot.img",format=raw </dev/null >/dev/null 2>&1 || rc=$?
	local t1=${EPOCHREALTIME/./}
	[ $rc -eq 0 ] || [ $rc -eq 1 ] && echo $((t1 - t0)) || echo -
}
: >"$BENCH_TMP/t.ours"
: >"$BENCH_TMP/t.base"
for ((i = 0; i < RUNS; i++)); do
	[ -z "$why" ] && grub_boot_us "$img" >>"$BENCH_TMP/t.ours"
	[ -n "$base" ] && grub_boot_us "$base" >>"$BENCH_TMP/t.base"
done

size=-
[ -z "$why" ] && size=$(bench_file_size "$img")
bench_row bytes "disk image size" "$size" "$([ -n "$base" ] && bench_file_size "$base" || echo -)"
bench_row us "boot to exit through GRUB (median of $RUNS)" \
	"$(grep -v '^-' "$BENCH_TMP/t.ours" | bench_median)" \
	"$(grep -v '^-' "$BENCH_TMP/t.base" | bench_median)"
[ -z "$why" ] || bench_note "ours: not measured: $why"
[ -n "$base" ] || bench_note "baseline: $BUILD/unum.img not built (make image)"
exit 0

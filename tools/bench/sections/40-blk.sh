#!/bin/bash
# Benchmark section "blk": virtio-blk through /dev/vda against the host's
# own I/O on the same image file. One static binary (progs/blkbench.c):
# sequential write (then fsync) and read in 1 MiB requests, 4 KiB random
# reads with 1 and 32 in flight (32 threads, each pread on its own open
# file: one description's calls are serialised by its lock). Ours: tools/unum
# run --disk IMG (microvm, virtio-blk-device, QEMU's default cache=writeback,
# so the host page cache sits under the guest); host: the same program on
# the image file, buffered (the same page cache; no O_DIRECT, which QEMU
# does not use here either). Run: tools/bench/run blk
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT
RUNS=${BENCH_BLK_RUNS:-3}			# runs per side, alternating
BYTES=${BENCH_BLK_BYTES:-$((64 << 20))}		# image size = sequential bytes
RANDOPS=${BENCH_BLK_RANDOPS:-4000}		# random reads per depth
TIMEOUT=${BENCH_BLK_TIMEOUT:-600}
t_start=$SECONDS
notes=()

bench_table_head "blk: /dev/vda (virtio-blk, microvm MMIO, 2 vCPUs) vs the host on the image file" \
	"  TCG -cpu max; $((BYTES >> 20)) MiB raw image; blkbench static musl; median of $RUNS runs per side" \
	host

prog=$BENCH_TMP/blkbench
img=$BENCH_TMP/disk.img
why=
if [ ! -f "$KERNEL" ]; then
	why="$KERNEL not built"
elif ! musl-gcc -static -O2 -o "$prog" "$BENCH_ROOT/tools/bench/progs/blkbench.c" -lpthread; then
	why="musl-gcc failed"
fi

NAMES=(seq-write seq-read randread-qd1 randread-qd32)
for n in "${NAMES[@]}"; do : >"$BENCH_TMP/ours.$n"; : >"$BENCH_TMP/host.$n"; done

# "bench NAME VALUE UNIT" lines on stdin -> one file of values per NAME
collect() { # SIDE
	tr -d '\036' | while read -r tag name value _; do
		[ "$tag" = bench ] && echo "$value" >>"$BENCH_TMP/$1.$name"
	done
}

for ((i = 0; i < RUNS; i++)); do
	[ -n "$why" ] && break
	rm -f "$img"
	truncate -s "$BYTES" "$img"
	rc=0
	UNUM_KERNEL=$KERNEL timeout -k 5 "$TIMEOUT" "$BENCH_ROOT/tools/unum" run "$prog" \
		--cpus 2 --mem 256M --timeout "$TIMEOUT" --disk "$img" -- /dev/vda "$BYTES" "$RANDOPS" \
		>"$BENCH_TMP/out" 2>"$BENCH_TMP/err" || rc=$?
	[ $rc -eq 0 ] || notes+=("ours run $i: exit $rc: $(grep -v '^unum: accel' "$BENCH_TMP/err" | tail -n 2 | tr '\n' ' ')")
	collect ours <"$BENCH_TMP/out"
	rc=0
	"$prog" "$img" "$BYTES" "$RANDOPS" >"$BENCH_TMP/out" 2>"$BENCH_TMP/err" || rc=$?
	[ $rc -eq 0 ] || notes+=("host run $i: exit $rc: $(tail -n 2 "$BENCH_TMP/err" | tr '\n' ' ')")
	collect host <"$BENCH_TMP/out"
done
[ -n "$why" ] && notes+=("not measured: $why")

row() { # LABEL NAME
	bench_row count "$1" "$(bench_median <"$BENCH_TMP/ours.$2")" "$(bench_median <"$BENCH_TMP/host.$2")"
}
row "sequential write, 1 MiB requests + fsync, MB/s" seq-write
row "sequential read, 1 MiB requests, MB/s" seq-read
row "random 4 KiB reads, 1 in flight, IOPS" randread-qd1
row "random 4 KiB reads, 32 in flight, IOPS" randread-qd32
bench_note "MB/s = 10^6 bytes per second of guest (or host) monotonic time; ratio = ours / host,"
bench_note "  higher is better for every row. The host side has no virtualisation at all, and TCG"
bench_note "  runs our guest code, so the ratio is what an app here would see, not a device limit."
bench_note "ours: bounce buffer per call (app pages are not pinned), requests over 508 KiB split in"
bench_note "  parts that go in flight together; host: buffered I/O through its page cache"
for n in "${NAMES[@]}"; do
	for side in ours host; do
		[ -s "$BENCH_TMP/$side.$n" ] &&
			notes+=("$n, $side: each run: $(sort -n "$BENCH_TMP/$side.$n" | tr '\n' ' ')")
	done
done
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "host: $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg); section time: $((SECONDS - t_start)) s"
exit 0

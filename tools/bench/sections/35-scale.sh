#!/bin/bash
# Benchmark section "scale" (issue #9): 20,000 files created in one folder
# and 30,000 anonymous 4 KB mappings (protections alternating, so none
# merge), by the same static binary, progs/scalebench.c, as our app
# (tools/unum run, files in /tmp) and on this host (files in /dev/shm, a
# tmpfs as our /tmp is RAM, else in $TMPDIR). Seconds, ours vs host; the
# issue's aim is within 3x. Run: tools/bench/run scale
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT

PROG=$BUILD/bench/scalebench
RUNS=${BENCH_SCALE_RUNS:-1}		# runs per side (each runs both; ours takes minutes today)
TIMEOUT=${BENCH_SCALE_TIMEOUT:-600}	# seconds per guest run
MEM=512M
# NAME=OPS words for scalebench; empty: its defaults (20000 files, 30000 maps)
read -r -a OPS_ARGS <<<"${BENCH_SCALE_OPS:-}"
NAMES=(files maps)
declare -A WHAT=(
	[files]="create empty files in one new folder (open O_CREAT|O_EXCL + close)"
	[maps]="mmap anonymous 4 KB, PROT_READ and PROT_READ|PROT_WRITE in turn (no merging)")
notes=()
t_start=$SECONDS

HOST_DIR=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && HOST_DIR=/dev/shm

have=1
for f in "$KERNEL" "$PROG"; do
	[ -f "$f" ] || { have=0; notes+=("not measured: $f missing (make; make -f tools/bench/bench.mk bench-tools)"); }
done

failed() {	# WHO STATUS STDERR-FILE: remember why a run gave no figure
	notes+=("$1: exit $2: $(grep -v '^unum: accel' "$3" | tail -n 2 | tr '\n' ' ')")
}

# "NAME NS OPS" lines from scalebench's "bench NAME OPS NS" lines on stdin
figures() {
	tr -d '\036' | awk '$1 == "bench" && $3 > 0 { print $2, $4, $3 }'
}

: >"$BENCH_TMP/ours"
: >"$BENCH_TMP/host"
for ((i = 0; i < RUNS && have; i++)); do
	rc=0
	UNUM_KERNEL=$KERNEL "$BENCH_ROOT/tools/unum" run "$PROG" --mem "$MEM" \
		--timeout "$TIMEOUT" -- /tmp "${OPS_ARGS[@]}" \
		</dev/null >"$BENCH_TMP/out" 2>"$BENCH_TMP/err" || rc=$?
	[ $rc -eq 0 ] || failed ours $rc "$BENCH_TMP/err"
	figures <"$BENCH_TMP/out" >>"$BENCH_TMP/ours"
	rc=0
	"$PROG" "$HOST_DIR" "${OPS_ARGS[@]}" >"$BENCH_TMP/out" 2>"$BENCH_TMP/err" || rc=$?
	[ $rc -eq 0 ] || failed host $rc "$BENCH_TMP/err"
	figures <"$BENCH_TMP/out" >>"$BENCH_TMP/host"
done

figure() {	# NAME FILE -> the median ns of NAME's lines, or "-"
	awk -v n="$1" '$1 == n { print $2 }' "$2" | bench_median
}

bench_table_head "scale: $(basename "$KERNEL") (TCG, 1 vCPU, --mem $MEM) vs this host" \
	"  scalebench static glibc; ours in /tmp, the host in $HOST_DIR" host
for name in "${NAMES[@]}"; do
	ops=$(awk -v n="$name" '$1 == n { print $3; exit }' "$BENCH_TMP/ours" "$BENCH_TMP/host")
	bench_subhead "$name, ${ops:-?}: ${WHAT[$name]}"
	bench_row s "  seconds (median of $RUNS)" \
		"$(figure "$name" "$BENCH_TMP/ours")" "$(figure "$name" "$BENCH_TMP/host")"
done
bench_note "seconds: CLOCK_MONOTONIC around the timed loop (guest clock for ours); the aim (issue #9)"
bench_note "  is a ratio within 3; ours runs under TCG, the host natively, so the ratio also holds"
bench_note "  TCG's slowdown (compare the syscalls section's getppid against Linux under TCG)"
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "section time: $((SECONDS - t_start)) s"
exit 0

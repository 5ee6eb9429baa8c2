#!/bin/bash
# Benchmark section "sched": futex ping-pong on one CPU and across two, and
# thread create+join; ours (the bench kernel bench/kernel-bench.elf
# bench=NAME, tools/bench/kernel/bench_sched.c) against the same program
# on Linux (progs/schedbench.c).
# Wall ns per op and guest instructions per op. Run: tools/bench/run sched
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT

TKERNEL=${SCHED_KERNEL:-$BUILD/bench/kernel-bench.elf}
TKSYM=${TKERNEL%.elf}.sym
PROG=$BUILD/bench/schedbench
PSYM=$BUILD/bench/schedbench.sym
RUNS=${BENCH_SCHED_RUNS:-5}		# wall runs per side and benchmark
TIMEOUT=${BENCH_SCHED_TIMEOUT:-300}	# seconds per guest run
# Ops per benchmark (same, cross, create-join), sized from TCG rates (ours
# ~2.5, ~10, ~20 us/op; Linux ~11, ~30, 300 us/op, and up to 10x that on a
# busy host) so the section takes 1.5-4 minutes, mostly Linux boots.
read -r OPS_SAME OPS_CROSS OPS_CJ <<<"${BENCH_SCHED_OPS:-40000 10000 2000}"
NAMES=(pingpong-same pingpong-cross create-join)
declare -A OPS=([pingpong-same]=$OPS_SAME [pingpong-cross]=$OPS_CROSS [create-join]=$OPS_CJ)
declare -A WHAT=(
	[pingpong-same]="futex hand-over, both threads pinned to CPU 0"
	[pingpong-cross]="futex wake-up across CPUs 0 and 1 (pinned)"
	[create-join]="create a thread that returns, join it (unpinned)")
notes=()
t_start=$SECONDS

have_ours=1
for f in "$TKERNEL" "$TKSYM"; do
	[ -f "$f" ] || { have_ours=0; notes+=("ours: not measured: $f missing (make -f tools/bench/bench.mk bench-tools)"); }
done
have_linux=1
for f in "$PROG" "$PSYM" "$BUILD/linux/vmlinuz"; do
	[ -f "$f" ] || { have_linux=0; notes+=("Linux: not measured: $f missing (make -f tools/bench/bench.mk bench-tools)"); }
done

# ns per op from a "bench NAME OPS NS" line on stdin, or "-".
per_op() {
	tr -d '\036' | awk -v n="$1" -v o="$2" '
		$1 == "bench" && $2 == n && $3 == o { printf "%.3f\n", $4 / $3; found = 1 }
		END { if (!found) print "-" }'
}

# Remember why a run gave no figure: WHO, its exit status, its stderr file.
failed() {
	notes+=("$1: exit $2: $(grep -v '^unum: accel' "$3" | tail -n 2 | tr '\n' ' ')")
}

ours_wall() {	# NAME OPS -> ns per op
	local out rc=0
	out=$("$BENCH_ROOT/tools/unum" run "$TKERNEL" --cpus 2 --timeout "$TIMEOUT" \
		--kernel-args "bench=$1 bench.ops=$2" 2>"$BENCH_TMP/err") || rc=$?
	[ $rc -eq 0 ] || failed "ours $1" $rc "$BENCH_TMP/err"
	per_op "$1" "$2" <<<"$out"
}

linux_wall() {	# NAME OPS -> ns per op
	local out rc=0
	out=$("$BENCH_ROOT/tools/bench/linux-guest" --cpus 2 --timeout "$TIMEOUT" \
		"$PROG" "$1" "$2" 2>"$BENCH_TMP/err") || rc=$?
	[ $rc -eq 0 ] || failed "Linux $1" $rc "$BENCH_TMP/err"
	per_op "$1" "$2" <<<"$out"
}

# (count at mark_bench_stop - count at mark_bench_start) / OPS from the
# icount plugin's records in FILE, or "-".
icount_per_op() {
	awk -v o="$2" '
		$2 == "mark" && $3 == "mark_bench_start" { s = $5 }
		$2 == "mark" && $3 == "mark_bench_stop" { e = $5 }
		END { if (s == "" || e == "" || s == "-" || e == "-") print "-"
		      else printf "%.1f\n", (e - s) / o }' "$1" 2>/dev/null || echo -
}

# Ours under the plugin: tools/unum's machine (microvm, -cpu max, 2 vCPUs)
# with one TCG thread, so the shared counter is exact; no idle polling.
ours_icount() {	# NAME OPS -> instructions per op
	local marks rc=0
	marks=$("$BENCH_ROOT/tools/bench/markers.sh" -s "$TKSYM" mark_bench_start mark_bench_stop) ||
		{ echo -; return; }
	rm -f "$BENCH_TMP/icount"
	timeout -s TERM -k 5 "$TIMEOUT" \
		"$QEMU" -M microvm,acpi=off -accel tcg,thread=single -cpu max -smp 2 -m 128M \
		-display none -nodefaults -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-serial "file:$BENCH_TMP/com1" -serial "file:$BENCH_TMP/com2" \
		-kernel "$TKERNEL" -append "bench=$1 bench.ops=$2 idle_poll=0" \
		-plugin "$ICOUNT_SO,$marks,out=$BENCH_TMP/icount" \
		</dev/null >/dev/null 2>"$BENCH_TMP/err" || rc=$?
	# exit status 0 from the guest is QEMU status 1 (isa-debug-exit)
	[ $rc -eq 1 ] || failed "ours $1 (icount)" $rc "$BENCH_TMP/err"
	icount_per_op "$BENCH_TMP/icount" "$2"
}

linux_icount() {	# NAME OPS -> instructions per op
	local marks m rc=0 args=()
	marks=$("$BENCH_ROOT/tools/bench/markers.sh" -s "$PSYM" mark_bench_start mark_bench_stop) ||
		{ echo -; return; }
	for m in ${marks//,/ }; do
		args+=(--mark "${m#mark=}")
	done
	rm -f "$BENCH_TMP/icount"
	"$BENCH_ROOT/tools/bench/linux-guest" --cpus 2 --timeout "$TIMEOUT" \
		--icount "$BENCH_TMP/icount" "${args[@]}" "$PROG" "$1" "$2" \
		>/dev/null 2>"$BENCH_TMP/err" || rc=$?
	[ $rc -eq 0 ] || failed "Linux $1 (icount)" $rc "$BENCH_TMP/err"
	icount_per_op "$BENCH_TMP/icount" "$2"
}

bench_table_head "sched: $(basename "$TKERNEL") vs Linux guest, 2 vCPUs" \
	"  TCG -cpu max; ours microvm (tools/unum), Linux $(cat "$BUILD/linux/PACKAGE" 2>/dev/null || echo '?') on q35 (linux-guest), schedbench static glibc" \
	Linux

for name in "${NAMES[@]}"; do
	ops=${OPS[$name]}
	: >"$BENCH_TMP/w.ours"
	: >"$BENCH_TMP/w.linux"
	# The two sides alternate so drift in host load hits both.
	for ((i = 0; i < RUNS; i++)); do
		[ $have_ours -eq 1 ] && ours_wall "$name" "$ops" >>"$BENCH_TMP/w.ours"
		[ $have_linux -eq 1 ] && linux_wall "$name" "$ops" >>"$BENCH_TMP/w.linux"
	done
	echo - >"$BENCH_TMP/ic.ours"
	echo - >"$BENCH_TMP/ic.linux"
	[ $have_ours -eq 1 ] && ours_icount "$name" "$ops" >"$BENCH_TMP/ic.ours"
	[ $have_linux -eq 1 ] && linux_icount "$name" "$ops" >"$BENCH_TMP/ic.linux"
	bench_subhead "$name, $ops ops: ${WHAT[$name]}"
	bench_row count "  ns per op (median of $RUNS)" \
		"$(grep -v '^-' "$BENCH_TMP/w.ours" | bench_median)" \
		"$(grep -v '^-' "$BENCH_TMP/w.linux" | bench_median)"
	bench_row count "  guest instructions per op" \
		"$(cat "$BENCH_TMP/ic.ours")" "$(cat "$BENCH_TMP/ic.linux")"
	for side in ours linux; do
		[ "$(grep -vc '^-' "$BENCH_TMP/w.$side")" -gt 1 ] &&
			notes+=("$name, ${side/linux/Linux}: ns per op of each run: $(grep -v '^-' "$BENCH_TMP/w.$side" |
				sort -n | awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 }')")
	done
done

bench_note "ns per op: guest monotonic clock around the timed loop / ops (one op: one hand-over;"
bench_note "  one cross-CPU wake-up; one create+join). QEMU runs a host thread per vCPU, so cross-CPU"
bench_note "  figures also measure how this host ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)) schedules those threads"
bench_note "guest instructions per op: (count at mark_bench_stop - count at mark_bench_start) / ops,"
bench_note "  both vCPUs, kernel and user (-accel tcg,thread=single: one exact counter); one run each"
bench_note "  (Linux's vary by a few %: its timer ticks come in host time); ours with idle_poll=0, as"
bench_note "  its default 30 us idle poll would count as work (the wall runs keep the default)"
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "anchors: OSv reported 328 ns same-CPU and 1,402 ns cross-CPU switches against Linux's"
bench_note "  905 ns and 13,148 ns (on hardware)"
bench_note "section time: $((SECONDS - t_start)) s"
exit 0

#!/bin/bash
# Benchmark section "syscalls" (issue #4): the same static binary,
# progs/sysbench.c, as our app (tools/unum run) and as the Linux guest's
# program (linux-guest): system-call round trip (getppid), 4 KB pread and
# pwrite on our ramfs vs Linux's initramfs (tmpfs), page faults (256 MB
# of fresh anonymous memory), mmap+munmap of 4 KB and 1 MB, pipe
# throughput between two threads, thread create+join, stat() and open()+
# close() of a four-component path, epoll_wait wake-ups with 1, 100 and
# 10,000 idle pipes watched. Wall ns per op and
# guest instructions per op. Run: tools/bench/run syscalls
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT

PROG=$BUILD/bench/sysbench
PSYM=$BUILD/bench/sysbench.sym
RUNS=${BENCH_SYS_RUNS:-3}		# wall runs per side (each runs every benchmark)
TIMEOUT=${BENCH_SYS_TIMEOUT:-600}	# seconds per guest run
MEM=1G					# the page-fault area is 256 MB
# NAME=OPS words for sysbench; empty: its defaults, sized for TCG
read -r -a OPS_ARGS <<<"${BENCH_SYS_OPS:-}"
NAMES=(getppid write4k read4k pagefault mmap4k mmap1m pipe thread stat4 open4 epoll1 epoll100 epoll10k)
declare -A WHAT=(
	[getppid]="getppid(): the system-call round trip"
	[write4k]="pwrite 4 KB into a 1 MB file (ramfs / Linux's rootfs tmpfs)"
	[read4k]="pread 4 KB from that file"
	[pagefault]="first write to a fresh anonymous 4 KB page (256 MB mapped; Linux: MADV_NOHUGEPAGE)"
	[mmap4k]="mmap + munmap of 4 KB, anonymous, untouched"
	[mmap1m]="mmap + munmap of 1 MB, anonymous, untouched"
	[pipe]="64 KB through a pipe, written by one thread, read by another"
	[thread]="pthread_create of a thread that returns, then pthread_join"
	[stat4]="stat() of a four-component path, /tmp/sbp/c/d (progs/sysbench_path.c)"
	[open4]="open(O_RDONLY) + close() of that path"
	[epoll1]="epoll_wait round trip between two threads: one active pipe each way, 1 idle pipe watched (progs/sysbench_epoll.c)"
	[epoll100]="the same, 100 idle pipes watched"
	[epoll10k]="the same, 10,000 idle pipes watched")
notes=()
t_start=$SECONDS

have_ours=1
for f in "$KERNEL" "$PROG" "$PSYM"; do
	[ -f "$f" ] || { have_ours=0; notes+=("ours: not measured: $f missing (run make)"); }
done
have_linux=1
for f in "$PROG" "$PSYM" "$BUILD/linux/vmlinuz"; do
	[ -f "$f" ] || { have_linux=0; notes+=("Linux: not measured: $f missing (make -f tools/bench/bench.mk bench-tools)"); }
done

# Remember why a run gave no figure: WHO, its exit status, its stderr file.
failed() {
	notes+=("$1: exit $2: $(grep -v '^unum: accel' "$3" | tail -n 2 | tr '\n' ' ')")
}

# "NAME NS_PER_OP" lines from sysbench's "bench NAME OPS NS" lines on stdin
per_op() {
	tr -d '\036' | awk '$1 == "bench" && $3 > 0 { printf "%s %.1f\n", $2, $4 / $3 }'
}

# "NAME INSNS_PER_OP" from the icount records in FILE and sysbench's
# output in OUT (for the ops): (count at mark_NAME_stop - at _start) / ops
icount_per_op() {
	awk '
		FILENAME == ARGV[1] && $1 == "bench" { ops[$2] = $3 }
		FILENAME == ARGV[2] && $2 == "mark" && $5 != "-" {
			n = $3; sub(/^mark_/, "", n)
			if (n ~ /_start$/) { sub(/_start$/, "", n); s[n] = $5 }
			if (n ~ /_stop$/) { sub(/_stop$/, "", n); e[n] = $5 }
		}
		END { for (n in ops) if ((n in s) && (n in e)) printf "%s %.1f\n", n, (e[n] - s[n]) / ops[n] }
	' "$1" "$2" 2>/dev/null
}

marks() {
	local names=() n
	for n in "${NAMES[@]}"; do names+=("mark_${n}_start" "mark_${n}_stop"); done
	"$BENCH_ROOT/tools/bench/markers.sh" -s "$PSYM" "${names[@]}"
}

# One run of every benchmark; ARGS: extra tools/unum words
ours_run() {
	local rc=0
	UNUM_KERNEL=$KERNEL "$BENCH_ROOT/tools/unum" run "$PROG" --mem "$MEM" \
		--timeout "$TIMEOUT" "$@" -- "${OPS_ARGS[@]}" \
		</dev/null >"$BENCH_TMP/out" 2>"$BENCH_TMP/err" || rc=$?
	[ $rc -eq 0 ] || failed "ours" $rc "$BENCH_TMP/err"
}

linux_run() {
	local rc=0
	"$BENCH_ROOT/tools/bench/linux-guest" --mem "$MEM" --timeout "$TIMEOUT" "$@" \
		"$PROG" "${OPS_ARGS[@]}" >"$BENCH_TMP/out" 2>"$BENCH_TMP/err" || rc=$?
	[ $rc -eq 0 ] || failed "Linux" $rc "$BENCH_TMP/err"
}

: >"$BENCH_TMP/w.ours"
: >"$BENCH_TMP/w.linux"
# The two sides alternate so drift in host load hits both.
for ((i = 0; i < RUNS; i++)); do
	if [ $have_ours -eq 1 ]; then
		ours_run
		per_op <"$BENCH_TMP/out" >>"$BENCH_TMP/w.ours"
	fi
	if [ $have_linux -eq 1 ]; then
		linux_run
		per_op <"$BENCH_TMP/out" >>"$BENCH_TMP/w.linux"
	fi
done

# Instructions: one run per side under the icount plugin, one vCPU (an
# exact count); ours with idle_poll=0, as idle polling would count as work,
# and norandmaps, so that the count repeats from boot to boot (where ASLR
# puts a mapping changes how many page tables a call walks).
: >"$BENCH_TMP/ic.ours"
: >"$BENCH_TMP/ic.linux"
if M=$(marks); then
	if [ $have_ours -eq 1 ]; then
		rm -f "$BENCH_TMP/icount"
		ours_run --kernel-args 'idle_poll=0 norandmaps' --qemu -plugin \
			--qemu "$ICOUNT_SO,$M,out=$BENCH_TMP/icount"
		icount_per_op "$BENCH_TMP/out" "$BENCH_TMP/icount" >"$BENCH_TMP/ic.ours"
	fi
	if [ $have_linux -eq 1 ]; then
		args=()
		for m in ${M//,/ }; do args+=(--mark "${m#mark=}"); done
		rm -f "$BENCH_TMP/icount"
		linux_run --icount "$BENCH_TMP/icount" "${args[@]}"
		icount_per_op "$BENCH_TMP/out" "$BENCH_TMP/icount" >"$BENCH_TMP/ic.linux"
	fi
fi

# MB/s of 64 KB per op at NS per op
mbs() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN { printf "%.1f\n", 65536 * 1000 / v }'; }

# the figure of NAME in FILE: the median of its lines, or "-"
figure() {
	awk -v n="$1" '$1 == n { print $2 }' "$2" | bench_median
}

bench_table_head "syscalls: $(basename "$KERNEL") vs Linux guest, 1 vCPU, --mem $MEM" \
	"  TCG -cpu max; ours microvm (tools/unum), Linux $(cat "$BUILD/linux/PACKAGE" 2>/dev/null || echo '?') on q35 (linux-guest); sysbench static glibc" \
	Linux
for name in "${NAMES[@]}"; do
	bench_subhead "$name: ${WHAT[$name]}"
	o=$(figure "$name" "$BENCH_TMP/w.ours")
	l=$(figure "$name" "$BENCH_TMP/w.linux")
	bench_row count "  ns per op (median of $RUNS)" "$o" "$l"
	if [ "$name" = pipe ]; then
		bench_row count "  MB/s (ratio: above 1 is better)" "$(mbs "$o")" "$(mbs "$l")"
	fi
	bench_row count "  guest instructions per op" \
		"$(figure "$name" "$BENCH_TMP/ic.ours")" "$(figure "$name" "$BENCH_TMP/ic.linux")"
done

bench_note "ns per op: guest CLOCK_MONOTONIC around each timed loop / ops; median over $RUNS boots per side"
bench_note "guest instructions per op: (count at mark_NAME_stop - count at mark_NAME_start) / ops, kernel"
bench_note "  and user, one boot per side under the icount plugin (one vCPU: exact); a REP MOVS/STOS counts"
bench_note "  as one instruction, as hardware retires it, however many bytes it moves"
bench_note "anchors (hardware, cycles): Unikraft reports 84 cycles for a binary-compatible system call,"
bench_note "  Linux VMs 154-222. TCG has no cycles: compare getppid's instructions per op instead"
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "section time: $((SECONDS - t_start)) s"
exit 0

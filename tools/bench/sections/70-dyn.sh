#!/bin/bash
# Benchmark section "dyn" (issue #14): the two doors. progs/sysbench.c
# built with musl twice: dynamic (PT_INTERP /lib/ld-musl-x86_64.so.1: on
# unum its libc calls bind to the kernel's musl, door 2, a system call a
# plain call) and static (door 1: SYSCALL), both run as our app; and the
# same dynamic binary as the Linux guest's program with Debian's ld-musl
# beside it. getppid() (the system-call round trip) and a malloc-heavy
# loop (16 blocks of 16 B .. 8 KiB per op, each touched, then freed:
# musl's mallocng on every side). Wall ns per op and guest instructions
# per op. And the start-up of Debian's python3 (dynamic glibc, through
# its own ld.so: door 1) with its stdlib, `python3 -c pass`, against the
# Linux guest given the same closure (linux-guest --closure), and java
# -version (Debian's OpenJDK 17, apps/java's files) the same way: wall time
# from QEMU's start to its exit and guest instructions of the whole run,
# each less a static program's run on the same side (busybox true), so
# the row is the program's own start-up and exit. Run: tools/bench/run dyn
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT

DYN=$BUILD/bench/sysbench-musldyn
STA=$BUILD/bench/sysbench-musl
RUNS=${BENCH_DYN_RUNS:-${BENCH_SYS_RUNS:-3}} # wall runs per side
TIMEOUT=${BENCH_DYN_TIMEOUT:-300}            # seconds per guest run
MEM=256M
LDMUSL=$(readlink -f /lib/ld-musl-x86_64.so.1 2>/dev/null)
NAMES=(getppid malloc)
declare -A WHAT=(
	[getppid]="getppid(): the system-call round trip"
	[malloc]="16 malloc of 16 B .. 8 KiB, each touched, then 16 free")
notes=()
t_start=$SECONDS

have_ours=1 have_linux=1
for f in "$KERNEL" "$DYN" "$DYN.sym" "$STA" "$STA.sym"; do
	[ -f "$f" ] || { have_ours=0 have_linux=0; notes+=("not measured: $f missing (make -f tools/bench/bench.mk bench-tools)"); }
done
[ -f "$BUILD/linux/vmlinuz" ] || { have_linux=0; notes+=("Linux: not measured: no $BUILD/linux/vmlinuz"); }
[ -f "$LDMUSL" ] || { have_linux=0; notes+=("Linux: not measured: no /lib/ld-musl-x86_64.so.1 (tools/deps.sh: musl)"); }

failed() { # WHO STATUS ERRFILE
	notes+=("$1: exit $2: $(grep -v '^unum: accel' "$3" | tail -n 2 | tr '\n' ' ')")
}

per_op() {
	tr -d '\036' | awk '$1 == "bench" && $3 > 0 { printf "%s %.1f\n", $2, $4 / $3 }'
}

# "NAME INSNS_PER_OP" from sysbench's output (OUT) and the icount records
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

marks() { # SYMFILE: the icount plugin's mark= words
	local names=() n
	for n in "${NAMES[@]}"; do names+=("mark_${n}_start" "mark_${n}_stop"); done
	"$BENCH_ROOT/tools/bench/markers.sh" -s "$1" "${names[@]}"
}

ours_run() { # BINARY WHO [tools/unum words]
	local bin=$1 who=$2 rc=0
	shift 2
	UNUM_KERNEL=$KERNEL "$BENCH_ROOT/tools/unum" run "$bin" --mem "$MEM" --timeout "$TIMEOUT" \
		"$@" -- "${NAMES[@]}" </dev/null >"$BENCH_TMP/out" 2>"$BENCH_TMP/err" || rc=$?
	[ $rc -eq 0 ] || failed "$who" $rc "$BENCH_TMP/err"
}

linux_run() { # [linux-guest words]
	local rc=0
	"$BENCH_ROOT/tools/bench/linux-guest" --mem "$MEM" --timeout "$TIMEOUT" \
		--add "$LDMUSL:/lib/ld-musl-x86_64.so.1" "$@" "$DYN" "${NAMES[@]}" \
		>"$BENCH_TMP/out" 2>"$BENCH_TMP/err" || rc=$?
	[ $rc -eq 0 ] || failed "Linux" $rc "$BENCH_TMP/err"
}

for s in door2 door1 linux; do : >"$BENCH_TMP/w.$s"; : >"$BENCH_TMP/ic.$s"; done
# the sides alternate, so drift in host load hits all of them
for ((i = 0; i < RUNS; i++)); do
	if [ $have_ours -eq 1 ]; then
		ours_run "$DYN" "door 2" && per_op <"$BENCH_TMP/out" >>"$BENCH_TMP/w.door2"
		ours_run "$STA" "door 1" && per_op <"$BENCH_TMP/out" >>"$BENCH_TMP/w.door1"
	fi
	if [ $have_linux -eq 1 ]; then
		linux_run && per_op <"$BENCH_TMP/out" >>"$BENCH_TMP/w.linux"
	fi
done

# instructions: one run a side under the icount plugin (one vCPU: exact);
# ours with idle_poll=0 and norandmaps, as the syscalls section
ic_ours() { # BINARY WHO OUTFILE
	local m
	m=$(marks "$1.sym") || { notes+=("$2: no icount marks in $1.sym"); return; }
	rm -f "$BENCH_TMP/icount"
	ours_run "$1" "$2" --kernel-args 'idle_poll=0 norandmaps' --qemu -plugin \
		--qemu "$ICOUNT_SO,$m,out=$BENCH_TMP/icount" &&
		icount_per_op "$BENCH_TMP/out" "$BENCH_TMP/icount" >"$3"
}
if [ $have_ours -eq 1 ]; then
	ic_ours "$DYN" "door 2" "$BENCH_TMP/ic.door2"
	ic_ours "$STA" "door 1" "$BENCH_TMP/ic.door1"
fi
if [ $have_linux -eq 1 ] && M=$(marks "$DYN.sym"); then
	args=()
	for m in ${M//,/ }; do args+=(--mark "${m#mark=}"); done
	rm -f "$BENCH_TMP/icount"
	linux_run --icount "$BENCH_TMP/icount" "${args[@]}" &&
		icount_per_op "$BENCH_TMP/out" "$BENCH_TMP/icount" >"$BENCH_TMP/ic.linux"
fi

figure() { # NAME FILE: the median of its lines, or "-"
	awk -v n="$1" '$1 == n { print $2 }' "$2" | bench_median
}

# --- start-up: python3 -c pass and java -version, each less busybox
# true's run on the same side with the same files added ---
BB=/bin/busybox
JDK=/usr/lib/jvm/java-17-openjdk-amd64
declare -A PROG MEMS WHATS
PROG[py]="/usr/bin/python3 -c pass" MEMS[py]=512M
WHATS[py]="python3 -c pass: Debian's python3 and its stdlib (door 1)"
PROG[java]="$JDK/bin/java -Xshare:auto -version" MEMS[java]=1G
WHATS[java]="java -version: Debian's OpenJDK 17, apps/java's files (door 1)"
ADDS_py=(--add /usr/lib/python3.11:/usr/lib/python3.11)
# apps/java/manifest's files, less the test classes
ADDS_java=()
while read -r f; do ADDS_java+=(--add "$f"); done < <(sed -n 's/^ *"\('"${JDK//\//\\/}"'[^"]*\)",$/\1/p' "$BENCH_ROOT/apps/java/manifest")
APPS=()
[ -x "$BB" ] || notes+=("start-up: not measured: $BB missing (tools/deps.sh: busybox-static)")
[ -x /usr/bin/python3 ] && [ -f /usr/lib/python3.11/os.py ] && [ -x "$BB" ] && APPS+=(py)
[ -x "$JDK/bin/java" ] && [ ${#ADDS_java[@]} -gt 0 ] && [ -x "$BB" ] && APPS+=(java)
[ -x "$JDK/bin/java" ] || notes+=("java: not measured: no $JDK (tools/deps.sh: openjdk-17-jre-headless)")
# SIDE APP PROG [--icount FILE]: one boot of PROG (the app's, or bb) with
# the app's files; host wall ms on stdout
start_run() {
	local side=$1 app=$2 t0 rc=0 ic=() prog adds
	read -r -a prog <<<"${PROG[$app]}"
	[ "$3" = bb ] && prog=("$BB" true)
	adds="ADDS_$app[@]"
	shift 3
	t0=$(date +%s%N)
	if [ $side = ours ]; then
		[ $# -gt 0 ] && ic=(--kernel-args 'idle_poll=0 norandmaps' --qemu -plugin --qemu "$ICOUNT_SO,out=$2")
		UNUM_KERNEL=$KERNEL "$BENCH_ROOT/tools/unum" run "${prog[0]}" --mem "${MEMS[$app]}" \
			--timeout "$TIMEOUT" "${!adds}" "${ic[@]}" -- "${prog[@]:1}" \
			</dev/null >"$BENCH_TMP/out" 2>"$BENCH_TMP/err" || rc=$?
	else
		"$BENCH_ROOT/tools/bench/linux-guest" --mem "${MEMS[$app]}" --timeout "$TIMEOUT" --closure \
			"${!adds}" "$@" "${prog[@]}" >"$BENCH_TMP/out" 2>"$BENCH_TMP/err" || rc=$?
	fi
	[ $rc -eq 0 ] || { failed "$side ${prog[*]}" $rc "$BENCH_TMP/err"; return 1; }
	echo $((($(date +%s%N) - t0) / 1000000))
}
total_insns() { awk '$1 == "icount" && $2 == "total" { print $3 }' "$1" 2>/dev/null; }
declare -A SW SI
for app in "${APPS[@]}"; do
	for side in ours linux; do
		SW[$app.$side]=- SI[$app.$side]=-
		[ $side = linux ] && [ $have_linux -eq 0 ] && continue
		[ $side = ours ] && [ $have_ours -eq 0 ] && continue
		: >"$BENCH_TMP/st"
		for ((i = 0; i < RUNS; i++)); do
			p=$(start_run $side $app app) && b=$(start_run $side $app bb) &&
				echo "ms $((p - b))" >>"$BENCH_TMP/st"
		done
		SW[$app.$side]=$(figure ms "$BENCH_TMP/st")
		rm -f "$BENCH_TMP/ic.a" "$BENCH_TMP/ic.b"
		if start_run $side $app app --icount "$BENCH_TMP/ic.a" >/dev/null &&
			start_run $side $app bb --icount "$BENCH_TMP/ic.b" >/dev/null; then
			p=$(total_insns "$BENCH_TMP/ic.a") b=$(total_insns "$BENCH_TMP/ic.b")
			[ -n "$p" ] && [ -n "$b" ] && SI[$app.$side]=$((p - b))
		fi
	done
done

table() { # BASELINE-SIDE
	local name
	for name in "${NAMES[@]}"; do
		bench_subhead "$name: ${WHAT[$name]}"
		bench_row count "  ns per op (median of $RUNS)" \
			"$(figure "$name" "$BENCH_TMP/w.door2")" "$(figure "$name" "$BENCH_TMP/w.$1")"
		bench_row count "  guest instructions per op" \
			"$(figure "$name" "$BENCH_TMP/ic.door2")" "$(figure "$name" "$BENCH_TMP/ic.$1")"
	done
}

bench_table_head "dyn: door 2 vs door 1, $(basename "$KERNEL"), 1 vCPU, --mem $MEM" \
	"  TCG -cpu max, microvm; ours: sysbench dynamic musl (the kernel's musl) vs the same source static musl (SYSCALL)" \
	"door 1"
table door1
bench_table_head "dyn: door 2 vs Linux guest, the same dynamic binary, 1 vCPU, --mem $MEM" \
	"  TCG -cpu max; ours microvm, Linux $(cat "$BUILD/linux/PACKAGE" 2>/dev/null || echo '?') on q35 (linux-guest) with Debian's ld-musl" \
	Linux
table linux
for app in "${APPS[@]}"; do
	bench_subhead "${WHATS[$app]}, less busybox true's run"
	bench_row count "  host ms, QEMU start to exit (median of $RUNS)" "${SW[$app.ours]}" "${SW[$app.linux]}"
	bench_row count "  guest instructions, start to exit" "${SI[$app.ours]}" "${SI[$app.linux]}"
done
bench_note "ns per op: guest CLOCK_MONOTONIC around each timed loop / ops; median over $RUNS boots per side"
bench_note "guest instructions per op: (count at mark_NAME_stop - at mark_NAME_start) / ops, one boot per side"
bench_note "start-up: each program and busybox true boot with the same files added (python3 at ${MEMS[py]}, java at"
bench_note "  ${MEMS[java]}); the Linux guest's initramfs has the same library closure (linux-guest --closure)"
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "section time: $((SECONDS - t_start)) s"
exit 0

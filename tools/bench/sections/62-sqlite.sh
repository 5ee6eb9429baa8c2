#!/bin/bash
# Benchmark section "sqlite": sqlite's speedtest1 (make apps:
# build/apps/speedtest1/speedtest1, the same static binary on each side)
# at a fixed size with its database in memory, ours against the pinned
# Linux guest, both on q35, 1 vCPU, the same -m, and the host running the
# binary itself for scale:
# - seconds: speedtest1's own TOTAL line (the guest's clock, which is the
#   host's under TCG without -icount), one run;
# - guest instructions from the program's first instruction to the VM's
#   end (the icount plugin's total less its count at the ELF entry; both
#   sides end with the exit of the program and the power-off).
# BENCH_SQLITE_SHORT=1 (tools/bench/run --short): a smaller size.
# Run: tools/bench/run sqlite
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT

ST=${BENCH_SQLITE:-$BUILD/apps/speedtest1/speedtest1}
if [ "${BENCH_SQLITE_SHORT:-0}" = 1 ]; then
	SIZE=${BENCH_SQLITE_SIZE:-2}
else
	SIZE=${BENCH_SQLITE_SIZE:-10}
fi
ARGS=(--memdb --size "$SIZE")
MEM=${BENCH_SQLITE_MEM:-512M}
TIMEOUT=${BENCH_SQLITE_TIMEOUT:-900}
notes=()
t_start=$SECONDS

have=1
for f in "$KERNEL" "$ST" "$ICOUNT_SO"; do
	[ -f "$f" ] || { have=0; notes+=("not measured: $f missing (make; make apps; make -f tools/bench/bench.mk bench-tools)"); }
done
[ -f "$BUILD/linux/vmlinuz" ] || notes+=("Linux: not measured: no $BUILD/linux/vmlinuz (make -f tools/bench/bench.mk bench-tools)")
# the ELF entry, where the program's count starts (ET_EXEC: the same
# address in both guests)
entry=$(readelf -hW "$ST" 2>/dev/null | awk '/Entry point/ { print $4 }')
etype=$(readelf -hW "$ST" 2>/dev/null | awk '$1 == "Type:" { print $2 }')
[ "$etype" = EXEC ] || { entry=; notes+=("instructions not counted: $ST is not ET_EXEC (type ${etype:-?})"); }

# one run: SIDE [icount FILE]: the program's output in $BENCH_TMP/out,
# its exit status a note unless 0
one() {
	local side=$1 ic=${2:-} rc=0 cmd=()
	case $side in
	ours)	cmd=("$BENCH_ROOT/tools/unum" run "$ST" --machine q35 --mem "$MEM" --timeout "$TIMEOUT")
		[ -n "$ic" ] && cmd+=(--kernel-args idle_poll=0 --qemu -plugin
			--qemu "$ICOUNT_SO,mark=$entry:app,out=$ic")
		cmd+=(-- "${ARGS[@]}") ;;
	linux)	cmd=("$BENCH_ROOT/tools/bench/linux-guest" --mem "$MEM" --timeout "$TIMEOUT")
		[ -n "$ic" ] && cmd+=(--icount "$ic")
		cmd+=("$ST" "${ARGS[@]}") ;;
	host)	cmd=(timeout "$TIMEOUT" "$ST" "${ARGS[@]}") ;;
	esac
	UNUM_KERNEL=$KERNEL "${cmd[@]}" </dev/null >"$BENCH_TMP/out" 2>"$BENCH_TMP/err" || rc=$?
	[ $rc -eq 0 ] || notes+=("$side${ic:+ (icount)}: status $rc: $(tail -n 2 "$BENCH_TMP/err" | tr '\n' ' ')")
}

secs() {	# speedtest1's TOTAL line -> nanoseconds, or "-"
	awk '$1 == "TOTAL" || $1 ~ /^TOTAL\./ { s = $NF; sub(/s$/, "", s); printf "%.0f\n", s * 1e9; f = 1 }
		END { if (!f) print "-" }' "$BENCH_TMP/out"
}

insns() {	# icount FILE -> total - the count at mark "app", or "-"
	awk '$2 == "mark" && $3 == "app" { a = $5 } $2 == "total" { t = $3 }
		END { if (a == "" || a == "-" || t == "") print "-"; else printf "%.0f\n", t - a }' "$1" 2>/dev/null || echo -
}

declare -A R
for side in ours linux host; do
	R[$side.s]=- R[$side.ic]=-
	[ $have -eq 1 ] || continue
	[ "$side" = linux ] && [ ! -f "$BUILD/linux/vmlinuz" ] && continue
	one "$side"
	R[$side.s]=$(secs)
	[ "${R[$side.s]}" = - ] && notes+=("$side: no TOTAL line: $(tail -n 1 "$BENCH_TMP/out")")
	[ "$side" = host ] && continue
	[ -n "$entry" ] || continue
	rm -f "$BENCH_TMP/ic"
	one "$side" "$BENCH_TMP/ic"
	R[$side.ic]=$(insns "$BENCH_TMP/ic")
done

bench_table_head "sqlite: $(basename "$KERNEL") vs Linux guest, speedtest1 ${ARGS[*]}" \
	"  TCG -cpu max, 1 vCPU, -m $MEM, q35; Linux $(cat "$BUILD/linux/PACKAGE" 2>/dev/null || echo '?') (linux-guest)" \
	Linux
bench_row s "speedtest1 TOTAL, seconds" "${R[ours.s]}" "${R[linux.s]}"
bench_row count "  guest instructions, program entry to the end" "${R[ours.ic]}" "${R[linux.ic]}"

bench_note "ratio = ours / Linux: below 1 is better"
h=${R[host.s]}
[ "$h" = - ] || h=$(awk -v n="$h" 'BEGIN { printf "%.2f", n / 1e9 }')
bench_note "host, the same binary natively: $h s"
bench_note "instructions: the icount plugin's total less its count at the ELF entry ($entry), ours with idle_poll=0"
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "section time: $((SECONDS - t_start)) s"
exit 0

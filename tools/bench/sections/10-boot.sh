#!/bin/bash
# Benchmark section "boot": our kernel (build/kernel.elf) against the floor
# kernel under the same QEMU flags: wall time, guest instructions to
# mark_ready, ELF size, smallest -m that boots; then a static hello
# (apps/hello) run as the app: instructions from reset to its main, and the
# per-step table of the `boottime` kernel argument (include/boottime.h):
# each step's instructions (icount, every= on boot_step) and its TSC time.
# Run: tools/bench/run boot
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT

have_ours=1
if [ ! -f "$KERNEL" ]; then
	have_ours=0
	why="$KERNEL not built"
elif [ ! -f "$KSYM" ]; then
	have_ours=0
	why="$KSYM missing"
fi

bench_table_head "boot: $(basename "$KERNEL") vs floor kernel" \
	"  microvm,acpi=off, TCG -cpu max, 1 vCPU, -m $BENCH_MEM, PVH -kernel; floor = PVH kernel that exits at its first instruction" \
	floor

# Wall time: the two kernels alternate so drift in host load hits both.
: >"$BENCH_TMP/t.ours"
: >"$BENCH_TMP/t.floor"
for ((i = 0; i < BENCH_RUNS; i++)); do
	bench_boot_us "$FLOOR" >>"$BENCH_TMP/t.floor"
	[ $have_ours -eq 1 ] && bench_boot_us "$KERNEL" >>"$BENCH_TMP/t.ours"
done
t_floor=$(bench_median <"$BENCH_TMP/t.floor")
t_ours=$(bench_median <"$BENCH_TMP/t.ours")
bench_row us "wall time, QEMU start to exit (median of $BENCH_RUNS)" "$t_ours" "$t_floor"

# Instructions: ours to mark_ready (and to its entry points), floor in all.
# Counts should repeat exactly; three runs of ours check that, and give a
# median host time from the PVH entry to ready (the kernel's own share of
# the wall time, slowed a little by the plugin).
get() { bench_icount_get "$2" "${3:-}" <<<"$1"; }
span() {	# ns between two marks of one icount run, or "-"
	local a b
	a=$(get "$1" "$2" ns) b=$(get "$1" "$3" ns)
	{ [ "$a" = - ] || [ "$b" = - ]; } && { echo -; return; }
	echo $((b - a))
}
floor_ic=$(bench_icount "$FLOOR" "$FLOOR_SYM" pvh_start)
ours_ic=
: >"$BENCH_TMP/ready"
: >"$BENCH_TMP/span"
for ((i = 0; i < 3 && have_ours; i++)); do
	ic=$(bench_icount "$KERNEL" "$KSYM" pvh_start mark_kernel_entry mark_ready) || break
	ours_ic=$ic
	get "$ic" mark_ready >>"$BENCH_TMP/ready"
	span "$ic" pvh_start mark_ready >>"$BENCH_TMP/span"
done
bench_row count "guest instructions to ready (floor: all)" \
	"$(get "$ours_ic" mark_ready)" "$(get "$floor_ic" total)"
bench_row count "  before the PVH entry (firmware)" \
	"$(get "$ours_ic" pvh_start)" "$(get "$floor_ic" pvh_start)"
bench_row count "  before mark_kernel_entry (first C)" \
	"$(get "$ours_ic" mark_kernel_entry)" -
bench_row count "guest instructions in all, to exit" \
	"$(get "$ours_ic" total)" "$(get "$floor_ic" total)"
bench_row ns "host time, PVH entry to ready (median of 3)" \
	"$(grep -v '^-' "$BENCH_TMP/span" | bench_median)" -
[ "$(sort -u "$BENCH_TMP/ready" | wc -l)" -le 1 ] ||
	bench_note "ours: instructions to ready differ between runs: $(sort -n "$BENCH_TMP/ready" | tr '\n' ' ')"

# Size.
ours_file=-
ours_load=-
if [ $have_ours -eq 1 ]; then
	ours_file=$(bench_file_size "$KERNEL")
	ours_load=$(bench_loaded_size "$KERNEL")
fi
bench_row bytes "ELF file size" "$ours_file" "$(bench_file_size "$FLOOR")"
bench_row bytes "loaded segments (sum of PT_LOAD memsz)" \
	"$ours_load" "$(bench_loaded_size "$FLOOR")"

# Memory: a boot works when it exits with v=0 (and ours prints "unum:").
ours_mem=-
[ $have_ours -eq 1 ] && ours_mem=$(bench_min_mem "$KERNEL" banner)
bench_row kib "smallest -m that boots (from 2 MiB up)" \
	"$ours_mem" "$(bench_min_mem "$FLOOR" quiet)"

# A static hello as the app (tools/unum run, as a user runs it): the
# instructions from reset to its main, without and with `boottime`; with
# it, the kernel's per-step table (names, TSC) joined to the icount hits of
# boot_step (step K runs from hit K to hit K+1; the last ends at the
# app's first instruction).
hello=$BUILD/apps/hello/hello
hello_ic=- hello_bt=
if [ $have_ours -eq 1 ]; then
	[ -x "$hello" ] || make -s -C "$BENCH_ROOT" BUILD="$BUILD" "$hello" >/dev/null 2>&1
	main=$(nm "$hello" 2>/dev/null | awk '$3 == "main" { print $1 }')
	if [ -n "$main" ]; then
		marks=$("$BENCH_ROOT/tools/bench/markers.sh" -s "$KSYM" pvh_start mark_ready),mark=0x$main:main
		every=$("$BENCH_ROOT/tools/bench/markers.sh" -s "$KSYM" boot_step | sed 's/^mark=/every=/')
		hello_run() {	# hello_run OUT [kernel args]: icount records in OUT, the log on OUT.log
			UNUM_KERNEL=$KERNEL timeout -k 5 "$BENCH_TIMEOUT" "$BENCH_ROOT/tools/unum" run \
				"$hello" --accel tcg --mem "$BENCH_MEM" -v ${2:+--kernel-args "$2"} \
				--qemu -plugin --qemu "$ICOUNT_SO,$marks,$every,out=$1" \
				>/dev/null 2>"$1.log" </dev/null
		}
		hello_run "$BENCH_TMP/hello.ic" && hello_ic=$(get "$(cat "$BENCH_TMP/hello.ic")" main)
		hello_run "$BENCH_TMP/hello-bt.ic" boottime && hello_bt=$BENCH_TMP/hello-bt.ic
	fi
fi
bench_row count "guest instructions from reset to hello's main" "$hello_ic" -
if [ -n "$hello_bt" ]; then
	printf '\n  boottime steps, hello as the app (`boottime`; instructions by icount):\n'
	printf '  %-24s %12s %12s %10s\n' step instructions "TSC ticks" us
	awk -v main="$(get "$(cat "$hello_bt")" main)" '
	FNR == NR && $2 == "hit" && $3 == "boot_step" { hit[$4] = $5; nhit = $4 + 1; next }
	FNR == NR && $2 == "mark" && $3 == "pvh_start" { pvh = $5; next }
	FNR == NR { next }
	$1 == "boottime:" && $2 == "step" {
		k = $3; name[k] = $4; tsc[k] = $8; us[k] = $10; if (k + 1 > n) n = k + 1 }
	function grp(v,   s) {
		s = sprintf("%d", v)
		while (s ~ /[0-9][0-9][0-9][0-9]/)
			sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
		return s
	}
	END {
		if (n == 0 || nhit != n + 1) {
			printf "  (%d steps in the log, %d boot_step hits: not joined)\n", n, nhit
			exit
		}
		printf "  %-24s %12s %12s %10s\n", "firmware (reset to PVH)", grp(pvh), "-", "-"
		printf "  %-24s %12s %12s %10s\n", "boot.S (to first step)", grp(hit[0] - pvh), "-", "-"
		for (k = 0; k < n; k++)
			printf "  %-24s %12s %12s %10s\n", name[k], grp(hit[k + 1] - hit[k]), tsc[k], us[k]
		printf "  %-24s %12s %12s %10s\n", "app entry to main", grp(main - hit[n]), "-", "-"
		printf "  %-24s %12s\n", "reset to main (boottime)", grp(main)
	}' "$hello_bt" "$hello_bt.log"
fi

[ $have_ours -eq 1 ] || bench_note "ours: not measured: $why (run make)"
bench_note "smallest -m: the search starts at 2 MiB (at 1 MiB QEMU's firmware never reaches a kernel)"
[ -n "$ours_ic" ] || [ $have_ours -eq 0 ] ||
	bench_note "ours: icount failed (marks missing from $KSYM?)"
exit 0

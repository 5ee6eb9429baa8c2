# shellcheck shell=bash disable=SC2017,SC2059
# Helpers shared by the benchmark sections (tools/bench/sections/*.sh):
# QEMU flags, timing, medians, icount runs, ELF sizes, the smallest -m that
# boots, and the "ours | baseline | ratio" table. Sourced, never run:
#   . tools/bench/lib.sh; bench_table_head "boot"; bench_row ms "wall" 80 60

BENCH_ROOT=${BENCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$BENCH_ROOT/$BUILD ;; esac
QEMU=${QEMU:-qemu-system-x86_64}
KERNEL=${KERNEL:-$BUILD/kernel.elf}
KSYM=${KSYM:-$BUILD/kernel.sym}
FLOOR=$BUILD/bench/floor.elf
FLOOR_SYM=$BUILD/bench/floor.sym
ICOUNT_SO=$BUILD/bench/icount.so
BENCH_RUNS=${BENCH_RUNS:-10}		# timed boots per kernel
BENCH_MEM=${BENCH_MEM:-128M}		# -m for timed and counted boots
BENCH_TIMEOUT=${BENCH_TIMEOUT:-20}	# seconds before a boot counts as hung
BENCH_APPEND=${BENCH_APPEND:-}		# -append for our kernel ("" = none)
BENCH_TMP=${BENCH_TMP:-$(mktemp -d /tmp/unum-bench.XXXXXX)}
BENCH_RESULTS=${BENCH_RESULTS:-}	# rows file bench_row appends to ("" = none)
# the section's name: sections/10-boot.sh -> boot
BENCH_SECTION=${BENCH_SECTION:-$(basename "$0" .sh)}
BENCH_SECTION=${BENCH_SECTION#[0-9]*-}

# The boot flags, identical for our kernel and the floor: microvm as
# tools/unum runs it, TCG, -cpu max, one vCPU, COM1 and COM2 into files.
# Usage: bench_qemu KERNEL MEM [extra QEMU args...]; files in $BENCH_TMP.
bench_qemu() {
	local kernel=$1 mem=$2
	shift 2
	local app=()
	[ "$kernel" != "$FLOOR" ] && [ -n "$BENCH_APPEND" ] && app=(-append "$BENCH_APPEND")
	timeout -s TERM -k 5 "$BENCH_TIMEOUT" \
		"$QEMU" -M microvm,acpi=off -accel "${BENCH_ACCEL:-tcg}" -cpu max -smp 1 -m "$mem" \
		-display none -nodefaults -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-serial "file:$BENCH_TMP/com1" -serial "file:$BENCH_TMP/com2" \
		-kernel "$kernel" "${app[@]}" "$@" \
		</dev/null >"$BENCH_TMP/qemu.out" 2>"$BENCH_TMP/qemu.err"
}

# Wall time of one boot, QEMU start to exit, in microseconds.
bench_boot_us() {
	local t0=${EPOCHREALTIME/./}
	bench_qemu "$1" "$BENCH_MEM"
	echo $((${EPOCHREALTIME/./} - t0))
}

# Median of the numbers on stdin (mean of the middle two for an even count).
bench_median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Boot KERNEL once under the icount plugin with marks on the named symbols
# of SYMFILE; prints the plugin's records ("icount mark NAME ADDR INSNS ...").
# Usage: bench_icount KERNEL SYMFILE NAME...
bench_icount() {
	local kernel=$1 sym=$2 marks
	shift 2
	marks=$("$BENCH_ROOT/tools/bench/markers.sh" -s "$sym" "$@") || return 1
	# One shared counter: exact only without MTTCG (see icount.c).
	BENCH_ACCEL=tcg,thread=single bench_qemu "$kernel" "$BENCH_MEM" \
		-plugin "$ICOUNT_SO,$marks,out=$BENCH_TMP/icount" || true
	cat "$BENCH_TMP/icount"
}

# From bench_icount's output on stdin: the count at mark NAME, or the
# total with NAME "total"; "-" when the mark was never reached. With a
# second argument "ns": the host ns since QEMU loaded the plugin instead.
bench_icount_get() {
	awk -v n="$1" -v ns="${2:-}" '
		n == "total" && $2 == "total" { print ns ? $4 : $3; found = 1 }
		$2 == "mark" && $3 == n { print ns ? $6 : $5; found = 1 }
		END { if (!found) print "-" }'
}

bench_file_size() { [ -f "$1" ] && stat -c %s "$1" || echo -; }

# Bytes the ELF occupies once loaded: the sum of its PT_LOAD p_memsz.
bench_loaded_size() {
	[ -f "$1" ] || { echo -; return; }
	readelf -lW "$1" | awk '
	function hex(x,   i, v) {	# mawk has no strtonum
		v = 0
		for (i = 3; i <= length(x); i++)
			v = v * 16 + index("0123456789abcdef", substr(tolower(x), i, 1)) - 1
		return v
	}
	$1 == "LOAD" { s += hex($6) }
	END { printf "%.0f\n", s }'
}

# Did KERNEL boot with MEM KiB? It must end through isa-debug-exit with
# v=0 (QEMU status 1) and, with CHECK=banner, print a line starting
# "unum:" on COM1 or COM2; with CHECK=quiet (the floor, which prints
# nothing) QEMU must say nothing, since its own errors also exit 1.
bench_boots() {
	local kernel=$1 kib=$2 check=$3 rc=0
	bench_qemu "$kernel" "${kib}K" || rc=$?
	[ $rc -eq 1 ] || return 1
	case $check in
	banner)	cat "$BENCH_TMP/com1" "$BENCH_TMP/com2" 2>/dev/null |
			tr -d '\036' | grep -q '^unum:' ;;
	quiet)	[ ! -s "$BENCH_TMP/qemu.err" ] ;;
	esac
}

# Smallest -m (KiB) with which KERNEL boots, searched from 2 MiB up:
# doubling to find a size that boots, bisection in MiB, then in 256 KiB
# steps (QEMU takes -m in K). Assumes more memory never hurts. Prints
# "-" when nothing up to 4 GiB boots.
bench_min_mem() {
	local kernel=$1 check=$2 lo hi mid
	bench_boots "$kernel" 2048 "$check" && { echo 2048; return; }
	lo=2048 hi=4096
	until bench_boots "$kernel" $hi "$check"; do
		lo=$hi hi=$((hi * 2))
		[ $hi -gt 4194304 ] && { echo -; return; }
	done
	while [ $((hi - lo)) -gt 1024 ]; do
		mid=$(((lo + hi) / 2048 * 1024))
		if bench_boots "$kernel" $mid "$check"; then hi=$mid; else lo=$mid; fi
	done
	while [ $((hi - lo)) -gt 256 ]; do
		mid=$((lo + (hi - lo) / 512 * 256))
		if bench_boots "$kernel" $mid "$check"; then hi=$mid; else lo=$mid; fi
	done
	echo $hi
}

# Smallest whole MiB, from LO up to MAX, for which "CMD... MIB" succeeds:
# LO itself, else doubling from LO to find one that does, then bisection.
# Assumes more memory never hurts. Prints KiB (for bench_row kib), or "-"
# when MAX fails too. Usage: bench_min_mib LO MAX CMD [ARGS...]
bench_min_mib() {
	local lo=$1 max=$2 hi mid
	shift 2
	"$@" "$lo" && { echo $((lo * 1024)); return; }
	hi=$((lo * 2))
	until "$@" "$hi"; do
		[ "$hi" -ge "$max" ] && { echo -; return; }
		lo=$hi hi=$((hi * 2))
		[ "$hi" -gt "$max" ] && hi=$max
	done
	while [ $((hi - lo)) -gt 1 ]; do
		mid=$(((lo + hi) / 2))
		if "$@" "$mid"; then hi=$mid; else lo=$mid; fi
	done
	echo $((hi * 1024))
}

# The table. Columns: what, ours, baseline, ours/baseline. A value "-"
# (not measured) leaves the ratio empty.
BENCH_FMT='%-46s %14s %14s %9s\n'

# Usage: bench_table_head TITLE [SUBTITLE] [BASELINE-NAME]
bench_table_head() {
	BENCH_TITLE=$1 BENCH_BASE_NAME=${3:-baseline} BENCH_GROUP=
	printf '\n== %s ==\n' "$1"
	[ -n "${2:-}" ] && printf '%s\n' "$2"
	printf "$BENCH_FMT" "" ours "${3:-baseline}" ratio
}

# A line naming the benchmark that the indented rows after it belong to:
# "NAME: what it does"; the part before the first ":" prefixes their
# labels in results.json and the summary table.
bench_subhead() {
	printf '%s\n' "$1"
	BENCH_GROUP=${1%%:*}
}

# Usage: bench_row KIND LABEL OURS BASELINE; KIND formats both values:
# us or ns (shown in ms), s (ns shown in seconds), count, bytes, kib
# (shown in MiB), raw (as given). With BENCH_RESULTS set (tools/bench/run
# sets it) the row is also recorded there, one tab-separated line, for
# results.json and the summary table: an indented LABEL is recorded after
# the last unindented one (or bench_subhead's name). Whether a lower or a
# higher ratio is better comes from the label (a rate: "/s", IOPS, "above
# 1 is better" is higher-better) unless BENCH_BETTER=lower|higher is set.
bench_row() {
	local kind=$1 label=$2 ours=$3 base=$4 full better=${BENCH_BETTER:-}
	local own=${label#"${label%%[! ]*}"}
	if [ "$own" = "$label" ]; then
		BENCH_GROUP=$label full=$label
	else
		full=${BENCH_GROUP:+$BENCH_GROUP: }$own
	fi
	if [ -z "$better" ]; then
		better=lower
		[[ $own =~ /s($|[^a-zA-Z])|IOPS|above\ 1\ is\ better ]] && better=higher
	fi
	awk -v k="$kind" -v l="$label" -v o="$ours" -v b="$base" -v f="$BENCH_FMT" \
		-v rec="${BENCH_RESULTS:-}" -v sec="${BENCH_SECTION:-}" -v title="${BENCH_TITLE:-}" \
		-v bn="${BENCH_BASE_NAME:-baseline}" -v full="$full" -v better="$better" \
		-v load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)" '
	function group(n,   s) {
		s = sprintf("%d", n)
		while (s ~ /[0-9][0-9][0-9][0-9]/)
			sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
		return s
	}
	function fmt(v) {
		if (v == "-" || v == "") return "-"
		if (k == "us") return sprintf("%.1f ms", v / 1000)
		if (k == "ns") return sprintf("%.1f ms", v / 1000000)
		if (k == "s") return sprintf("%.2f s", v / 1000000000)
		if (k == "count") return group(v)
		if (k == "bytes") return group(v) " B"
		if (k == "kib") return sprintf("%.2f MiB", v / 1024)
		return v
	}
	BEGIN {
		r = ""
		if (o != "-" && b != "-" && o != "" && b != "" && b + 0 != 0)
			r = sprintf(o / b >= 100 ? "%.0f" : "%.2f", o / b)
		printf f, l, fmt(o), fmt(b), r
		if (rec != "")
			printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sec, title, bn,
				full, k, o, b, r, better, fmt(o), fmt(b), load >>rec
	}'
}

bench_note() { printf '  %s\n' "$*"; }

# The Linux guest's virtio-net driver for the network sections: the
# modules of the pinned cloud kernel (its .deb in BUILD/dl), unpacked under
# BENCH_TMP, as tcpload.py --mod words in MODARGS. Without the kernel, its
# .deb, progs/netup or a module: have_linux=0 and a note saying why.
BENCH_LINUX_NET_MODULES=(virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
	failover net_failover virtio_net)
bench_linux_netmods() {
	local pkg deb m f
	MODARGS=()
	pkg=$(cat "$BUILD/linux/PACKAGE" 2>/dev/null)
	deb=$(ls "$BUILD"/dl/"${pkg:-none}"_*.deb 2>/dev/null | head -n 1)
	if [ ! -f "$BUILD/linux/vmlinuz" ] || [ -z "$deb" ] || [ ! -x "$BUILD/bench/netup" ]; then
		have_linux=0
		notes+=("Linux: not measured: no $BUILD/linux/vmlinuz, its .deb or bench/netup (make -f tools/bench/bench.mk bench-tools)")
		return
	fi
	mkdir -p "$BENCH_TMP/mods"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$BENCH_TMP/mods" --wildcards \
		'*/drivers/virtio/*.ko' '*/net/core/failover.ko' '*/drivers/net/*.ko'
	for m in "${BENCH_LINUX_NET_MODULES[@]}"; do
		f=$(find "$BENCH_TMP/mods" -name "$m.ko" | head -n 1)
		[ -n "$f" ] || { have_linux=0; notes+=("Linux: not measured: $m.ko not in $deb"); }
		MODARGS+=(--mod "$f")
	done
}

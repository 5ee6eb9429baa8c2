#!/bin/bash
# Benchmark section "memfree" (issue #11): does memory an app frees go back
# to the host? progs/memfree.c touches 256 MiB, frees 200 MiB of it and
# waits; the host samples QEMU's RSS (VmRSS) all along. Ours (tools/unum
# run, microvm) without and with --balloon (virtio-balloon, free page
# reporting), against the Linux guest running the same static binary
# without and with a virtio-balloon-pci,free-page-reporting=on device (its
# virtio_balloon module loaded by memfree itself). Both --mem 512M, 1 vCPU.
# Run: tools/bench/run memfree
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT
MEM=512M
SECS=${BENCH_MEMFREE_SECS:-15}	# the app's wait after the free
TIMEOUT=180
MODULES=(virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_balloon)
t_start=$SECONDS
notes=()

prog=$BENCH_TMP/memfree
have_ours=1 have_linux=1
if ! musl-gcc -static -O2 -o "$prog" "$BENCH_ROOT/tools/bench/progs/memfree.c" 2>"$BENCH_TMP/cc.err"; then
	have_ours=0 have_linux=0
	notes+=("not measured: musl-gcc memfree.c: $(head -n 1 "$BENCH_TMP/cc.err")")
fi
[ -f "$KERNEL" ] || { have_ours=0; notes+=("ours: not measured: $KERNEL not built"); }
MODARGS=() GUEST_MODS=()
pkg=$(cat "$BUILD/linux/PACKAGE" 2>/dev/null)
deb=$(ls "$BUILD"/dl/"${pkg:-none}"_*.deb 2>/dev/null | head -n 1)
if [ ! -f "$BUILD/linux/vmlinuz" ] || [ -z "$deb" ]; then
	have_linux=0
	notes+=("Linux: not measured: no $BUILD/linux/vmlinuz or its .deb (make -f tools/bench/bench.mk bench-tools)")
else
	mkdir -p "$BENCH_TMP/mods"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$BENCH_TMP/mods" --wildcards '*/drivers/virtio/*.ko'
	for m in "${MODULES[@]}"; do
		f=$(find "$BENCH_TMP/mods" -name "$m.ko" | head -n 1)
		[ -n "$f" ] || { have_linux=0; notes+=("Linux: not measured: $m.ko not in $deb"); }
		MODARGS+=(--add "$f:/modules/$m.ko")
		GUEST_MODS+=("/modules/$m.ko")
	done
fi

# Run CMD... in the background and sample the VmRSS (KiB) of its QEMU
# child every 0.2 s until it ends: "SECONDS KIB" lines in $BENCH_TMP/rss.
sample() {
	local pid qemu= rss t0=${EPOCHREALTIME/./}
	: >"$BENCH_TMP/rss"
	"$@" </dev/null >"$BENCH_TMP/out" 2>"$BENCH_TMP/err" &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		[ -n "$qemu" ] || qemu=$(pgrep -P $pid qemu | head -n 1)
		if [ -n "$qemu" ]; then
			rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$qemu/status" 2>/dev/null)
			[ -n "$rss" ] && echo "$(((${EPOCHREALTIME/./} - t0) / 1000)) $rss" >>"$BENCH_TMP/rss"
		fi
		sleep 0.2
	done
	wait $pid
}

# From the samples: "PEAK AFTER" KiB. PEAK: the largest; AFTER: the least
# from 8 s to SECS-2 s after the free, which comes 3 s (guest clock) after
# the RSS first reached 99% of PEAK (the touching done), so that QEMU's
# own teardown at exit is never in the window.
figures() {
	awk -v secs="$SECS" '
		{ t[NR] = $1; r[NR] = $2; if ($2 > peak) peak = $2 }
		END {
			if (NR == 0) { print "- -"; exit }
			for (i = 1; i <= NR; i++) if (r[i] >= peak * 0.99) { t0 = t[i]; break }
			lo = t0 + 3000 + 8000; hi = t0 + 3000 + (secs - 2) * 1000; after = ""
			for (i = 1; i <= NR; i++)
				if (t[i] >= lo && t[i] <= hi && (after == "" || r[i] < after)) after = r[i]
			print peak, (after == "" ? "-" : after)
		}' "$BENCH_TMP/rss"
}

# one run: WHO CMD...; its figures into R[WHO.peak], R[WHO.after]
declare -A R
one() {
	local who=$1 rc=0
	shift
	sample "$@" || rc=$?
	if [ $rc -ne 0 ] || ! grep -q 'memfree: done' "$BENCH_TMP/out"; then
		notes+=("$who: exit $rc: $(grep -v '^unum: accel' "$BENCH_TMP/out" "$BENCH_TMP/err" | tail -n 2 | tr '\n' ' ')")
		R[$who.peak]=- R[$who.after]=-
		return
	fi
	read -r "R[$who.peak]" "R[$who.after]" <<<"$(figures)"
}
for who in ours ours_b linux linux_b; do R[$who.peak]=- R[$who.after]=-; done
if [ $have_ours -eq 1 ]; then
	one ours env UNUM_KERNEL="$KERNEL" "$BENCH_ROOT/tools/unum" run "$prog" --mem $MEM \
		--timeout $TIMEOUT -- "$SECS"
	one ours_b env UNUM_KERNEL="$KERNEL" "$BENCH_ROOT/tools/unum" run "$prog" --mem $MEM --balloon \
		--timeout $TIMEOUT -- "$SECS"
fi
if [ $have_linux -eq 1 ]; then
	one linux "$BENCH_ROOT/tools/bench/linux-guest" --mem $MEM --timeout $TIMEOUT "$prog" "$SECS"
	one linux_b "$BENCH_ROOT/tools/bench/linux-guest" --mem $MEM --timeout $TIMEOUT "${MODARGS[@]}" \
		--qemu=-device --qemu=virtio-balloon-pci,free-page-reporting=on \
		"$prog" "${GUEST_MODS[@]}" "$SECS"
fi

bench_table_head "memfree: host RSS of QEMU when the app frees 200 of its 256 MiB, $(basename "$KERNEL") vs Linux guest" \
	"  TCG -cpu max, 1 vCPU, --mem $MEM; ours microvm (tools/unum run), Linux $(cat "$BUILD/linux/PACKAGE" 2>/dev/null || echo '?') on q35 (linux-guest)" \
	Linux
bench_subhead "no balloon: freed memory stays with the guest"
bench_row kib "  QEMU RSS, peak (256 MiB touched)" "${R[ours.peak]}" "${R[linux.peak]}"
bench_row kib "  QEMU RSS, 8 s after the free" "${R[ours.after]}" "${R[linux.after]}"
bench_subhead "balloon: virtio-balloon with free page reporting (ours --balloon; Linux virtio_balloon)"
bench_row kib "  QEMU RSS, peak (256 MiB touched)" "${R[ours_b.peak]}" "${R[linux_b.peak]}"
bench_row kib "  QEMU RSS, 8 s after the free" "${R[ours_b.after]}" "${R[linux_b.after]}"
bench_note "RSS: VmRSS of the QEMU process, sampled every 0.2 s; after: the least sample from 8 s to"
bench_note "  $((SECS - 2)) s after the free (the app waits $SECS s, then exits); it includes QEMU itself and TCG's code cache"
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "section time: $((SECONDS - t_start)) s"
exit 0

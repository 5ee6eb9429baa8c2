#!/bin/bash
# Benchmark section "net": raw-frame round trips over virtio-net with QEMU
# user networking, an ARP request to the gateway 10.0.2.2 and its reply.
# Ours: the bench kernel bench/kernel-bench.elf bench=net-arp
# (tools/bench/kernel/bench_net.c, through include/netdev.h) on microvm
# (virtio-mmio) and on q35 (virtio-pci, the baseline's transport); the Linux guest: progs/netbench.c on an AF_PACKET
# socket, virtio-net-pci on q35. Wall us and guest instructions per round
# trip. Run: tools/bench/run net
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT

TKERNEL=${NET_KERNEL:-$BUILD/bench/kernel-bench.elf}
TKSYM=${TKERNEL%.elf}.sym
PROG=$BUILD/bench/netbench
PSYM=$BUILD/bench/netbench.sym
RUNS=${BENCH_NET_RUNS:-3}		# wall runs per side
OPS=${BENCH_NET_OPS:-2000}		# round trips per run
TIMEOUT=${BENCH_NET_TIMEOUT:-300}	# seconds per guest run
NETDEV=(-netdev user,id=n0)
# what the Linux guest loads for virtio-net-pci (all modules in the cloud kernel)
LINUX_MODULES=(virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
	failover net_failover virtio_net)
notes=()
t_start=$SECONDS

have_ours=1
for f in "$TKERNEL" "$TKSYM"; do
	[ -f "$f" ] || { have_ours=0; notes+=("ours: not measured: $f missing (make -f tools/bench/bench.mk bench-tools)"); }
done

# The Linux side's binary is built here (static glibc, non-PIE so nm
# gives its icount marks), and its virtio_net driver comes from the pinned
# cloud kernel package: modules, not in the unpacked boot/ (fetch-src.sh).
have_linux=1
mkdir -p "$BUILD/bench"
if [ ! -x "$PROG" ] || [ "$BENCH_ROOT/tools/bench/progs/netbench.c" -nt "$PROG" ]; then
	gcc -O2 -Wall -Wextra -Werror -static -no-pie -o "$PROG" \
		"$BENCH_ROOT/tools/bench/progs/netbench.c" 2>"$BENCH_TMP/cc.err" &&
		nm -n "$PROG" >"$PSYM" ||
		{ have_linux=0; notes+=("Linux: not measured: netbench.c: $(head -n 1 "$BENCH_TMP/cc.err")"); }
fi
MODS=()
if [ $have_linux -eq 1 ]; then
	pkg=$(cat "$BUILD/linux/PACKAGE" 2>/dev/null)
	deb=$(ls "$BUILD"/dl/"${pkg:-none}"_*.deb 2>/dev/null | head -n 1)
	if [ ! -f "$BUILD/linux/vmlinuz" ] || [ -z "$deb" ]; then
		have_linux=0
		notes+=("Linux: not measured: no $BUILD/linux/vmlinuz or its .deb (make -f tools/bench/bench.mk bench-tools)")
	else
		mkdir -p "$BENCH_TMP/mods"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$BENCH_TMP/mods" --wildcards \
			'*/drivers/virtio/*.ko' '*/net/core/failover.ko' '*/drivers/net/*.ko'
		for m in "${LINUX_MODULES[@]}"; do
			f=$(find "$BENCH_TMP/mods" -name "$m.ko" | head -n 1)
			[ -n "$f" ] || { have_linux=0; notes+=("Linux: not measured: $m.ko not in $deb"); }
			MODS+=("$f")
		done
	fi
fi

GUEST_MODS=()
for m in "${LINUX_MODULES[@]}"; do
	GUEST_MODS+=("/modules/$m.ko")
done

# "us per op" from a "bench net-arp OPS NS" line on stdin, or "-".
per_op() {
	tr -d '\036' | awk -v o="$OPS" '
		$1 == "bench" && $2 == "net-arp" && $3 == o { printf "%.2f\n", $4 / $3 / 1000; found = 1 }
		END { if (!found) print "-" }'
}

failed() {	# WHO STATUS STDERR-FILE
	notes+=("$1: exit $2: $(grep -v '^unum: accel' "$3" | tail -n 2 | tr '\n' ' ')")
}

ours_wall() {	# MACHINE DEVICE -> us per round trip
	local out rc=0
	out=$("$BENCH_ROOT/tools/unum" run "$TKERNEL" --machine "$1" --timeout "$TIMEOUT" \
		--qemu -netdev --qemu user,id=n0 --qemu -device --qemu "$2,netdev=n0" \
		--kernel-args "net=off bench=net-arp bench.ops=$OPS" 2>"$BENCH_TMP/err") || rc=$?
	[ $rc -eq 0 ] || failed "ours $1" $rc "$BENCH_TMP/err"
	per_op <<<"$out"
}

linux_args() {
	local m args=()
	for m in "${MODS[@]}"; do
		args+=(--add "$m:/modules/$(basename "$m")")
	done
	# --qemu=WORD: argparse would take a bare "-netdev" for an option
	args+=(--qemu=-netdev --qemu=user,id=n0 --qemu=-device --qemu=virtio-net-pci,netdev=n0)
	printf '%s\n' "${args[@]}"
}

linux_wall() {	# -> us per round trip
	local out rc=0 args
	mapfile -t args < <(linux_args)
	out=$("$BENCH_ROOT/tools/bench/linux-guest" --timeout "$TIMEOUT" "${args[@]}" \
		"$PROG" net-arp "$OPS" "${GUEST_MODS[@]}" 2>"$BENCH_TMP/err") || rc=$?
	[ $rc -eq 0 ] || failed "Linux" $rc "$BENCH_TMP/err"
	per_op <<<"$out"
}

icount_per_op() {	# FILE -> instructions per round trip
	awk -v o="$OPS" '
		$2 == "mark" && $3 == "mark_bench_start" { s = $5 }
		$2 == "mark" && $3 == "mark_bench_stop" { e = $5 }
		END { if (s == "" || e == "" || s == "-" || e == "-") print "-"
		      else printf "%.0f\n", (e - s) / o }' "$1" 2>/dev/null || echo -
}

ours_icount() {	# MACHINE DEVICE -> instructions per round trip
	local marks m rc=0
	marks=$("$BENCH_ROOT/tools/bench/markers.sh" -s "$TKSYM" mark_bench_start mark_bench_stop) ||
		{ echo -; return; }
	m=microvm,acpi=off
	[ "$1" = q35 ] && m=q35
	rm -f "$BENCH_TMP/icount"
	timeout -s TERM -k 5 "$TIMEOUT" \
		"$QEMU" -M "$m" -accel tcg,thread=single -cpu max -smp 1 -m 128M \
		-display none -nodefaults -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-serial "file:$BENCH_TMP/com1" -serial "file:$BENCH_TMP/com2" \
		"${NETDEV[@]}" -device "$2,netdev=n0" \
		-kernel "$TKERNEL" -append "net=off bench=net-arp bench.ops=$OPS idle_poll=0" \
		-plugin "$ICOUNT_SO,$marks,out=$BENCH_TMP/icount" \
		</dev/null >/dev/null 2>"$BENCH_TMP/err" || rc=$?
	[ $rc -eq 1 ] || failed "ours $1 (icount)" $rc "$BENCH_TMP/err"
	icount_per_op "$BENCH_TMP/icount"
}

linux_icount() {
	local marks m rc=0 args=()
	marks=$("$BENCH_ROOT/tools/bench/markers.sh" -s "$PSYM" mark_bench_start mark_bench_stop) ||
		{ echo -; return; }
	for m in ${marks//,/ }; do
		args+=(--mark "${m#mark=}")
	done
	mapfile -t -O ${#args[@]} args < <(linux_args)
	rm -f "$BENCH_TMP/icount"
	"$BENCH_ROOT/tools/bench/linux-guest" --timeout "$TIMEOUT" --icount "$BENCH_TMP/icount" \
		"${args[@]}" "$PROG" net-arp "$OPS" "${GUEST_MODS[@]}" >/dev/null 2>"$BENCH_TMP/err" || rc=$?
	[ $rc -eq 0 ] || failed "Linux (icount)" $rc "$BENCH_TMP/err"
	icount_per_op "$BENCH_TMP/icount"
}

bench_table_head "net: $(basename "$TKERNEL") vs Linux guest, ARP round trips with the user-net gateway" \
	"  TCG -cpu max, 1 vCPU, -netdev user; Linux $(cat "$BUILD/linux/PACKAGE" 2>/dev/null || echo '?') on q35 (linux-guest), AF_PACKET, virtio-net-pci" \
	Linux

: >"$BENCH_TMP/w.mmio"
: >"$BENCH_TMP/w.pci"
: >"$BENCH_TMP/w.linux"
for ((i = 0; i < RUNS; i++)); do	# alternate, so host load drifts hit all sides
	[ $have_ours -eq 1 ] && ours_wall microvm virtio-net-device >>"$BENCH_TMP/w.mmio"
	[ $have_ours -eq 1 ] && ours_wall q35 virtio-net-pci >>"$BENCH_TMP/w.pci"
	[ $have_linux -eq 1 ] && linux_wall >>"$BENCH_TMP/w.linux"
done
ic_mmio=- ic_pci=- ic_linux=-
[ $have_ours -eq 1 ] && ic_mmio=$(ours_icount microvm virtio-net-device)
[ $have_ours -eq 1 ] && ic_pci=$(ours_icount q35 virtio-net-pci)
[ $have_linux -eq 1 ] && ic_linux=$(linux_icount)
lin_us=$(grep -v '^-' "$BENCH_TMP/w.linux" | bench_median)

bench_subhead "net-arp, $OPS round trips: ARP request out, the gateway's reply in"
bench_row raw "  us per round trip, q35 (median of $RUNS)" \
	"$(grep -v '^-' "$BENCH_TMP/w.pci" | bench_median)" "$lin_us"
bench_row raw "  us per round trip, ours microvm" \
	"$(grep -v '^-' "$BENCH_TMP/w.mmio" | bench_median)" "$lin_us"
bench_row count "  guest instructions per trip, q35" "$ic_pci" "$ic_linux"
bench_row count "  guest instructions, ours microvm" "$ic_mmio" "$ic_linux"

bench_note "ours on microvm: virtio-mmio, the same kernel and driver; the Linux ratio is against q35"
bench_note "us per round trip: guest monotonic clock around the loop / round trips; it includes"
bench_note "  QEMU user networking (slirp) on the host, which both sides pay; the first round trip is untimed"
bench_note "guest instructions: (count at mark_bench_stop - count at mark_bench_start) / round trips,"
bench_note "  one run each, -accel tcg,thread=single; ours with idle_poll=0 (its idle poll would count)"
for side in pci mmio linux; do
	[ "$(grep -vc '^-' "$BENCH_TMP/w.$side")" -gt 1 ] &&
		notes+=("$side: us per round trip of each run: $(grep -v '^-' "$BENCH_TMP/w.$side" | sort -n | tr '\n' ' ')")
done
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "section time: $((SECONDS - t_start)) s"
exit 0

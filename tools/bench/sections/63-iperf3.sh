#!/bin/bash
# Benchmark section "iperf3": Debian's iperf3 server (apps/iperf3: the
# host's /usr/bin/iperf3, through door 1 in ours; in the Linux guest with
# its libraries and ld.so added at their paths) against the host's iperf3
# client, ours against the pinned Linux guest, both on q35 with
# virtio-net-pci, -netdev user with a hostfwd from 127.0.0.1, 1 vCPU, the
# same -m; the host running the server itself for scale:
# - a TCP test each way (-R: the guest sends): MB/s as the receiver
#   counted, and the sender's retransmits.
# One run of each (tools/bench/tcpload.py boots, tries the client until a
# test runs, stops). Bounded: -t SECONDS, on 127.0.0.1 only.
# BENCH_IPERF3_SHORT=1 (tools/bench/run --short): 2 s tests.
# Run: tools/bench/run iperf3
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT

LOAD=$BENCH_ROOT/tools/bench/tcpload.py
IPERF=/usr/bin/iperf3
SECS=10
[ "${BENCH_IPERF3_SHORT:-0}" = 1 ] && SECS=2
MEM=${BENCH_IPERF3_MEM:-512M}
notes=()
t_start=$SECONDS

have_ours=1 have_linux=1 have_host=1
for f in "$KERNEL" "$IPERF"; do
	[ -f "$f" ] || { have_ours=0 have_linux=0 have_host=0; notes+=("not measured: $f missing (make; tools/deps.sh installs iperf3)"); }
done

bench_linux_netmods
if [ $have_linux -eq 1 ]; then
	# the dynamic program's libraries and interpreter at their paths
	for l in $(ldd "$IPERF" 2>/dev/null | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		MODARGS+=(--add "$(readlink -f "$l"):$l")
	done
fi
HOST_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# one run: SIDE LOAD ARGS; its output in $BENCH_TMP/out; a failure
# becomes a note
one() {
	local side=$1 extra=() prog=("$IPERF" -s -1)
	shift
	case $side in
	linux)	extra=("${MODARGS[@]}" --mem "$MEM" --guest-port 5201) ;;
	ours)	extra=(--mem "$MEM" --guest-port 5201) ;;
	host)	extra=(--port "$HOST_PORT")
		prog+=(-p "$HOST_PORT" -B 127.0.0.1) ;;
	esac
	python3 "$LOAD" --side "$side" "${extra[@]}" "$@" -- "${prog[@]}" >"$BENCH_TMP/out" 2>&1
	if grep -q '^result error ' "$BENCH_TMP/out"; then
		notes+=("$side $*: $(grep '^result \(error\|stderr\) ' "$BENCH_TMP/out" | cut -d' ' -f3- | tr '\n' ' ')")
	fi
}

val() {	# KEY -> its value in $BENCH_TMP/out, or "-"
	awk -v k="$1" '$1 == "result" && $2 == k { print $3; f = 1 } END { if (!f) print "-" }' "$BENCH_TMP/out"
}

declare -A R
for side in ours linux host; do
	for d in in out; do R[$side.$d]=- R[$side.$d.re]=-; done
	case $side in
	ours)	[ $have_ours -eq 1 ] || continue ;;
	linux)	[ $have_linux -eq 1 ] || continue ;;
	host)	[ $have_host -eq 1 ] || continue ;;
	esac
	one "$side" iperf3 "$SECS"
	R[$side.in]=$(val mbs) R[$side.in.re]=$(val retransmits)
	one "$side" iperf3 "$SECS" reverse
	R[$side.out]=$(val mbs) R[$side.out.re]=$(val retransmits)
done

bench_table_head "iperf3: $(basename "$KERNEL") vs Linux guest, Debian's iperf3 $("$IPERF" --version 2>/dev/null | awk 'NR == 1 { print $2 }') through -netdev user" \
	"  TCG -cpu max, 1 vCPU, -m $MEM, q35, virtio-net-pci, hostfwd on 127.0.0.1; Linux $(cat "$BUILD/linux/PACKAGE" 2>/dev/null || echo '?') (linux-guest)" \
	Linux
bench_row count "host -> guest MB/s (iperf3 -t $SECS)" "${R[ours.in]}" "${R[linux.in]}"
bench_row count "  retransmits" "${R[ours.in.re]}" "${R[linux.in.re]}"
bench_row count "guest -> host MB/s (iperf3 -R -t $SECS)" "${R[ours.out]}" "${R[linux.out]}"
bench_row count "  retransmits" "${R[ours.out.re]}" "${R[linux.out.re]}"
bench_note "ratio = ours / Linux: for MB/s above 1 is better"
bench_note "host, the same program natively on 127.0.0.1: ${R[host.in]} MB/s in, ${R[host.out]} MB/s out"
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "section time: $((SECONDS - t_start)) s"
exit 0

#!/bin/bash
# Benchmark section "tcp": TCP through QEMU user networking from the host,
# ours against the pinned Linux guest, both on q35 with virtio-net-pci,
# -netdev user with a hostfwd from 127.0.0.1, 1 vCPU, the same -m:
# - HTTP keep-alive: wrk against tests/guest-net/tcpserve (1 KB body):
#   req/s, and guest instructions per request;
# - a new connection per request: ab without -k, connections/s;
# - a TCP stream each way (progs/tcpbench sink/source, the host's side in
#   tools/bench/tcpload.py): MB/s by the host's clock;
# - loopback TCP round trips inside the guest (tcpbench rtt): ns and
#   instructions per round trip.
# One run of each (tools/bench/tcpload.py boots, loads, stops); the Linux
# guest runs progs/netup first (modules, lo, eth0 10.0.2.15/24), ours takes
# its address by DHCP. Every load is bounded in count and time, on
# 127.0.0.1 only. BENCH_TCP_SHORT=1 (tools/bench/run --short): seconds each.
# Run: tools/bench/run tcp
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT

LOAD=$BENCH_ROOT/tools/bench/tcpload.py
SERVER=${BENCH_TCP_SERVER:-$BUILD/bench/tcpserve}
TB=$BUILD/bench/tcpbench
TBSYM=$BUILD/bench/tcpbench.sym
if [ "${BENCH_TCP_SHORT:-0}" = 1 ]; then
	SECS=2 AB_N=300 BYTES=$((8 << 20)) RTT_N=2000 RTT_IC_N=500
else
	SECS=10 AB_N=3000 BYTES=$((64 << 20)) RTT_N=20000 RTT_IC_N=5000
fi
CONNS=10
notes=()
t_start=$SECONDS

have_ours=1 have_linux=1
for f in "$KERNEL" "$SERVER" "$TB" "$TBSYM"; do
	[ -f "$f" ] || { have_ours=0 have_linux=0; notes+=("not measured: $f missing (make; make -f tools/bench/bench.mk bench-tools)"); }
done
for t in wrk ab; do
	command -v $t >/dev/null || notes+=("$t not installed (tools/deps.sh): its rows not measured")
done

# the Linux guest's virtio-net driver: modules of the pinned cloud kernel
bench_linux_netmods

# one run: SIDE [tcpload options] LOAD ARGS -- PROGRAM ARGS; its output in
# $BENCH_TMP/out; a failure becomes a note
one() {
	local side=$1 extra=()
	shift
	[ "$side" = linux ] && extra=("${MODARGS[@]}")
	python3 "$LOAD" --side "$side" "${extra[@]}" "$@" >"$BENCH_TMP/out" 2>&1
	if grep -q '^result error ' "$BENCH_TMP/out"; then
		notes+=("$side $*: $(grep '^result \(error\|stderr\) ' "$BENCH_TMP/out" | cut -d' ' -f3- | tr '\n' ' ')")
	fi
}

val() {	# KEY -> its value in $BENCH_TMP/out, or "-"
	awk -v k="$1" '$1 == "result" && $2 == k { print $3; f = 1 } END { if (!f) print "-" }' "$BENCH_TMP/out"
}

total() {	# icount FILE -> total instructions, or "-"
	awk '$2 == "total" { print $3; f = 1 } END { if (!f) print "-" }' "$1" 2>/dev/null || echo -
}

per() {	# A B N -> (A - B) / N, or "-"
	awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {
		if (a == "-" || b == "-" || n == "-" || n + 0 == 0) print "-"
		else printf "%.0f\n", (a - b) / n }'
}

declare -A R
for side in ours linux; do
	for k in rps reqs ic_reqs ic_http ic_idle ab ab_failed sink source rtt_ns ic_rtt; do
		R[$side.$k]=-
	done
	if [ "$side" = ours ] && [ $have_ours -eq 0 ]; then continue; fi
	if [ "$side" = linux ] && [ $have_linux -eq 0 ]; then continue; fi
	if command -v wrk >/dev/null; then
		one "$side" http "$SECS" "$CONNS" -- "$SERVER" -p 80
		R[$side.rps]=$(val rps) R[$side.reqs]=$(val requests)
		[ "$(val errors)" = 0 ] || [ "$(val errors)" = - ] ||
			notes+=("$side wrk: errors $(val errors)")
		# instructions per request: a wrk run under the icount plugin less
		# a run that boots and idles as long, over the requests made
		rm -f "$BENCH_TMP/ic"
		one "$side" --icount "$BENCH_TMP/ic" http "$SECS" "$CONNS" -- "$SERVER" -p 80
		R[$side.ic_reqs]=$(val requests) R[$side.ic_http]=$(total "$BENCH_TMP/ic")
		rm -f "$BENCH_TMP/ic"
		one "$side" --icount "$BENCH_TMP/ic" idle "$SECS" -- "$SERVER" -p 80
		R[$side.ic_idle]=$(total "$BENCH_TMP/ic")
	fi
	if command -v ab >/dev/null; then
		one "$side" ab "$AB_N" "$CONNS" -- "$SERVER" -p 80
		R[$side.ab]=$(val rps) R[$side.ab_failed]=$(val failed)
	fi
	one "$side" sink "$BYTES" -- "$TB" sink 80
	R[$side.sink]=$(val mbs)
	one "$side" source "$BYTES" -- "$TB" source 80 "$BYTES"
	R[$side.source]=$(val mbs)
	one "$side" none -- "$TB" rtt "$RTT_N"
	R[$side.rtt_ns]=$(awk -v n="$RTT_N" '$1 == "bench" && $2 == "tcp-rtt" && $3 == n { printf "%.0f\n", $4 / n; f = 1 } END { if (!f) print "-" }' "$BENCH_TMP/out")
	if marks=$("$BENCH_ROOT/tools/bench/markers.sh" -s "$TBSYM" mark_bench_start mark_bench_stop); then
		rm -f "$BENCH_TMP/ic"
		one "$side" --icount "$BENCH_TMP/ic" --marks "$marks" none -- "$TB" rtt "$RTT_IC_N"
		R[$side.ic_rtt]=$(awk -v o="$RTT_IC_N" '
			$2 == "mark" && $3 == "mark_bench_start" { s = $5 }
			$2 == "mark" && $3 == "mark_bench_stop" { e = $5 }
			END { if (s == "" || e == "" || s == "-" || e == "-") print "-"
			      else printf "%.0f\n", (e - s) / o }' "$BENCH_TMP/ic" 2>/dev/null || echo -)
	fi
done

bench_table_head "tcp: $(basename "$KERNEL") vs Linux guest, TCP from the host through -netdev user" \
	"  TCG -cpu max, 1 vCPU, -m ${BENCH_TCP_MEM:-512M}, q35, virtio-net-pci, hostfwd on 127.0.0.1; Linux $(cat "$BUILD/linux/PACKAGE" 2>/dev/null || echo '?') (linux-guest)" \
	Linux
bench_row count "HTTP keep-alive req/s (wrk -c$CONNS, ${SECS} s)" "${R[ours.rps]%.*}" "${R[linux.rps]%.*}"
bench_row count "  guest instructions per request" \
	"$(per "${R[ours.ic_http]}" "${R[ours.ic_idle]}" "${R[ours.ic_reqs]}")" \
	"$(per "${R[linux.ic_http]}" "${R[linux.ic_idle]}" "${R[linux.ic_reqs]}")"
bench_row count "new connection per request, conn/s (ab -c$CONNS)" "${R[ours.ab]%.*}" "${R[linux.ab]%.*}"
bench_row raw "TCP stream host -> guest, MB/s" "${R[ours.sink]}" "${R[linux.sink]}"
bench_row raw "TCP stream guest -> host, MB/s" "${R[ours.source]}" "${R[linux.source]}"
bench_row count "loopback TCP round trip in the guest, ns" "${R[ours.rtt_ns]}" "${R[linux.rtt_ns]}"
bench_row count "  guest instructions per round trip" "${R[ours.ic_rtt]}" "${R[linux.ic_rtt]}"

bench_note "ratio = ours / Linux: for req/s, conn/s and MB/s above 1 is better; for ns and instructions below 1"
bench_note "the server: $(basename "$SERVER") (tests/guest-net/tcpserve.c: epoll, 1 KB body); both sides pay slirp on the host"
bench_note "instructions per request: (a wrk run's total - a run that boots and idles as long) / its requests,"
bench_note "  under the icount plugin (-accel tcg, 1 vCPU: exact), ours with idle_poll=0; requests there:" \
	"ours ${R[ours.ic_reqs]}, Linux ${R[linux.ic_reqs]}"
bench_note "ab: $AB_N requests; failed: ours ${R[ours.ab_failed]}, Linux ${R[linux.ab_failed]}"
bench_note "streams: $((BYTES >> 20)) MiB each way, host clock from connect to the guest's FIN; round trips: $RTT_N" \
	"of 1 byte (instructions over $RTT_IC_N, between tcpbench's marks)"
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "section time: $((SECONDS - t_start)) s"
exit 0

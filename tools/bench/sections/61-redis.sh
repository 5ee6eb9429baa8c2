#!/bin/bash
# Benchmark section "redis": Debian's redis-server (make apps:
# build/apps/redis/redis, the same static binary on each side, the app's
# arguments: no persistence, protected mode off) under redis-benchmark
# from the host, ours against the pinned Linux guest, both on q35 with
# virtio-net-pci, -netdev user with a hostfwd from 127.0.0.1, 1 vCPU, the
# same -m, and the host running the binary itself for scale:
# - GET and SET, 50 clients, -P 1 and -P 16: requests/s and p99 latency.
# One run of each (tools/bench/tcpload.py boots, waits until redis answers
# PING on the port, runs redis-benchmark -n N, stops); every load is
# bounded in count (-n) and time (tcpload's timeout), on 127.0.0.1 only.
# BENCH_REDIS_SHORT=1 (tools/bench/run --short): a fifth of the requests.
# Run: tools/bench/run redis
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT

LOAD=$BENCH_ROOT/tools/bench/tcpload.py
REDIS=${BENCH_REDIS:-$BUILD/apps/redis/redis}
if [ "${BENCH_REDIS_SHORT:-0}" = 1 ]; then
	N1=1000 N16=10000
else
	N1=5000 N16=50000
fi
CLIENTS=50
MEM=${BENCH_REDIS_MEM:-512M}
ARGS=(--save '' --appendonly no --protected-mode no)
notes=()
t_start=$SECONDS

have_ours=1 have_linux=1 have_host=1
for f in "$KERNEL" "$REDIS"; do
	[ -f "$f" ] || { have_ours=0 have_linux=0 have_host=0; notes+=("not measured: $f missing (make; make apps)"); }
done
command -v redis-benchmark >/dev/null ||
	{ have_ours=0 have_linux=0 have_host=0; notes+=("not measured: redis-benchmark not installed (tools/deps.sh: redis-tools)"); }

# the Linux guest's virtio-net driver: modules of the pinned cloud kernel
bench_linux_netmods
HOST_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$BENCH_TMP/host"

# one run: SIDE LOAD ARGS; its output in $BENCH_TMP/out; a failure
# becomes a note
one() {
	local side=$1 extra=() prog=("$REDIS" "${ARGS[@]}")
	shift
	case $side in
	linux)	extra=("${MODARGS[@]}" --mem "$MEM" --guest-port 6379 --relay) ;;
	ours)	extra=(--mem "$MEM" --guest-port 6379 --relay) ;;
	host)	extra=(--port "$HOST_PORT")
		prog+=(--port "$HOST_PORT" --bind 127.0.0.1 --dir "$BENCH_TMP/host") ;;
	esac
	python3 "$LOAD" --side "$side" --ready redis "${extra[@]}" "$@" -- "${prog[@]}" >"$BENCH_TMP/out" 2>&1
	if grep -q '^result error ' "$BENCH_TMP/out"; then
		notes+=("$side $*: $(grep '^result \(error\|stderr\) ' "$BENCH_TMP/out" | cut -d' ' -f3- | tr '\n' ' ')")
	fi
}

val() {	# KEY -> its value in $BENCH_TMP/out, or "-"
	awk -v k="$1" '$1 == "result" && $2 == k { print $3; f = 1 } END { if (!f) print "-" }' "$BENCH_TMP/out"
}

declare -A R
for side in ours linux host; do
	for p in 1 16; do
		for t in get set; do R[$side.$p.$t]=- R[$side.$p.${t}99]=-; done
	done
	case $side in
	ours)	[ $have_ours -eq 1 ] || continue ;;
	linux)	[ $have_linux -eq 1 ] || continue ;;
	host)	[ $have_host -eq 1 ] || continue ;;
	esac
	for p in 1 16; do
		n=$N1
		[ $p = 16 ] && n=$N16
		one "$side" redis "$n" "$CLIENTS" "$p" set,get
		for t in get set; do
			R[$side.$p.$t]=$(val ${t}_rps) R[$side.$p.${t}99]=$(val ${t}_p99)
		done
	done
done

bench_table_head "redis: $(basename "$KERNEL") vs Linux guest, $(basename "$REDIS") from the host through -netdev user" \
	"  TCG -cpu max, 1 vCPU, -m $MEM, q35, virtio-net-pci, hostfwd on 127.0.0.1; Linux $(cat "$BUILD/linux/PACKAGE" 2>/dev/null || echo '?') (linux-guest)" \
	Linux
for p in 1 16; do
	n=$N1
	[ $p = 16 ] && n=$N16
	for t in GET SET; do
		l=${t,,}
		bench_row count "$t req/s (redis-benchmark -c$CLIENTS -P $p, -n $n)" "${R[ours.$p.$l]}" "${R[linux.$p.$l]}"
		bench_row us "  p99 latency" "${R[ours.$p.${l}99]}" "${R[linux.$p.${l}99]}"
	done
done

bench_note "ratio = ours / Linux: for req/s above 1 is better; for latency below 1"
for p in 1 16; do
	bench_note "host, the same binary natively on 127.0.0.1, -P $p: GET ${R[host.$p.get]} req/s, SET ${R[host.$p.set]} req/s"
done
bench_note "redis-server ${ARGS[*]}; redis-benchmark $(redis-benchmark --version 2>/dev/null | awk '{ print $2 }') -t set,get (its default key and 3-byte value)"
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "section time: $((SECONDS - t_start)) s"
exit 0

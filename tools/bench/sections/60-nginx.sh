#!/bin/bash
# Benchmark section "nginx": Debian's nginx (make apps: build/apps/nginx/nginx,
# the same static binary on each side) serving static files over HTTP
# keep-alive, ours against the pinned Linux guest, both on q35 with
# virtio-net-pci, -netdev user with a hostfwd from 127.0.0.1, 1 vCPU, the
# same -m, and the host running the binary itself for scale:
# - wrk -c$CONNS for a 1 KB and a 64 KB file: req/s and p99 latency;
# - guest instructions per request (a wrk run under the icount plugin less
#   a run that boots and idles as long, over its requests).
# The configuration is the app's (one process, sendfile, keep-alive) with
# the access log off: a log line per request on the serial console would
# time the UART, not nginx. One run of each (tools/bench/tcpload.py boots,
# waits until nginx answers a HEAD on the port, loads, stops); every load
# is bounded in count and time, on 127.0.0.1 only.
# BENCH_NGINX_SHORT=1 (tools/bench/run --short): the 1 KB file, seconds each.
# Run: tools/bench/run nginx
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT

LOAD=$BENCH_ROOT/tools/bench/tcpload.py
NGINX=${BENCH_NGINX:-$BUILD/apps/nginx/nginx}
MIME=$BUILD/src/nginx/conf/mime.types
if [ "${BENCH_NGINX_SHORT:-0}" = 1 ]; then
	SECS=2 SIZES=(1)
else
	SECS=10 SIZES=(1 64)
fi
CONNS=${BENCH_NGINX_CONNS:-10}
MEM=${BENCH_NGINX_MEM:-512M}
notes=()
t_start=$SECONDS

have_ours=1 have_linux=1 have_host=1
for f in "$KERNEL" "$NGINX" "$MIME"; do
	[ -f "$f" ] || { have_ours=0 have_linux=0 have_host=0; notes+=("not measured: $f missing (make; make apps)"); }
done
command -v wrk >/dev/null || { have_ours=0 have_linux=0 have_host=0; notes+=("not measured: wrk not installed (tools/deps.sh)"); }

# the Linux guest's virtio-net driver: modules of the pinned cloud kernel
bench_linux_netmods

# The files served: index.html (the readiness probe's) and N k.html of
# N KiB each; the guests' configuration, and the host's (its own paths and
# port). /etc/passwd and /etc/group as our kernel writes them: nginx run as
# root looks up "nobody" and "nogroup".
W=$BENCH_TMP/nginx
mkdir -p "$W/www" "$W/etc" "$W/host"
head -c 1024 /dev/zero | tr '\0' a >"$W/www/index.html"
for k in "${SIZES[@]}"; do
	head -c $((k * 1024)) /dev/zero | tr '\0' b >"$W/www/${k}k.html"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$W/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$W/etc/group"
conf() {	# LISTEN ROOT TMP -> an nginx.conf on stdout
	cat <<EOF
daemon off;
master_process off;
worker_processes 1;
error_log stderr notice;
pid $3/nginx.pid;
events {
	worker_connections 1024;
}
http {
	include mime.types;
	default_type application/octet-stream;
	access_log off;
	sendfile on;
	keepalive_timeout 65;
	keepalive_requests 1000000;
	client_body_temp_path $3/client_body;
	proxy_temp_path $3/proxy;
	fastcgi_temp_path $3/fastcgi;
	uwsgi_temp_path $3/uwsgi;
	scgi_temp_path $3/scgi;
	server {
		listen $1;
		root $2;
		index index.html;
	}
}
EOF
}
conf 80 /srv/www /tmp >"$W/etc/nginx.conf"
cp "$MIME" "$W/etc/mime.types" 2>/dev/null
HOST_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
conf "127.0.0.1:$HOST_PORT" "$W/www" "$W/host" >"$W/host/nginx.conf"
cp "$MIME" "$W/host/mime.types" 2>/dev/null
FILES=(--add "$W/etc/nginx.conf:/etc/nginx/nginx.conf" --add "$W/etc/mime.types:/etc/nginx/mime.types"
	--add "$W/etc/passwd:/etc/passwd" --add "$W/etc/group:/etc/group" --add "$W/www:/srv/www")

# one run: SIDE [tcpload options] LOAD ARGS; its output in $BENCH_TMP/out;
# a failure becomes a note
one() {
	local side=$1 extra=()
	shift
	case $side in
	linux)	extra=("${MODARGS[@]}" "${FILES[@]}" --mem "$MEM") ;;
	ours)	extra=("${FILES[@]}" --mem "$MEM") ;;
	host)	extra=(--port "$HOST_PORT") ;;
	esac
	local prog=("$NGINX")
	[ "$side" = host ] && prog+=(-p "$W/host" -c "$W/host/nginx.conf")
	python3 "$LOAD" --side "$side" --ready http "${extra[@]}" "$@" -- "${prog[@]}" >"$BENCH_TMP/out" 2>&1
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
for side in ours linux host; do
	for k in "${SIZES[@]}"; do
		for v in rps p99 ic_reqs ic_http; do R[$side.$k.$v]=-; done
	done
	R[$side.ic_idle]=-
	case $side in
	ours)	[ $have_ours -eq 1 ] || continue ;;
	linux)	[ $have_linux -eq 1 ] || continue ;;
	host)	[ $have_host -eq 1 ] || continue ;;
	esac
	for k in "${SIZES[@]}"; do
		one "$side" http "$SECS" "$CONNS" "/${k}k.html"
		R[$side.$k.rps]=$(val rps) R[$side.$k.p99]=$(val p99)
		[ "$(val errors)" = 0 ] || [ "$(val errors)" = - ] ||
			notes+=("$side wrk ${k} KB: errors $(val errors)")
		[ "$side" = host ] && continue
		rm -f "$BENCH_TMP/ic"
		one "$side" --icount "$BENCH_TMP/ic" http "$SECS" "$CONNS" "/${k}k.html"
		R[$side.$k.ic_reqs]=$(val requests) R[$side.$k.ic_http]=$(total "$BENCH_TMP/ic")
	done
	[ "$side" = host ] && continue
	rm -f "$BENCH_TMP/ic"
	one "$side" --icount "$BENCH_TMP/ic" idle "$SECS"
	R[$side.ic_idle]=$(total "$BENCH_TMP/ic")
done

bench_table_head "nginx: $(basename "$KERNEL") vs Linux guest, $(basename "$NGINX") from the host through -netdev user" \
	"  TCG -cpu max, 1 vCPU, -m $MEM, q35, virtio-net-pci, hostfwd on 127.0.0.1; Linux $(cat "$BUILD/linux/PACKAGE" 2>/dev/null || echo '?') (linux-guest)" \
	Linux
for k in "${SIZES[@]}"; do
	bench_row count "${k} KB file, req/s (wrk -c$CONNS, ${SECS} s, keep-alive)" "${R[ours.$k.rps]%.*}" "${R[linux.$k.rps]%.*}"
	bench_row us "  p99 latency" "${R[ours.$k.p99]}" "${R[linux.$k.p99]}"
	bench_row count "  guest instructions per request" \
		"$(per "${R[ours.$k.ic_http]}" "${R[ours.ic_idle]}" "${R[ours.$k.ic_reqs]}")" \
		"$(per "${R[linux.$k.ic_http]}" "${R[linux.ic_idle]}" "${R[linux.$k.ic_reqs]}")"
done

bench_note "ratio = ours / Linux: for req/s above 1 is better; for latency and instructions below 1"
for k in "${SIZES[@]}"; do
	p99=${R[host.$k.p99]}
	[ "$p99" = - ] || p99=$(awk -v u="$p99" 'BEGIN { printf "%.2f", u / 1000 }')
	bench_note "host, the same binary natively on 127.0.0.1, ${k} KB: ${R[host.$k.rps]%.*} req/s, p99 $p99 ms"
done
bench_note "nginx.conf: the app's (daemon off, master_process off, sendfile, keep-alive) with access_log off"
bench_note "instructions per request: (a wrk run's total - a run that boots and idles as long) / its requests,"
bench_note "  under the icount plugin (-accel tcg, 1 vCPU: exact), ours with idle_poll=0; requests there:"
for k in "${SIZES[@]}"; do
	bench_note "  ${k} KB: ours ${R[ours.$k.ic_reqs]}, Linux ${R[linux.$k.ic_reqs]}"
done
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "section time: $((SECONDS - t_start)) s"
exit 0

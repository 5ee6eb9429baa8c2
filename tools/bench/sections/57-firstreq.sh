#!/bin/bash
# Benchmark section "firstreq" (issue #13): boot to the first answered
# request. apps/nginx (its nginx.conf, mime.types and site) in ours and in
# the Linux guest, both on q35 with virtio-net-pci and -netdev user with a
# hostfwd from 127.0.0.1 (tools/bench/tcpload.py first200): the wall time
# from launching tools/unum or linux-guest (initrd, then QEMU) until curl
# on the host gets status 200. The Linux
# guest loads its virtio-net modules and sets eth0 up first (progs/netup),
# and gets a one-line /etc/passwd and /etc/group (nginx looks up
# "nobody"). Run: tools/bench/run firstreq
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT
LOAD=$BENCH_ROOT/tools/bench/tcpload.py
RUNS=${BENCH_FIRSTREQ_RUNS:-3}	# runs per side, alternating
LIMIT=120			# seconds a run may take to its first 200
NGINX=$BUILD/apps/nginx/nginx
t_start=$SECONDS
notes=()

have_ours=1 have_linux=1
for f in "$KERNEL" "$NGINX" "$BUILD/src/nginx/conf/mime.types"; do
	[ -f "$f" ] || { have_ours=0 have_linux=0; notes+=("not measured: $f missing (make; make apps)"); }
done
command -v curl >/dev/null || { have_ours=0 have_linux=0; notes+=("not measured: curl not installed (tools/deps.sh)"); }
bench_linux_netmods
printf 'root:x:0:0:root:/:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$BENCH_TMP/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$BENCH_TMP/group"
ADDS=(--add "$BENCH_ROOT/apps/nginx/nginx.conf:/etc/nginx/nginx.conf"
	--add "$BUILD/src/nginx/conf/mime.types:/etc/nginx/mime.types"
	--add "$BENCH_ROOT/apps/nginx/site:/srv/www")
LINUX_ADDS=(--add "$BENCH_TMP/passwd:/etc/passwd" --add "$BENCH_TMP/group:/etc/group")

# one run: SIDE -> us to the first 200 appended to $BENCH_TMP/t.SIDE
one() {
	local extra=()
	[ "$1" = linux ] && extra=("${MODARGS[@]}" "${LINUX_ADDS[@]}")
	python3 "$LOAD" --side "$1" "${extra[@]}" "${ADDS[@]}" first200 "$LIMIT" -- "$NGINX" \
		>"$BENCH_TMP/out" 2>&1
	if grep -q '^result ms ' "$BENCH_TMP/out"; then
		awk '$1 == "result" && $2 == "ms" { print $3 * 1000 }' "$BENCH_TMP/out" >>"$BENCH_TMP/t.$1"
	else
		notes+=("$1: $(grep '^result \(error\|stderr\) ' "$BENCH_TMP/out" | cut -d' ' -f3- | tr '\n' ' ')")
	fi
}
: >"$BENCH_TMP/t.ours"
: >"$BENCH_TMP/t.linux"
for ((i = 0; i < RUNS; i++)); do
	[ $have_ours -eq 1 ] && one ours
	[ $have_linux -eq 1 ] && one linux
done

bench_table_head "firstreq: boot to the first answered request, nginx, $(basename "$KERNEL") vs Linux guest" \
	"  TCG -cpu max, 1 vCPU, -m ${BENCH_TCP_MEM:-512M}, q35, virtio-net-pci, hostfwd on 127.0.0.1; Linux $(cat "$BUILD/linux/PACKAGE" 2>/dev/null || echo '?') (linux-guest)" \
	Linux
bench_row us "launch to curl's first 200 (median of $RUNS)" \
	"$(bench_median <"$BENCH_TMP/t.ours")" "$(bench_median <"$BENCH_TMP/t.linux")"
bench_note "wall time on the host: from starting tools/unum or linux-guest (which build the initrd, then"
bench_note "  start QEMU) until curl, retried every 20 ms, gets 200 for /; ours takes its address by DHCP"
for side in ours linux; do
	[ -s "$BENCH_TMP/t.$side" ] &&
		notes+=("$side: ms of each run: $(sort -n "$BENCH_TMP/t.$side" | awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 / 1000 }')")
done
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "section time: $((SECONDS - t_start)) s"
exit 0

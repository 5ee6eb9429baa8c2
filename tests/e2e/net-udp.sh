#!/bin/bash
# UDP echo both ways (tests/net/udp_echo): the guest's server reached from
# the host through --port HOST:GUEST/udp, and the guest's client sending to
# a server on the host (10.0.2.2 from the guest). 20 datagrams each way,
# every echo checked. E2E_NET_NATIVE=1: the guest's half on the host.
. "$(dirname "$0")/lib/e2e.sh"
. "$(dirname "$0")/lib/net.sh"
need_net_bins udp_echo
U=$NETBIN/udp_echo-musl

# host -> guest
H=$(free_port udp)
G=7
[ "$NATIVE" = 1 ] && G=$H
app_start udpd udp_echo "--net user --port $H:7/udp" server "$G"
wait_line udpd '^listening on ' 120
run timeout 60 "$U" client 127.0.0.1 "$H" 20
[ "$rc" = 0 ] && grep -qx '20/20 echoed' "$OUT" ||
	app_fail udpd "host to guest: expected '20/20 echoed' from the host's client (status $rc)"
stop_apps

# guest -> host
P=$(free_port udp)
"$U" server "$P" >"$TMP/hostd.out" 2>"$TMP/hostd.err" </dev/null &
APP_PIDS+=("$!")
for ((i = 0; i < 50; i++)); do
	grep -q '^listening on' "$TMP/hostd.out" && break
	sleep 0.1
done
if [ "$NATIVE" = 1 ]; then
	run timeout 60 "$U" client "$HOST_FROM_GUEST" "$P" 20
else
	run "$UNUM" run "$U" --net user -v --timeout "$BOOT_TIMEOUT" -- client "$HOST_FROM_GUEST" "$P" 20
fi
expect_status 0
grep -qx '20/20 echoed' "$OUT" || fail "guest to host: expected '20/20 echoed' from the guest's client"
exit 0

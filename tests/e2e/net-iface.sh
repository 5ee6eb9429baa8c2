#!/bin/bash
# What an app sees of the interfaces with a NIC (QEMU's user net, DHCP):
# tests/guest/posix_netif.c told eth0's address (UNUM_NET_ETH0), and
# busybox's ip (rtnetlink, net/netlink.c), netstat -rn (/proc/net/route)
# and cat /proc/net/dev showing lo and eth0 as Linux would.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
PROG=$B/tests/guest/posix_netif-musl
need "$PROG" guest-apps
BB=/bin/busybox
[ -x "$BB" ] || fail "$BB missing (tools/deps.sh installs busybox-static)"

run "$UNUM" run "$PROG" --net user --timeout "$BOOT_TIMEOUT" \
	--env UNUM_TEST=yes --env UNUM_NET_ETH0=10.0.2.15
[ "$rc" -eq 0 ] || fail "posix_netif with eth0 failed:$(grep '^not ok' -A1 "$OUT" | head -20)"

bb() { # bb APPLET ARGS...: busybox in a guest with a NIC
	run "$UNUM" run "$BB" --net user --timeout "$BOOT_TIMEOUT" -- "$@"
	expect_status 0
}
has() { # has REGEX WHAT
	grep -Eq -- "$1" "$OUT" || fail "$2: no line matching '$1' in:$(cat "$OUT")"
}
bb ip link
has '^1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 ' "ip link"
has '^    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00$' "ip link"
has '^2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ' "ip link"
has '^    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff$' "ip link"
bb ip addr
has '^    inet 127\.0\.0\.1/8 scope host lo$' "ip addr"
has '^    inet6 ::1/128 scope host $' "ip addr"
has '^    inet 10\.0\.2\.15/24 brd 10\.0\.2\.255 scope global eth0$' "ip addr"
has '^    inet6 fe80::5054:ff:fe12:3456/64 scope link' "ip addr"
bb ip route
has '^default via 10\.0\.2\.2 dev eth0 $' "ip route"
grep -q 'dev lo' "$OUT" && fail "ip route: a route through lo in the main table:$(cat "$OUT")"
has '^10\.0\.2\.0/24 dev eth0 scope link  src 10\.0\.2\.15 $' "ip route"
bb netstat -rn
has '^0\.0\.0\.0 +10\.0\.2\.2 +0\.0\.0\.0 +UG +0 0 +0 eth0$' "netstat -rn"
has '^10\.0\.2\.0 +0\.0\.0\.0 +255\.255\.255\.0 +U +0 0 +0 eth0$' "netstat -rn"
bb cat /proc/net/dev
has '^    lo: +0 +0 ' "/proc/net/dev"
has '^  eth0: +[1-9][0-9]* +[1-9]' "/proc/net/dev"
exit 0

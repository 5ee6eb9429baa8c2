#!/bin/bash
# The kernel brings eth0 up by DHCP on QEMU's user networking (net/netconf.c):
# slirp's lease (10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3) is in the log
# before the app runs, and the app still runs; /etc/resolv.conf names the
# DNS server unless the app brings its own. With ip= on the command line
# there is no DHCP: the static address is logged instead.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
command -v musl-gcc >/dev/null || fail "musl-gcc missing (tools/deps.sh installs musl-tools)"
printf '#include <stdio.h>\nint main(void) { puts("app ran"); return 0; }\n' >"$TMP/prog.c"
musl-gcc -static -o "$TMP/prog" "$TMP/prog.c" || fail "musl-gcc failed"

run "$UNUM" run "$TMP/prog" --net user -v --timeout "$BOOT_TIMEOUT"
expect_status 0
grep -qx 'app ran' "$OUT" || fail "the app's line is missing from stdout"
expect_err '^net: eth0 10\.0\.2\.15/24 gw 10\.0\.2\.2 \(dhcp\)$' \
	"no 'net: eth0 10.0.2.15/24 gw 10.0.2.2 (dhcp)' line in the kernel log"
expect_err '^net: dns 10\.0\.2\.3$' "no 'net: dns 10.0.2.3' line in the kernel log"
expect_no_err 'no DHCP answer'
# the lease comes before the app starts
lease=$(grep -n '(dhcp)' "$ERR" | head -1 | cut -d: -f1)
[ -n "$lease" ] || fail "no lease line"

# /etc/resolv.conf names the DHCP's DNS server; an app's own wins
BB=/bin/busybox
[ -x "$BB" ] || fail "$BB missing (tools/deps.sh installs busybox-static)"
run "$UNUM" run "$BB" --net user --timeout "$BOOT_TIMEOUT" -- cat /etc/resolv.conf
expect_status 0
grep -qx 'nameserver 10.0.2.3' "$OUT" || fail "/etc/resolv.conf lacks 'nameserver 10.0.2.3': $(cat "$OUT")"
mkdir -p "$TMP/etc" && echo 'nameserver 192.0.2.53' >"$TMP/etc/resolv.conf"
run "$UNUM" run "$BB" --net user --add "$TMP/etc:/etc" --timeout "$BOOT_TIMEOUT" -- cat /etc/resolv.conf
expect_status 0
grep -qx 'nameserver 192.0.2.53' "$OUT" || fail "the app's own /etc/resolv.conf was replaced: $(cat "$OUT")"

run "$UNUM" run "$TMP/prog" --net user -v --timeout "$BOOT_TIMEOUT" \
	--kernel-args 'ip=10.0.2.77/24,fec0::77/64 gw=10.0.2.2 dns=10.0.2.3'
expect_status 0
expect_err '^net: eth0 10\.0\.2\.77/24 gw 10\.0\.2\.2 \(static\)$' "no static IPv4 line in the log"
expect_err '^net: eth0 fec0::77/64 gw none \(static\)$' "no static IPv6 line in the log"
expect_err '^net: dns 10\.0\.2\.3$' "no dns line for dns="
expect_no_err '\(dhcp\)'

# a malformed address is warned about and ignored: DHCP then
run "$UNUM" run "$TMP/prog" --net user -v --timeout "$BOOT_TIMEOUT" --kernel-args 'ip=10.0.2.300/24'
expect_status 0
expect_err 'ip=10\.0\.2\.300/24' "the bad ip= is not named in a warning"
expect_err '^net: eth0 10\.0\.2\.15/24 gw 10\.0\.2\.2 \(dhcp\)$' "no DHCP after a bad ip="
exit 0

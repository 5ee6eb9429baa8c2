#!/bin/bash
# apps/iperf3 (docs/apps.md) with no network: iperf3 --version through its
# manifest (3.12, and a static build without OpenSSL: no authentication).
# XXX: with AF_INET sockets, the host's iperf3 client against the image's
# server for 5 s (issue #13's tests).
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
need_app iperf3 iperf3
export UNUM_KERNEL=$KERNEL BUILD=$B
run "$UNUM" run --manifest apps/iperf3/manifest --net none --timeout "$BOOT_TIMEOUT" -- --version
expect_status 0
grep -q '^iperf 3\.12 ' "$OUT" || fail "expected 'iperf 3.12 ...' first"
if grep -q 'authentication' "$OUT"; then fail "built with OpenSSL authentication"; fi
exit 0

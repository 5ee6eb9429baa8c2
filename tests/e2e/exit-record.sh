#!/bin/bash
# With -v every kernel record reaches stderr except the final one: the exit
# record becomes the status and is stripped; nothing framed (0x1e) leaks.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
run "$UNUM" run "$KERNEL" -v --timeout "$BOOT_TIMEOUT"
expect_status 0
[ "$(grep -c . "$ERR")" -ge 3 ] || fail "expected kernel log records on stderr with -v"
expect_no_err 'unum: exit'
if grep -q $'\x1e' "$OUT" "$ERR"; then fail "a 0x1e framing byte leaked"; fi
run "$UNUM" run "$KERNEL" --timeout "$BOOT_TIMEOUT"
expect_status 0
expect_no_err 'unum: exit'
[ "$(wc -l <"$ERR")" = 1 ] || fail "without -v a clean run prints only the accel line on stderr"

#!/bin/bash
# --timeout: the test kernel told to spin forever (test.hang) is killed after 1 s:
# status 124, "unum: timeout after 1s", and tools/unum returns promptly.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL_TEST"
start=$(date +%s)
run timeout 60 "$UNUM" run "$KERNEL_TEST" --timeout 1 --kernel-args test.hang
took=$(($(date +%s) - start))
expect_status 124
expect_err '^unum: timeout after 1s$'
[ "$took" -le 15 ] || fail "took ${took}s to give up"
expect_banner

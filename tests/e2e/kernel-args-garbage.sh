#!/bin/bash
# Garbage on the kernel command line is warned about (an "unknown" log
# record), never fatal: the kernel boots and exits 0.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
run "$UNUM" run "$KERNEL" -v --kernel-args 'foo=bar %%% =x' --timeout "$BOOT_TIMEOUT"
expect_status 0
expect_banner
expect_err 'unknown' "no warning mentioning 'unknown' in the kernel log"

#!/bin/bash
# A kernel thread recursing without end (test.fault=stack) runs into the
# guard page under its stack: reported as a stack overflow naming the
# thread, with the register dump and backtrace; status 125, no hang.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL_TEST"
run "$UNUM" run "$KERNEL_TEST" --kernel-args test.fault=stack --timeout "$BOOT_TIMEOUT"
expect_status 125
expect_err '^unum: panic: kernel stack overflow in thread overflow'
expect_err 'RIP' "no register dump (RIP) on stderr"
expect_err 'recurse\+0x[0-9a-f]+' "no backtrace through recurse() on stderr"

#!/bin/bash
# A deliberate write to .rodata in the test kernel (test.fault=rodata): a
# page fault, then a register dump, a symbolized backtrace and a panic
# record on stderr; status 125.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL_TEST"
run "$UNUM" run "$KERNEL_TEST" --kernel-args test.fault=rodata --timeout "$BOOT_TIMEOUT"
expect_status 125
expect_err '^unum: panic: '
expect_err 'RIP' "no register dump (RIP) on stderr"
expect_err '[A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-f]+' \
	"no backtrace line naming a function (NAME+0xOFF) on stderr"
expect_no_err 'without an exit record'

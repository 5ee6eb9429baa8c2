#!/bin/bash
# Memory that boots but is too small for what the kernel needs: with 64
# vCPUs in 3 MiB the per-CPU tables and interrupt stacks do not fit, and the
# kernel panics naming what was short (status 125), never hangs. The same
# 3 MiB with one vCPU boots (the kernel's floor, tools/unum's minimum).
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
run "$UNUM" run "$KERNEL" --mem 3M --cpus 64 --timeout "$BOOT_TIMEOUT"
[ "$rc" -eq 125 ] || fail "--mem 3M --cpus 64: expected status 125 (a panic), got $rc"
expect_err '^unum: panic: out of memory: CPU [0-9]+ needs [0-9]+ KiB'
expect_no_err 'without an exit record'
run "$UNUM" run "$KERNEL" --mem 3M --timeout "$BOOT_TIMEOUT"
[ "$rc" -eq 0 ] || fail "--mem 3M with one vCPU: expected status 0, got $rc"
expect_banner

#!/bin/bash
# Boot build/kernel.elf under Firecracker through tools/unum.
. "$(dirname "$0")/lib/e2e.sh"
command -v firecracker >/dev/null || skip "firecracker not installed"
need "$KERNEL"
run "$UNUM" run "$KERNEL" --machine firecracker --timeout "$BOOT_TIMEOUT"
expect_status 0
expect_banner

#!/bin/bash
# Boot build/kernel.elf with tools/unum on microvm (acpi=off, TCG -cpu max):
# banner on stdout, status 0, no accelerator surprise.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
run "$UNUM" run "$KERNEL" --machine microvm --accel tcg --timeout "$BOOT_TIMEOUT"
expect_status 0
expect_banner
expect_err '^unum: accel tcg '

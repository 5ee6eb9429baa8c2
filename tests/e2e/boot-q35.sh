#!/bin/bash
# Boot build/kernel.elf through PVH on q35 (SeaBIOS, ACPI, -kernel) with
# tools/unum under TCG: banner, status 0.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
run "$UNUM" run "$KERNEL" --machine q35 --accel tcg --timeout "$BOOT_TIMEOUT"
expect_status 0
expect_banner

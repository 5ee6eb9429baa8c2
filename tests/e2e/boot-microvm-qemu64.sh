#!/bin/bash
# Boot build/kernel.elf on microvm with the plain qemu64 CPU model (no XSAVE,
# AVX, RDRAND, FSGSBASE, SMEP/SMAP): the kernel must not need them.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
run "$UNUM" run "$KERNEL" --accel tcg --cpu qemu64 --timeout "$BOOT_TIMEOUT"
expect_status 0
expect_banner

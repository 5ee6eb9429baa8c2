#!/bin/bash
# Boot build/kernel.elf on q35 (PVH) under hardware KVM (-cpu host).
. "$(dirname "$0")/lib/e2e.sh"
has_hw_kvm || skip "no hardware KVM"
need "$KERNEL"
run "$UNUM" run "$KERNEL" --machine q35 --accel kvm --timeout "$BOOT_TIMEOUT"
expect_status 0
expect_banner

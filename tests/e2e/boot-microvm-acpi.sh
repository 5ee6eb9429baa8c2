#!/bin/bash
# Plain QEMU, microvm with ACPI on (RSDP set, no virtio_mmio arguments) and
# only COM1: the kernel boots, and with no COM2 its exit record comes out
# unframed on COM1. isa-debug-exit: QEMU exits 2v+1, so 1 means status 0.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
run timeout "$BOOT_TIMEOUT" "$QEMU" -M microvm -nodefaults -no-user-config \
	-display none -no-reboot -serial stdio \
	-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$KERNEL"
[ "$rc" != 124 ] || fail "QEMU still running after ${BOOT_TIMEOUT}s"
expect_banner
grep -aq '^unum: exit 0' "$OUT" || fail "no 'unum: exit 0' line on COM1"
expect_status 1

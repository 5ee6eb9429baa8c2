#!/bin/bash
# Without isa-debug-exit the kernel still ends the VM: through ACPI S5 on
# q35 (PM1a_CNT and \_S5 from the FADT/DSDT), and through the i8042 reset
# on q35 without ACPI (QEMU -no-reboot then exits). (microvm has neither
# S5 nor an i8042: there tools/unum always adds isa-debug-exit.)
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
for m in "q35:ACPI S5" "q35,acpi=off:i8042 reset"; do
	how=${m#*:}
	m=${m%%:*}
	run timeout "$BOOT_TIMEOUT" "$QEMU" -M "$m" -accel tcg -cpu max -m 64M \
		-nodefaults -no-user-config -display none -no-reboot -serial stdio \
		-kernel "$KERNEL"
	[ "$rc" != 124 ] || fail "-M $m without isa-debug-exit: QEMU still running after ${BOOT_TIMEOUT}s"
	expect_banner
	grep -aq '^unum: exit 0' "$OUT" || fail "-M $m: no 'unum: exit 0' line on COM1"
	[ "$rc" -eq 0 ] || fail "-M $m: QEMU status $rc, expected 0 (powered off or reset)"
	grep -aq "^power: .*$how" "$OUT" || fail "-M $m: expected the kernel to end the VM by $how"
done

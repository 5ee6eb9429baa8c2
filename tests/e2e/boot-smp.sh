#!/bin/bash
# Every vCPU QEMU gives comes up (INIT-SIPI-SIPI) and is counted online in
# the banner: from the MADT (microvm with ACPI, q35) and from the MP table
# (microvm with acpi=off), up to 64 vCPUs.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
check_cpus() { # check_cpus N
	grep -Eq "$BANNER_RE.* cpus=$1 " "$OUT" || fail "banner does not say cpus=$1"
}
for m in "microvm" "q35"; do
	run timeout "$BOOT_TIMEOUT" "$QEMU" -M "$m" -accel tcg -cpu max -smp 4 -m 128M \
		-nodefaults -no-user-config -display none -no-reboot -serial stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$KERNEL"
	[ "$rc" -eq 1 ] || fail "-M $m -smp 4: expected QEMU status 1 (debug-exit 0), got $rc"
	check_cpus 4
done
run "$UNUM" run "$KERNEL" --cpus 64 --mem 256M --timeout "$BOOT_TIMEOUT"
expect_status 0
check_cpus 64

#!/bin/bash
# virtio-rng-pci on q35 under hardware KVM: the modern transport with
# MSI-X and the legacy one on the INTx line (tests/kernel/test_pci.c).
. "$(dirname "$0")/lib/e2e.sh"
has_hw_kvm || skip "no hardware KVM"
need "$KERNEL_TEST"
for form in "modern:virtio-rng-pci" \
	"legacy-intx:virtio-rng-pci,addr=0x3,disable-modern=on,vectors=0"; do
	run "$UNUM" run "$KERNEL_TEST" --machine q35 --accel kvm --timeout "$BOOT_TIMEOUT" \
		--kernel-args "test.only=pci_ test.virtio_pci=${form%%:*}" \
		--qemu -device --qemu "${form#*:}"
	expect_status 0
	grep -q '^not ok' "$OUT" && fail "a case failed (${form%%:*})"
	grep -q '^ok .* pci_virtio_transport_and_interrupts$' "$OUT" ||
		fail "no pci_virtio_transport_and_interrupts result (${form%%:*})"
done
exit 0

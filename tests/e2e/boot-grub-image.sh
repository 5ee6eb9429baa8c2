#!/bin/bash
# Boot the GRUB disk image (make image) exactly as a user with plain QEMU
# would: only COM1, multiboot2. Banner on stdout; QEMU exits 1 (status 0).
. "$(dirname "$0")/lib/e2e.sh"
need "$IMAGE" image
# a copy: QEMU locks a raw image for writing, and other tests boot it too
cp "$IMAGE" "$TMP/unum.img" && IMAGE=$TMP/unum.img
run timeout "$BOOT_TIMEOUT" "$QEMU" -M q35 -display none -serial stdio \
	-drive file="$IMAGE",format=raw \
	-device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot
[ "$rc" != 124 ] || fail "QEMU still running after ${BOOT_TIMEOUT}s"
expect_banner
grep -aq 'boot=multiboot2' "$OUT" || fail "banner does not say boot=multiboot2"
expect_status 1

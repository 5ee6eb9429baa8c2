#!/bin/bash
# tools/unum run on the GRUB disk image: boots as a disk on q35, finds COM2,
# and its exit record becomes status 0.
. "$(dirname "$0")/lib/e2e.sh"
need "$IMAGE" image
# a copy: QEMU locks a raw image for writing, and other tests boot it too
cp "$IMAGE" "$TMP/unum.img" && IMAGE=$TMP/unum.img
run "$UNUM" run "$IMAGE" --accel tcg --timeout "$BOOT_TIMEOUT"
expect_status 0
expect_banner
expect_no_err '^unum: exit'

#!/bin/bash
# `make image APP=hello` (BUILD/hello.img, which `make test` builds): under
# 2 MB, and it boots with nothing but the user-contract QEMU line: hello's
# greeting on the console, the exit record, then power-off (QEMU exits by
# itself). Booted from a copy: QEMU write-locks its image.
. "$(dirname "$0")/lib/e2e.sh"
IMG=${E2E_HELLO_IMAGE:-$B/hello.img}
need "$IMG" "image APP=hello BUILD=$B"
MAX_BYTES=2000000 # "a hello image is under 2 MB"
size=$(stat -c %s "$IMG")
[ "$size" -lt $MAX_BYTES ] || fail "$IMG is $size bytes, not under $MAX_BYTES"
cp "$IMG" "$TMP/hello.img" || fail "cannot copy $IMG"
run timeout "$BOOT_TIMEOUT" "$QEMU" -M q35 -display none -serial stdio \
	-drive file="$TMP/hello.img",format=raw
[ "$rc" != 124 ] || fail "QEMU still running after ${BOOT_TIMEOUT}s"
expect_status 0 # ACPI S5: QEMU exits 0 by itself
grep -aqF 'Hello from unum!' "$OUT" || fail "the console has no 'Hello from unum!'"
grep -aqF 'unum: exit 0' "$OUT" || fail "the console has no exit record 'unum: exit 0'"
grep -aE "$BANNER_RE" "$OUT" >/dev/null || fail "no kernel banner on the console"
exit 0

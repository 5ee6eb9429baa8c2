#!/bin/bash
# /dev/urandom differs from one boot to the next: Debian's busybox prints 32
# bytes of it in two boots with a virtio-rng device (on microvm's
# virtio-mmio, fed by the host's /dev/urandom) on a CPU without RDRAND
# (qemu64); each boot's kernel log says the device's bytes were mixed in.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
BB=/bin/busybox
[ -x "$BB" ] || fail "$BB missing (tools/deps.sh installs busybox-static)"
HEX='^( [0-9a-f]{2}){16}$'
for i in 1 2; do
	run "$UNUM" run "$BB" -v --cpu qemu64 --timeout "$BOOT_TIMEOUT" \
		--qemu -object --qemu rng-random,filename=/dev/urandom,id=rng0 \
		--qemu -device --qemu virtio-rng-device,rng=rng0 \
		-- od -An -tx1 -N32 /dev/urandom
	expect_status 0
	grep -q "virtio-rng: .*bytes mixed into the kernel's generator" "$ERR" ||
		fail "boot $i: the kernel log does not say virtio-rng bytes were mixed in"
	[ "$(grep -cE "$HEX" "$OUT")" = 2 ] && [ "$(wc -l <"$OUT")" = 2 ] ||
		fail "boot $i: expected two lines of 16 hex bytes from od"
	! grep -qE '^( 00){16}$' "$OUT" || fail "boot $i: 16 zero bytes in a row"
	cp "$OUT" "$TMP/boot$i"
done
cmp -s "$TMP/boot1" "$TMP/boot2" &&
	fail "the same /dev/urandom bytes in two boots: $(cat "$TMP/boot1")"
exit 0

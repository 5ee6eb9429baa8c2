#!/bin/bash
# tools/unum's usage errors: status 2, one "unum: " line on stderr, and QEMU
# never started (UNUM_QEMU points at a stand-in that leaves a mark).
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
printf '#!/bin/sh\ntouch "%s/qemu-ran"\nexit 1\n' "$TMP" >"$TMP/qemu"
chmod +x "$TMP/qemu"
# a disk image tools/unum takes: boot code, one partition, the signature
python3 -c 'import sys
sys.stdout.buffer.write(b"x" * 446 + bytes.fromhex("80000000830000000100000010000000") +
                        bytes(48) + b"\x55\xaa" + bytes(512))' >"$TMP/disk.img"

usage_error() { # ARGS... (after "run")
	run env UNUM_QEMU="$TMP/qemu" "$UNUM" run "$@"
	expect_status 2
	[ ! -e "$TMP/qemu-ran" ] || fail "QEMU was started"
	[ "$(wc -l <"$ERR")" = 1 ] || fail "expected one line on stderr"
	expect_err '^unum: '
}

usage_error "$KERNEL" --mem 1M
usage_error "$KERNEL" --mem 0
usage_error "$KERNEL" --bogus
usage_error "$KERNEL" --cpus 0
usage_error "$KERNEL" --cpus 65
usage_error "$KERNEL" --accel hvf
usage_error "$KERNEL" --machine pc
usage_error "$KERNEL" --timeout 0
usage_error "$KERNEL" --mem
usage_error "$KERNEL" extra-argument
usage_error "$KERNEL" -- app-argument
usage_error "$KERNEL" --disk "$TMP/no-such-disk.img"
usage_error "$KERNEL" --disk "$TMP"
usage_error "$TMP/disk.img" --kernel-args x
usage_error "$TMP/disk.img" --machine microvm
usage_error --mem 1M # options checked before the (missing) FILE
has_hw_kvm || usage_error "$KERNEL" --accel kvm
command -v firecracker >/dev/null || {
	usage_error "$KERNEL" --machine firecracker
	expect_err '^unum: firecracker not installed$'
}
run env UNUM_QEMU="$TMP/qemu" "$UNUM"
expect_status 2
exit 0

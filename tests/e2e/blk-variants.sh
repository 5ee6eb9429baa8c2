#!/bin/bash
# virtio-blk beyond the default disk (the app tests/guest-disk/blk_disk.c,
# as tests/e2e/blk-disk.sh runs it, on a writable and a read-only disk):
# - 4096-byte logical blocks: BLKSSZGET 4096, partial-block writes by
#   read-modify-write keep their neighbours, data round-trips to the disk
#   file and to a second boot;
# - a 4-descriptor ring without indirect descriptors (q35, PCI modern:
#   virtio-mmio does not enforce queue-size) and 32 writer threads, so
#   submitters wait for ring space (the kernel logs it once per disk);
# - legacy virtio-pci (0.9.5) with INTx (vectors=0) instead of MSI-X.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
export UNUM_KERNEL=$KERNEL
SRC=tests/guest-disk/blk_disk.c
musl-gcc -static -O2 -o "$TMP/blk" "$SRC" -lpthread || fail "musl-gcc $SRC failed"
RW_SIZE=$((16 << 20))
RO_SIZE=$((1 << 20))
# the byte at offset o of pattern s, as blk_disk.c's pat()
PAT='def pat(o, s): return ((((o * 2654435761) & 0xffffffff) >> 13) ^ s ^ (o >> 9)) & 255'
python3 -c "$PAT
open('$TMP/ro.img', 'wb').write(bytes(pat(o, 0x5a) for o in range($RO_SIZE)))" ||
	fail "cannot write the read-only disk"

boot() { # NAME MODE APP-ARGS UNUM-OPTIONS...: one boot, every case ok
	local name=$1 mode=$2 args=$3
	shift 3
	# shellcheck disable=SC2086 # APP-ARGS: words on purpose
	run "$UNUM" run "$TMP/blk" --timeout 180 --cpus 2 -v --disk "$TMP/rw.img" \
		--disk "$TMP/ro.img,ro" "$@" -- "$mode" "$RW_SIZE" "$RO_SIZE" $args
	expect_status 0
	grep -q '^not ok' "$OUT" && fail "$name: a case failed ($mode)"
	grep -Eq '^1\.\.[0-9]+' "$OUT" || fail "$name: no TAP plan ($mode)"
	expect_err 'vda: .*KiB, flush' "$name: vda did not negotiate FLUSH"
}

marker_on_host() { # NAME: the host reads what the guest flushed
	python3 -c "$PAT
f = open('$TMP/rw.img', 'rb'); off = $RW_SIZE // 2; f.seek(off)
b = f.read(65536)
bad = [i for i in range(65536) if b[i] != pat(off + i, 0x77)]
raise SystemExit('marker differs at +%d' % bad[0] if bad else 0)" ||
		fail "$1: the disk file does not hold the marker the guest wrote"
}

fresh() { rm -f "$TMP/rw.img" && truncate -s "$RW_SIZE" "$TMP/rw.img"; }

# 4096-byte blocks (microvm, virtio-mmio): both disks
fresh
BS4K=(--qemu -global --qemu virtio-blk-device.logical_block_size=4096
	--qemu -global --qemu virtio-blk-device.physical_block_size=4096)
boot 4k first 4096 "${BS4K[@]}"
expect_err 'blk: vda: .*block 4096' "4k: the kernel did not take the 4096-byte block size"
marker_on_host 4k
boot 4k second 4096 "${BS4K[@]}"

# a ring of 4 descriptors, chains only: one request in flight at a time
fresh
boot small-ring first '512 32' --machine q35 \
	--qemu -global --qemu virtio-blk-pci.queue-size=4 \
	--qemu -global --qemu virtio-blk-pci.indirect_desc=off
expect_err 'vda: .*queue 4, ' "small-ring: vda's queue is not 4 descriptors"
expect_no_err 'vda: .*indirect'
expect_err 'vda: ring full: submitters wait' "small-ring: no submitter waited for ring space"
marker_on_host small-ring

# legacy virtio-pci on INTx
fresh
LEGACY_INTX=(--machine q35 --qemu -global --qemu virtio-blk-pci.disable-modern=on
	--qemu -global --qemu virtio-blk-pci.vectors=0)
boot legacy-intx first '' "${LEGACY_INTX[@]}"
expect_err 'vda: .*\(pci-legacy\)' "legacy-intx: vda is not on the legacy transport"
expect_err 'INTx pin' "legacy-intx: the kernel did not log an INTx line"
expect_no_err 'virtio: .*: MSI-X, '
marker_on_host legacy-intx
boot legacy-intx second '' "${LEGACY_INTX[@]}"
exit 0

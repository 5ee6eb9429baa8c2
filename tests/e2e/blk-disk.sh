#!/bin/bash
# virtio-blk through /dev/vda and /dev/vdb on every transport: a writable
# and a read-only disk (tools/unum run --disk FILE --disk FILE,ro), the app
# tests/guest-disk/blk_disk.c (patterns, fsync, the end of the disk,
# partial blocks, 8 threads, EROFS, fsync counted as one FLUSH in
# /proc/diskstats); then the host finds the marker the app
# flushed in the disk file, and a second boot finds it too.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
export UNUM_KERNEL=$KERNEL
SRC=tests/guest-disk/blk_disk.c
musl-gcc -static -O2 -o "$TMP/blk-musl" "$SRC" -lpthread || fail "musl-gcc $SRC failed"
gcc -static -O2 -o "$TMP/blk-glibc" "$SRC" -lpthread || fail "gcc -static $SRC failed"
RW_SIZE=$((16 << 20))
RO_SIZE=$((1 << 20))
# the byte at offset o of pattern s, as blk_disk.c's pat()
PAT='def pat(o, s): return ((((o * 2654435761) & 0xffffffff) >> 13) ^ s ^ (o >> 9)) & 255'
python3 -c "$PAT
open('$TMP/ro.img', 'wb').write(bytes(pat(o, 0x5a) for o in range($RO_SIZE)))" ||
	fail "cannot write the read-only disk"

boot() { # PROG MODE TRANSPORT-RE UNUM-OPTIONS...
	local prog=$1 mode=$2 re=$3
	shift 3
	run "$UNUM" run "$TMP/$prog" --timeout 180 --cpus 2 -v --disk "$TMP/rw.img" \
		--disk "$TMP/ro.img,ro" "$@" -- "$mode" "$RW_SIZE" "$RO_SIZE"
	expect_status 0
	grep -q '^not ok' "$OUT" && fail "a case failed ($*: $mode)"
	grep -Eq '^1\.\.[0-9]+' "$OUT" || fail "no TAP plan ($*: $mode)"
	expect_err "vda: .*\\($re\\)" "the kernel did not log vda on $re"
	expect_err "vdb: .*\\($re\\)" "the kernel did not log vdb on $re"
	expect_err 'vda: .*KiB, flush' "vda did not negotiate FLUSH (fsync would send nothing)"
}

transport() { # NAME PROG TRANSPORT-RE UNUM-OPTIONS...
	local name=$1 prog=$2 re=$3
	shift 3
	rm -f "$TMP/rw.img"
	truncate -s "$RW_SIZE" "$TMP/rw.img"
	boot "$prog" first "$re" "$@"
	# the host reads what the guest flushed: the marker at the middle
	python3 -c "$PAT
f = open('$TMP/rw.img', 'rb'); off = $RW_SIZE // 2; f.seek(off)
b = f.read(65536)
bad = [i for i in range(65536) if b[i] != pat(off + i, 0x77)]
raise SystemExit('marker differs at +%d' % bad[0] if bad else 0)" ||
		fail "$name: the disk file does not hold the marker the guest wrote"
	[ "$(stat -c %s "$TMP/rw.img")" = "$RW_SIZE" ] || fail "$name: the disk file changed size"
	boot "$prog" second "$re" "$@"
}

transport microvm-mmio-v1 blk-musl 'mmio-v1'
transport microvm-mmio-v2 blk-glibc 'mmio-v2' --qemu -global --qemu virtio-mmio.force-legacy=false
transport q35-pci-modern blk-musl 'pci-modern' --machine q35
transport q35-pci-legacy blk-musl 'pci-legacy' --machine q35 \
	--qemu -global --qemu virtio-blk-pci.disable-modern=on
transport q35-pci-intx blk-glibc 'pci-modern' --machine q35 \
	--qemu -global --qemu virtio-blk-pci.vectors=0
expect_err 'INTx' "vectors=0: the kernel did not log an INTx line"
exit 0

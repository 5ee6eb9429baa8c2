#!/bin/bash
# The virtio devices under hardware KVM, on every transport: virtio-rng,
# virtio-blk and virtio-net on q35 PCI (modern with MSI-X, legacy on the
# INTx line) and on microvm MMIO version 1 and 2. rng and net run the
# in-guest cases of kernel-test.elf (tests/kernel/test_pci.c,
# test_virtio_rng.c, test_net.c) as tests/run's device boots do under TCG;
# blk runs the app tests/guest-disk/blk_disk.c on /dev/vda and /dev/vdb.
# E2E_ACCEL=tcg runs the same boots under TCG (to check this script on a
# machine without KVM; slow).
. "$(dirname "$0")/lib/e2e.sh"
ACCEL=${E2E_ACCEL:-kvm}
[ "$ACCEL" = kvm ] && { has_hw_kvm || skip "no hardware KVM"; }
need "$KERNEL_TEST"
need "$KERNEL"
MAC=52:54:00:12:34:56
MMIO2=(--qemu -global --qemu virtio-mmio.force-legacy=false)

ktest() { # WHAT UNUM-OPTIONS... -- KERNEL-ARGS: kernel-test.elf, no case fails
	local what=$1 opts=()
	shift
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	run "$UNUM" run "$KERNEL_TEST" --accel "$ACCEL" --timeout 600 "${opts[@]}" \
		--kernel-args "$*"
	expect_status 0
	grep -q '^not ok' "$OUT" && fail "$what: a case failed"
	grep -Eq '^ok [0-9]+ - [a-z_]+$' "$OUT" || fail "$what: no case ran"
}

# virtio-rng fed by a file of known bytes (as tests/run's rng_file)
rng_file() { # SEED -> $TMP/rng-SEED.bin
	python3 - "$1" "$TMP/rng-$1.bin" <<'EOF'
import sys
seed, m = int(sys.argv[1]), (1 << 64) - 1
x, out = (seed ^ 0x9e3779b97f4a7c15) & m, bytearray()
while len(out) < 16384:
    x ^= x >> 12
    x ^= (x << 25) & m
    x ^= x >> 27
    out += ((x * 0x2545f4914f6cdd1d) & m).to_bytes(8, "little")
open(sys.argv[2], "wb").write(out)
EOF
}
rng() { # NAME SEED TRANSPORT DEVICE UNUM-OPTIONS... -- KERNEL-ARGS
	local name=$1 seed=$2 tr=$3 dev=$4
	shift 4
	rng_file "$seed" || fail "cannot write the rng file"
	ktest "rng $name" --qemu -object --qemu "rng-random,filename=$TMP/rng-$seed.bin,id=r$seed" \
		--qemu -device --qemu "$dev,rng=r$seed" "$@" test.rngseed="$seed" test.virtio="$tr"
	grep -q '^ok .* virtio_rng_delivers_the_file$' "$OUT" ||
		fail "rng $name: no virtio_rng_delivers_the_file result"
}
rng pci-modern 31 pci-modern virtio-rng-pci --machine q35 -- \
	test.only=virtio test.virtio_pci=modern
rng pci-legacy-intx 32 pci-legacy virtio-rng-pci,addr=0x3,disable-modern=on,vectors=0 \
	--machine q35 -- test.only=virtio test.virtio_pci=legacy-intx
rng mmio-v1 33 mmio-v1 virtio-rng-device -- test.only=virtio_rng
rng mmio-v2 34 mmio-v2 virtio-rng-device "${MMIO2[@]}" -- test.only=virtio_rng

# virtio-net on QEMU user networking: ARP and DHCP with the gateway
net() { # NAME TRANSPORT IRQ DEVICE UNUM-OPTIONS...
	local name=$1 tr=$2 irq=$3 dev=$4
	shift 4
	ktest "net $name" --qemu -netdev --qemu user,id=n0 --qemu -device \
		--qemu "$dev,netdev=n0,mac=$MAC" "$@" -- test.only=net_ test.net=$MAC \
		test.virtio="$tr" test.net_hdr=12 ${irq:+test.net_irq=$irq}
	grep -q '^ok .* net_dhcp_offer$' "$OUT" || fail "net $name: no net_dhcp_offer result"
}
net pci-modern pci-modern msix virtio-net-pci --machine q35
net pci-legacy-intx pci-legacy intx virtio-net-pci,disable-modern=on,vectors=0 --machine q35
net mmio-v1 mmio-v1 "" virtio-net-device
net mmio-v2 mmio-v2 "" virtio-net-device "${MMIO2[@]}"

# virtio-blk: the app on a writable and a read-only disk (blk-disk.sh's)
SRC=tests/guest-disk/blk_disk.c
musl-gcc -static -O2 -o "$TMP/blk" "$SRC" -lpthread || fail "musl-gcc $SRC failed"
RW_SIZE=$((16 << 20))
RO_SIZE=$((1 << 20))
python3 -c "
def pat(o, s): return ((((o * 2654435761) & 0xffffffff) >> 13) ^ s ^ (o >> 9)) & 255
open('$TMP/ro.img', 'wb').write(bytes(pat(o, 0x5a) for o in range($RO_SIZE)))" ||
	fail "cannot write the read-only disk"
blk() { # NAME TRANSPORT UNUM-OPTIONS...
	local name=$1 tr=$2
	shift 2
	rm -f "$TMP/rw.img"
	truncate -s "$RW_SIZE" "$TMP/rw.img"
	run "$UNUM" run "$TMP/blk" --accel "$ACCEL" --timeout 600 --cpus 2 -v \
		--disk "$TMP/rw.img" --disk "$TMP/ro.img,ro" "$@" -- first "$RW_SIZE" "$RO_SIZE"
	expect_status 0
	grep -q '^not ok' "$OUT" && fail "blk $name: a case failed"
	grep -Eq '^1\.\.[0-9]+' "$OUT" || fail "blk $name: no TAP plan"
	expect_err "vda: .*\\($tr\\)" "blk $name: the kernel did not log vda on $tr"
}
blk pci-modern pci-modern --machine q35
blk pci-legacy-intx pci-legacy --machine q35 --qemu -global \
	--qemu virtio-blk-pci.disable-modern=on --qemu -global --qemu virtio-blk-pci.vectors=0
blk mmio-v1 mmio-v1
blk mmio-v2 mmio-v2 "${MMIO2[@]}"
exit 0

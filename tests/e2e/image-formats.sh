#!/bin/bash
# tools/unum image --format (docs/apps.md), on apps/hello's manifest:
# qcow2 boots with plain QEMU (format=qcow2); the libvirt domain XML
# validates with virt-xml-validate (a broken one does not), and the
# kernel, initrd and command line it names boot with QEMU on q35; the
# Firecracker config's kernel, initrd and boot_args boot under QEMU
# microvm (Firecracker itself needs hardware KVM and is not in Debian).
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
need_app hello
export UNUM_KERNEL=$KERNEL BUILD=$B
M=apps/hello/manifest
booted() { # the console of a boot that ended by itself
	[ "$rc" != 124 ] || fail "QEMU still running after ${BOOT_TIMEOUT}s"
	grep -aqF 'Hello from unum!' "$OUT" || fail "the console has no 'Hello from unum!'"
	grep -aqF 'unum: exit 0' "$OUT" || fail "the console has no exit record 'unum: exit 0'"
}

run "$UNUM" image --format qcow2 -o "$TMP/hello.qcow2" --manifest $M
expect_status 0
[ "$(qemu-img info --output=json "$TMP/hello.qcow2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["format"])')" = qcow2 ] ||
	fail "qemu-img info: not a qcow2 image"
run timeout "$BOOT_TIMEOUT" "$QEMU" -M q35 -display none -serial stdio \
	-drive file="$TMP/hello.qcow2",format=qcow2
booted
expect_status 0

command -v virt-xml-validate >/dev/null || fail "virt-xml-validate missing (tools/deps.sh installs libvirt-clients)"
command -v xmllint >/dev/null || fail "xmllint missing (tools/deps.sh installs libxml2-utils)"
run "$UNUM" image --format libvirt -o "$TMP/hello.xml" --manifest $M
expect_status 0
for f in hello.kernel hello.initrd; do [ -s "$TMP/$f" ] || fail "no $TMP/$f beside the XML"; done
run virt-xml-validate "$TMP/hello.xml" domain
expect_status 0
sed 's/<memory unit=.MiB.>/<memory unit="bogus">/' "$TMP/hello.xml" >"$TMP/broken.xml"
run virt-xml-validate "$TMP/broken.xml" domain
[ "$rc" != 0 ] || fail "virt-xml-validate accepted a memory unit 'bogus'"
xp() { xmllint --xpath "string($1)" "$TMP/hello.xml"; }
kernel=$(xp /domain/os/kernel) initrd=$(xp /domain/os/initrd) cmdline=$(xp /domain/os/cmdline)
mem=$(xp /domain/memory) machine=$(xp /domain/os/type/@machine)
[ "$kernel" = "$TMP/hello.kernel" ] && [ "$initrd" = "$TMP/hello.initrd" ] ||
	fail "the XML names kernel '$kernel', initrd '$initrd'"
[ "$mem" = 32 ] || fail "memory $mem MiB, expected the manifest's 32"
run timeout "$BOOT_TIMEOUT" "$QEMU" -M "$machine" -m "${mem}M" -display none -nodefaults \
	-serial stdio -kernel "$kernel" -initrd "$initrd" -append "$cmdline"
booted
expect_status 0 # ACPI S5

run "$UNUM" image --format firecracker -o "$TMP/hello.json" --manifest $M
expect_status 0
read -r kernel initrd mem cpus < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["boot-source"]["kernel_image_path"], d["boot-source"]["initrd_path"],
      d["machine-config"]["mem_size_mib"], d["machine-config"]["vcpu_count"])' "$TMP/hello.json")
boot_args=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["boot-source"]["boot_args"])' "$TMP/hello.json")
[ "$kernel" = "$TMP/hello.kernel" ] || fail "kernel_image_path is '$kernel'"
# microvm powers off through the debug-exit port (QEMU exits 2*status+1)
run timeout "$BOOT_TIMEOUT" "$QEMU" -M microvm -m "${mem}M" -smp "$cpus" -display none \
	-nodefaults -no-reboot -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
	-kernel "$kernel" -initrd "$initrd" -append "$boot_args"
booted
exit 0

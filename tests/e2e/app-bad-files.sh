#!/bin/bash
# tools/unum run APP for an APP that cannot run: 127 when missing, 126 for
# empty, not an ELF, a directory, another architecture, a shared library, a
# truncated ELF or an unknown dynamic linker: one "unum: APP: WHY" line on
# stderr, and QEMU never started (UNUM_QEMU: a stand-in that leaves a mark).
. "$(dirname "$0")/lib/e2e.sh"
printf '#!/bin/sh\ntouch "%s/qemu-ran"\nexit 1\n' "$TMP" >"$TMP/qemu"
chmod +x "$TMP/qemu"
# No kernel either: a bad APP must be refused before one is looked for.
export UNUM_QEMU="$TMP/qemu" UNUM_KERNEL="$TMP/no-kernel.elf"

refused() { # STATUS FILE WHY [REGEX] (WHY: the text after "FILE: ")
	run "$UNUM" run "$2" --timeout "$BOOT_TIMEOUT" -- arg
	expect_status "$1"
	[ ! -e "$TMP/qemu-ran" ] || fail "QEMU was started"
	[ "$(wc -l <"$ERR")" = 1 ] || fail "expected one line on stderr"
	if [ $# = 4 ]; then
		grep -qF "unum: $2: " "$ERR" && grep -qE -- "$4" "$ERR" ||
			fail "expected: unum: $2: $3"
	else
		grep -qxF "unum: $2: $3" "$ERR" || fail "expected: unum: $2: $3"
	fi
}

# patch FILE OFFSET BYTES (printf escapes): overwrite in place
patch() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

refused 127 "$TMP/no-such-app" "not found"
: >"$TMP/empty"
refused 126 "$TMP/empty" "empty file"
echo "hello, world" >"$TMP/text"
refused 126 "$TMP/text" "not an ELF or a disk image"
mkdir "$TMP/dir"
refused 126 "$TMP/dir" "is a directory"

cp /bin/true "$TMP/arm"
patch "$TMP/arm" 18 '\267\000' # e_machine 183
refused 126 "$TMP/arm" "ELF for another architecture (ARM aarch64)"
cp /bin/true "$TMP/i386"
patch "$TMP/i386" 4 '\001' # ELFCLASS32
patch "$TMP/i386" 18 '\003\000'
refused 126 "$TMP/i386" "ELF for another architecture (Intel 80386, 32-bit)"

printf 'int f(int x) { return x + 1; }\n' >"$TMP/lib.c"
gcc -shared -fPIC -o "$TMP/lib.so" "$TMP/lib.c" || fail "gcc -shared failed"
refused 126 "$TMP/lib.so" "a shared library, not a program (no PT_INTERP, no DF_1_PIE, no entry point in its code)"

head -c 4096 /bin/true >"$TMP/cut"
refused 126 "$TMP/cut" "truncated ELF (PT_LOAD segment N past the end of the file: p_offset + p_filesz)" \
	': truncated ELF \(PT_LOAD segment [0-9]+ past the end of the file: p_offset \+ p_filesz\)$'
head -c 100 /bin/true >"$TMP/cut-headers"
refused 126 "$TMP/cut-headers" "truncated ELF (program headers past the end of the file: e_phoff + e_phnum * e_phentsize)"

cp /bin/true "$TMP/ld-other"
interp=$(grep -obUaF ld-linux-x86-64.so.2 "$TMP/ld-other" | head -1 | cut -d: -f1)
[ -n "$interp" ] || fail "/bin/true has no glibc PT_INTERP"
patch "$TMP/ld-other" "$interp" 'ld-other'
refused 126 "$TMP/ld-other" \
	"dynamically linked with an unsupported interpreter /lib64/ld-other-x86-64.so.2 (glibc's and musl's run)"

if [ "$(id -u)" != 0 ]; then # root reads anything
	cp /bin/true "$TMP/unreadable"
	chmod 0 "$TMP/unreadable"
	refused 126 "$TMP/unreadable" "cannot read: Permission denied"
fi

# Not a regular file: refused at once, never opened to wait on (a FIFO
# with no writer would block an open for reading forever).
mkfifo "$TMP/fifo"
run timeout 30 "$UNUM" run "$TMP/fifo"
[ "$rc" != 124 ] || fail "tools/unum blocked on a FIFO"
refused 126 "$TMP/fifo" "not a regular file (a FIFO)"
refused 126 /dev/null "not a regular file (a character device)"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/sock" ||
	fail "cannot make a socket"
refused 126 "$TMP/sock" "not a regular file (a socket)"
ln -s fifo "$TMP/fifo-link"
refused 126 "$TMP/fifo-link" "not a regular file (a FIFO)"

# Disk images: the boot signature alone does not make one. mbr FILE
# STATUS TYPE START: a 64 KiB image, boot code 0x90s (none when STATUS
# is z), one MBR partition.
mbr() {
	python3 - "$@" <<-'EOF'
		import struct, sys
		path, status, typ, start = sys.argv[1:]
		d = bytearray(65536)
		if status != "z":
		    d[:440] = b"\x90" * 440
		    struct.pack_into("<B3xB3xII", d, 446, int(status, 0), int(typ, 0), int(start), 16)
		d[510:512] = b"\x55\xaa"
		open(path, "wb").write(d)
	EOF
}
mbr "$TMP/zero.img" z 0 0
refused 126 "$TMP/zero.img" "not a bootable disk image (no boot loader: the MBR's boot code is all zeroes)"
mbr "$TMP/status.img" 0x21 0x83 1
refused 126 "$TMP/status.img" "not a bootable disk image (no valid partition table: MBR partition 1 has status 0x21)"
mbr "$TMP/empty.img" 0x80 0 0
refused 126 "$TMP/empty.img" "not a bootable disk image (no valid partition table: all four MBR entries are empty)"
mbr "$TMP/far.img" 0x80 0x83 999
refused 126 "$TMP/far.img" "not a bootable disk image (no valid partition table: MBR partition 1 starts at sector 999, outside the image)"
mbr "$TMP/gpt.img" 0x00 0xee 1
refused 126 "$TMP/gpt.img" "not a bootable disk image (a protective MBR but no GPT header at LBA 1)"
printf 'EFI PART\000\000\001\000\134\000\000\000\001\002\003\004' |
	dd of="$TMP/gpt.img" bs=1 seek=512 conv=notrunc status=none
refused 126 "$TMP/gpt.img" "not a bootable disk image (a protective MBR but the GPT header's CRC is wrong)"
python3 -c 'import struct, sys, zlib
f = open(sys.argv[1], "r+b"); f.seek(512); h = bytearray(f.read(92)); h[16:20] = bytes(4)
struct.pack_into("<I", h, 16, zlib.crc32(h)); f.seek(512); f.write(h)' "$TMP/gpt.img"
run "$UNUM" run "$TMP/gpt.img" --timeout "$BOOT_TIMEOUT"
[ -e "$TMP/qemu-ran" ] || fail "an image with a GPT header whose CRC is right was not booted"
rm "$TMP/qemu-ran"
head -c 65536 /dev/urandom >"$TMP/garbage.img"
printf '\125\252' | dd of="$TMP/garbage.img" bs=1 seek=510 conv=notrunc status=none
printf '\041' | dd of="$TMP/garbage.img" bs=1 seek=446 conv=notrunc status=none
refused 126 "$TMP/garbage.img" "not a bootable disk image (no valid partition table: MBR partition 1 has status 0x21)"
# one BIOS would boot is booted (the stand-in QEMU leaves its mark)
mbr "$TMP/good.img" 0x80 0x83 1
run "$UNUM" run "$TMP/good.img" --timeout "$BOOT_TIMEOUT"
[ -e "$TMP/qemu-ran" ] || fail "a good image was not booted"
rm "$TMP/qemu-ran"

# A good app gets past these checks: then the missing kernel is the error.
run "$UNUM" run /bin/true
expect_status 125
[ ! -e "$TMP/qemu-ran" ] || fail "QEMU was started"
expect_err "^unum: panic: no kernel to run the app: $TMP/no-kernel.elf: not found"
exit 0

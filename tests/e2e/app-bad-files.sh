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

# A good app gets past these checks: then the missing kernel is the error.
run "$UNUM" run /bin/true
expect_status 125
[ ! -e "$TMP/qemu-ran" ] || fail "QEMU was started"
expect_err "^unum: panic: no kernel to run the app: $TMP/no-kernel.elf: not found"
exit 0

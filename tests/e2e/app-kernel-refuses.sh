#!/bin/bash
# The kernel's own refusals (loader/elf.c, loader/app.c), which tools/unum's
# host-side checks (tests/e2e/app-bad-files.sh) otherwise hide: a file that
# cannot run is packed as /app/NAME by tests/e2e/lib/mkinitrd.py (tools/unum's
# writer, without its checks) and the kernel booted with that initrd. Each
# ends with 126 (127 for a missing /app/NAME) and exactly one line
# "unum: /app/NAME: cannot run: WHY" on stderr, and nothing runs.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
command -v musl-gcc >/dev/null || fail "musl-gcc missing (tools/deps.sh installs musl-tools)"
printf '#include <unistd.h>\nint main(void) { write(1, "ran\\n", 4); return 7; }\n' >"$TMP/prog.c"
musl-gcc -static -o "$TMP/prog" "$TMP/prog.c" || fail "musl-gcc -static failed"

boot() { # boot FILE [--no-app]: the kernel with FILE packed as /app/NAME
	python3 tests/e2e/lib/mkinitrd.py ${2:-} "$TMP/initrd.cpio" "$1" arg ||
		fail "mkinitrd.py failed"
	run "$UNUM" run "$KERNEL" --timeout "$BOOT_TIMEOUT" --qemu -initrd --qemu "$TMP/initrd.cpio"
}

refused() { # refused STATUS FILE WHY-REGEX [--no-app]
	local name
	name=$(basename "$2")
	boot "$2" "${4:-}"
	expect_status "$1"
	expect_err "^unum: /app/$name: cannot run: $3\$" \
		"stderr has no line \"unum: /app/$name: cannot run: \" matching /$3/"
	[ "$(grep -c 'cannot run' "$ERR")" = 1 ] || fail "expected one 'cannot run' line"
	if grep -qx ran "$OUT"; then fail "something ran"; fi
}

# patch FILE OFFSET BYTES (printf escapes): overwrite in place
patch() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

# the control: the same program, whole, runs from such an initrd
boot "$TMP/prog"
expect_status 7
grep -qx ran "$OUT" || fail "the program did not run"

refused 127 "$TMP/prog" 'not found' --no-app
: >"$TMP/empty"
refused 126 "$TMP/empty" 'empty file'
echo "hello, world" >"$TMP/text"
refused 126 "$TMP/text" 'not an ELF( file)?'

cp "$TMP/prog" "$TMP/arm"
patch "$TMP/arm" 18 '\267\000' # e_machine 183, aarch64
refused 126 "$TMP/arm" 'ELF for another architecture.*'
cp "$TMP/prog" "$TMP/i386"
patch "$TMP/i386" 4 '\001' # ELFCLASS32
patch "$TMP/i386" 18 '\003\000'
refused 126 "$TMP/i386" 'ELF for another architecture.*'

printf 'int f(int x) { return x + 1; }\n' >"$TMP/lib.c"
gcc -shared -fPIC -nostdlib -o "$TMP/lib.so" "$TMP/lib.c" || fail "gcc -shared failed"
refused 126 "$TMP/lib.so" 'a shared library, not a program'
gcc -c -o "$TMP/obj.o" "$TMP/lib.c" || fail "gcc -c failed"
refused 126 "$TMP/obj.o" 'not an executable \(ELF type\)'

head -c 100 "$TMP/prog" >"$TMP/cut-headers" # the program headers start at 64
refused 126 "$TMP/cut-headers" 'truncated ELF \(program headers past the end of the file: e_phoff \+ e_phnum \* e_phentsize\)'
head -c 4096 "$TMP/prog" >"$TMP/cut" # headers whole, the segments cut off
refused 126 "$TMP/cut" 'truncated ELF \(PT_LOAD segment [0-9]+ past the end of the file: p_offset \+ p_filesz\)'
exit 0

#!/bin/bash
# Crafted ELF files (tests/e2e/lib/craft_elf.py: a good static program with
# one header field made wrong per file: counts, offsets and sizes that run
# past the end or wrap around 2^64, addresses outside the app's half,
# overlapping segments, a bad p_align, an entry point outside the code,
# broken PT_INTERP and PT_DYNAMIC). Each is refused with 126 and the same
# reason, which names the field, twice: by the kernel's own loader, booted
# with an initrd made by tests/e2e/lib/mkinitrd.py (no host-side checks),
# and by tools/unum run before QEMU starts. Nothing runs. Then a program
# whose two segments share a page (allowed) runs, as on Linux.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
command -v musl-gcc >/dev/null || fail "musl-gcc missing (tools/deps.sh installs musl-tools)"
printf '#include <unistd.h>\nint main(void) { write(1, "ran\\n", 4); return 7; }\n' >"$TMP/prog.c"
musl-gcc -static -o "$TMP/prog" "$TMP/prog.c" || fail "musl-gcc -static failed"
mkdir "$TMP/bad"
python3 tests/e2e/lib/craft_elf.py "$TMP/prog" "$TMP/bad" >"$TMP/list" || fail "craft_elf.py failed"
[ "$(wc -l <"$TMP/list")" -ge 20 ] || fail "craft_elf.py made $(wc -l <"$TMP/list") files, expected 20 or more"

printf '#!/bin/sh\ntouch "%s/qemu-ran"\nexit 1\n' "$TMP" >"$TMP/qemu"
chmod +x "$TMP/qemu"

boot() { # boot FILE: the kernel with FILE packed as /app/NAME
	python3 tests/e2e/lib/mkinitrd.py "$TMP/initrd.cpio" "$1" ||
		fail "mkinitrd.py failed"
	run "$UNUM" run "$KERNEL" --timeout "$BOOT_TIMEOUT" --qemu -initrd --qemu "$TMP/initrd.cpio"
}

while IFS=$'\t' read -r name why; do
	boot "$TMP/bad/$name"
	[ "$rc" = 126 ] || fail "$name: the kernel: expected status 126, got $rc"
	grep -qxF "unum: /app/$name: cannot run: $why" "$ERR" ||
		fail "$name: the kernel: expected the line: unum: /app/$name: cannot run: $why"
	if grep -qx ran "$OUT"; then fail "$name: the kernel ran it"; fi

	UNUM_QEMU="$TMP/qemu" run "$UNUM" run "$TMP/bad/$name"
	[ "$rc" = 126 ] || fail "$name: tools/unum: expected status 126, got $rc"
	[ ! -e "$TMP/qemu-ran" ] || fail "$name: tools/unum started QEMU"
	[ "$(cat "$ERR")" = "unum: $TMP/bad/$name: $why" ] ||
		fail "$name: tools/unum: expected the one line: unum: $TMP/bad/$name: $why"
done <"$TMP/list"

python3 tests/e2e/lib/craft_elf.py --shared-page "$TMP/shared" || fail "craft_elf.py failed"
boot "$TMP/shared"
[ "$rc" = 10 ] || fail "shared page, from the initrd: expected status 10, got $rc"
run "$UNUM" run "$TMP/shared" --timeout "$BOOT_TIMEOUT"
[ "$rc" = 10 ] || fail "shared page, through tools/unum: expected status 10, got $rc"
exit 0

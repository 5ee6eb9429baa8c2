#!/bin/bash
# A broken initrd (cpio newc, core/fs/initrd.c) ends the boot with status 125
# and one "unum: panic: initrd: WHY" line naming what is wrong: a bad magic,
# a header field that is not hex, a name size past the end, an archive cut
# inside a header and one cut inside a file's data. The archive is the one
# tools/unum packs (tests/e2e/lib/mkinitrd.py), damaged, and given to the
# kernel with QEMU's -initrd; unharmed, the same archive runs the app.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
command -v musl-gcc >/dev/null || fail "musl-gcc missing (tools/deps.sh installs musl-tools)"
printf '#include <unistd.h>\nint main(void) { write(1, "ran\\n", 4); return 7; }\n' >"$TMP/prog.c"
musl-gcc -static -o "$TMP/prog" "$TMP/prog.c" || fail "musl-gcc failed"
python3 tests/e2e/lib/mkinitrd.py "$TMP/good.cpio" "$TMP/prog" || fail "mkinitrd.py failed"
size=$(stat -c %s "$TMP/good.cpio")

boot() { # boot INITRD: the kernel with INITRD as its initrd
	run "$UNUM" run "$KERNEL" --timeout "$BOOT_TIMEOUT" --qemu -initrd --qemu "$1"
}

# patch FILE OFFSET TEXT: overwrite in place
patch() { printf '%s' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

broken() { # broken FILE REGEX (what follows "unum: panic: initrd: ")
	boot "$1"
	expect_status 125
	expect_err "^unum: panic: initrd: $2\$"
	[ "$(grep -c '^unum: panic:' "$ERR")" = 1 ] || fail "expected one unum: panic: line"
	if grep -qx ran "$OUT"; then fail "the app ran from a broken initrd"; fi
}

# the control: the archive as written boots and runs the app
boot "$TMP/good.cpio"
expect_status 7
grep -qx ran "$OUT" || fail "the app did not run from the good archive"

# the first member's header (the folder app) starts at byte 0
cp "$TMP/good.cpio" "$TMP/magic.cpio"
patch "$TMP/magic.cpio" 0 070707 # the old portable format, not newc
broken "$TMP/magic.cpio" 'bad header magic at byte 0 \(not cpio newc\)'

cp "$TMP/good.cpio" "$TMP/field.cpio"
patch "$TMP/field.cpio" 14 g # c_mode, the second field: 6 + 8
broken "$TMP/field.cpio" 'bad header field at byte 14'

cp "$TMP/good.cpio" "$TMP/namesize.cpio"
patch "$TMP/namesize.cpio" 94 FFFFFFFF # c_namesize: 6 + 8 * 11
broken "$TMP/namesize.cpio" 'bad or truncated name at byte 110'

head -c 50 "$TMP/good.cpio" >"$TMP/cut-header.cpio"
broken "$TMP/cut-header.cpio" 'truncated: header at byte 0 runs past the end \(50 bytes\)'

# cut in the middle of the program's data (the program is most of it)
head -c $((size / 2)) "$TMP/good.cpio" >"$TMP/cut-data.cpio"
broken "$TMP/cut-data.cpio" 'truncated: app/prog needs [0-9]+ bytes, [0-9]+ left'

# no trailer: the archive ends cleanly after a member
members_end=$(grep -obUaF 'TRAILER!!!' "$TMP/good.cpio" | cut -d: -f1)
[ -n "$members_end" ] || fail "no TRAILER!!! in the archive"
head -c $((members_end - 110)) "$TMP/good.cpio" >"$TMP/no-trailer.cpio"
broken "$TMP/no-trailer.cpio" \
	"truncated: header at byte $((members_end - 110)) runs past the end \\($((members_end - 110)) bytes\\)"
exit 0

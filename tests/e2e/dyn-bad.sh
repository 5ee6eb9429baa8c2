#!/bin/bash
# Dynamic programs that cannot start: a library missing from the host (127
# from tools/unum with its name and the program that needs it, before QEMU
# starts), an interpreter missing from the host (127 likewise); and the
# kernel's own refusals (loader/elf.c), each one line "unum: /app/NAME:
# cannot run: interpreter PATH: WHY": an interpreter missing from the image
# (127), truncated (126), not an ELF (126), for another architecture (126).
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
# relative: a program given by an absolute path keeps it in the guest
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn")
need "$D/glibc/dyn_main" guest-apps
need "$D/glibc/dyn_hello" guest-apps
printf '#!/bin/sh\ntouch "%s/qemu-ran"\nexit 1\n' "$TMP" >"$TMP/qemu"
chmod +x "$TMP/qemu"

no_qemu() { # no_qemu STATUS LINE FILE [ARGS]: tools/unum refuses FILE
	local status=$1 line=$2
	shift 2
	UNUM_QEMU="$TMP/qemu" run "$UNUM" run "$@"
	expect_status "$status"
	[ ! -e "$TMP/qemu-ran" ] || fail "tools/unum started QEMU"
	[ "$(cat "$ERR")" = "$line" ] || fail "expected the one line: $line"
}

cp "$D/glibc/dyn_main" "$TMP/dyn_main" # without libdyntls.so beside it
no_qemu 127 "unum: library libdyntls.so not found (needed by $TMP/dyn_main)" "$TMP/dyn_main"
# given by a relative path, the program is /app/NAME
(cd "$TMP" && UNUM_QEMU="$TMP/qemu" "$ROOT/$UNUM" run dyn_main) 2>"$TMP/rel-err" && fail "dyn_main ran"
[ "$(cat "$TMP/rel-err")" = "unum: library libdyntls.so not found (needed by /app/dyn_main)" ] ||
	fail "relative path: expected the one line: unum: library libdyntls.so not found (needed by /app/dyn_main); got: $(cat "$TMP/rel-err")"

cp "$D/glibc/dyn_hello" "$TMP/nointerp"
off=$(grep -obUaF /lib64/ld-linux-x86-64.so.2 "$TMP/nointerp" | head -1 | cut -d: -f1)
[ -n "$off" ] || fail "dyn_hello has no glibc PT_INTERP"
printf '/nodir/' | dd of="$TMP/nointerp" bs=1 seek="$off" conv=notrunc status=none
no_qemu 127 "unum: interpreter /nodir/ld-linux-x86-64.so.2 not found (needed by $TMP/nointerp)" "$TMP/nointerp"

# the kernel's view: the interpreter left out of the image
python3 tests/e2e/lib/mkinitrd.py --no-closure "$TMP/initrd.cpio" "$D/glibc/dyn_hello" ||
	fail "mkinitrd.py failed"
run "$UNUM" run "$KERNEL" --timeout "$BOOT_TIMEOUT" --qemu -initrd --qemu "$TMP/initrd.cpio"
expect_status 127
expect_err '^unum: /app/dyn_hello: cannot run: interpreter /lib64/ld-linux-x86-64.so.2: not found$'
if grep -q hello "$OUT"; then fail "something ran"; fi

bad_interp() { # bad_interp FILE WHY: FILE as the interpreter, refused with WHY
	run "$UNUM" run "$D/glibc/dyn_hello" --add "$1:/lib64/ld-linux-x86-64.so.2" \
		--timeout "$BOOT_TIMEOUT"
	expect_status 126
	grep -qxF "unum: /app/dyn_hello: cannot run: interpreter /lib64/ld-linux-x86-64.so.2: $2" "$ERR" ||
		fail "expected the line: unum: /app/dyn_hello: cannot run: interpreter /lib64/ld-linux-x86-64.so.2: $2"
	[ "$(grep -c 'cannot run' "$ERR")" = 1 ] || fail "expected one 'cannot run' line"
	if grep -q hello "$OUT"; then fail "something ran"; fi
}
ld=$(readlink -f /lib64/ld-linux-x86-64.so.2)
head -c 3000 "$ld" >"$TMP/ld-cut"
bad_interp "$TMP/ld-cut" "truncated ELF (PT_LOAD segment 0 past the end of the file: p_offset + p_filesz)"
echo "not a linker" >"$TMP/ld-text"
bad_interp "$TMP/ld-text" "not an ELF file"
cp "$ld" "$TMP/ld-arm"
printf '\267\000' | dd of="$TMP/ld-arm" bs=1 seek=18 conv=notrunc status=none
bad_interp "$TMP/ld-arm" "ELF for another architecture (not x86-64)"
exit 0

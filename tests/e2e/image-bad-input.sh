#!/bin/bash
# tools/unum image refuses bad input with one "unum: " line, the status
# of its --help (127 FILE not found, 126 FILE not a runnable app, 2 usage,
# 1 the image cannot be written), and leaves no file behind, partial or
# temporary.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
export UNUM_KERNEL=$KERNEL
musl-gcc -static -O2 -o "$TMP/prog" -x c - <<<'int main(void) { return 0; }' ||
	fail "musl-gcc failed"
echo "not a program" >"$TMP/text"
mkdir "$TMP/dest"

# bad STATUS REGEX ARGS...: the image goes to $TMP/dest unless ARGS say -o
bad() {
	local want=$1 re=$2
	shift 2
	run "$UNUM" image "$@"
	expect_status "$want"
	[ "$(wc -l <"$ERR")" = 1 ] || fail "expected one line on stderr"
	expect_err "^unum: $re"
	[ -z "$(ls -A "$TMP/dest")" ] || fail "left in the output folder: $(ls -A "$TMP/dest")"
}

bad 127 "$TMP/missing: not found" -o "$TMP/dest/x.img" "$TMP/missing"
bad 126 "$TMP/text: not an ELF" -o "$TMP/dest/x.img" "$TMP/text"
bad 126 "$TMP/dest/../text: not an ELF" -o "$TMP/dest/x.img" "$TMP/dest/../text"
bad 126 "$KERNEL: a unum kernel, not a Linux program" -o "$TMP/dest/x.img" "$KERNEL"
bad 1 "/nonexistent/x.img: cannot write: No such file or directory" \
	-o /nonexistent/x.img "$TMP/prog"
bad 1 "$TMP/dest: is a directory" -o "$TMP/dest" "$TMP/prog"
bad 2 "image: needs -o IMAGE" "$TMP/prog"
bad 2 "image: needs a FILE" -o "$TMP/dest/x.img"
bad 2 "--mem: a run option, not for image" -o "$TMP/dest/x.img" --mem 1G "$TMP/prog"
bad 2 "--kernel-args: 'a=\"b\"'" -o "$TMP/dest/x.img" --kernel-args 'a="b"' "$TMP/prog"
bad 2 "--add $TMP/missing: not found" -o "$TMP/dest/x.img" --add "$TMP/missing" "$TMP/prog"
bad 2 "--bogus: unknown option" -o "$TMP/dest/x.img" --bogus "$TMP/prog"
UNUM_KERNEL=$TMP/missing bad 1 "no kernel to run the app" -o "$TMP/dest/x.img" "$TMP/prog"

# A read-only folder: root writes through permission bits, so make a
# read-only bind mount in a mount namespace of our own when we can.
mkdir "$TMP/ro"
if [ "$(id -u)" != 0 ]; then
	chmod 555 "$TMP/ro"
	run "$UNUM" image -o "$TMP/ro/x.img" "$TMP/prog"
elif unshare -rm true 2>/dev/null; then
	run unshare -rm sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" &&
		exec "$2" image -o "$1/x.img" "$3"' sh "$TMP/ro" "$UNUM" "$TMP/prog"
else
	skip "no read-only folder to test (root, and no mount namespace)"
fi
expect_status 1
[ "$(wc -l <"$ERR")" = 1 ] || fail "expected one line on stderr"
expect_err "^unum: $TMP/ro/x.img: cannot write: (Read-only file system|Permission denied)$"
[ -z "$(ls -A "$TMP/ro")" ] || fail "left in the read-only folder: $(ls -A "$TMP/ro")"
exit 0

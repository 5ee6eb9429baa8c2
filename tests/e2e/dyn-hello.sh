#!/bin/bash
# Dynamically linked C programs run unmodified through their own
# interpreter (loader/elf.c, DESIGN.md "Loader"), with the library closure
# tools/unum copies from the host (tools/pyunum/closure.py): a hello built
# with gcc (glibc's /lib64/ld-linux-x86-64.so.2, PIE and -no-pie) and with
# musl-gcc (/lib/ld-musl-x86_64.so.1: the kernel's musl, no file in the image).
# Each prints its argv[0], what /proc/self/exe names and its auxv's view of
# the interpreter; given by an absolute path, the program keeps that path in
# the guest (/proc/self/exe) while argv[0] stays /app/NAME; -v says what was
# added; the exit status comes through.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
# relative: a program given by an absolute path keeps it in the guest
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn")
for f in glibc/dyn_hello glibc/dyn_hello-nopie musl/dyn_hello; do
	need "$D/$f" guest-apps
done

hello() { # hello FILE [ARGS]: run it, check the hello lines (exe: $2)
	local name
	name=$(basename "$1")
	run "$UNUM" run "$1" --timeout "$BOOT_TIMEOUT" ${3:+-- "$3"}
	expect_status "${4:-0}"
	printf 'hello, dynamic world\nargv[0] /app/%s\nexe %s\nAT_BASE set\nAT_ENTRY is _start\n' \
		"$name" "$2" >"$TMP/want"
	diff "$TMP/want" "$OUT" >"$TMP/diff" || fail "$1: stdout differs from the expected (< expected, > got): $(cat "$TMP/diff")"
}

hello "$D/glibc/dyn_hello" /app/dyn_hello
hello "$D/glibc/dyn_hello-nopie" /app/dyn_hello-nopie
hello "$D/musl/dyn_hello" /app/dyn_hello
abs=$(realpath "$D/glibc/dyn_hello")
hello "$abs" "$abs" x 5

run "$UNUM" run -v "$D/glibc/dyn_hello" --timeout "$BOOT_TIMEOUT"
expect_status 0
expect_err '^unum: added /lib64/ld-linux-x86-64.so.2 \(needed by /app/dyn_hello\)$'
expect_err '^unum: added /lib/x86_64-linux-gnu/libc.so.6 \(needed by /app/dyn_hello\)$'
run "$UNUM" run -v "$D/musl/dyn_hello" --timeout "$BOOT_TIMEOUT"
expect_status 0
expect_no_err '^unum: added .*ld-musl' # the kernel's own (loader/dynlink.c)
expect_no_err '^unum: added .*libc\.so'
exit 0

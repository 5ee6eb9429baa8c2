#!/bin/bash
# The app's arguments and environment arrive whole while they fit Linux's
# execve limits (100,000 arguments: argc and a checksum of every byte, as
# the app sees them), and beyond those limits (one string over
# MAX_ARG_STRLEN, 128 KiB with its NUL; a total over a quarter of the
# 8 MiB stack limit) the app is refused with 126 and "argument list too
# long (N bytes, limit M)": by tools/unum before QEMU starts, and by the
# kernel's loader when the initrd is made without tools/unum's checks
# (tests/e2e/lib/mkinitrd.py). The too-long lists are passed to tools/unum
# and mkinitrd.py in-process: the host's own execve would refuse them.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
command -v musl-gcc >/dev/null || fail "musl-gcc missing (tools/deps.sh installs musl-tools)"
cat >"$TMP/sum.c" <<'EOF'
#include <stdio.h>
/* argc, envc and FNV-1a (64-bit) over every argument and environment
 * string from argv[1] on, each with its NUL */
int main(int argc, char **argv, char **envp)
{
	unsigned long long h = 14695981039346656037ull;
	int envc = 0;
	for (int i = 1; i < argc; i++)
		for (char *p = argv[i];; p++) {
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
			if (!*p)
				break;
		}
	for (; envp[envc]; envc++)
		for (char *p = envp[envc];; p++) {
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
			if (!*p)
				break;
		}
	printf("%d %d %llx\n", argc, envc, h);
	return 0;
}
EOF
musl-gcc -static -O2 -o "$TMP/sum" "$TMP/sum.c" || fail "musl-gcc failed"

# fnv ARGS...: what sum prints for these arguments and an empty environment
fnv() {
	python3 - "$@" <<-'EOF'
		import sys
		h = 14695981039346656037
		for a in sys.argv[1:]:
		    for b in a.encode() + b"\0":
		        h = ((h ^ b) * 1099511628211) % (1 << 64)
		print(len(sys.argv), 0, "%x" % h)
	EOF
}

# 100,000 arguments, through a real command line
mapfile -t args < <(seq 100000)
run "$UNUM" run "$TMP/sum" --timeout "$BOOT_TIMEOUT" -- "${args[@]}"
expect_status 0
want=$(fnv "${args[@]}")
[ "$(cat "$OUT")" = "$want" ] || fail "100,000 arguments: expected \"$want\", got \"$(cat "$OUT")\""
# and environment strings count too: 5,000 of them
mapfile -t envs < <(seq -f 'V%g=x' 5000)
run "$UNUM" run "$TMP/sum" --timeout "$BOOT_TIMEOUT" "${envs[@]/#/--env=}" -- a
expect_status 0
[ "$(cut -d' ' -f1,2 "$OUT")" = "2 5000" ] || fail "5,000 --env: expected argc 2, envc 5000"

# in-process: tools/unum run (or mkinitrd.py) with what python code $2 makes
py_unum() { # py_unum MODULE-CALL ARGS-EXPR
	python3 - "$TMP" <<-EOF
		import sys
		sys.dont_write_bytecode = True
		sys.path[:0] = ["tools", "tests/e2e/lib"]
		tmp = sys.argv[1]
		args = $2
		$1
	EOF
}
unum_args() { # unum_args ARGS-EXPR: tools/unum run sum -- ARGS
	rc=0
	py_unum 'from pyunum import cli; sys.exit(cli.main(["run", tmp + "/sum", "--timeout", "60", "--"] + args))' \
		"$1" >"$OUT" 2>"$ERR" || rc=$?
	cmd="tools/unum run sum -- $1"
}
kernel_args() { # kernel_args ARGS-EXPR: the kernel, from an initrd mkinitrd.py made
	py_unum 'import mkinitrd; sys.exit(mkinitrd.main([tmp + "/initrd.cpio", tmp + "/sum"] + args))' \
		"$1" || fail "mkinitrd.py failed"
	run "$UNUM" run "$KERNEL" --timeout "$BOOT_TIMEOUT" --qemu -initrd --qemu "$TMP/initrd.cpio"
}
# too_long ARGS-EXPR WHY: refused by both, with WHY
too_long() {
	unum_args "$1"
	expect_status 126
	[ "$(cat "$ERR")" = "unum: $TMP/sum: argument list too long ($2)" ] ||
		fail "tools/unum: expected the one line: unum: $TMP/sum: argument list too long ($2)"
	kernel_args "$1"
	expect_status 126
	grep -qxF "unum: /app/sum: cannot run: argument list too long ($2)" "$ERR" ||
		fail "the kernel: expected: unum: /app/sum: cannot run: argument list too long ($2)"
	[ ! -s "$OUT" ] || fail "the app ran"
}

# the longest string runs, one byte more does not
unum_args '["x" * 131071]'
expect_status 0
[ "$(cut -d' ' -f1 "$OUT")" = 2 ] || fail "a 131,071-byte argument: expected argc 2"
too_long '["x" * 131072]' "one string of 131073 bytes, limit 131072"
# 2 MiB in all: "/app/sum" twice (the file name and argv[0]) with NULs and
# a pointer is 26 bytes, each argument of 99 bytes 108
too_long '["y" * 99] * 19418' "2097170 bytes, limit 2097152"
unum_args '["y" * 99] * 19417' # 2,097,062 bytes
expect_status 0
[ "$(cut -d' ' -f1 "$OUT")" = 19418 ] || fail "19,417 arguments: expected argc 19418"
exit 0

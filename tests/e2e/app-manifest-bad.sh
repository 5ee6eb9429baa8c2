#!/bin/bash
# tools/unum --manifest with a mistake in it (docs/apps.md): a missing
# file, an unknown key, a port clash, a memory below the app's minimum:
# each is one "unum: " line on stderr, status 2, and QEMU never starts
# (UNUM_QEMU is a program that would say so).
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
export UNUM_KERNEL=$KERNEL
printf '#!/bin/sh\necho QEMU STARTED >&2\n' >"$TMP/qemu" && chmod +x "$TMP/qemu"
export UNUM_QEMU=$TMP/qemu
mkdir "$TMP/app"
cp /bin/true "$TMP/app/prog"
bad() { # bad WANT-REGEX MANIFEST-TEXT [run options...]
	local want=$1 text=$2
	shift 2
	printf '%s\n' "$text" >"$TMP/app/manifest"
	run "$UNUM" run --manifest "$TMP/app/manifest" "$@"
	expect_status 2
	[ "$(wc -l <"$ERR")" = 1 ] || fail "expected one line on stderr"
	expect_err "^unum: .*$want"
	[ ! -s "$OUT" ] || fail "stdout not empty"
}
P='program = "prog"'
bad 'files: gone:/x: .*no such file' "$P
files = [\"gone:/x\"]"
bad 'colour: unknown key' "$P
colour = \"red\""
bad 'host port 8080/tcp forwarded twice' "$P
ports = [\"8080:80\", \"8080:8080\"]"
bad 'host port 6379/tcp forwarded twice' "$P
ports = [\"6379:6379\"]" --port 6379:1
bad "--mem 16M: below .*min_mem 64M" "$P
min_mem = \"64M\"" --mem 16M
bad 'no such file' "" --manifest "$TMP/none"
exit 0

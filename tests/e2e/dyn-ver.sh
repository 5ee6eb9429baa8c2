#!/bin/bash
# Symbol versions of a library other than libc (loader/dynlink.c, as
# glibc's ld.so binds them): libdynver.so's second build has
# dynver_which@VER_1 and dynver_which@@VER_2 (tests/guest-dyn/libdynver.c).
# A program linked against the first build (only VER_1) binds to VER_1,
# one linked against the second to VER_2; one that needs VER_3 (the third
# build's) is refused with one line naming the version, the library and
# the program: through our linker (musl) exit 127, through glibc's own
# ld.so (door 1) the status it exits with on the host. The glibc builds
# run on the host first: the same lines there.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
# relative: a program given by an absolute path keeps it in the guest
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn")
for v in glibc musl; do
	for f in dyn_ver_old dyn_ver dyn_ver_new libdynver.so; do need "$D/$v/$f" guest-apps; done
done

[ "$("$D/glibc/dyn_ver_old")" = "which 1" ] || fail "host: dyn_ver_old is not bound to VER_1"
[ "$("$D/glibc/dyn_ver")" = "which 2" ] || fail "host: dyn_ver is not bound to VER_2"
"$D/glibc/dyn_ver_new" >/dev/null 2>&1 && fail "host: dyn_ver_new ran without VER_3"
host_status=$?

for v in glibc musl; do
	run "$UNUM" run "$D/$v/dyn_ver_old" --timeout "$BOOT_TIMEOUT"
	expect_status 0
	[ "$(cat "$OUT")" = "which 1" ] || fail "$v: dyn_ver_old: expected 'which 1' (VER_1), got: $(cat "$OUT")"
	run "$UNUM" run "$D/$v/dyn_ver" --timeout "$BOOT_TIMEOUT"
	expect_status 0
	[ "$(cat "$OUT")" = "which 2" ] || fail "$v: dyn_ver: expected 'which 2' (VER_2), got: $(cat "$OUT")"
	run "$UNUM" run "$D/$v/dyn_ver_new" --timeout "$BOOT_TIMEOUT"
	if grep -q '^which' "$OUT"; then fail "$v: dyn_ver_new ran without VER_3"; fi
	if [ $v = musl ]; then
		expect_status 127
		line="unum: /app/dyn_ver_new: cannot run: /app/libdynver.so: version VER_3 not found (needed by /app/dyn_ver_new)"
		grep -qxF "$line" "$ERR" || fail "musl: expected the line: $line"
		[ "$(grep -c 'cannot run' "$ERR")" = 1 ] || fail "musl: expected one 'cannot run' line"
	else
		expect_status "$host_status"
		expect_err "libdynver.so: version .VER_3' not found \\(required by .*dyn_ver_new\\)" \
			"glibc: no line of ld.so's naming VER_3"
	fi
done
exit 0

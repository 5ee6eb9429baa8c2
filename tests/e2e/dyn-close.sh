#!/bin/bash
# dlclose unloads (loader/dynlink.c's UNUM_DL_CLOSE..UNUM_DL_UNLOAD,
# libc/musl/unum.c's dlclose; tests/guest-dyn/dyn_close.c): a plugin with
# a dependency, its own __thread and a .data counter, dlopen'ed, dlclose'd
# (destructors, gone from /proc/self/maps, dl_iterate_phdr and dladdr),
# dlopen'ed again (constructors again, its data and __thread afresh in
# two threads); open counts, a dependency opened too, RTLD_NODELETE, a
# dlclose in a destructor. Every line "ok" and the plan 1..43: on the host
# (glibc), in the guest through glibc's ld.so (the host's very lines) and
# through our linker (the host's lines, but for the two checks glibc
# leaves undefined: there skipped). musl's own ld.so does not unload: run
# on the host, only its lines up to the first dlclose are ours.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn")
LIBS="libdynclose.so libdynclosedep.so libdynclosenest.so libdynclosenest2.so"
for v in glibc musl; do
	for f in dyn_close $LIBS; do need "$D/$v/$f" guest-apps; done
done
check() { # check WHAT: $OUT is all ok
	if grep -v '^ok ' "$OUT" | grep -qv '^1\.\.'; then fail "$1: a check failed: $(grep -v '^ok ' "$OUT")"; fi
	grep -qx '1\.\.43' "$OUT" || fail "$1: expected the plan 1..43"
	[ "$(grep -c '^ok ' "$OUT")" = 43 ] || fail "$1: expected 43 ok lines"
}
run "$D/glibc/dyn_close" "$D/glibc"
expect_status 0
check host
host=$(cat "$OUT")
[ "$(grep -c '# skip' <<<"$host")" = 2 ] || fail "host: expected 2 checks skipped"
if [ -x /lib/ld-musl-x86_64.so.1 ]; then
	run "$D/musl/dyn_close" "$D/musl"
	head -11 "$OUT" >"$TMP/musl-host"
	[ "$(cat "$TMP/musl-host")" = "$(head -11 <<<"$host")" ] ||
		fail "host musl: expected the glibc lines up to the first dlclose"
fi
for v in glibc musl; do
	adds=()
	for f in $LIBS; do adds+=(--add "$D/$v/$f:/app/$f"); done
	run "$UNUM" run "$D/$v/dyn_close" "${adds[@]}" --timeout "$BOOT_TIMEOUT" -- /app
	expect_status 0
	check "$v"
	if [ "$v" = glibc ]; then
		[ "$(cat "$OUT")" = "$host" ] || fail "glibc: expected the host's lines
$host"
	else
		[ "$(grep -c '# skip' "$OUT")" = 0 ] || fail "musl: expected no check skipped"
		[ "$(grep -v 'closed handle' "$OUT")" = "$(grep -v 'closed handle' <<<"$host")" ] ||
			fail "musl: expected the host's lines but for the closed handle's
$host"
	fi
done
exit 0

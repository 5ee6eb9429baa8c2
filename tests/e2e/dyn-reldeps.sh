#!/bin/bash
# Relocation dependencies (loader/dynlink.c's reldep, as glibc's
# l_reldeps; tests/guest-dyn/dyn_reldeps.c): a library dlopen'ed after
# another, RTLD_GLOBAL, binds to its function, data and __thread without a
# DT_NEEDED on it, and finds a third's function with dlsym(RTLD_DEFAULT);
# dlclose of those two leaves them loaded and working while it is, its
# dlclose unloads all three. Every line "ok" and the plan 1..30: on the
# host (glibc), in the guest through glibc's ld.so and through our linker
# (the host's very lines). musl's own ld.so does not unload: run on the
# host, only its lines up to the last dlclose are ours.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn")
LIBS="libdynreldef.so libdynreldef2.so libdynreluse.so"
for v in glibc musl; do
	for f in dyn_reldeps $LIBS; do need "$D/$v/$f" guest-apps; done
done
check() { # check WHAT: $OUT is all ok
	if grep -v '^ok ' "$OUT" | grep -qv '^1\.\.'; then fail "$1: a check failed: $(grep -v '^ok ' "$OUT")"; fi
	grep -qx '1\.\.30' "$OUT" || fail "$1: expected the plan 1..30"
	[ "$(grep -c '^ok ' "$OUT")" = 30 ] || fail "$1: expected 30 ok lines"
}
run "$D/glibc/dyn_reldeps" "$D/glibc"
expect_status 0
check host
host=$(cat "$OUT")
if [ -x /lib/ld-musl-x86_64.so.1 ]; then
	run "$D/musl/dyn_reldeps" "$D/musl"
	[ "$(head -23 "$OUT")" = "$(head -23 <<<"$host")" ] ||
		fail "host musl: expected the glibc lines up to the last dlclose"
fi
for v in glibc musl; do
	adds=()
	for f in $LIBS; do adds+=(--add "$D/$v/$f:/app/$f"); done
	run "$UNUM" run "$D/$v/dyn_reldeps" "${adds[@]}" --timeout "$BOOT_TIMEOUT" -- /app
	expect_status 0
	check "$v"
	[ "$(cat "$OUT")" = "$host" ] || fail "$v: expected the host's lines
$host"
done
exit 0

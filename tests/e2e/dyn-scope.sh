#!/bin/bash
# dlopen's scopes (loader/dynlink.c; tests/guest-dyn/dyn_scope.c):
# RTLD_LOCAL keeps an object out of RTLD_DEFAULT and from later
# libraries, RTLD_NOLOAD finds only a loaded one, RTLD_GLOBAL puts it in
# the global scope, a failed dlopen leaves nothing mapped, RTLD_NEXT from
# a local library looks in its dlopen tree. Every line "ok" and the plan
# 1..12: on the host
# (glibc), in the guest through glibc's ld.so and through our linker.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn")
for v in glibc musl; do
	for f in dyn_scope libdynlocal.so libdynuser.so libdynnext-a.so libdynnext-b.so; do need "$D/$v/$f" guest-apps; done
done
check() { # check WHAT: $OUT is all ok
	if grep -v '^ok ' "$OUT" | grep -qv '^1\.\.'; then fail "$1: a check failed: $(grep -v '^ok ' "$OUT")"; fi
	grep -qx '1\.\.12' "$OUT" || fail "$1: expected the plan 1..12"
	[ "$(grep -c '^ok ' "$OUT")" = 12 ] || fail "$1: expected 12 ok lines"
}
run "$D/glibc/dyn_scope" "$D/glibc"
expect_status 0
check host
for v in glibc musl; do
	run "$UNUM" run "$D/$v/dyn_scope" --add "$D/$v/libdynlocal.so:/app/libdynlocal.so" \
		--add "$D/$v/libdynuser.so:/app/libdynuser.so" \
		--add "$D/$v/libdynnext-a.so:/app/libdynnext-a.so" \
		--add "$D/$v/libdynnext-b.so:/app/libdynnext-b.so" --timeout "$BOOT_TIMEOUT" -- /app
	expect_status 0
	check "$v"
done
exit 0

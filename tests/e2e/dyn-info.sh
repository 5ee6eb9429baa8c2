#!/bin/bash
# dlsym of TLS symbols (the calling thread's copy, static and dynamic
# TLS, in two threads), RTLD_NEXT, dlinfo RTLD_DI_LINKMAP and
# RTLD_DI_ORIGIN (loader/dynlink.c, libc/musl/unum.c;
# tests/guest-dyn/dyn_info.c). Every line "ok" and the plan 1..12: on the
# host (glibc), in the guest through glibc's ld.so and through our linker.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn")
for v in glibc musl; do
	for f in dyn_info libdyntls.so libdynplugin.so; do need "$D/$v/$f" guest-apps; done
done
check() { # check WHAT: $OUT is all ok
	if grep -v '^ok ' "$OUT" | grep -qv '^1\.\.'; then fail "$1: a check failed: $(grep -v '^ok ' "$OUT")"; fi
	grep -qx '1\.\.12' "$OUT" || fail "$1: expected the plan 1..12"
	[ "$(grep -c '^ok ' "$OUT")" = 12 ] || fail "$1: expected 12 ok lines"
}
run "$D/glibc/dyn_info" "$(realpath "$D/glibc")"
expect_status 0
check host
for v in glibc musl; do
	run "$UNUM" run "$D/$v/dyn_info" --add "$D/$v/libdynplugin.so:/app/libdynplugin.so" \
		--timeout "$BOOT_TIMEOUT" -- /app
	expect_status 0
	check "$v"
done
exit 0

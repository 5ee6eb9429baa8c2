#!/bin/bash
# RELRO of a dlopen'ed library with an IFUNC (loader/dynlink.c): the
# relocation of libdynrelro.so's const pointer waits for the resolver the
# app runs (a fixup), then its page is made read-only before the
# constructors, as glibc's ld.so does (it was protected before the fixup
# was written: the app died of SIGSEGV in dlopen). 1..2 all "ok": on the
# host (glibc), in the guest through glibc's ld.so and through ours.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn")
for v in glibc musl; do
	for f in dyn_relro libdynrelro.so; do need "$D/$v/$f" guest-apps; done
done
check() { # check WHAT: $OUT is all ok
	[ "$(grep -c '^ok ' "$OUT")" = 2 ] && grep -qx '1\.\.2' "$OUT" ||
		fail "$1: expected 1..2 all ok, got: $(cat "$OUT")"
}
run "$D/glibc/dyn_relro" "$D/glibc"
expect_status 0
check host
for v in glibc musl; do
	run "$UNUM" run "$D/$v/dyn_relro" --add "$D/$v/libdynrelro.so:/app/libdynrelro.so" \
		--timeout "$BOOT_TIMEOUT" -- /app
	expect_status 0
	check "$v"
done
exit 0

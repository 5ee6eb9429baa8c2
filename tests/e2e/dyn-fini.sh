#!/bin/bash
# Destructors of dlopen'ed objects run at exit (loader/dynlink.c's
# UNUM_DL_FINI, libc/musl/unum.c's __libc_exit_fini;
# tests/guest-dyn/dyn_fini.c): through our linker in musl's ld.so's order,
# the reverse of the constructors' (libdynfini-b.so's, then -a.so's, each
# DT_FINI_ARRAY backwards, then the program's); through glibc's ld.so in
# the guest as on the host (glibc orders them its own way).
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn")
for v in glibc musl; do
	for f in dyn_fini libdynfini-a.so libdynfini-b.so; do need "$D/$v/$f" guest-apps; done
done
boot() { # boot VARIANT: dyn_fini in the guest, its libraries in /app
	run "$UNUM" run "$D/$1/dyn_fini" --add "$D/$1/libdynfini-a.so:/app/libdynfini-a.so" \
		--add "$D/$1/libdynfini-b.so:/app/libdynfini-b.so" --timeout "$BOOT_TIMEOUT" -- /app
	expect_status 0
}
boot musl
want=$(printf '%s\n' "main done" "fini B 1" "fini B 2" "fini A 1" "fini A 2" "fini main")
[ "$(cat "$OUT")" = "$want" ] || fail "musl: expected
$want
got:
$(cat "$OUT")"

host=$("$D/glibc/dyn_fini" "$D/glibc") || fail "host: dyn_fini failed"
[ "$(grep -c '^fini [AB]' <<<"$host")" = 4 ] || fail "host: expected 4 library destructors, got: $host"
boot glibc
[ "$(cat "$OUT")" = "$host" ] || fail "glibc: expected the host's lines
$host
got:
$(cat "$OUT")"
exit 0

#!/bin/bash
# The kernel's musl named as musl's ld.so names itself (loader/dynlink.c's
# map_object, mm/vma.c's vma_name; tests/guest-dyn/dyn_muslname.c): its
# PT_INTERP, /lib/ld-musl-x86_64.so.1, in dladdr, dl_iterate_phdr and
# /proc/self/maps (at its segments' file offsets). Every line "ok" and the
# plan 1..4 in the guest, the host's ld-musl's very lines when it has one.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
P=$B/tests/guest-dyn/musl/dyn_muslname
need "$P" guest-apps
check() { # check WHAT: $OUT is all ok
	if grep -v '^ok ' "$OUT" | grep -qv '^1\.\.'; then fail "$1: a check failed: $(grep -v '^ok ' "$OUT")"; fi
	grep -qx '1\.\.4' "$OUT" || fail "$1: expected the plan 1..4"
	[ "$(grep -c '^ok ' "$OUT")" = 4 ] || fail "$1: expected 4 ok lines"
}
host=
if [ -x /lib/ld-musl-x86_64.so.1 ]; then
	run "$P"
	expect_status 0
	check host
	host=$(cat "$OUT")
fi
run "$UNUM" run "$P" --timeout "$BOOT_TIMEOUT"
expect_status 0
check guest
grep -q 'dli_fname of printf: /lib/ld-musl-x86_64\.so\.1$' "$OUT" ||
	fail "expected dladdr to name /lib/ld-musl-x86_64.so.1"
if [ -n "$host" ]; then
	[ "$(cat "$OUT")" = "$host" ] || fail "expected the host's lines
$host"
fi
exit 0

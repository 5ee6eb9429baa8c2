#!/bin/bash
# A thread's blocks of dynamic TLS are freed when it exits
# (libc/musl/dlerror.c's __dl_thread_cleanup, libc/musl/unum.c's
# __unum_tls_exit; tests/guest-dyn/dyn_tlsexit.c): 100 threads one after
# another, each touching its 256 KiB copy of a dlopen'ed plugin's
# __thread array, leave VmRSS less than 4 MiB above what it was (kept,
# they would take 25 MiB). Every line "ok" and the plan 1..7: on the host
# (glibc's and musl's ld.so), in the guest through glibc's ld.so and
# through our linker, each the host's lines (comments aside).
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn")
for v in glibc musl; do
	for f in dyn_tlsexit libdyntlsbig.so; do need "$D/$v/$f" guest-apps; done
done
check() { # check WHAT: $OUT is all ok, and the host's lines
	if grep -v '^ok ' "$OUT" | grep -v '^# ' | grep -qv '^1\.\.'; then
		fail "$1: a check failed: $(grep -v '^ok ' "$OUT")"
	fi
	grep -qx '1\.\.7' "$OUT" || fail "$1: expected the plan 1..7"
	[ "$(grep -v '^# ' "$OUT")" = "$host" ] || fail "$1: expected the host's lines
$host"
}
run "$D/glibc/dyn_tlsexit" "$D/glibc"
expect_status 0
host=$(grep -v '^# ' "$OUT")
check host
if [ -x /lib/ld-musl-x86_64.so.1 ]; then
	run "$D/musl/dyn_tlsexit" "$D/musl"
	expect_status 0
	check "host musl"
fi
for v in glibc musl; do
	run "$UNUM" run "$D/$v/dyn_tlsexit" --add "$D/$v/libdyntlsbig.so:/app/libdyntlsbig.so" \
		--cpus 2 --timeout "$BOOT_TIMEOUT" -- /app
	expect_status 0
	check "$v"
done
exit 0

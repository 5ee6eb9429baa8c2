#!/bin/bash
# TLSDESC (gcc -mtls-dialect=gnu2) in shared objects
# (tests/guest-dyn/dyn_tlsdesc.c): a DT_NEEDED library's through the
# static resolver, a dlopen'ed plugin's through the dynamic one
# (arch/x86_64/musl/tlsdesc.s, loader/dynlink.c's tlsdesc), in the main
# thread and several more, with every register but rax kept; dlclose and
# dlopen again. Every line "ok" and the plan 1..34: on the host (glibc),
# in the guest through glibc's ld.so and through our linker (with XSAVE
# and without), each the host's very lines; musl's own ld.so on the host
# (it does not unload) gives the same lines up to the first dlclose.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn")
LIBS="libdyntlsdesc.so libdyntlsdesc-needed.so"
for v in glibc musl; do
	for f in dyn_tlsdesc $LIBS; do need "$D/$v/$f" guest-apps; done
	for f in $LIBS; do # or the test would not test TLSDESC
		readelf -rW "$D/$v/$f" | grep -q R_X86_64_TLSDESC ||
			fail "$v/$f: expected R_X86_64_TLSDESC relocations"
	done
done
check() { # check WHAT: $OUT is all ok
	if grep -v '^ok ' "$OUT" | grep -qv '^1\.\.'; then fail "$1: a check failed: $(grep -v '^ok ' "$OUT")"; fi
	grep -qx '1\.\.34' "$OUT" || fail "$1: expected the plan 1..34"
	[ "$(grep -c '^ok ' "$OUT")" = 34 ] || fail "$1: expected 34 ok lines"
}
run "$D/glibc/dyn_tlsdesc" "$D/glibc"
expect_status 0
check host
host=$(cat "$OUT")
if [ -x /lib/ld-musl-x86_64.so.1 ]; then
	run "$D/musl/dyn_tlsdesc" "$D/musl"
	head -19 "$OUT" >"$TMP/musl-host"
	[ "$(cat "$TMP/musl-host")" = "$(head -19 <<<"$host")" ] ||
		fail "host musl: expected the glibc lines up to the first dlclose"
fi
# musl again on QEMU's qemu64 model: no XSAVE, the resolver's FXSAVE path
for v in glibc musl musl-qemu64; do
	opt=()
	[ "$v" = musl-qemu64 ] && opt=(--cpu qemu64)
	run "$UNUM" run "$D/${v%-*}/dyn_tlsdesc" "${opt[@]}" \
		--add "$D/${v%-*}/libdyntlsdesc.so:/app/libdyntlsdesc.so" \
		--cpus 2 --timeout "$BOOT_TIMEOUT" -- /app
	expect_status 0
	check "$v"
	[ "$(cat "$OUT")" = "$host" ] || fail "$v: expected the host's lines
$host"
done
exit 0

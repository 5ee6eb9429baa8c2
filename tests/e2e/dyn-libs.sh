#!/bin/bash
# Shared libraries of ours at run time, through the program's own ld.so
# (glibc's and musl's): tests/guest-dyn/dyn_main.c needs libdyntls.so
# (DT_NEEDED, found by RUNPATH $ORIGIN: tools/unum copies it to /app),
# whose __thread variable each thread sees on its own (static TLS), and
# dlopen()s libdynplugin.so from its own folder (/proc/self/exe's), with
# its own __thread (dynamic TLS), a constructor, dlsym and dlclose. Every
# line must be "ok", and the status 0.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
# relative: a program given by an absolute path keeps it in the guest
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn")
for v in glibc musl; do
	need "$D/$v/dyn_main" guest-apps
	need "$D/$v/libdynplugin.so" guest-apps
	run "$UNUM" run "$D/$v/dyn_main" --add "$D/$v/libdynplugin.so:/app/libdynplugin.so" \
		--timeout "$BOOT_TIMEOUT"
	expect_status 0
	if grep -v '^ok ' "$OUT" | grep -qv '^1\.\.'; then fail "$v: a check failed"; fi
	grep -qx '1\.\.13' "$OUT" || fail "$v: expected the plan 1..13 (all checks ran)"
done
exit 0

#!/bin/bash
# C++ through door 1: tests/guest-dyn/dyn_cxx.cc, built by g++ against
# glibc and libstdc++, run through glibc's ld.so with the closure tools/unum
# copies from the host (libstdc++, libgcc_s's unwinder, libc, libm) and our
# libdynthrow.so (RUNPATH $ORIGIN). Exceptions cross the library both ways,
# destructors run while unwinding, std::thread workers throw and catch
# with thread_local state, std::async and std::exception_ptr carry
# exceptions between threads, iostreams format. Its stdout in the guest
# (1 and 2 CPUs) must be the same bytes as on this host, status 0 both; an
# exception let past main must end in std::terminate's message and SIGABRT
# (134) in both.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
# relative: a program given by an absolute path keeps it in the guest
D=$(realpath --relative-to="$PWD" "$B/tests/guest-dyn")
P=$D/glibc/dyn_cxx
need "$P" guest-apps
need "$D/glibc/libdynthrow.so" guest-apps

run "$P"
expect_status 0
cp "$OUT" "$TMP/host"
grep -qx 'dyn_cxx: all [0-9]* checks passed' "$TMP/host" || fail "on the host: no 'all checks passed' line"
for cpus in 1 2; do
	run "$UNUM" run --cpus $cpus "$P" --timeout "$BOOT_TIMEOUT"
	diff "$TMP/host" "$OUT" >"$TMP/diff" ||
		fail "--cpus $cpus: stdout differs from the host's (< host, > guest): $(cat "$TMP/diff")"
	expect_status 0
done

run "$P" uncaught
expect_status 134
cp "$OUT" "$TMP/host"
grep -F "terminate called after throwing an instance of 'dynthrow::lib_error'" "$ERR" >"$TMP/host.err" &&
	grep -F 'what():  libdynthrow: code 9' "$ERR" >>"$TMP/host.err" ||
	fail "on the host: no std::terminate message on stderr"
run "$UNUM" run "$P" --timeout "$BOOT_TIMEOUT" -- uncaught
diff "$TMP/host" "$OUT" >"$TMP/diff" || fail "uncaught: stdout differs from the host's: $(cat "$TMP/diff")"
expect_status 134
while IFS= read -r line; do
	grep -qxF -- "$line" "$ERR" || fail "uncaught: stderr lacks the host's line '$line'"
done <"$TMP/host.err"
exit 0

#!/bin/bash
# Out of memory as on Linux (include/mm.h): an app writing 256 MiB in a
# 128 MiB guest (tests/guest-mem/mem_oom.c, musl and glibc builds) is
# killed: the kernel log names it with its rss and the free memory, the
# VM ends with 137 (SIGKILL), and its SIGSEGV/SIGBUS handlers never run.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
export UNUM_KERNEL=$KERNEL
SRC=tests/guest-mem/mem_oom.c
musl-gcc -static -O2 -o "$TMP/mem_oom-musl" "$SRC" || fail "musl-gcc $SRC failed"
gcc -static -O2 -o "$TMP/mem_oom-glibc" "$SRC" || fail "gcc -static $SRC failed"
for v in musl glibc; do
	run "$UNUM" run "$TMP/mem_oom-$v" --mem 128M --cpus 1 --timeout "$BOOT_TIMEOUT"
	expect_status 137
	grep -q '^mem_oom: writing 256 MiB' "$OUT" || fail "$v: the app did not start writing"
	grep -q 'a fault handler ran' "$OUT" && fail "$v: a SIGSEGV/SIGBUS handler ran"
	grep -q 'wrote all of it' "$OUT" && fail "$v: 256 MiB were written in a 128 MiB guest"
	expect_err "unum: out of memory: killed /app/mem_oom-$v \\(rss [0-9]+ KiB, free [0-9]+ KiB\\)" \
		"$v: no out-of-memory line naming /app/mem_oom-$v"
done
exit 0

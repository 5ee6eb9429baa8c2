#!/bin/bash
# Linux programs nobody built for us run as the app (tools/unum run ./prog):
# static musl, static glibc and static-PIE glibc; stdout byte for byte as a
# native run gives it, stderr apart, piped stdin then end-of-file, the exit
# status, death by a signal's default action (143), and a crash ending
# with 139 and the app's registers.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
cat >"$TMP/prog.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
int main(int argc, char **argv) {
	char buf[256];
	ssize_t n = read(0, buf, sizeof(buf));
	printf("argc=%d last=%s stdin=%zd:%.*s", argc, argv[argc - 1], n, (int)(n > 0 ? n : 0), buf);
	printf("isatty=%d\n", isatty(1));
	fprintf(stderr, "on stderr\n");
	if (argc > 2 && !strcmp(argv[1], "term"))
		raise(SIGTERM);
	if (argc > 2 && !strcmp(argv[1], "crash"))
		*(volatile int *)16 = 1;
	return argc > 2 && !strcmp(argv[1], "exit") ? atoi(argv[2]) : 0;
}
C
musl-gcc -static -O2 -o "$TMP/prog-musl" "$TMP/prog.c" || fail "musl-gcc failed"
gcc -static -O2 -o "$TMP/prog-glibc" "$TMP/prog.c" || fail "gcc -static failed"
gcc -static-pie -O2 -o "$TMP/prog-pie" "$TMP/prog.c" || fail "gcc -static-pie failed"
for v in musl glibc pie; do
	p=$TMP/prog-$v
	echo "piped input" | "$p" a "b c" >"$TMP/native" 2>/dev/null
	cmd="echo 'piped input' | $UNUM run $p -- a 'b c'"
	rc=0
	echo "piped input" | "$UNUM" run "$p" --timeout "$BOOT_TIMEOUT" -- a "b c" >"$OUT" 2>"$ERR" || rc=$?
	expect_status 0
	cmp -s "$TMP/native" "$OUT" || fail "$v: stdout differs from the native run"
	grep -q '^on stderr$' "$ERR" || fail "$v: the app's stderr did not reach stderr"
	run "$UNUM" run "$p" --timeout "$BOOT_TIMEOUT" -- exit 42
	expect_status 42
	run "$UNUM" run "$p" --timeout "$BOOT_TIMEOUT" -- term now
	expect_status 143 # 128 + SIGTERM, the default action
	run "$UNUM" run "$p" --timeout "$BOOT_TIMEOUT" -- crash now
	expect_status 139
	expect_err 'SIGSEGV'
	expect_err '^RIP [0-9a-f]+' "no register dump of the app on stderr"
done

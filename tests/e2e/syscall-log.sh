#!/bin/bash
# The system-call log (core/syscall.c): with the kernel argument strace each
# call is printed with its arguments and result, and a number the kernel
# does not implement returns -ENOSYS every time but is logged once, by
# name. The app (compiled here with musl-gcc -static) calls acct (163,
# which the kernel does not register) twice, a failing close and a write.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
command -v musl-gcc >/dev/null || fail "musl-gcc missing (tools/deps.sh installs musl-tools)"
cat >"$TMP/prog.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int
main(void)
{
	char buf[80];
	long a = syscall(SYS_acct, 0);
	int ea = errno;
	long b = syscall(SYS_acct, 0);
	int eb = errno;
	long c = syscall(SYS_close, 99);
	int n = snprintf(buf, sizeof(buf), "acct %ld %d, acct %ld %d, close %ld\n", a, ea, b, eb, c);
	return write(1, buf, n) == n ? 0 : 1;
}
C
musl-gcc -static -o "$TMP/prog" "$TMP/prog.c" || fail "musl-gcc failed"
want="acct -1 38, acct -1 38, close -1" # ENOSYS is 38
len=$((${#want} + 1))

for strace in 1 0; do
	if [ $strace = 1 ]; then
		run "$UNUM" run "$TMP/prog" -v --kernel-args strace --timeout "$BOOT_TIMEOUT"
	else
		run "$UNUM" run "$TMP/prog" -v --timeout "$BOOT_TIMEOUT"
	fi
	expect_status 0
	[ "$(cat "$OUT")" = "$want" ] || fail "expected stdout: $want"
	[ "$(grep -c 'syscall 163 (acct) not implemented' "$ERR")" = 1 ] ||
		fail "expected one line 'syscall 163 (acct) not implemented' in the kernel log"
	if [ $strace = 0 ]; then
		expect_no_err '\] (acct|close|write)\('
		break
	fi
	# [TID] NAME(six arguments) = RESULT
	[ "$(grep -cE '^\[[0-9]+\] acct\(0x0, [^)]*\) = -38$' "$ERR")" = 2 ] ||
		fail "expected two strace lines acct(0x0, ...) = -38"
	expect_err '^\[[0-9]+\] close\(0x63, [^)]*\) = -9$' "no strace line close(0x63, ...) = -9 (EBADF)"
	expect_err "^\\[[0-9]+\\] write\\(0x1, 0x[0-9a-f]+, $(printf '%#x' $len), [^)]*\\) = $len\$" \
		"no strace line write(0x1, BUF, $(printf '%#x' $len), ...) = $len"
	# a call that does not return is printed before it runs, as strace does
	expect_err '^\[[0-9]+\] exit_group\(0x0\) = \?$' "no strace line exit_group(0x0) = ?"
done
exit 0

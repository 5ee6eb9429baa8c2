#!/bin/bash
# App faults are the app's (arch/x86_64/trap.c, fault_is_apps): a call or
# jump to an unmapped address in the kernel's half, to a mapped NX page of
# the direct map, to an unmapped app address, and an ELF entry point in
# the kernel's half each end the app with SIGSEGV: status 139, the
# "app: SIGSEGV" line and the app's registers on stderr, never a kernel
# panic (125).
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
command -v musl-gcc >/dev/null || fail "musl-gcc missing (tools/deps.sh installs musl-tools)"
cat >"$TMP/jump.c" <<'C'
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	unsigned long to = 0;
	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "call-kernel"))
		to = 0xffffa00000000000ul; /* nothing mapped there */
	else if (!strcmp(argv[1], "call-direct-map"))
		to = 0xffff800000000000ul; /* physical page 0: mapped, NX */
	else if (!strcmp(argv[1], "call-app"))
		to = 0x1000ul;
	if (to) {
		write(1, "jumping\n", 8);
		((void (*)(void))to)();
	}
	if (!strcmp(argv[1], "jmp-kernel")) {
		write(1, "jumping\n", 8);
		__asm__ volatile("jmp *%0" ::"r"(0xffffa00000000000ul));
	}
	return 3;
}
C
musl-gcc -static -O2 -o "$TMP/jump" "$TMP/jump.c" || fail "musl-gcc -static failed"

segv() { # segv ADDRESS-REGEX: the app's SIGSEGV, RIP at ADDRESS
	expect_status 139
	expect_err '^app: SIGSEGV' "no 'app: SIGSEGV' line on stderr"
	expect_err "^RIP 0*$1 RSP " "no register dump with RIP $1 on stderr"
	expect_no_err 'panic'
}

for how in call-kernel jmp-kernel; do
	run "$UNUM" run "$TMP/jump" --timeout "$BOOT_TIMEOUT" -- "$how"
	grep -qx jumping "$OUT" || fail "$how: the program did not start"
	segv ffffa00000000000
done
run "$UNUM" run "$TMP/jump" --timeout "$BOOT_TIMEOUT" -- call-direct-map
segv ffff800000000000
run "$UNUM" run "$TMP/jump" --timeout "$BOOT_TIMEOUT" -- call-app
segv 1000

# the entry point (e_entry, at offset 24) in the kernel's half: on Linux
# execve passes its point of no return, then the process dies of SIGSEGV
cp "$TMP/jump" "$TMP/entry"
printf '\000\000\000\000\000\240\377\377' | dd of="$TMP/entry" bs=1 seek=24 conv=notrunc status=none
run "$UNUM" run "$TMP/entry" --timeout "$BOOT_TIMEOUT"
segv ffffa00000000000
exit 0

#!/bin/bash
# ASLR as Linux (mm/layout.c): a static-PIE program prints where its stack,
# an anonymous mmap, its own code (the PIE's base) and its break are; two
# boots give different addresses for each (a third boot breaks a chance tie:
# the break has 13 bits), and two boots with the kernel argument norandmaps
# give equal ones. A static non-PIE program too, whose code stays put.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
cat >"$TMP/where.c" <<'C'
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void)
{
	int local;
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("stack %p\nmmap %p\ncode %p\nbrk %p\n", (void *)&local, m, (void *)&main, sbrk(0));
	return 0;
}
C
gcc -static-pie -fPIE -O2 -o "$TMP/where-pie" "$TMP/where.c" || fail "gcc -static-pie failed"
gcc -static -O2 -o "$TMP/where-static" "$TMP/where.c" || fail "gcc -static failed"

where() { # where PROG N [KERNEL-ARGS]: its four lines in $TMP/PROG.N
	if [ -n "${3:-}" ]; then
		run "$UNUM" run "$TMP/$1" --timeout "$BOOT_TIMEOUT" --kernel-args "$3"
	else
		run "$UNUM" run "$TMP/$1" --timeout "$BOOT_TIMEOUT"
	fi
	expect_status 0
	[ "$(grep -cE '^(stack|mmap|code|brk) 0x[0-9a-f]+$' "$OUT")" = 4 ] ||
		fail "$1: expected four lines 'WHAT 0xADDRESS'"
	cp "$OUT" "$TMP/$1.$2"
}

field() { grep "^$1 " "$TMP/$2" | cut -d' ' -f2; }

for prog in where-pie where-static; do
	where $prog 1
	where $prog 2
	moving="stack mmap brk"
	[ $prog = where-pie ] && moving="$moving code"
	for f in $moving; do
		a=$(field $f $prog.1) b=$(field $f $prog.2)
		if [ "$a" = "$b" ]; then
			[ -e "$TMP/$prog.3" ] || where $prog 3
			c=$(field $f $prog.3)
			[ "$c" != "$a" ] || fail "$prog: $f at $a in three boots (expected random)"
		fi
	done
	if [ $prog = where-static ]; then
		[ "$(field code $prog.1)" = "$(field code $prog.2)" ] ||
			fail "$prog: a non-PIE program's code moved"
	fi
	where $prog fixed1 norandmaps
	where $prog fixed2 norandmaps
	cmp -s "$TMP/$prog.fixed1" "$TMP/$prog.fixed2" ||
		fail "$prog: with norandmaps two boots differ: $(paste -d' ' "$TMP/$prog.fixed1" "$TMP/$prog.fixed2" | tr '\n' ';')"
done
[ "$(field code where-pie.fixed1)" \< 0x555555600000 ] &&
	[ "$(field code where-pie.fixed1)" \> 0x555555554000 ] ||
	fail "norandmaps: the PIE's code at $(field code where-pie.fixed1), expected just above 0x555555554000"
exit 0

#!/bin/bash
# tools/unum image: one raw disk image (GRUB, the kernel, the app's initrd)
# under 2 MB; plain QEMU boots it with only COM1 (the app's argv, its stderr
# and the exit record all there, then power-off: QEMU exits by itself);
# AT_RANDOM differs between two boots of the same image on a CPU without
# RDRAND (qemu64); tools/unum run IMAGE gives the app's stdout alone, its
# stderr apart, and its exit status 3; --env, --add and --kernel-args are
# baked in.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
export UNUM_KERNEL=$KERNEL
MAX_BYTES=2000000 # "a hello image is under 2 MB"
cat >"$TMP/prog.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
int main(int argc, char **argv) {
	const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	printf("at_random=");
	for (int i = 0; i < 16; i++)
		printf("%02x", r[i]);
	printf("\n");
	const char *g = getenv("GREETING");
	if (g)
		printf("GREETING=%s\n", g);
	FILE *f = fopen("/data/note", "r");
	char buf[64];
	if (f && fgets(buf, sizeof(buf), f))
		printf("note=%s", buf);
	fprintf(stderr, "to stderr\n");
	return 3;
}
C
musl-gcc -static -O2 -o "$TMP/prog" "$TMP/prog.c" || fail "musl-gcc failed"
img=$TMP/app.img

run "$UNUM" image -o "$img" "$TMP/prog" -- a b
expect_status 0
[ ! -s "$ERR" ] || fail "image printed on stderr"
[ -f "$img" ] || fail "no $img"
size=$(stat -c %s "$img")
[ "$size" -lt $MAX_BYTES ] || fail "image is $size bytes, not under $MAX_BYTES"
leftover=$(find "$TMP" -name '.app.img.*')
[ -z "$leftover" ] || fail "temporary file left: $leftover"

plain_boot() { # nothing but the user-contract QEMU line
	run timeout "$BOOT_TIMEOUT" "$QEMU" -M q35 -display none -serial stdio \
		-drive file="$img",format=raw
	[ "$rc" != 124 ] || fail "QEMU still running after ${BOOT_TIMEOUT}s"
	expect_status 0 # ACPI S5: QEMU exits 0 by itself
	for want in 'argv[0]=/app/prog' 'argv[1]=a' 'argv[2]=b' 'to stderr' 'unum: exit 3'; do
		grep -aqF "$want" "$OUT" || fail "the console has no line '$want'"
	done
	grep -E "$BANNER_RE" "$OUT" >/dev/null || fail "no kernel banner on the console"
	grep -ao 'at_random=[0-9a-f]*' "$OUT"
}
r1=$(plain_boot) || exit 1
r2=$(plain_boot) || exit 1
[ -n "$r1" ] && [ "$r1" != "$r2" ] || fail "AT_RANDOM the same in two boots: $r1 / $r2"

run "$UNUM" run "$img" --accel tcg --timeout "$BOOT_TIMEOUT"
expect_status 3
grep -aq 'unum:' "$OUT" && fail "kernel output on the app's stdout"
[ "$(grep -c '^argv\[' "$OUT")" = 3 ] && grep -qx 'argv\[2\]=b' "$OUT" ||
	fail "stdout is not the app's argv"
grep -qx 'to stderr' "$ERR" || fail "the app's stderr did not reach stderr"
expect_no_err '^unum: exit'

# what else goes into the image: environment, files, kernel arguments
mkdir "$TMP/data" && echo "baked" >"$TMP/data/note"
run "$UNUM" image -o "$img" --env GREETING=hi --add "$TMP/data:/data" \
	--kernel-args 'quiet' "$TMP/prog"
expect_status 0
run "$UNUM" run "$img" --accel tcg --timeout "$BOOT_TIMEOUT"
expect_status 3
grep -qx 'GREETING=hi' "$OUT" || fail "--env not baked in"
grep -qx 'note=baked' "$OUT" || fail "--add not baked in"
run timeout "$BOOT_TIMEOUT" "$QEMU" -M q35 -display none -serial stdio \
	-drive file="$img",format=raw
expect_status 0
grep -aqF 'GREETING=hi' "$OUT" || fail "plain boot: no app output"
grep -aE "$BANNER_RE" "$OUT" && fail "--kernel-args quiet not baked in (banner printed)"
exit 0

#!/bin/bash
# One image, many deployments (loader/args.c; docs/apps.md): a disk image
# baked with its arguments and environment, booted again with others and
# no rebuild: tools/unum run IMAGE -- ARGS --env K=V passes them as QEMU
# fw_cfg files opt/unum/args and opt/unum/env (JSON arrays of strings);
# plain QEMU's -fw_cfg name=...,file= does the same; the kernel
# arguments unum.arg= and unum.env= (a libvirt domain's <cmdline>) win
# over both. The image file is not changed by the boots. A malformed
# override is the app's "cannot run": 126 and one line saying where and
# why. fw_cfg is read on microvm too.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
export UNUM_KERNEL=$KERNEL
cat >"$TMP/prog.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	printf("argc=%d MODE=%s KEEP=%s\n", argc, getenv("MODE") ?: "-", getenv("KEEP") ?: "-");
	return 0;
}
C
musl-gcc -static -O2 -o "$TMP/prog" "$TMP/prog.c" || fail "musl-gcc failed"
img=$TMP/app.img
run "$UNUM" image -o "$img" "$TMP/prog" --env MODE=baked --env KEEP=yes -- baked
expect_status 0
sum=$(sha256sum <"$img")

expect_out() { # expect_out LINE...: stdout is exactly these lines
	printf '%s\n' "$@" >"$TMP/want"
	diff "$TMP/want" "$OUT" >"$TMP/diff" || fail "stdout differs from the expected: $(cat "$TMP/diff")"
}

# as baked
run "$UNUM" run "$img" --timeout "$BOOT_TIMEOUT"
expect_status 0
expect_out 'argv[1]=baked' 'argc=2 MODE=baked KEEP=yes'

# another deployment of the same image: its own arguments and MODE
run "$UNUM" run "$img" --timeout "$BOOT_TIMEOUT" --env MODE=second -- one 'two, words' 'é"'
expect_status 0
expect_out 'argv[1]=one' 'argv[2]=two, words' 'argv[3]=é"' 'argc=4 MODE=second KEEP=yes'
[ "$(sha256sum <"$img")" = "$sum" ] || fail "the image file changed"

# plain QEMU, the overrides in files (only COM1: everything is there)
printf '["from", "a file"]\n' >"$TMP/args.json"
printf '["MODE=file"]' >"$TMP/env.json"
run timeout "$BOOT_TIMEOUT" "$QEMU" -M q35 -display none -serial stdio -no-reboot \
	-drive file="$img",format=raw -fw_cfg name=opt/unum/args,file="$TMP/args.json" \
	-fw_cfg name=opt/unum/env,file="$TMP/env.json"
[ "$rc" != 124 ] || fail "QEMU still running after ${BOOT_TIMEOUT}s"
for want in 'argv[1]=from' 'argv[2]=a file' 'argc=3 MODE=file KEEP=yes' 'unum: exit 0'; do
	grep -aqxF "$want" <(tr -d '\r' <"$OUT") || fail "the console has no line '$want'"
done

# the kernel command line wins over fw_cfg (an app run: the PVH path)
run "$UNUM" run "$TMP/prog" --timeout "$BOOT_TIMEOUT" --env MODE=packed --env KEEP=yes \
	--kernel-args 'unum.arg=k1 unum.arg="k 2" unum.env=MODE=cmdline' \
	--qemu -fw_cfg --qemu 'name=opt/unum/args,string=["fw"]' -- packed
expect_status 0
expect_out 'argv[1]=k1' 'argv[2]=k 2' 'argc=3 MODE=cmdline KEEP=yes'

# microvm has fw_cfg too; [] means no arguments at all
run "$UNUM" run "$TMP/prog" --timeout "$BOOT_TIMEOUT" --machine microvm \
	--qemu -fw_cfg --qemu 'name=opt/unum/args,string=[]' -- packed
expect_status 0
expect_out 'argc=1 MODE=- KEEP=-'

# malformed: 126, one line naming the file, the byte and the reason
bad() { # bad WHERE-AND-WHY QEMU-OR-KERNEL-OPTIONS...
	local want=$1
	shift
	run "$UNUM" run "$img" --timeout "$BOOT_TIMEOUT" "$@"
	expect_status 126
	[ ! -s "$OUT" ] || fail "the app ran"
	expect_err "^unum: /app/prog: cannot run: $want\$"
}
bad 'opt/unum/args: not a JSON array of strings: byte 1: expected a string' \
	--qemu -fw_cfg --qemu 'name=opt/unum/args,string=[1]'
bad 'opt/unum/args: not a JSON array of strings: byte 5: unterminated string' \
	--qemu -fw_cfg --qemu 'name=opt/unum/args,string=["abc'
bad 'opt/unum/env: string 2, "NOEQUALS": not NAME=VALUE' \
	--qemu -fw_cfg --qemu 'name=opt/unum/env,string=["A=1",,"NOEQUALS"]'
run "$UNUM" run "$TMP/prog" --timeout "$BOOT_TIMEOUT" --kernel-args 'unum.env=NOEQUALS'
expect_status 126
expect_err "^unum: /app/prog: cannot run: kernel argument 'unum.env=NOEQUALS': not NAME=VALUE\$"
exit 0

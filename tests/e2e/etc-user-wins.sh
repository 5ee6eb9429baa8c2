#!/bin/bash
# /etc (core/fs/etc.c): files the app brings with --add win over the ones the
# kernel makes, and the kernel still makes the ones it did not bring; with
# no /etc at all, /etc/passwd has root; likewise netbase's /etc/services
# and /etc/protocols (tools/unum's). Read by Debian's busybox-static.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
BB=/bin/busybox
[ -x "$BB" ] || fail "$BB missing (tools/deps.sh installs busybox-static)"
mkdir -p "$TMP/fix/etc"
printf 'kt:x:4242:4343:a line of the test'"'"'s own:/home/kt:/bin/false\n' >"$TMP/fix/etc/passwd"
printf 'kt-host\n' >"$TMP/fix/etc/hostname"
printf 'kt-service\t4242/tcp\n' >"$TMP/fix/etc/services"

run "$UNUM" run "$BB" --add "$TMP/fix/etc:/etc" --timeout "$BOOT_TIMEOUT" \
	-- cat /etc/passwd /etc/hostname /etc/group
expect_status 0
head -n 2 "$OUT" | cmp -s - <(cat "$TMP/fix/etc/passwd" "$TMP/fix/etc/hostname") ||
	fail "the first lines are not the app's own /etc/passwd and /etc/hostname"
grep -qx 'root:x:0:' "$OUT" || fail "no generated /etc/group (root:x:0:) beside the app's files"
if grep -q '^root:x:0:0:' "$OUT"; then fail "the generated passwd replaced the app's"; fi

run "$UNUM" run "$BB" --timeout "$BOOT_TIMEOUT" -- cat /etc/passwd
expect_status 0
grep -q '^root:x:0:0:[^:]*:/root:' "$OUT" || fail "the generated /etc/passwd has no root:x:0:0 line"
if grep -q '^kt:' "$OUT"; then fail "the test's passwd line without --add"; fi

# /etc/services and /etc/protocols: Debian netbase's, put in by tools/unum
# (tools/pyunum/initrd.py), unless the app brought its own
run "$UNUM" run "$BB" --add "$TMP/fix/etc:/etc" --timeout "$BOOT_TIMEOUT" \
	-- cat /etc/services /etc/protocols
expect_status 0
head -n 1 "$OUT" | cmp -s - "$TMP/fix/etc/services" || fail "the app's own /etc/services was not kept"
grep -q '^http[[:space:]]*80/tcp' "$OUT" && fail "netbase's /etc/services replaced the app's"
grep -q '^tcp[[:space:]]*6[[:space:]]*TCP' "$OUT" || fail "no netbase /etc/protocols beside the app's /etc"
run "$UNUM" run "$BB" --timeout "$BOOT_TIMEOUT" -- cat /etc/services
expect_status 0
grep -q '^http[[:space:]]*80/tcp' "$OUT" || fail "no netbase /etc/services (http 80/tcp) for an app without one"
exit 0

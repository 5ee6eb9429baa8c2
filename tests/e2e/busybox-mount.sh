#!/bin/bash
# Debian's static busybox mounting and unmounting (core/fs/mount.c), one
# applet per boot (busybox sh forks for every applet, and fork is not there
# yet): mount -t tmpfs on the fixture's /mnt, with -o size=, the table as
# mount lists it and df reads it, umount of a kernel mount (/sys), and the
# errors Linux gives: umount of a plain directory (EINVAL), of / (EBUSY),
# an unknown type (ENODEV). tests/guest/posix_mount.c checks mount and
# umount in one run.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
BB=/bin/busybox
[ -x "$BB" ] || fail "$BB missing (tools/deps.sh installs busybox-static)"
FIX=$TMP/fix
mkdir -p "$FIX/mnt"
bb() {
	run "$UNUM" run "$BB" --add "$FIX/mnt:/mnt" --timeout "$BOOT_TIMEOUT" -- "$@"
	grep -v '^unum: ' "$ERR" >"$TMP/err2" || true
}
bb mount -t tmpfs none /mnt
expect_status 0
[ ! -s "$OUT" ] && [ ! -s "$TMP/err2" ] || fail "mount -t tmpfs none /mnt: output"
bb mount -t tmpfs -o size=1m,mode=700 none /mnt
expect_status 0
bb mount
expect_status 0
want='rootfs on / type ramfs (rw)
devtmpfs on /dev type devtmpfs (rw,nosuid,size=K)
proc on /proc type proc (rw,nosuid,nodev,noexec)
sysfs on /sys type sysfs (rw,nosuid,nodev,noexec)
tmpfs on /tmp type tmpfs (rw,nosuid,nodev,size=K)'
got=$(sed 's/size=[0-9]*k/size=K/' "$OUT")
[ "$got" = "$want" ] || fail "mount's table: expected
$want
got
$got"
bb df -k /tmp
expect_status 0
grep -Eq '^tmpfs +[0-9]+ +0 +[0-9]+ +0% /tmp$' "$OUT" || fail "df /tmp: not an empty tmpfs"
bb umount /sys
expect_status 0
bb umount /mnt
expect_status 1
grep -q "can't unmount /mnt: Invalid argument" "$TMP/err2" || fail "umount /mnt: not EINVAL"
bb umount /
expect_status 1
grep -q "can't unmount /: Device or resource busy" "$TMP/err2" || fail "umount /: not EBUSY"
bb mount -t nosuchfs none /mnt
[ "$rc" != 0 ] && grep -q "No such device" "$TMP/err2" || fail "an unknown type: not ENODEV"
exit 0

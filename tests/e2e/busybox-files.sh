#!/bin/bash
# Debian's static busybox on files in /tmp: stat, and cp, mv, rm, rmdir
# and mkdir changing them, each as its own boot (busybox sh forks for every
# applet, and fork is not there yet) on a tree added at /tmp/x, against the
# same binary on the host in a chroot of a fresh copy of the same tree.
# Stdout, stderr and the status must be the same: stat's fields, the -v
# outputs saying what was done (for -r, what was found in the folders), and
# in the failing cases the errno Linux gives (ENOENT, ENOTDIR, EISDIR,
# EEXIST, ENOTEMPTY).
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
BB=/bin/busybox
[ -x "$BB" ] || fail "$BB missing (tools/deps.sh installs busybox-static)"
[ "$(id -u)" = 0 ] || skip "skipped: chroot (the host's side) needs root"
FIX=$TMP/fix
mkdir -p "$FIX/bin" "$FIX/tmp/x/d" "$FIX/tmp/x/e"
cp "$BB" "$FIX/bin/busybox"
printf 'hello\n' >"$FIX/tmp/x/a"
printf 'inside d\n' >"$FIX/tmp/x/d/f"
ln -s a "$FIX/tmp/x/l"
touch -h -d '2024-01-02 03:04:05 UTC' "$FIX/tmp/x/l" "$FIX/tmp/x/a" "$FIX/tmp/x/d/f" "$FIX/tmp/x/d"
cases=(
	"stat -c %n:%s:%a:%F:%Y:%u:%g /tmp/x/a /tmp/x/d/f"
	"stat -c %n:%a:%F:%Y /tmp/x/d"
	"stat -c %n:%s:%F:%Y:%N /tmp/x/l"
	"stat -L -c %n:%s:%F:%Y /tmp/x/l"
	"stat -c %n /tmp/x/missing"
	"cp -v /tmp/x/a /tmp/x/b"
	"cp -v /tmp/x/a /tmp/x/d/f"
	"cp -rv /tmp/x/d /tmp/x/d2"
	"cp /tmp/x/a /tmp/x/no/b"
	"cp /tmp/x/d /tmp/x/z"
	"cp /tmp/x/missing /tmp/x/z"
	"mv -v /tmp/x/a /tmp/x/b"
	"mv -v /tmp/x/a /tmp/x/d"
	"mv /tmp/x/a /tmp/x/no/b"
	"mv /tmp/x/d /tmp/x/a"
	"mv /tmp/x/e /tmp/x/d"
	"mkdir -v /tmp/x/n"
	"mkdir -pv /tmp/x/n/m/o"
	"mkdir /tmp/x/a/b"
	"mkdir /tmp/x/d"
	"mkdir /tmp/x/no/b"
	"rm -v /tmp/x/a"
	"rm -rv /tmp/x/d"
	"rm /tmp/x/d"
	"rm /tmp/x/missing"
	"rm -f /tmp/x/missing"
	"rmdir /tmp/x/e"
	"rmdir /tmp/x/d"
	"rmdir /tmp/x/a"
)
for c in "${cases[@]}"; do
	read -r -a words <<<"$c"
	rm -rf "$TMP/host"
	cp -a "$FIX" "$TMP/host"
	hrc=0
	chroot "$TMP/host" /bin/busybox "${words[@]}" >"$TMP/host.out" 2>"$TMP/host.err" </dev/null || hrc=$?
	run "$UNUM" run "$FIX/bin/busybox" --add "$FIX/tmp/x:/tmp/x" --timeout "$BOOT_TIMEOUT" -- "${words[@]}"
	grep -v '^unum: ' "$ERR" >"$TMP/guest.err" || true
	[ "$rc" = "$hrc" ] || fail "busybox $c: status $rc, the host's $hrc"
	cmp -s "$TMP/host.out" "$OUT" ||
		fail "busybox $c: stdout differs from the host's:$(diff "$TMP/host.out" "$OUT")"
	cmp -s "$TMP/host.err" "$TMP/guest.err" ||
		fail "busybox $c: stderr differs from the host's:$(diff "$TMP/host.err" "$TMP/guest.err")"
done
exit 0

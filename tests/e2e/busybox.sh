#!/bin/bash
# Debian's own static busybox (busybox-static) runs as the app, one boot
# per applet, on a fixture tree added with --add; each output is compared
# byte for byte with the same binary run on the host in a chroot of the
# same tree. (Pipelines and $(...) need fork: not yet. Outputs that hang
# on directory order or on block counts, where the host's file system
# differs from the ramfs, are left out.)
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
BB=/bin/busybox
[ -x "$BB" ] || fail "$BB missing (tools/deps.sh installs busybox-static)"
FIX=$TMP/fix
mkdir -p "$FIX/bin" "$FIX/data/sub" "$FIX/tmp" "$FIX/etc"
# the host's chroot gets the /etc/passwd and group the guest makes when
# the app brings none (core/fs/etc.c), so ls -l names the owner alike
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$FIX/etc/passwd"
printf 'root:x:0:\n' >"$FIX/etc/group"
cp "$BB" "$FIX/bin/busybox"
printf 'pear\napple\nfig\napple\nbanana\n' >"$FIX/data/fruit.txt"
printf 'a,b,c\n1,2,3\nx,y,z\n' >"$FIX/data/table.csv"
printf 'nested file\n' >"$FIX/data/sub/deep.txt"
ln -s fruit.txt "$FIX/data/link"
touch -d '2024-01-02 03:04:05 UTC' "$FIX/data"/* "$FIX/data/sub" "$FIX/data"
cases=(
	"echo hello world"
	"cat /data/fruit.txt /data/sub/deep.txt"
	"wc /data/fruit.txt"
	"sort /data/fruit.txt"
	"uniq -c /data/fruit.txt"
	"head -n 2 /data/fruit.txt"
	"tail -n 2 /data/fruit.txt"
	"cut -d, -f2 /data/table.csv"
	"tr a-z A-Z /data/fruit.txt"
	"sed -n s/apple/APPLE/p /data/fruit.txt"
	"grep -n an /data/fruit.txt"
	"awk -F, {print\$3,NR} /data/table.csv"
	"find /data/sub"
	"md5sum /data/fruit.txt /data/table.csv"
	"sha256sum /data/sub/deep.txt"
	"ls /data"
	"ls -l /data/fruit.txt /data/table.csv"
	"ls -ld --full-time /data/sub/deep.txt"
	"date -d @1700000000"
	"id"
	"id -G"
	"sh -c x=3;while [ \$x -gt 0 ];do echo n\$x;x=\$((x-1));done"
	"sh -c f(){ echo fn:\$1; };f one;f two;case ab in a*) echo glob;;esac"
	"sh -c cd /data;pwd;echo *.txt"
)
for c in "${cases[@]}"; do
	read -r -a words <<<"$c"
	if [ "${words[0]}" = sh ]; then words=(sh -c "${c#sh -c }"); fi
	TZ=UTC chroot "$FIX" /bin/busybox "${words[@]}" >"$TMP/host" 2>&1 </dev/null ||
		echo "status $?" >>"$TMP/host"
	run "$UNUM" run "$FIX/bin/busybox" --add "$FIX/data:/data" --env TZ=UTC \
		--timeout "$BOOT_TIMEOUT" -- "${words[@]}"
	[ "$rc" -eq 0 ] || echo "status $rc" >>"$OUT"
	grep -v '^unum: ' "$ERR" >>"$OUT" || true
	cmp -s "$TMP/host" "$OUT" ||
		fail "busybox $c: output differs from the host's:$(diff "$TMP/host" "$OUT" | head -20)"
done
# free reads sysinfo and /proc/meminfo: in the 128 MiB guest the total is
# its frames (less than 128 MiB, more than 100), used + free + buff/cache
# is the total, and there is no swap
run "$UNUM" run "$FIX/bin/busybox" --timeout "$BOOT_TIMEOUT" -- free -k
expect_status 0
read -r _ total used free shared cache avail <<<"$(grep '^Mem:' "$OUT")"
[ -n "${avail:-}" ] || fail "busybox free: no Mem: line with six figures"
[ "$total" -gt 102400 ] && [ "$total" -le 131072 ] ||
	fail "busybox free: total $total KiB in a 128 MiB guest"
[ $((used + free + cache)) -eq "$total" ] && [ "$avail" -le "$free" ] && [ "$shared" -le "$cache" ] ||
	fail "busybox free: used $used + free $free + buff/cache $cache is not the total $total (or available $avail > free, shared $shared > cache)"
grep -Eq '^Swap: +0 +0 +0' "$OUT" || fail "busybox free: swap is not all 0"

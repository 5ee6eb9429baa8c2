#!/bin/bash
# Debian's static busybox as the app on QEMU's user network: wget of a file
# from a web server this test runs on the host (python3 -m http.server on
# 127.0.0.1, 10.0.2.2 from the guest), nc sending its stdin to a host TCP
# server and printing the reply, and ip addr showing the DHCP lease
# (10.0.2.15/24 on eth0; needs NETLINK_ROUTE). E2E_NET_NATIVE=1 runs
# busybox on the host for wget and nc (ip addr is the guest's alone).
. "$(dirname "$0")/lib/e2e.sh"
. "$(dirname "$0")/lib/net.sh"
BB=/bin/busybox
[ -x "$BB" ] || fail "$BB missing (tools/deps.sh installs busybox-static)"
[ "$NATIVE" = 1 ] || need "$KERNEL"

bb() { # bb STDIN-FILE APPLET ARGS...
	local in=$1
	shift
	if [ "$NATIVE" = 1 ]; then
		cmd="busybox $*"
		rc=0
		timeout 60 "$BB" "$@" >"$OUT" 2>"$ERR" <"$in" || rc=$?
	else
		cmd="tools/unum run busybox $*"
		rc=0
		"$UNUM" run "$BB" --net user -v --timeout "$BOOT_TIMEOUT" -- "$@" \
			>"$OUT" 2>"$ERR" <"$in" || rc=$?
	fi
}

mkdir -p "$TMP/www"
head -c 3000 /dev/urandom | od -An -tx1 >"$TMP/www/data.txt" # 9 KB of text
W=$(free_port)
(cd "$TMP/www" && exec python3 -m http.server --bind 127.0.0.1 "$W") \
	>"$TMP/web.out" 2>"$TMP/web.err" &
APP_PIDS+=("$!")
for ((i = 0; i < 100; i++)); do
	curl -s -o /dev/null "http://127.0.0.1:$W/" && break
	sleep 0.1
done

bb /dev/null wget -q -O - "http://$HOST_FROM_GUEST:$W/data.txt"
expect_status 0
grep -v '^unum: ' "$OUT" >"$TMP/got" || true
cmp -s "$TMP/got" "$TMP/www/data.txt" ||
	fail "busybox wget: the file differs ($(wc -c <"$TMP/got") bytes, expected $(wc -c <"$TMP/www/data.txt"))"
bb /dev/null wget -q -O - "http://$HOST_FROM_GUEST:$W/missing"
[ "$rc" != 0 ] || fail "busybox wget of a missing file: status 0"

# nc: a host server that answers each line, upper-cased, then closes
N=$(free_port)
cat >"$TMP/upper.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(4)
s.settimeout(300)
print("listening", flush=True)
c, _ = s.accept()
c.settimeout(30)
data = b""
while not data.endswith(b"\n"):
    d = c.recv(4096)
    if not d:
        break
    data += d
c.sendall(data.upper())
c.close()
PY
python3 "$TMP/upper.py" "$N" >"$TMP/upper.out" 2>&1 &
APP_PIDS+=("$!")
for ((i = 0; i < 50; i++)); do
	grep -q listening "$TMP/upper.out" && break
	sleep 0.1
done
echo "hello over nc" >"$TMP/nc.in"
bb "$TMP/nc.in" nc "$HOST_FROM_GUEST" "$N"
expect_status 0
grep -qx 'HELLO OVER NC' "$OUT" || fail "busybox nc: no 'HELLO OVER NC' back from the host's server"

if [ "$NATIVE" != 1 ]; then
	bb /dev/null ip addr
	expect_status 0
	grep -Eq 'inet 10\.0\.2\.15/24 .*eth0' "$OUT" || fail "busybox ip addr: no 'inet 10.0.2.15/24 ... eth0'"
	grep -Eq 'inet 127\.0\.0\.1/8' "$OUT" || fail "busybox ip addr: no 'inet 127.0.0.1/8'"
fi
exit 0

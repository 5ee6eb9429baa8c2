#!/bin/bash
# An app that writes 4 MiB to a TCP peer and exits at once, without
# closing (tests/net/tcp_blast): every byte reaches the peer, a server
# this test runs on the host (10.0.2.2 to the guest), because the kernel
# sends what is still queued before the VM ends (net_drain, include/net.h),
# as Linux goes on sending after the process is gone. Before, about 200 KB
# were lost with the VM. E2E_NET_NATIVE=1: the client runs on the host.
. "$(dirname "$0")/lib/e2e.sh"
. "$(dirname "$0")/lib/net.sh"
need_net_bins tcp_blast

P=$(free_port)
BYTES=$((4 << 20))
cat >"$TMP/server.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
s.settimeout(120)
print("listening", flush=True)
c, _ = s.accept()
c.settimeout(60)
n = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    n += len(d)
print("received", n, flush=True)
PY
python3 "$TMP/server.py" "$P" >"$TMP/server.out" 2>"$TMP/server.err" &
SPID=$!
APP_PIDS+=("$SPID")
for ((i = 0; i < 50; i++)); do
	grep -q listening "$TMP/server.out" && break
	sleep 0.1
done
grep -q listening "$TMP/server.out" || fail "the host's server did not start: $(cat "$TMP/server.err")"
if [ "$NATIVE" = 1 ]; then
	run timeout 120 "$NETBIN/tcp_blast-musl" 127.0.0.1 "$P" "$BYTES"
else
	run "$UNUM" run "$NETBIN/tcp_blast-musl" --net user --timeout "$BOOT_TIMEOUT" -- 10.0.2.2 "$P" "$BYTES"
fi
expect_status 0
grep -q "^tcp_blast: wrote $BYTES bytes" "$OUT" || fail "the client did not write it all"
for ((i = 0; i < 100; i++)); do
	grep -q '^received' "$TMP/server.out" && break
	sleep 0.1
done
got=$(sed -n 's/^received //p' "$TMP/server.out")
[ "$got" = "$BYTES" ] || fail "the host's server received ${got:-nothing} bytes, expected $BYTES"
exit 0

#!/bin/bash
# A guest client (tests/net/tcp_client) connects out to a server this test
# runs on the host: a python3 TCP server on 127.0.0.1:PORT, which QEMU's
# user network shows the guest as 10.0.2.2:PORT. The server answers the
# client's line with "echo: LINE"; the client prints it. A port nobody
# listens on is refused (slirp's connect fails, the guest gets a reset).
# E2E_NET_NATIVE=1: the client runs on the host (127.0.0.1).
. "$(dirname "$0")/lib/e2e.sh"
. "$(dirname "$0")/lib/net.sh"
need_net_bins tcp_client

P=$(free_port)
cat >"$TMP/server.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(4)
s.settimeout(300)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    c.settimeout(30)
    line = c.makefile("rb").readline()
    print("got", line.decode(errors="replace").rstrip("\n"), flush=True)
    c.sendall(b"echo: " + line)
    c.close()
PY
python3 "$TMP/server.py" "$P" >"$TMP/server.out" 2>"$TMP/server.err" &
APP_PIDS+=("$!")
for ((i = 0; i < 50; i++)); do
	grep -q listening "$TMP/server.out" && break
	sleep 0.1
done
grep -q listening "$TMP/server.out" || fail "the host's server did not start: $(cat "$TMP/server.err")"

client() {
	if [ "$NATIVE" = 1 ]; then
		run timeout 60 "$NETBIN/tcp_client-musl" "$@"
	else
		run "$UNUM" run "$NETBIN/tcp_client-musl" --net user -v --timeout "$BOOT_TIMEOUT" -- "$@"
	fi
}

client "$HOST_FROM_GUEST" "$P" "hello from unum"
expect_status 0
grep -qx 'echo: hello from unum' "$OUT" || fail "the client did not print the server's 'echo: hello from unum'"
grep -qx 'got hello from unum' "$TMP/server.out" || fail "the host's server did not get the client's line"

closed=$(free_port)
client "$HOST_FROM_GUEST" "$closed"
expect_status 1
grep -q 'Connection refused' "$ERR" || fail "a connect to a closed host port is not 'Connection refused'"
exit 0

#!/bin/bash
# apps/iperf3 (docs/apps.md): Debian's iperf3 unmodified. --version through
# its manifest with no network; then the image's server (`-s -1`: one
# test, then exit 0) against the host's iperf3 client through --port for
# a 5 s TCP test: the client's JSON report has the 5 s and bytes received
# on both ends, the server's log its receiver line, the VM ends with 0.
# tools/deps.sh installs iperf3: missing, a failure.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
[ -x /usr/bin/iperf3 ] || fail "/usr/bin/iperf3 missing (tools/deps.sh installs Debian's iperf3)"
export UNUM_KERNEL=$KERNEL BUILD=$B
M=apps/iperf3/manifest
run "$UNUM" run --manifest $M --net none --timeout "$BOOT_TIMEOUT" -- --version
expect_status 0
grep -q '^iperf 3\.12 ' "$OUT" || fail "expected 'iperf 3.12 ...' first"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$UNUM" run --manifest $M --host-port "$port" --timeout 150 -- -s -1 \
	>"$TMP/vm.out" 2>"$TMP/vm.err" &
vm=$!
served_fail() { kill $vm 2>/dev/null; wait $vm; cp "$TMP/vm.out" "$OUT"; cp "$TMP/vm.err" "$ERR"; fail "$@"; }
# the server's stdout is a file (glibc buffers it to the end) and QEMU's
# forward takes connections before the guest listens: the client tries
# until one connects and runs (a try the forward took before the guest
# listened ends at once with an "error" in its report)
done_=
for _ in $(seq 45); do
	kill -0 $vm 2>/dev/null || break
	if timeout 60 iperf3 -c 127.0.0.1 -p "$port" -t 5 -J >"$TMP/client.json" 2>"$TMP/client.err" &&
		python3 -c 'import json, sys; sys.exit("sum_sent" not in json.load(open(sys.argv[1])).get("end", {}))' \
			"$TMP/client.json" 2>/dev/null; then
		done_=1
		break
	fi
	sleep 2
done
[ -n "$done_" ] || served_fail "iperf3 -c 127.0.0.1 -p $port -t 5 never completed ($(tail -c 300 "$TMP/client.json"))"
python3 - "$TMP/client.json" >"$TMP/check" <<'PY' || served_fail "the client's report: $(cat "$TMP/check")"
import json, sys
r = json.load(open(sys.argv[1]))
s, e = r["end"]["sum_sent"], r["end"]["sum_received"]
ok = "error" not in r and s["seconds"] >= 4.9 and s["bytes"] > 0 and e["bytes"] > 0
print(f"sent {s['bytes']} B in {s['seconds']:.2f} s, received {e['bytes']} B, "
      f"{e['bits_per_second'] / 1e6:.0f} Mbit/s")
sys.exit(0 if ok else 1)
PY
rc=0
wait $vm || rc=$?
cp "$TMP/vm.out" "$OUT"
cp "$TMP/vm.err" "$ERR"
cmd="tools/unum run --manifest $M --host-port $port -- -s -1"
grep -q 'Accepted connection from' "$OUT" || fail "the server's log has no 'Accepted connection from'"
grep -Eq '0\.00-[0-9.]+ +sec +[0-9.]+ [KMG]Bytes +[0-9.]+ [KMG]bits/sec +receiver' "$OUT" ||
	fail "the server's log has no receiver summary line"
expect_status 0
exit 0

#!/bin/bash
# ApacheBench on the host against our HTTP server in the guest through
# --port: ab -n 10000 without and with keep-alive (-k), twice each on the
# same guest, every run "Complete requests: 10000" and "Failed requests:
# 0" (other unikernels' users report stalls after a few thousand requests
# and throughput that drops run after run), 10 clients at once: QEMU's
# user networking listens on the host port with a backlog of 1 (ss -ltn
# shows it), so 100 clients connecting at once wait out the host's SYN
# retries, seconds each, and slirp resets some of them, whatever the
# guest (no reset comes from the guest: a capture of its frames has none);
# tests/e2e/net-tap.sh runs -c 100 both ways on a tap. Figures are
# printed, never asserted. E2E_NET_NATIVE=1: httpd on the host.
. "$(dirname "$0")/lib/e2e.sh"
. "$(dirname "$0")/lib/net.sh"
need_net_bins httpd
command -v ab >/dev/null || fail "ab missing (tools/deps.sh installs apache2-utils)"

H=$(free_port)
G=80
[ "$NATIVE" = 1 ] && G=$H
app_start httpd httpd "--net user --port $H:80 --mem 256M" -p "$G"
wait_line httpd '^listening on ' 120

for round in 1 2; do
	for k in "" -k; do
		c=10
		# -s: a request unanswered for 60 s fails the run (no stall hides)
		run timeout 600 ab -q -s 60 $k -n 10000 -c $c "http://127.0.0.1:$H/"
		what="round $round: ab ${k:+$k }-n 10000 -c $c"
		[ "$rc" = 0 ] || app_fail httpd "$what: status $rc"
		grep -Eq '^Complete requests: +10000$' "$OUT" ||
			app_fail httpd "$what: no 'Complete requests: 10000'"
		grep -Eq '^Failed requests: +0$' "$OUT" || app_fail httpd "$what: failed requests"
		if grep -q '^Non-2xx responses' "$OUT"; then app_fail httpd "$what: non-2xx responses"; fi
		if [ -n "$k" ]; then
			grep -Eq '^Keep-Alive requests: +10000$' "$OUT" ||
				app_fail httpd "$what: not every request kept the connection alive"
		fi
		echo "$what: $(grep -E '^Requests per second' "$OUT" | sed 's/  */ /g')"
	done
done
kill -0 "${PID_OF[httpd]}" 2>/dev/null || app_fail httpd "the guest ended during the runs"
exit 0

#!/bin/bash
# curl on the host against our HTTP server (tests/net/httpd) in the guest,
# through tools/unum --net user --port HOST:80 (QEMU's hostfwd on
# 127.0.0.1), on microvm (virtio-mmio) and on q35 (virtio-pci): the 1 KB
# body at /, HEAD, a 404, and two URLs over one kept-alive connection.
# E2E_NET_NATIVE=1 runs httpd on the host instead (lib/net.sh).
. "$(dirname "$0")/lib/e2e.sh"
. "$(dirname "$0")/lib/net.sh"
need_net_bins httpd
command -v curl >/dev/null || fail "curl missing (tools/deps.sh installs it)"

for machine in microvm q35; do
	H=$(free_port)
	G=80
	[ "$NATIVE" = 1 ] && G=$H
	name=httpd-$machine
	app_start "$name" httpd "--net user --port $H:80 --machine $machine" -p "$G"
	wait_line "$name" '^listening on ' 120
	url=http://127.0.0.1:$H

	run curl -sS --max-time 30 "$url/"
	[ "$rc" = 0 ] || app_fail "$name" "$machine: curl $url/ failed (status $rc)"
	size=$(wc -c <"$OUT")
	[ "$size" = 1024 ] || app_fail "$name" "$machine: GET /: expected 1024 bytes, got $size"
	[ "$(head -1 "$OUT")" = "unum httpd: 1024 bytes" ] ||
		app_fail "$name" "$machine: GET /: the body's first line is not 'unum httpd: 1024 bytes'"

	run curl -sS --max-time 30 -I "$url/"
	[ "$rc" = 0 ] || app_fail "$name" "$machine: curl -I failed (status $rc)"
	grep -q '^HTTP/1.1 200 OK' "$OUT" || app_fail "$name" "$machine: HEAD /: no 'HTTP/1.1 200 OK'"
	grep -qi '^Content-Length: 1024' "$OUT" ||
		app_fail "$name" "$machine: HEAD /: no 'Content-Length: 1024'"
	run curl -sS --max-time 30 -I -o /dev/null -w '%{size_download}' "$url/"
	[ "$(cat "$OUT")" = 0 ] || app_fail "$name" "$machine: HEAD /: a body came ($(cat "$OUT") bytes)"

	run curl -sS --max-time 30 -o /dev/null -w '%{http_code}' "$url/no/such/file"
	[ "$(cat "$OUT")" = 404 ] ||
		app_fail "$name" "$machine: GET /no/such/file: expected 404, got $(cat "$OUT")"

	# two URLs in one curl: the second transfer makes no new connection
	run curl -sS --max-time 30 -o /dev/null -o /dev/null \
		-w '%{http_code} %{num_connects}\n' "$url/" "$url/again"
	[ "$(tr '\n' ' ' <"$OUT")" = "200 1 404 0 " ] ||
		app_fail "$name" "$machine: keep-alive: expected '200 1' then '404 0' (code, new connections), got '$(tr '\n' ' ' <"$OUT")'"
	stop_apps
done
exit 0

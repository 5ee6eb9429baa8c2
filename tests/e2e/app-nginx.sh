#!/bin/bash
# apps/nginx (docs/apps.md): nginx -V through its manifest (version, our
# configure flags: static, musl, PCRE2 and zlib built in); nginx -t reads
# the baked-in nginx.conf and mime.types and binds its port; a config with
# an unknown directive is refused with nginx's own words; the image boots
# on QEMU user networking and curl gets: the site's index.html and
# robots.txt byte for byte (200), nginx's 404 page for a missing one, HEAD
# (200, the file's Content-Length, no body), two requests on one
# keep-alive connection (the second makes no new connect), and the
# recipe's 10 MiB file (its sha256 equal to the build's); the access log
# has a line for each on stdout. XXX: nginx has no way to be told to stop
# from the host yet (issue #13's graceful shutdown): the VM is killed after
# the checks.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
need_app nginx nginx pcre2 zlib
export UNUM_KERNEL=$KERNEL BUILD=$B
M=apps/nginx/manifest
run "$UNUM" run --manifest $M --net none --timeout "$BOOT_TIMEOUT" -- -V
expect_status 0
expect_err '^nginx version: nginx/1\.22\.1$'
expect_err '^configure arguments: .*--with-ld-opt=-static .*--with-pcre=.*--with-zlib='

run "$UNUM" run --manifest $M --net none --timeout "$BOOT_TIMEOUT" -- -t
expect_status 0
expect_err 'the configuration file /etc/nginx/nginx.conf syntax is ok'
expect_err 'configuration file /etc/nginx/nginx.conf test is successful'

printf 'daemon off;\nevents {}\nhttp { bogus_directive on; }\n' >"$TMP/bad.conf"
run "$UNUM" run --manifest $M --net none --add "$TMP/bad.conf:/etc/nginx/bad.conf" \
	--timeout "$BOOT_TIMEOUT" -- -t -c /etc/nginx/bad.conf
expect_status 1
expect_err 'unknown directive "bogus_directive" in /etc/nginx/bad.conf:3'

run "$UNUM" image -o "$TMP/nginx.img" --manifest $M
expect_status 0
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$UNUM" run "$TMP/nginx.img" --accel tcg --net user --port "$port:80" \
	--timeout 120 >"$TMP/vm.out" 2>"$TMP/vm.err" &
vm=$!
served_fail() { kill $vm 2>/dev/null; wait $vm; cp "$TMP/vm.out" "$OUT"; cp "$TMP/vm.err" "$ERR"; fail "$@"; }
get() { curl -s -o "$TMP/body" -w '%{http_code}' --max-time 20 "http://127.0.0.1:$port$1"; }
code=
for _ in $(seq 60); do
	code=$(get /) && [ "$code" = 200 ] && break
	kill -0 $vm 2>/dev/null || break
	sleep 1
done
[ "$code" = 200 ] || served_fail "GET /: status '$code', expected 200 within 60s"
cmp -s "$TMP/body" apps/nginx/site/index.html || served_fail "GET /: the body is not apps/nginx/site/index.html"
code=$(get /robots.txt)
[ "$code" = 200 ] && cmp -s "$TMP/body" apps/nginx/site/robots.txt || served_fail "GET /robots.txt: $code or a different body"
code=$(get /no/such/page)
[ "$code" = 404 ] || served_fail "GET /no/such/page: status $code, expected 404"
grep -q '<title>404 Not Found</title>' "$TMP/body" || served_fail "GET /no/such/page: not nginx's 404 page"

# HEAD: the headers of GET /, no body
curl -sS -I -o "$TMP/head" -w '%{size_download}' --max-time 20 "http://127.0.0.1:$port/" >"$TMP/hsize" ||
	served_fail "HEAD /: curl failed"
grep -q $'^HTTP/1.1 200 OK\r$' "$TMP/head" || served_fail "HEAD /: no 'HTTP/1.1 200 OK' ($(head -1 "$TMP/head"))"
len=$(stat -c %s apps/nginx/site/index.html)
grep -qi "^Content-Length: $len"$'\r$' "$TMP/head" || served_fail "HEAD /: no 'Content-Length: $len'"
[ "$(cat "$TMP/hsize")" = 0 ] || served_fail "HEAD /: $(cat "$TMP/hsize") bytes of body came"

# keep-alive: two URLs in one curl, the second on the first's connection
curl -sS -v --max-time 20 -o "$TMP/ka1" -o "$TMP/ka2" -w '%{http_code} %{num_connects}\n' \
	"http://127.0.0.1:$port/" "http://127.0.0.1:$port/robots.txt" >"$TMP/ka" 2>"$TMP/ka.err" ||
	served_fail "keep-alive: curl failed: $(tail -1 "$TMP/ka.err")"
[ "$(tr '\n' ' ' <"$TMP/ka")" = "200 1 200 0 " ] ||
	served_fail "keep-alive: expected '200 1' then '200 0' (code, new connections), got '$(tr '\n' ' ' <"$TMP/ka")'"
grep -q 'Re-using existing connection' "$TMP/ka.err" || served_fail "keep-alive: curl did not re-use its connection"
cmp -s "$TMP/ka1" apps/nginx/site/index.html && cmp -s "$TMP/ka2" apps/nginx/site/robots.txt ||
	served_fail "keep-alive: the bodies are not index.html and robots.txt"

# 10 MiB (the recipe's file, baked in by the manifest), its sha256 the build's
big=$B/apps/nginx/10m.bin
need "$big"
code=$(curl -s -o "$TMP/big" -w '%{http_code}' --max-time 120 "http://127.0.0.1:$port/10m.bin") ||
	served_fail "GET /10m.bin: curl failed (status $code)"
[ "$code" = 200 ] || served_fail "GET /10m.bin: status $code, expected 200"
got=$(sha256sum <"$TMP/big" | cut -d' ' -f1)
want=$(sha256sum <"$big" | cut -d' ' -f1)
[ "$got" = "$want" ] || served_fail "GET /10m.bin: sha256 $got ($(stat -c %s "$TMP/big") bytes), expected $want ($(stat -c %s "$big") bytes)"

sleep 1
for want in '"GET /no/such/page HTTP/1.1" 404' '"HEAD / HTTP/1.1" 200' \
	'"GET /robots.txt HTTP/1.1" 200' '"GET /10m.bin HTTP/1.1" 200 10485760 '; do
	grep -qF "$want" "$TMP/vm.out" || served_fail "no access log line with '$want' on stdout"
done
kill $vm
wait $vm
exit 0

#!/bin/bash
# apps/nginx (docs/apps.md) with no network: nginx -V through its manifest
# (version, our configure flags: static, musl, PCRE2 and zlib built in);
# nginx -t reads the baked-in nginx.conf and mime.types ("syntax is ok");
# a config with an unknown directive is refused with nginx's own words.
# XXX: until AF_INET sockets land -t must end at the listening socket
# (EAFNOSUPPORT, 97); with them, "test is successful" and status 0 (the
# served-over-TCP tests of issue #13 come then).
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
need_app nginx nginx pcre2 zlib
export UNUM_KERNEL=$KERNEL BUILD=$B
M=apps/nginx/manifest
run "$UNUM" run --manifest $M --timeout "$BOOT_TIMEOUT" -- -V
expect_status 0
expect_err '^nginx version: nginx/1\.22\.1$'
expect_err '^configure arguments: .*--with-ld-opt=-static .*--with-pcre=.*--with-zlib='

run "$UNUM" run --manifest $M --timeout "$BOOT_TIMEOUT" -- -t
expect_err 'the configuration file /etc/nginx/nginx.conf syntax is ok'
if [ "$rc" = 1 ]; then
	expect_err 'socket\(\) 0\.0\.0\.0:80 failed \(97: Address family not supported'
	expect_err 'configuration file /etc/nginx/nginx.conf test failed'
else
	expect_status 0
	expect_err 'configuration file /etc/nginx/nginx.conf test is successful'
fi

printf 'daemon off;\nevents {}\nhttp { bogus_directive on; }\n' >"$TMP/bad.conf"
run "$UNUM" run --manifest $M --add "$TMP/bad.conf:/etc/nginx/bad.conf" \
	--timeout "$BOOT_TIMEOUT" -- -t -c /etc/nginx/bad.conf
expect_status 1
expect_err 'unknown directive "bogus_directive" in /etc/nginx/bad.conf:3'
exit 0

#!/bin/bash
# apps/redis (docs/apps.md) with no network: redis-server --version through
# its manifest; the image `make image APP=redis` makes (the manifest's
# arguments baked in) boots, loads its configuration and gets as far as
# listening. XXX: with AF_INET sockets this becomes redis-cli against it
# (issue #13's tests); today it must stop with its own words for a bind
# that fails (errno 97, EAFNOSUPPORT), status 1.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
need_app redis redis
export UNUM_KERNEL=$KERNEL BUILD=$B
M=apps/redis/manifest
run "$UNUM" run --manifest $M --timeout "$BOOT_TIMEOUT" -- --version
expect_status 0
grep -q '^Redis server v=7\.0\.15 .*malloc=libc bits=64' "$OUT" || fail "no 'Redis server v=7.0.15 ... malloc=libc bits=64'"

run "$UNUM" image -o "$TMP/redis.img" --manifest $M
expect_status 0
run "$UNUM" run "$TMP/redis.img" --accel tcg --timeout "$BOOT_TIMEOUT"
for want in 'Redis is starting' 'Redis version=7.0.15, bits=64' 'Configuration loaded' \
	'Could not create server TCP listening socket \*:6379'; do
	grep -q "$want" "$OUT" || fail "redis's log has no '$want'"
done
expect_status 1
exit 0

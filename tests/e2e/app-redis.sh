#!/bin/bash
# apps/redis (docs/apps.md): redis-server --version through its manifest;
# the image tools/unum image --manifest makes (the manifest's arguments
# baked in) boots on QEMU user networking and answers redis-cli (PING,
# SET/GET, INCR, CONFIG GET save), then SHUTDOWN NOSAVE ends it with
# status 0. XXX: issue #13's full list (LPUSH/LRANGE, INFO,
# redis-benchmark, redis's own test suite) is the lead's to add.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
need_app redis redis
export UNUM_KERNEL=$KERNEL BUILD=$B
M=apps/redis/manifest
run "$UNUM" run --manifest $M --net none --timeout "$BOOT_TIMEOUT" -- --version
expect_status 0
grep -q '^Redis server v=7\.0\.15 .*malloc=libc bits=64' "$OUT" || fail "no 'Redis server v=7.0.15 ... malloc=libc bits=64'"

run "$UNUM" image -o "$TMP/redis.img" --manifest $M
expect_status 0
# served: the image booted with a forward from a free port to its 6379,
# redis-cli against it, then SHUTDOWN ends redis (status 0) and the VM
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$UNUM" run "$TMP/redis.img" --accel tcg --net user --port "$port:6379" \
	--timeout 120 >"$TMP/vm.out" 2>"$TMP/vm.err" &
vm=$!
cli() { timeout 20 redis-cli -h 127.0.0.1 -p "$port" "$@"; }
up=
for _ in $(seq 60); do
	[ "$(cli PING 2>/dev/null)" = PONG ] && { up=1; break; }
	kill -0 $vm 2>/dev/null || break
	sleep 1
done
served_fail() { kill $vm 2>/dev/null; wait $vm; cp "$TMP/vm.out" "$OUT"; cp "$TMP/vm.err" "$ERR"; fail "$@"; }
[ -n "$up" ] || served_fail "no PONG from redis on 127.0.0.1:$port within 60s"
[ "$(cli SET k hello)" = OK ] || served_fail "SET k hello: not OK"
[ "$(cli GET k)" = hello ] || served_fail "GET k: not hello"
[ "$(cli INCR n)" = 1 ] && [ "$(cli INCR n)" = 2 ] || served_fail "INCR n twice: not 1 then 2"
[ "$(cli CONFIG GET save | tail -1)" = "" ] || served_fail "CONFIG GET save: not '' (the manifest's --save '')"
cli SHUTDOWN NOSAVE >/dev/null 2>&1
rc=0
wait $vm || rc=$?
cp "$TMP/vm.out" "$OUT"
cp "$TMP/vm.err" "$ERR"
cmd="tools/unum run redis.img --net user --port $port:6379"
for want in 'Redis is starting' 'Redis version=7.0.15, bits=64' 'Configuration loaded' \
	'Ready to accept connections' 'User requested shutdown'; do
	grep -q "$want" "$OUT" || fail "redis's log has no '$want'"
done
expect_status 0
exit 0

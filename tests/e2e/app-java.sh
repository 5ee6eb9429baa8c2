#!/bin/bash
# apps/java (docs/apps.md): Debian's OpenJDK 17 unmodified, with the JDK
# pieces its manifest adds and its library closure. The manifest's Hello
# (apps/java/Hello.java: a thread pool, a few hundred MB of garbage,
# String.format, a file, NullPointerExceptions from implicit null checks)
# prints what the host's java prints running the same class, with the JIT
# on 2 CPUs and with -Xint on one, and exits with its number of arguments;
# java -version names the server VM in mixed mode; com.sun.net.httpserver
# (tests/guest/java/Serve.java, compiled here) answers curl through --port.
# The seconds each JVM run takes are in the log (never asserted).
# tools/deps.sh installs the JDK: missing, a failure.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
JDK=/usr/lib/jvm/java-17-openjdk-amd64
[ -x $JDK/bin/java ] && [ -x $JDK/bin/javac ] && [ -f $JDK/lib/modules ] ||
	fail "Debian's OpenJDK 17 missing in $JDK (tools/deps.sh installs openjdk-17-jdk-headless)"
CLASSES=$B/apps/java/classes
need "$CLASSES/Hello.class" "apps BUILD=$B"
export UNUM_KERNEL=$KERNEL BUILD=$B
M=apps/java/manifest
timed() { # timed WHAT CMD...: run, and the wall time on stderr (the log)
	local what=$1 t0
	shift
	t0=$(date +%s.%N)
	run "$@"
	echo "app-java: $what: $(awk "BEGIN { print $(date +%s.%N) - $t0 }") s" >&2
}

$JDK/bin/java -Xmx64m -cp "$CLASSES" Hello >"$TMP/want" 2>&1 || fail "host run of Hello failed"
timed "Hello (the manifest's run, 2 CPUs)" "$UNUM" run --manifest $M --net none --cpus 2 --timeout 600
expect_status 0
diff "$TMP/want" "$OUT" >&2 || fail "Hello's output differs from the host's (diff above)"

hrc=0
$JDK/bin/java -Xint -Xmx64m -cp "$CLASSES" Hello a b >"$TMP/want" 2>&1 || hrc=$?
[ $hrc = 2 ] || fail "host run of Hello a b: status $hrc, expected 2"
timed "Hello -Xint" "$UNUM" run --manifest $M --net none --timeout 600 -- -Xint -Xmx64m -cp /classes Hello a b
expect_status 2
diff "$TMP/want" "$OUT" >&2 || fail "Hello -Xint's output differs from the host's (diff above)"

timed "java -version" "$UNUM" run --manifest $M --net none --timeout 600 -- -version
expect_status 0
expect_err '^openjdk version "17\.'
expect_err '^OpenJDK 64-Bit Server VM .*mixed mode'

mkdir "$TMP/serve"
$JDK/bin/javac -d "$TMP/serve" tests/guest/java/Serve.java || fail "javac Serve.java failed"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$UNUM" run --manifest $M --add "$TMP/serve:/serve" --net user --port "$port:8080" --timeout 300 \
	-- -Xmx64m -cp /serve Serve 8080 >"$TMP/vm.out" 2>"$TMP/vm.err" &
vm=$!
served_fail() { kill $vm 2>/dev/null; wait $vm; cp "$TMP/vm.out" "$OUT"; cp "$TMP/vm.err" "$ERR"; fail "$@"; }
get() { curl -s -o "$TMP/body" -w '%{http_code}' --max-time 30 "http://127.0.0.1:$port$1"; }
code=
for _ in $(seq 120); do
	code=$(get /first) && [ "$code" = 200 ] && break
	kill -0 $vm 2>/dev/null || break
	sleep 1
done
[ "$code" = 200 ] && grep -qx 'hello /first #[0-9]*' "$TMP/body" || served_fail "GET /first: status '$code', expected 200 and its greeting within 120s"
n=$(sed 's/.*#//' "$TMP/body")
code=$(get /missing/page)
[ "$code" = 404 ] && grep -qx "hello /missing/page #$((n + 1))" "$TMP/body" || served_fail "GET /missing/page: $code, expected 404 and request $((n + 1))"
code=$(get /quit)
[ "$code" = 200 ] || served_fail "GET /quit: $code"
rc=0
wait $vm || rc=$?
cp "$TMP/vm.out" "$OUT"
cp "$TMP/vm.err" "$ERR"
expect_status 0
printf 'listening on 8080\nserved %d\n' $((n + 2)) | diff - "$OUT" >&2 || fail "the server's output (diff above)"
exit 0

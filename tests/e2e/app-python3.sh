#!/bin/bash
# apps/python3 (docs/apps.md): Debian's python3 3.11 unmodified, with its
# stdlib from the manifest and its library closure (libcrypto for
# _hashlib, libsqlite3 for _sqlite3, libz, libexpat...) copied from the
# host. The manifest's default prints sys.version (the host's); a script
# using json, hashlib (sha256, md5, blake2b, pbkdf2), sqlite3, socket (a
# socketpair and a TCP connection on the guest's loopback), threading, re,
# zlib, struct, os.walk and a file prints what the host's run of the same
# interpreter prints, and its exit status; then python3 -m http.server in
# the guest serves a folder to curl through --port (200 byte for byte, a
# listing, a 404). tools/deps.sh installs the interpreter: missing, a failure.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
PY=/usr/bin/python3
[ "$(readlink -f $PY)" = /usr/bin/python3.11 ] && [ -f /usr/lib/python3.11/os.py ] &&
	[ "$(head -c 4 /usr/bin/python3.11 | tail -c 3)" = ELF ] ||
	fail "Debian's /usr/bin/python3.11 with /usr/lib/python3.11 missing (tools/deps.sh installs python3.11, libpython3.11-stdlib)"
export UNUM_KERNEL=$KERNEL BUILD=$B
M=apps/python3/manifest

run "$UNUM" run --manifest $M --net none --timeout "$BOOT_TIMEOUT"
expect_status 0
$PY -c 'import sys; print(sys.version)' >"$TMP/want"
diff "$TMP/want" "$OUT" >&2 || fail "sys.version differs from the host's"

mkdir "$TMP/py"
cat >"$TMP/py/script.py" <<'PY'
import hashlib, json, os, re, socket, sqlite3, struct, sys, threading, zlib
print(json.dumps({"a": [1, 2.5, None, True], "b": "\u00e9"}, sort_keys=True))
print(json.loads('{"x": [1, {"y": "z"}]}')["x"][1]["y"])
print(hashlib.sha256(b"abc").hexdigest())
print(hashlib.md5(b"unum").hexdigest(), hashlib.blake2b(b"x", digest_size=8).hexdigest())
print(hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 1000).hex())
db = sqlite3.connect(":memory:")
db.execute("create table t(k integer primary key, v text)")
db.executemany("insert into t(v) values (?)", [(f"row{i}",) for i in range(100)])
print(db.execute("select count(*), sum(k), max(v) from t").fetchone(), sqlite3.sqlite_version)
a, b = socket.socketpair()
a.sendall(b"ping")
print(b.recv(4), a.family == socket.AF_UNIX)
srv = socket.create_server(("127.0.0.1", 0))
port = srv.getsockname()[1]
def serve():
    c, _ = srv.accept()
    c.sendall(c.recv(100).upper())
    c.close()
t = threading.Thread(target=serve)
t.start()
with socket.create_connection(("127.0.0.1", port)) as c:
    c.sendall(b"over tcp")
    print(c.recv(100))
t.join()
total = []
lock = threading.Lock()
def work(n):
    s = sum(i * i for i in range(n))
    with lock:
        total.append(s)
ts = [threading.Thread(target=work, args=(10000 * (i + 1),)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(sorted(total))
print(re.findall(r"(\w+)=(\d+)", "a=1, bb=22, ccc=333"))
data = b"unum " * 1000
print(len(zlib.compress(data)), zlib.decompress(zlib.compress(data)) == data)
print(struct.pack("<iQd", -1, 2**40, 0.5).hex())
os.makedirs(sys.argv[1])
os.chdir(sys.argv[1])  # the host's folder or the guest's: relative names
os.makedirs("tree/a/b")
for p in ("tree/f1", "tree/a/f2", "tree/a/b/f3"):
    with open(p, "w") as f:
        f.write(p)
print(sorted((d, sorted(fs)) for d, _, fs in os.walk("tree")))
print(open("tree/a/b/f3").read(), os.path.getsize("tree/a/f2"))
sys.exit(3)
PY
hrc=0
$PY "$TMP/py/script.py" "$TMP/work" >"$TMP/host.out" 2>&1 || hrc=$?
[ "$hrc" = 3 ] || { cat "$TMP/host.out" >&2; fail "host run: status $hrc, expected 3"; }
run "$UNUM" run --manifest $M --net none --add "$TMP/py/script.py:/script.py" \
	--timeout 300 -- /script.py /tmp/work
expect_status 3
diff "$TMP/host.out" "$OUT" >&2 || fail "guest output differs from the host's (diff above)"

# python3 -m http.server in the guest, through --port (as make run would
# with the manifest; an image of it is the same initrd, xz-compressed: minutes)
mkdir -p "$TMP/site/sub"
head -c 100000 /dev/urandom >"$TMP/site/blob.bin"
echo "hello from python3 on unum" >"$TMP/site/sub/index.html"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$UNUM" run --manifest $M --add "$TMP/site:/srv" --net user --port "$port:8000" --timeout 240 \
	-- -m http.server 8000 --directory /srv >"$TMP/vm.out" 2>"$TMP/vm.err" &
vm=$!
served_fail() { kill $vm 2>/dev/null; wait $vm; cp "$TMP/vm.out" "$OUT"; cp "$TMP/vm.err" "$ERR"; fail "$@"; }
get() { curl -s -o "$TMP/body" -w '%{http_code}' --max-time 30 "http://127.0.0.1:$port$1"; }
code=
for _ in $(seq 120); do
	code=$(get /blob.bin) && [ "$code" = 200 ] && break
	kill -0 $vm 2>/dev/null || break
	sleep 1
done
[ "$code" = 200 ] || served_fail "GET /blob.bin: status '$code', expected 200 within 120s"
cmp -s "$TMP/body" "$TMP/site/blob.bin" || served_fail "GET /blob.bin: the body differs from the file"
code=$(get /sub/)
[ "$code" = 200 ] && cmp -s "$TMP/body" "$TMP/site/sub/index.html" || served_fail "GET /sub/: $code or not sub/index.html"
code=$(get /)
[ "$code" = 200 ] && grep -q 'href="blob.bin"' "$TMP/body" || served_fail "GET /: $code or no listing with blob.bin"
code=$(get /no/such)
[ "$code" = 404 ] || served_fail "GET /no/such: status $code, expected 404"
sleep 1
grep -q '"GET /no/such HTTP/1.1" 404' "$TMP/vm.err" || served_fail "no log line for the 404 on stderr"
kill $vm
wait $vm
exit 0

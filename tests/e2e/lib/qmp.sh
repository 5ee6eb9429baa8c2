# Helpers sourced after e2e.sh by the tests that drive QEMU through a
# QMP socket (tools/unum run --qmp SOCKET): one command and its answer,
# and waiting for the app's output.

# wait_out REGEX SECONDS: until the app's output has the line
wait_out() {
	for _ in $(seq $(($2 * 10))); do
		grep -Eq -- "$1" "$OUT" && return 0
		sleep 0.1
	done
	fail "no line /$1/ on stdout within $2 s"
}

# qmp SOCKET COMMAND [JSON-ARGS]: QEMU's answer to one command
qmp() {
	python3 - "$@" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()  # the greeting
def ask(cmd, args=None):
    f.write(json.dumps({"execute": cmd, **({"arguments": args} if args else {})}) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
ask("qmp_capabilities")
print(json.dumps(ask(sys.argv[2], json.loads(sys.argv[3]) if len(sys.argv) > 3 else None)))
PY
}

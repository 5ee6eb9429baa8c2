# Helpers sourced by the network e2e tests (tests/e2e/net-*.sh) after
# e2e.sh: the programs of tests/net, free ports on 127.0.0.1, a guest (or,
# with E2E_NET_NATIVE=1, the same program natively on the host: how the
# host-side halves of these tests are checked without our kernel) run in
# the background until the test ends, and waits that are all bounded.

NETBIN=$B/tests/net
# E2E_NET_NATIVE=1: the app runs on the host, its port is the host port
# and the host is 127.0.0.1, not QEMU's 10.0.2.2
NATIVE=${E2E_NET_NATIVE:-0}
HOST_FROM_GUEST=10.0.2.2
[ "$NATIVE" = 1 ] && HOST_FROM_GUEST=127.0.0.1
APP_TIMEOUT=300 # seconds a background guest may live (tools/unum --timeout)
APP_PIDS=()
declare -A PID_OF
trap 'stop_apps; rm -rf "$TMP"' EXIT

need_net_bins() {
	for p in "$@"; do
		need "$NETBIN/$p-musl" guest-apps
	done
	[ "$NATIVE" = 1 ] || need "$KERNEL"
}

# free_port [tcp|udp]: a port nobody on 127.0.0.1 uses now
free_port() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "${1:-tcp}"
}

# app_start NAME PROG "UNUM-OPTIONS" ARGS...: tests/net's PROG in a guest
# (tools/unum run with the options, then -- ARGS) or natively; its stdout
# and stderr in $TMP/NAME.out and .err, its pid in PID_OF[NAME]
app_start() {
	local name=$1 prog=$NETBIN/$2-musl opts=$3
	shift 3
	if [ "$NATIVE" = 1 ]; then
		"$prog" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null &
	else
		# shellcheck disable=SC2086 # the options are words
		"$UNUM" run "$prog" $opts --timeout "$APP_TIMEOUT" -v -- "$@" \
			>"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null &
	fi
	PID_OF[$name]=$!
	APP_PIDS+=("$!")
}

stop_apps() {
	for p in "${APP_PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	APP_PIDS=()
}

# show_app NAME: its output, for a failure's log
show_app() {
	{
		echo "--- $1 stdout:"
		cat -v "$TMP/$1.out" 2>/dev/null | tail -50
		echo "--- $1 stderr:"
		cat -v "$TMP/$1.err" 2>/dev/null | tail -80
	} >&2
}

app_fail() { # app_fail NAME WHY
	show_app "$1"
	fail "$2"
}

# wait_line NAME REGEX SECONDS: until the app's stdout has a line matching
# REGEX; fails if the app ends first or the time runs out
wait_line() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -Eq -- "$2" "$TMP/$1.out" 2>/dev/null && return 0
		kill -0 "${PID_OF[$1]}" 2>/dev/null ||
			app_fail "$1" "$1 ended before printing /$2/"
		sleep 0.1
	done
	app_fail "$1" "no /$2/ from $1 within $3 s"
}

#!/bin/bash
# Benchmark section "minmem" (issues #11, #13): the smallest guest. For each
# app, the least --mem (whole MiB, found by bisection: bench_min_mib) at
# which it still does its job: apps/hello prints its greeting, busybox sh
# -c 'echo ok' prints ok, sqlite3 and lua print 42, redis answers PING
# from the host through --net user; ours (tools/unum run) against the
# Linux guest running the same static binary (tools/bench/linux-guest;
# redis through tools/bench/tcpload.py, with the guest's virtio-net
# modules). Also the size of
# each app's disk image (tools/unum image --manifest), and the kernel's own
# floor against tools/unum's minimum. Run: tools/bench/run minmem
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT
TIMEOUT=${BENCH_MINMEM_TIMEOUT:-60}	# seconds per boot
LINUX_MAX=${BENCH_MINMEM_LINUX_MAX:-1024}	# MiB: the Linux search stops there
UNUM=$BENCH_ROOT/tools/unum
export UNUM_KERNEL=$KERNEL BUILD
t_start=$SECONDS
notes=()
floor=$(sed -n 's/^MIN_MEM_MIB = \([0-9]*\).*/\1/p' "$BENCH_ROOT/tools/pyunum/cli.py")
floor=${floor:-3}

have_linux=1
[ -f "$BUILD/linux/vmlinuz" ] ||
	{ have_linux=0; notes+=("Linux: not measured: no $BUILD/linux/vmlinuz (make -f tools/bench/bench.mk bench-tools)"); }

# One boot of ours / the Linux guest with MIB MiB: does PROGRAM ARGS print
# exactly WANT and exit 0? Usage: ours_prints WANT PROGRAM [ARGS...] MIB
ours_prints() {
	local want=$1 mib=${!#} out
	local argv=("${@:2:$#-2}")
	out=$("$UNUM" run "${argv[0]}" --mem "${mib}M" --timeout "$TIMEOUT" -- "${argv[@]:1}" \
		</dev/null 2>/dev/null) && [ "$(tr -d '\036\r' <<<"$out")" = "$want" ]
}
linux_prints() {
	local want=$1 mib=${!#} out
	local argv=("${@:2:$#-2}")
	out=$("$BENCH_ROOT/tools/bench/linux-guest" --mem "${mib}M" --timeout "$TIMEOUT" "${argv[@]}" \
		2>/dev/null) && [ "$(tr -d '\r' <<<"$out")" = "$want" ]
}

# redis with MIB MiB: up within the timeout, PONG from the host, then
# SHUTDOWN NOSAVE ends it (or it is killed).
ours_redis() {
	local mib=$1 port vm up=1
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$UNUM" run "$BUILD/apps/redis/redis" --mem "${mib}M" --net user --port "$port:6379" \
		--timeout "$TIMEOUT" -- --save '' --appendonly no --protected-mode no \
		</dev/null >/dev/null 2>&1 &
	vm=$!
	for ((i = 0; i < TIMEOUT; i++)); do
		[ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$port" PING 2>/dev/null)" = PONG ] && { up=0; break; }
		kill -0 $vm 2>/dev/null || break
		sleep 1
	done
	[ $up -eq 0 ] && timeout 5 redis-cli -h 127.0.0.1 -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1
	for ((i = 0; i < 10; i++)); do kill -0 $vm 2>/dev/null || break; sleep 1; done
	kill $vm 2>/dev/null
	wait $vm 2>/dev/null
	return $up
}

# the same in the Linux guest with MIB MiB: its virtio-net modules and
# netup (bench_linux_netmods), tools/bench/tcpload.py's PING probe through
# the same hostfwd; it waits for PONG, then stops the guest
linux_redis() {
	python3 "$BENCH_ROOT/tools/bench/tcpload.py" --side linux "${MODARGS[@]}" --mem "${1}M" \
		--guest-port 6379 --ready redis --timeout "$TIMEOUT" idle 0 -- \
		"$BUILD/apps/redis/redis" --save '' --appendonly no --protected-mode no \
		>"$BENCH_TMP/linux-redis" 2>&1 && ! grep -q '^result error' "$BENCH_TMP/linux-redis"
}

# the manifest's min_mem of APP in KiB, or "-"
manifest_min() {
	sed -n 's/^min_mem *= *"\([0-9]*\)M".*/\1/p' "$BENCH_ROOT/apps/$1/manifest" 2>/dev/null |
		awk 'NF { print $1 * 1024; f = 1 } END { if (!f) print "-" }'
}

bench_table_head "minmem: the smallest guest, $(basename "$KERNEL") vs Linux guest" \
	"  TCG -cpu max, 1 vCPU; ours microvm (tools/unum run, from its ${floor}M minimum up), Linux $(cat "$BUILD/linux/PACKAGE" 2>/dev/null || echo '?') on q35 (linux-guest, from ${floor}M up)" \
	Linux

# APP NAME WANT PROGRAM ARGS...: one app's smallest --mem, both sides
app_row() {
	local app=$1 what=$2 want=$3 ours=- linux=-
	shift 3
	if [ ! -x "$1" ]; then
		notes+=("$app: not measured: $1 not built (make apps)")
	else
		ours=$(bench_min_mib "$floor" 1024 ours_prints "$want" "$@")
		[ $have_linux -eq 1 ] && linux=$(bench_min_mib "$floor" "$LINUX_MAX" linux_prints "$want" "$@")
	fi
	bench_subhead "$app: $what"
	bench_row kib "  smallest --mem that works (1 MiB steps)" "$ours" "$linux"
	mins+=("$app $ours $(manifest_min "$app")")
}
mins=()
app_row hello "prints its greeting" "Hello from unum!" "$BUILD/apps/hello/hello"
app_row busybox "busybox sh -c 'echo ok' prints ok" ok "$(command -v busybox || echo /bin/busybox)" sh -c 'echo ok'
app_row sqlite3 "sqlite3 :memory: 'select 6*7;' prints 42" 42 "$BUILD/apps/sqlite3/sqlite3" :memory: 'select 6*7;'
app_row lua5.4 "lua5.4 -e 'print(6*7)' prints 42" 42 "$BUILD/apps/lua5.4/lua5.4" -e 'print(6*7)'
ours=- linux=-
if [ -x "$BUILD/apps/redis/redis" ]; then
	ours=$(bench_min_mib "$floor" 1024 ours_redis)
	linux_net=0
	if [ $have_linux -eq 1 ]; then
		bench_linux_netmods # clears have_linux without its modules: only redis needs them
		linux_net=$have_linux have_linux=1
	fi
	[ $linux_net -eq 1 ] && linux=$(bench_min_mib "$floor" "$LINUX_MAX" linux_redis)
else
	notes+=("redis: not measured: $BUILD/apps/redis/redis not built (make apps)")
fi
bench_subhead "redis: answers PING from the host (--net user, a hostfwd on 127.0.0.1)"
bench_row kib "  smallest --mem that works (1 MiB steps)" "$ours" "$linux"
mins+=("redis $ours $(manifest_min redis)")

# Disk images: what tools/unum image makes of each app's manifest.
bench_subhead "disk images: tools/unum image --manifest apps/NAME/manifest (GRUB, stripped kernel, xz initrd)"
for m in "$BENCH_ROOT"/apps/*/manifest; do
	app=$(basename "$(dirname "$m")")
	size=-
	if "$UNUM" image -o "$BENCH_TMP/$app.img" --manifest "$m" >/dev/null 2>"$BENCH_TMP/err"; then
		size=$(bench_file_size "$BENCH_TMP/$app.img")
	else
		notes+=("$app image: $(tail -n 1 "$BENCH_TMP/err")")
	fi
	rm -f "$BENCH_TMP/$app.img"
	bench_row bytes "  $app" "$size" -
done

# The kernel alone, in KiB steps, against tools/unum's refusal threshold.
kfloor=$(bench_min_mem "$KERNEL" banner)
bench_row kib "kernel alone: smallest -m that boots (256 KiB steps)" "$kfloor" -
if [ "$kfloor" != - ]; then
	up=$(((kfloor + 1023) / 1024))
	if [ "$up" -eq "$floor" ]; then
		notes+=("tools/unum's minimum, ${floor}M (tools/pyunum/cli.py MIN_MEM_MIB), is the kernel's floor rounded up to whole MiB")
	else
		notes+=("tools/unum's minimum is ${floor}M (MIN_MEM_MIB) but the kernel's floor rounds up to ${up}M: they disagree")
	fi
fi
for e in "${mins[@]}"; do
	read -r app got man <<<"$e"
	[ "$got" = - ] || [ "$man" = - ] && continue
	notes+=("$app: measured $((got / 1024))M; its manifest's min_mem is $((man / 1024))M")
done
bench_note "works: the exact expected output and status 0 (redis: PONG); a boot is given $TIMEOUT s;"
bench_note "  the search assumes more memory never hurts; ours cannot go below tools/unum's ${floor}M,"
bench_note "  so ${floor} MiB means \"at the floor\"; the Linux search stops at ${LINUX_MAX}M"
for n in "${notes[@]}"; do
	bench_note "$n"
done
bench_note "section time: $((SECONDS - t_start)) s"
exit 0

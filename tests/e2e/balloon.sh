#!/bin/bash
# Memory back to the host (drivers/virtio_balloon.c), on microvm (MMIO)
# and q35 (PCI): tools/unum run --balloon --qmp SOCKET with a 256 MiB
# guest whose app (tests/guest-mem/balloon_app.c) touches 64 MiB, then
# frees it. Free page reporting: QEMU's RSS falls by most of the 64 MiB
# after the free. Inflating by QMP (balloon 128 MiB): the app sees
# MemTotal drop by 64 MiB or more, and query-balloon's actual is 128 MiB;
# deflating (balloon 256 MiB) gives all of MemTotal back.
# Stats: with a polling interval set, guest-stats has the guest's free
# and total memory.
. "$(dirname "$0")/lib/e2e.sh"
. "$(dirname "$0")/lib/qmp.sh"
need "$KERNEL"
export UNUM_KERNEL=$KERNEL
SRC=tests/guest-mem/balloon_app.c
musl-gcc -static -O2 -o "$TMP/balloon_app" "$SRC" || fail "musl-gcc $SRC failed"

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

for machine in microvm q35; do
	sock=$TMP/qmp-$machine
	rc=0
	cmd="$UNUM run $TMP/balloon_app --balloon --qmp $sock --mem 256M --machine $machine"
	"$UNUM" run "$TMP/balloon_app" --balloon --qmp "$sock" --mem 256M --machine "$machine" -v \
		--timeout 120 >"$OUT" 2>"$ERR" </dev/null &
	unum=$!
	wait_out '^balloon_app: touched 64 MiB' 90
	qemu=$(pgrep -P "$unum" | head -1)
	[ -n "$qemu" ] || fail "$machine: no QEMU process under tools/unum ($unum)"
	touched=$(rss_kib "$qemu")
	wait_out '^balloon_app: freed 64 MiB' 30
	# free page reporting: the thread looks twice a second
	fell=0
	for _ in $(seq 100); do
		now=$(rss_kib "$qemu")
		fell=$((touched - now))
		[ "$fell" -ge $((48 << 10)) ] && break
		sleep 0.1
	done
	echo "# $machine: QEMU RSS $touched kB touched, fell by $fell kB after the free"
	[ "$fell" -ge $((48 << 10)) ] ||
		fail "$machine: QEMU's RSS fell by $fell kB after 64 MiB were freed (want >= 48 MiB)"
	# stats: ask for them every second, then read them
	qmp "$sock" qom-set '{"path": "/machine/peripheral/balloon0", "property": "guest-stats-polling-interval", "value": 1}' >/dev/null
	qmp "$sock" balloon '{"value": 134217728}' | grep -q '"return"' || fail "$machine: QMP balloon refused"
	wait_out '^balloon_app: MemTotal dropped to' 60
	wait_out '^balloon_app: MemTotal [0-9]+ kB at the end' 40
	for _ in $(seq 30); do
		actual=$(qmp "$sock" query-balloon)
		echo "$actual" | grep -q '"actual": 134217728' && break
		sleep 0.1
	done
	echo "$actual" | grep -q '"actual": 134217728' || fail "$machine: query-balloon says $actual, want actual 134217728"
	# the guest sends its stats each second (the polling interval): the
	# first after the inflate may still have the old total
	for _ in $(seq 50); do
		stats=$(qmp "$sock" qom-get '{"path": "/machine/peripheral/balloon0", "property": "guest-stats"}')
		python3 -c 'import json,sys; s=json.loads(sys.argv[1])["return"]["stats"]; sys.exit(not (0 < s["stat-free-memory"] < s["stat-total-memory"] <= 140 << 20))' "$stats" && break
		sleep 0.2
	done
	python3 -c 'import json,sys; s=json.loads(sys.argv[1])["return"]["stats"]; sys.exit(not (0 < s["stat-free-memory"] < s["stat-total-memory"] <= 140 << 20))' "$stats" ||
		fail "$machine: guest-stats without the guest's free and total memory: $stats"
	qmp "$sock" balloon '{"value": 268435456}' | grep -q '"return"' || fail "$machine: QMP balloon (deflate) refused"
	wait "$unum" || rc=$?
	start=$(sed -n 's/^balloon_app: MemTotal \([0-9]*\) kB$/\1/p' "$OUT")
	grep -q "^balloon_app: MemTotal back to $start kB" "$OUT" ||
		fail "$machine: MemTotal did not come back to $start kB after the deflate"
	expect_status 0
	expect_err 'virtio-balloon: .*: stats free page reporting' "$machine: the balloon driver did not start"
done
exit 0

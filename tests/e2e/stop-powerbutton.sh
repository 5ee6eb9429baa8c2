#!/bin/bash
# Graceful stop (drivers/acpi_button.c, docs/apps.md "Stopping"): QEMU's
# system_powerdown (what `virsh shutdown` sends) presses q35's ACPI power
# button; the kernel sends the app SIGTERM and the VM ends with the app's
# status: tests/guest-net/stop_term.c's handler exits 3. An app that
# ignores SIGTERM gets SIGKILL once the manifest's stop_grace (1s) is
# over: 137, no sooner than the grace. On microvm with acpi=on the press
# comes through the ACPI generic event device (GED): the same SIGTERM and
# status 3. With acpi=off (tools/unum's default machine) QEMU has no power
# button to press (its powerdown request goes only to the GED): the app
# keeps running and ends by itself (its own alarm: status 4).
. "$(dirname "$0")/lib/e2e.sh"
. "$(dirname "$0")/lib/qmp.sh"
APP=$B/tests/guest-net/stop_term-musl
need "$APP" guest-apps
need "$KERNEL"
export UNUM_KERNEL=$KERNEL

# boot MACHINE SOCK ARGS...: tools/unum in the background, its pid in $unum
boot() {
	local machine=$1 sock=$2
	shift 2
	rc=0
	cmd="$UNUM run $APP --machine $machine --qmp $sock $*"
	"$UNUM" run "$APP" --machine "$machine" --qmp "$sock" --timeout 120 "$@" \
		>"$OUT" 2>"$ERR" </dev/null &
	unum=$!
}

press() { # press SOCK: system_powerdown, which QEMU must accept
	qmp "$1" system_powerdown | grep -q '"return"' || fail "QMP system_powerdown refused"
}

# q35, a handler: the app's own status
boot q35 "$TMP/q1" -v -- handle
wait_out '^ready' 90
press "$TMP/q1"
wait "$unum" || rc=$?
expect_status 3
grep -qx 'got SIGTERM' "$OUT" || fail "the app's handler did not run"
expect_err 'power button: SIGTERM to the app'

# q35, SIGTERM ignored: SIGKILL after the manifest's grace
cat >"$TMP/manifest" <<M
program = "$ROOT/$APP"
args = ["ignore"]
stop_grace = "1s"
M
boot q35 "$TMP/q2" -v --manifest "$TMP/manifest"
wait_out '^ready' 90
t0=$(date +%s%N)
press "$TMP/q2"
wait "$unum" || rc=$?
t1=$(date +%s%N)
expect_status 137
expect_err 'power button: SIGTERM to the app, SIGKILL in 1000 ms'
expect_err 'grace period is over: SIGKILL'
[ $(((t1 - t0) / 1000000)) -ge 1000 ] || fail "ended $(((t1 - t0) / 1000000)) ms after the press, before the 1 s grace"

# microvm, acpi=on (QEMU merges the second -M into tools/unum's): the GED
boot microvm "$TMP/m0" -v --qemu -M --qemu microvm,acpi=on -- handle 60
wait_out '^ready' 90
expect_err '^power button: GED GSI [0-9]+ '
press "$TMP/m0"
wait "$unum" || rc=$?
expect_status 3
grep -qx 'got SIGTERM' "$OUT" || fail "microvm acpi=on: the app's handler did not run"
expect_err 'power button: SIGTERM to the app'

# microvm, acpi=off: the request reaches nothing
boot microvm "$TMP/m1" -v -- handle 4
wait_out '^ready' 90
press "$TMP/m1"
wait "$unum" || rc=$?
expect_status 4
grep -qx 'no SIGTERM in 4 s' "$OUT" || fail "microvm: the app did not run out its alarm"
expect_no_err 'power button'
exit 0

#!/bin/bash
# The real-time clock starts at the host's time (drivers/rtc.c, core/time/clock.c),
# not at 1970: time(), gettimeofday() and clock_gettime(CLOCK_REALTIME) in
# the guest all fall between the host's time before the boot and after it,
# give or take 10 s (the CMOS clock counts whole seconds), and agree.
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
command -v musl-gcc >/dev/null || fail "musl-gcc missing (tools/deps.sh installs musl-tools)"
cat >"$TMP/prog.c" <<'C'
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

int
main(void)
{
	struct timespec ts;
	struct timeval tv;
	time_t t = time(NULL);

	if (clock_gettime(CLOCK_REALTIME, &ts) || gettimeofday(&tv, NULL))
		return 1;
	printf("%lld %lld %lld\n", (long long)t, (long long)ts.tv_sec, (long long)tv.tv_sec);
	return 0;
}
C
musl-gcc -static -o "$TMP/prog" "$TMP/prog.c" || fail "musl-gcc failed"
before=$(date +%s)
run "$UNUM" run "$TMP/prog" --timeout "$BOOT_TIMEOUT"
after=$(date +%s)
expect_status 0
read -r t ts tv <"$OUT" || fail "no output"
for v in "$t" "$ts" "$tv"; do
	[[ "$v" =~ ^[0-9]+$ ]] || fail "not a number of seconds: '$v'"
	[ "$v" -ge $((before - 10)) ] && [ "$v" -le $((after + 10)) ] ||
		fail "guest time $v is not within 10 s of the host's ($before..$after)"
done
[ $((ts - t)) -le 1 ] && [ $((tv - t)) -le 1 ] && [ "$ts" -ge "$t" ] && [ "$tv" -ge "$t" ] ||
	fail "time() $t, CLOCK_REALTIME $ts and gettimeofday $tv disagree"
exit 0

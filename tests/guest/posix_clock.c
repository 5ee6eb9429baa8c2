/* In-guest checks of the clocks: clock_getres (1 ns for the fine clocks,
 * at most a 10 ms tick for *_COARSE), gettimeofday and time() agreeing
 * with CLOCK_REALTIME, the coarse clocks monotonic and within a tick of
 * the fine ones, BOOTTIME at or past MONOTONIC, the CPU-time clocks
 * growing over a spin, EINVAL for an unknown clock. Built three ways like
 * every tests/guest program; run as the app (and natively). */
#define _GNU_SOURCE
#include "tap.h"
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000ll

static long long
ns(clockid_t c)
{
	struct timespec ts;
	if (clock_gettime(c, &ts))
		return -1;
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static long long
res(clockid_t c)
{
	struct timespec ts = {-1, -1};
	if (clock_getres(c, &ts))
		return -1;
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void
test_res(void)
{
	CHECK(res(CLOCK_REALTIME) == 1, "clock_getres(REALTIME): 1 ns");
	CHECK(res(CLOCK_MONOTONIC) == 1, "clock_getres(MONOTONIC): 1 ns");
	CHECK(res(CLOCK_BOOTTIME) == 1, "clock_getres(BOOTTIME): 1 ns");
	long long r = res(CLOCK_REALTIME_COARSE);
	CHECK(r > 0 && r <= 10 * MS, "clock_getres(REALTIME_COARSE): > 0, <= 10 ms");
	r = res(CLOCK_MONOTONIC_COARSE);
	CHECK(r > 0 && r <= 10 * MS, "clock_getres(MONOTONIC_COARSE): > 0, <= 10 ms");
	r = res(CLOCK_PROCESS_CPUTIME_ID);
	CHECK(r > 0 && r <= 10 * MS, "clock_getres(PROCESS_CPUTIME_ID): > 0");
	CHECK(clock_getres(CLOCK_MONOTONIC, NULL) == 0, "clock_getres with a NULL result: 0");
	struct timespec ts;
	errno = 0;
	CHECK(clock_getres((clockid_t)4242, &ts) == -1 && errno == EINVAL,
	      "clock_getres(unknown clock): EINVAL");
	errno = 0;
	CHECK(clock_gettime((clockid_t)4242, &ts) == -1 && errno == EINVAL,
	      "clock_gettime(unknown clock): EINVAL");
}

static void
test_wall(void)
{
	struct timeval tv;
	long long r1 = ns(CLOCK_REALTIME);
	gettimeofday(&tv, NULL);
	long long r2 = ns(CLOCK_REALTIME);
	long long g = tv.tv_sec * 1000000000ll + tv.tv_usec * 1000ll;
	/* gettimeofday truncates to microseconds */
	CHECK(g >= r1 - 1000 && g <= r2,
	      "gettimeofday between two clock_gettime(REALTIME) (the same clock)");
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "gettimeofday: tv_usec in range");

	r1 = ns(CLOCK_REALTIME);
	time_t t = time(NULL);
	r2 = ns(CLOCK_REALTIME);
	gettimeofday(&tv, NULL);
	/* time() may follow the coarse clock: a tick behind across a second */
	CHECK(t >= (r1 - 10 * MS) / 1000000000ll && t <= r2 / 1000000000ll,
	      "time() agrees with clock_gettime(REALTIME)");
	CHECK(t <= tv.tv_sec && tv.tv_sec - t <= 1, "time() agrees with gettimeofday");
	CHECK(t > 1500000000, "time() is a real date (after 2017), not 1970");
}

static void
test_coarse(void)
{
	long long prev = ns(CLOCK_MONOTONIC_COARSE), bad = 0;
	for (int i = 0; i < 2000; i++) {
		long long c = ns(CLOCK_MONOTONIC_COARSE);
		bad += c < prev;
		prev = c;
	}
	CHECK(prev > 0 && !bad, "MONOTONIC_COARSE never goes back (2000 reads)");

	long long m1 = ns(CLOCK_MONOTONIC), c = ns(CLOCK_MONOTONIC_COARSE);
	long long m2 = ns(CLOCK_MONOTONIC);
	CHECK(c <= m2 && c >= m1 - 10 * MS, "MONOTONIC_COARSE within 10 ms of MONOTONIC");
	m1 = ns(CLOCK_REALTIME), c = ns(CLOCK_REALTIME_COARSE), m2 = ns(CLOCK_REALTIME);
	CHECK(c <= m2 && c >= m1 - 10 * MS, "REALTIME_COARSE within 10 ms of REALTIME");

	/* the coarse clock moves: it passes a fine reading taken before */
	m1 = ns(CLOCK_MONOTONIC);
	while (ns(CLOCK_MONOTONIC_COARSE) <= m1 && ns(CLOCK_MONOTONIC) - m1 < 5000 * MS)
		;
	CHECK(ns(CLOCK_MONOTONIC_COARSE) > m1, "MONOTONIC_COARSE advances");

	m1 = ns(CLOCK_MONOTONIC);
	long long b = ns(CLOCK_BOOTTIME);
	m2 = ns(CLOCK_MONOTONIC);
	CHECK(b >= m1, "BOOTTIME at or past MONOTONIC");
	if (getenv("UNUM_TEST")) /* no suspend in a unikernel: the same clock */
		CHECK(b <= m2, "unum: BOOTTIME between two MONOTONIC reads (no suspend)");
}

static void
test_cputime(void)
{
	long long p1 = ns(CLOCK_PROCESS_CPUTIME_ID), t1 = ns(CLOCK_THREAD_CPUTIME_ID);
	long long m1 = ns(CLOCK_MONOTONIC);
	volatile unsigned long x = 0;
	/* spin 50 ms of wall time; the CPU time must grow with it */
	while (ns(CLOCK_MONOTONIC) - m1 < 50 * MS)
		for (int i = 0; i < 10000; i++)
			x += i;
	long long p2 = ns(CLOCK_PROCESS_CPUTIME_ID), t2 = ns(CLOCK_THREAD_CPUTIME_ID);
	long long m2 = ns(CLOCK_MONOTONIC);
	CHECK(p1 >= 0 && p2 > p1, "PROCESS_CPUTIME_ID grows over a spin");
	CHECK(t1 >= 0 && t2 > t1, "THREAD_CPUTIME_ID grows over a spin");
	CHECK(p2 - p1 <= m2 - m1 + 20 * MS, "PROCESS_CPUTIME_ID: no more than the wall time spun");
	(void)x;
}

int
main(void)
{
	test_res();
	test_wall();
	test_coarse();
	test_cputime();
	return tap_done();
}

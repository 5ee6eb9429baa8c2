/* In-guest checks of timers on CPU time: setitimer/getitimer with
 * ITIMER_PROF (SIGPROF) and ITIMER_VIRTUAL (SIGVTALRM), and POSIX timers
 * on CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID and the clocks of
 * clock_getcpuclockid and pthread_getcpuclockid. A spinning program gets
 * about one signal per interval of CPU time (counted loosely: at least
 * one, at most CPU time / interval + 2), a sleeping one none. Built three
 * ways like every tests/guest program; runs natively on Linux too. */
#define _GNU_SOURCE
#include "tap.h"
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id /* glibc before 2.41 names it only this way */
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define MS 1000000ll

static volatile int hits[65];
static volatile int hit_tid;

static void
on_sig(int sig)
{
	hits[sig]++;
	hit_tid = (int)syscall(SYS_gettid);
}

static int64_t
clock_of(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* spin until clock c has advanced by ns (and 10 s of wall time at most) */
static void
spin_on(clockid_t c, int64_t ns)
{
	int64_t start = clock_of(c), wall = clock_of(CLOCK_MONOTONIC);
	volatile uint64_t x = 0;

	while (clock_of(c) - start < ns && clock_of(CLOCK_MONOTONIC) - wall < 10000 * MS)
		for (int i = 0; i < 10000; i++)
			x += i;
}

/* n signals while the timer was armed for cpu ns of its clock, whose
 * time includes what the host took from the vCPU (steal time is CPU
 * time to the guest): at least min (0 or 1), at most one per interval
 * and 2 * min more */
static int
loosely(int n, int min, int64_t cpu, int64_t interval, const char *what)
{
	int ok = n >= min && n <= cpu / interval + 2 * min;

	if (!ok)
		printf("# %s: %d signals in %lld us of CPU time at %lld ms (expected %d..%lld)\n",
		       what, n, (long long)(cpu / 1000), (long long)(interval / MS), min,
		       (long long)(cpu / interval + 2 * min));
	return ok;
}

static void
test_itimers(void)
{
	struct itimerval itv = {{0, 10000}, {0, 10000}}, cur, off = {{0, 0}, {0, 0}};
	struct timespec nap = {0, 20 * MS};
	int64_t cpu;

	signal(SIGPROF, on_sig);
	signal(SIGVTALRM, on_sig);
	cpu = clock_of(CLOCK_PROCESS_CPUTIME_ID);
	CHECK(setitimer(ITIMER_PROF, &itv, NULL) == 0, "setitimer ITIMER_PROF 10 ms");
	spin_on(CLOCK_PROCESS_CPUTIME_ID, 200 * MS);
	CHECK(setitimer(ITIMER_PROF, &off, &cur) == 0 && cur.it_interval.tv_usec == 10000,
	      "ITIMER_PROF disarms, giving back its interval");
	cpu = clock_of(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	CHECK(loosely(hits[SIGPROF], 1, cpu, 10 * MS, "ITIMER_PROF"),
	      "a spinning program gets SIGPROF about every 10 ms of CPU time");

	cpu = clock_of(CLOCK_PROCESS_CPUTIME_ID);
	CHECK(setitimer(ITIMER_VIRTUAL, &itv, NULL) == 0, "setitimer ITIMER_VIRTUAL 10 ms");
	spin_on(CLOCK_PROCESS_CPUTIME_ID, 200 * MS);
	CHECK(setitimer(ITIMER_VIRTUAL, &off, NULL) == 0, "ITIMER_VIRTUAL disarms");
	cpu = clock_of(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	CHECK(loosely(hits[SIGVTALRM], 1, cpu, 10 * MS, "ITIMER_VIRTUAL"),
	      "a spinning program gets SIGVTALRM about every 10 ms of CPU time");

	hits[SIGPROF] = hits[SIGVTALRM] = 0;
	cpu = clock_of(CLOCK_PROCESS_CPUTIME_ID);
	CHECK(setitimer(ITIMER_PROF, &itv, NULL) == 0 && setitimer(ITIMER_VIRTUAL, &itv, NULL) == 0,
	      "both armed again");
	for (int i = 0; i < 10; i++)
		nanosleep(&nap, NULL);
	setitimer(ITIMER_PROF, &off, NULL);
	setitimer(ITIMER_VIRTUAL, &off, NULL);
	cpu = clock_of(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	CHECK(loosely(hits[SIGPROF], 0, cpu, 10 * MS, "sleeping, ITIMER_PROF") &&
	          loosely(hits[SIGVTALRM], 0, cpu, 10 * MS, "sleeping, ITIMER_VIRTUAL"),
	      "a sleeping program gets neither in 200 ms (but for CPU time it used)");

	itv = (struct itimerval){{0, 0}, {5, 0}};
	setitimer(ITIMER_PROF, &itv, NULL);
	spin_on(CLOCK_PROCESS_CPUTIME_ID, 50 * MS);
	CHECK(getitimer(ITIMER_PROF, &cur) == 0 && cur.it_value.tv_sec < 5 &&
	          (cur.it_value.tv_sec > 0 || cur.it_value.tv_usec > 0) &&
	          cur.it_interval.tv_sec == 0,
	      "getitimer ITIMER_PROF counts down with CPU time");
	setitimer(ITIMER_PROF, &off, NULL);
	CHECK(getitimer(ITIMER_PROF, &cur) == 0 && !cur.it_value.tv_sec && !cur.it_value.tv_usec,
	      "getitimer of a disarmed ITIMER_PROF is 0");
	CHECK(setitimer(3, &itv, NULL) == -1 && errno == EINVAL, "setitimer of no timer: EINVAL");
}

static int
ktimer_create(clockid_t clk, struct sigevent *sev)
{
	int id = -1;

	if (syscall(SYS_timer_create, clk, sev, &id) < 0)
		return -1;
	return id;
}

static int
ktimer_settime(int id, long val_ns, long int_ns)
{
	struct itimerspec its = {{int_ns / 1000000000, int_ns % 1000000000},
	                         {val_ns / 1000000000, val_ns % 1000000000}};
	return (int)syscall(SYS_timer_settime, id, 0, &its, NULL);
}

static int64_t
ktimer_left(int id)
{
	struct itimerspec its;

	if (syscall(SYS_timer_gettime, id, &its))
		return -1;
	return (int64_t)its.it_value.tv_sec * 1000000000 + its.it_value.tv_nsec;
}

/* a timer on clock clk with signal sig (to thread tid when tid > 0):
 * 20 ms intervals while clock spin_clk runs 200 ms */
static void
cpu_posix_timer(clockid_t clk, const char *name, int sig, int tid, clockid_t spin_clk)
{
	struct sigevent ev = {.sigev_notify = tid ? SIGEV_THREAD_ID : SIGEV_SIGNAL,
	                      .sigev_signo = sig};
	char what[120];
	int id;
	int64_t cpu, l1, l2;

	ev.sigev_notify_thread_id = tid;
	signal(sig, on_sig);
	hits[sig] = 0;
	id = ktimer_create(clk, &ev);
	snprintf(what, sizeof(what), "timer_create on %s", name);
	CHECK(id >= 0, what);
	if (id < 0)
		return;
	CHECK(ktimer_settime(id, 1000 * MS, 0) == 0, "timer_settime 1 s of CPU time");
	l1 = ktimer_left(id);
	spin_on(spin_clk, 30 * MS);
	l2 = ktimer_left(id);
	snprintf(what, sizeof(what), "timer_gettime on %s counts down with CPU time", name);
	CHECK(l1 > 0 && l1 <= 1000 * MS && l2 > 0 && l2 < l1, what);
	if (!(l2 > 0 && l2 < l1))
		printf("# left %lld ns, then %lld ns\n", (long long)l1, (long long)l2);
	cpu = clock_of(spin_clk);
	CHECK(ktimer_settime(id, 20 * MS, 20 * MS) == 0, "timer_settime 20 ms intervals");
	spin_on(spin_clk, 200 * MS);
	ktimer_settime(id, 0, 0);
	cpu = clock_of(spin_clk) - cpu;
	snprintf(what, sizeof(what), "a timer on %s fires about every 20 ms of CPU time", name);
	CHECK(loosely(hits[sig], 1, cpu, 20 * MS, name), what);
	if (tid > 0) {
		snprintf(what, sizeof(what), "SIGEV_THREAD_ID on %s reaches its thread", name);
		CHECK(hit_tid == tid, what);
	}
	CHECK(syscall(SYS_timer_delete, id) == 0, "timer_delete");
	CHECK(ktimer_left(id) == -1 && errno == EINVAL, "a deleted timer is gone: EINVAL");
}

static volatile int other_stop;

static void *
sleeper(void *arg)
{
	struct timespec nap = {0, 10 * MS};

	while (!other_stop)
		nanosleep(&nap, NULL);
	return NULL;
}

static void
test_posix_cpu_timers(void)
{
	int self = (int)syscall(SYS_gettid);
	clockid_t c;
	pthread_t t;
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2};
	struct timespec nap = {0, 20 * MS};
	int64_t cpu;
	int id;

	cpu_posix_timer(CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID", SIGUSR1, 0,
	                CLOCK_PROCESS_CPUTIME_ID);
	cpu_posix_timer(CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID", SIGRTMIN + 1, self,
	                CLOCK_THREAD_CPUTIME_ID);
	CHECK(clock_getcpuclockid(0, &c) == 0, "clock_getcpuclockid");
	cpu_posix_timer(c, "clock_getcpuclockid's clock", SIGUSR2, 0, CLOCK_PROCESS_CPUTIME_ID);
	CHECK(pthread_getcpuclockid(pthread_self(), &c) == 0, "pthread_getcpuclockid");
	cpu_posix_timer(c, "pthread_getcpuclockid's clock", SIGRTMIN + 2, 0,
	                CLOCK_THREAD_CPUTIME_ID);

	/* the clock of a thread that sleeps hardly moves: no signal */
	CHECK(pthread_create(&t, NULL, sleeper, NULL) == 0 && pthread_getcpuclockid(t, &c) == 0,
	      "a sleeping thread's clock");
	hits[SIGUSR2] = 0;
	signal(SIGUSR2, on_sig);
	id = ktimer_create(c, &ev);
	cpu = clock_of(c);
	CHECK(id >= 0 && ktimer_settime(id, 10 * MS, 10 * MS) == 0, "a timer on it, 10 ms");
	spin_on(CLOCK_THREAD_CPUTIME_ID, 100 * MS); /* this thread's time does not count */
	for (int i = 0; i < 5; i++)
		nanosleep(&nap, NULL);
	syscall(SYS_timer_delete, id);
	cpu = clock_of(c) - cpu;
	CHECK(loosely(hits[SIGUSR2], 0, cpu, 10 * MS, "sleeping thread"),
	      "a timer on a sleeping thread's clock does not fire (but for CPU time it used)");
	other_stop = 1;
	pthread_join(t, NULL);
	CHECK(ktimer_create((clockid_t)((~1234567u << 3) | 6), &ev) == -1 && errno == EINVAL,
	      "timer_create on no thread's clock: EINVAL");
}

int
main(void)
{
	test_itimers();
	test_posix_cpu_timers();
	return tap_done();
}

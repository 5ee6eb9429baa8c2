/* In-guest checks of POSIX timers and queued signals: timer_create with
 * SIGEV_SIGNAL, SIGEV_THREAD_ID, SIGEV_NONE, a NULL sigevent and libc's
 * SIGEV_THREAD; one-shot, interval, absolute and overrun; timer_gettime,
 * timer_getoverrun, timer_delete and their errors; rt_sigqueueinfo and
 * rt_tgsigqueueinfo to self. Built three ways like every tests/guest
 * program; run as the app, and natively on Linux. */
#define _GNU_SOURCE
#include "tap.h"
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id /* glibc before 2.41 names it only this way */
#define sigev_notify_thread_id _sigev_un._tid
#endif

static volatile int hits, last_code, last_value, last_timerid, last_overrun, last_tid;
static volatile int rt_values[8], rt_n;

static void
on_timer(int sig, siginfo_t *si, void *uc)
{
	hits++;
	last_code = si->si_code;
	last_value = si->si_value.sival_int;
	last_timerid = si->si_timerid;
	last_overrun = si->si_overrun;
	last_tid = (int)syscall(SYS_gettid);
}

static void
on_rt(int sig, siginfo_t *si, void *uc)
{
	if (rt_n < 8)
		rt_values[rt_n] = si->si_value.sival_int;
	rt_n++;
	last_code = si->si_code;
	last_tid = si->si_pid;
}

static void
handle(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa = {.sa_sigaction = fn, .sa_flags = SA_SIGINFO};
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static int64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* sleep in 1 ms steps until *p reaches n or ms pass; whether it did */
static int
wait_for(volatile int *p, int n, int ms)
{
	int64_t end = now_ns() + (int64_t)ms * 1000000;
	struct timespec step = {0, 1000000};

	while (*p < n && now_ns() < end)
		nanosleep(&step, NULL);
	return *p >= n;
}

/* the kernel's timer id, with the raw call (libc's timer_t is its own) */
static int
ktimer_create(clockid_t clk, struct sigevent *sev)
{
	int id = -1;

	if (syscall(SYS_timer_create, clk, sev, &id) < 0)
		return -1;
	return id;
}

static int
ktimer_settime(int id, int flags, long val_ns, long int_ns, struct itimerspec *old)
{
	struct itimerspec its = {{int_ns / 1000000000, int_ns % 1000000000},
	                         {val_ns / 1000000000, val_ns % 1000000000}};
	return (int)syscall(SYS_timer_settime, id, flags, &its, old);
}

static int
ktimer_gettime(int id, struct itimerspec *its)
{
	return (int)syscall(SYS_timer_gettime, id, its);
}

static volatile int worker_tid, worker_done;
static int sig_worker;

static void *
worker(void *arg)
{
	sigset_t block, empty;

	sigemptyset(&block);
	sigaddset(&block, sig_worker);
	sigemptyset(&empty);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	worker_tid = (int)syscall(SYS_gettid);
	while (!hits)
		sigsuspend(&empty);
	worker_done = 1;
	return NULL;
}

static volatile int thread_calls, thread_value;
static pthread_t main_thread;
static volatile int thread_other;

static void
notify(union sigval v)
{
	thread_value = v.sival_int;
	thread_other = !pthread_equal(pthread_self(), main_thread);
	__atomic_fetch_add(&thread_calls, 1, __ATOMIC_SEQ_CST);
}

static void
test_signal_timers(void)
{
	int sig = SIGRTMIN + 1, id, id2;
	struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = sig};
	struct itimerspec its, old;
	sigset_t set;

	handle(sig, on_timer);
	sev.sigev_value.sival_int = 0x1234;
	id = ktimer_create(CLOCK_MONOTONIC, &sev);
	CHECK(id >= 0, "timer_create(CLOCK_MONOTONIC, SIGEV_SIGNAL)");
	hits = 0;
	CHECK(ktimer_settime(id, 0, 20000000, 0, NULL) == 0, "timer_settime one-shot 20 ms");
	CHECK(wait_for(&hits, 1, 5000), "the one-shot timer's signal arrives");
	CHECK(last_code == SI_TIMER, "si_code is SI_TIMER");
	CHECK(last_value == 0x1234, "si_value is sigev_value");
	CHECK(last_timerid == id, "si_timerid is the timer's id");
	CHECK(ktimer_gettime(id, &its) == 0 && its.it_value.tv_sec == 0 &&
	          its.it_value.tv_nsec == 0,
	      "an expired one-shot timer reads as disarmed");
	usleep(50000);
	CHECK(hits == 1, "a one-shot timer fires once");

	/* interval: fires again and again */
	hits = 0;
	CHECK(ktimer_settime(id, 0, 10000000, 10000000, NULL) == 0, "timer_settime interval 10 ms");
	CHECK(wait_for(&hits, 5, 10000), "the interval timer fires 5 times");
	CHECK(ktimer_gettime(id, &its) == 0 && its.it_interval.tv_nsec == 10000000 &&
	          its.it_interval.tv_sec == 0,
	      "timer_gettime reports the interval");
	CHECK(ktimer_settime(id, 0, 0, 0, &old) == 0 && old.it_interval.tv_nsec == 10000000,
	      "disarming returns the old setting");
	CHECK(ktimer_gettime(id, &its) == 0 && !its.it_value.tv_sec && !its.it_value.tv_nsec &&
	          !its.it_interval.tv_nsec,
	      "timer_gettime after disarming: zero");
	int before = hits;
	usleep(50000);
	CHECK(hits == before, "a disarmed timer stays quiet");

	/* overrun: expiries while the signal is blocked and pending */
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
	hits = 0;
	ktimer_settime(id, 0, 5000000, 5000000, NULL);
	usleep(100000);
	CHECK(hits == 0, "a blocked timer signal stays pending");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	CHECK(wait_for(&hits, 1, 5000), "it arrives once unblocked");
	CHECK(last_overrun >= 10, "si_overrun counts the expiries while pending");
	int ov = (int)syscall(SYS_timer_getoverrun, id);
	CHECK(ov == last_overrun, "timer_getoverrun matches si_overrun");
	if (ov != last_overrun)
		printf("# getoverrun %d si_overrun %d\n", ov, last_overrun);
	ktimer_settime(id, 0, 0, 0, NULL);

	/* absolute, on CLOCK_REALTIME */
	id2 = ktimer_create(CLOCK_REALTIME, &sev);
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	int64_t t0 = now_ns(), abs_ns = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec + 30000000;
	hits = 0;
	CHECK(id2 >= 0 && ktimer_settime(id2, TIMER_ABSTIME, abs_ns, 0, NULL) == 0,
	      "timer_settime TIMER_ABSTIME on CLOCK_REALTIME");
	CHECK(wait_for(&hits, 1, 5000) && now_ns() - t0 >= 25000000,
	      "the absolute timer fires at its time, not before");
	ktimer_settime(id2, 0, 10000000000, 0, NULL);
	CHECK(ktimer_gettime(id2, &its) == 0 && its.it_value.tv_sec >= 8 &&
	          its.it_value.tv_sec <= 10,
	      "timer_gettime: the time left");
	CHECK(syscall(SYS_timer_delete, id2) == 0, "timer_delete");
	CHECK(syscall(SYS_timer_delete, id2) == -1 && errno == EINVAL,
	      "timer_delete twice: EINVAL");
	CHECK(ktimer_gettime(id2, &its) == -1 && errno == EINVAL, "a deleted timer: EINVAL");
	CHECK(syscall(SYS_timer_getoverrun, 4095) == -1 && errno == EINVAL,
	      "timer_getoverrun of no timer: EINVAL");
	syscall(SYS_timer_delete, id);
}

static void
test_null_sigevent_and_none(void)
{
	struct itimerspec its;
	int id;

	handle(SIGALRM, on_timer);
	id = ktimer_create(CLOCK_MONOTONIC, NULL);
	CHECK(id >= 0, "timer_create with no sigevent");
	hits = 0;
	ktimer_settime(id, 0, 10000000, 0, NULL);
	CHECK(wait_for(&hits, 1, 5000), "a NULL sigevent means SIGALRM");
	CHECK(last_code == SI_TIMER && last_value == id, "... with si_value = the timer id");
	syscall(SYS_timer_delete, id);

	struct sigevent none = {.sigev_notify = SIGEV_NONE};
	id = ktimer_create(CLOCK_MONOTONIC, &none);
	CHECK(id >= 0, "timer_create SIGEV_NONE");
	ktimer_settime(id, 0, 10000000000, 0, NULL);
	CHECK(ktimer_gettime(id, &its) == 0 && its.it_value.tv_sec >= 8, "SIGEV_NONE: counts down");
	hits = 0;
	ktimer_settime(id, 0, 1000000, 0, NULL);
	usleep(30000);
	CHECK(hits == 0 && ktimer_gettime(id, &its) == 0 && !its.it_value.tv_sec &&
	          !its.it_value.tv_nsec,
	      "SIGEV_NONE: expires without a signal");
	syscall(SYS_timer_delete, id);
}

static void
test_thread_id(void)
{
	pthread_t t;
	struct sigevent sev = {.sigev_notify = SIGEV_THREAD_ID};
	int id;

	sig_worker = SIGRTMIN + 2;
	handle(sig_worker, on_timer);
	hits = 0;
	pthread_create(&t, NULL, worker, NULL);
	while (!worker_tid)
		usleep(1000);
	sev.sigev_signo = sig_worker;
	sev.sigev_notify_thread_id = worker_tid;
	id = ktimer_create(CLOCK_MONOTONIC, &sev);
	CHECK(id >= 0, "timer_create SIGEV_THREAD_ID");
	ktimer_settime(id, 0, 20000000, 0, NULL);
	CHECK(wait_for(&worker_done, 1, 5000), "the named thread is woken by its timer");
	CHECK(last_tid == worker_tid, "SIGEV_THREAD_ID lands on the named thread");
	pthread_join(t, NULL);
	syscall(SYS_timer_delete, id);
	sev.sigev_notify_thread_id = 999999;
	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev) == -1 && errno == EINVAL,
	      "SIGEV_THREAD_ID to no thread: EINVAL");
}

static void
test_errors(void)
{
	struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = 0};
	struct itimerspec bad = {{0, 0}, {0, 1000000000}};
	int id;

	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev) == -1 && errno == EINVAL, "signal 0: EINVAL");
	sev.sigev_signo = 65;
	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev) == -1 && errno == EINVAL, "signal 65: EINVAL");
	sev.sigev_signo = SIGUSR1;
	sev.sigev_notify = 77;
	CHECK(ktimer_create(CLOCK_MONOTONIC, &sev) == -1 && errno == EINVAL,
	      "bad sigev_notify: EINVAL");
	CHECK(ktimer_create(99, NULL) == -1 && errno == EINVAL, "unknown clock: EINVAL");
	id = ktimer_create(CLOCK_BOOTTIME, NULL);
	CHECK(id >= 0, "timer_create(CLOCK_BOOTTIME)");
	syscall(SYS_timer_delete, id);
	id = ktimer_create(CLOCK_MONOTONIC, NULL);
	CHECK(syscall(SYS_timer_settime, id, 0, &bad, NULL) == -1 && errno == EINVAL,
	      "timer_settime nsec 1e9: EINVAL");
	CHECK(syscall(SYS_timer_settime, 4000, 0, &bad, NULL) == -1 && errno == EINVAL,
	      "timer_settime of no timer: EINVAL");
	syscall(SYS_timer_delete, id);
}

static void
test_sigev_thread(void)
{
	struct sigevent sev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = notify};
	struct itimerspec its = {{0, 10000000}, {0, 10000000}};
	timer_t tm;

	main_thread = pthread_self();
	sev.sigev_value.sival_int = 4321;
	CHECK(timer_create(CLOCK_MONOTONIC, &sev, &tm) == 0, "libc timer_create SIGEV_THREAD");
	CHECK(timer_settime(tm, 0, &its, NULL) == 0, "libc timer_settime");
	CHECK(wait_for(&thread_calls, 3, 10000), "SIGEV_THREAD: the function runs, repeatedly");
	CHECK(thread_value == 4321 && thread_other, "... with its value, in another thread");
	CHECK(timer_delete(tm) == 0, "libc timer_delete");
}

static void
test_sigqueue(void)
{
	int sig = SIGRTMIN + 3;
	sigset_t set;
	siginfo_t si;
	union sigval v;

	handle(sig, on_rt);
	rt_n = 0;
	v.sival_int = 77;
	CHECK(sigqueue(getpid(), sig, v) == 0, "sigqueue to self");
	wait_for(&rt_n, 1, 2000);
	CHECK(rt_n == 1 && rt_values[0] == 77 && last_code == SI_QUEUE,
	      "rt_sigqueueinfo: si_value and SI_QUEUE delivered");
	CHECK(last_tid == getpid(), "... with si_pid");

	/* real-time signals queue, in order */
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (int i = 1; i <= 3; i++) {
		v.sival_int = i;
		sigqueue(getpid(), sig, v);
	}
	int got[3] = {0}, ok = 1;
	for (int i = 0; i < 3; i++) {
		struct timespec ts = {1, 0};
		ok &= sigtimedwait(&set, &si, &ts) == sig;
		got[i] = si.si_value.sival_int;
	}
	CHECK(ok && got[0] == 1 && got[1] == 2 && got[2] == 3, "three queued: taken in order");
	struct timespec zero = {0, 0};
	CHECK(sigtimedwait(&set, &si, &zero) == -1 && errno == EAGAIN, "then none is left");
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	/* to one thread, with its own siginfo */
	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 99;
	si.si_pid = getpid();
	rt_n = 0;
	CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), sig, &si) == 0,
	      "rt_tgsigqueueinfo to self");
	wait_for(&rt_n, 1, 2000);
	CHECK(rt_n == 1 && rt_values[0] == 99, "rt_tgsigqueueinfo: si_value delivered");
	CHECK(syscall(SYS_rt_tgsigqueueinfo, getpid(), 999999, sig, &si) == -1 && errno == ESRCH,
	      "rt_tgsigqueueinfo to no thread: ESRCH");
}

int
main(void)
{
	test_signal_timers();
	test_null_sigevent_and_none();
	test_thread_id();
	test_errors();
	test_sigev_thread();
	test_sigqueue();
	return tap_done();
}

/* In-guest checks of waiting for signals and of blocking calls a signal
 * interrupts: rt_sigsuspend (the temporary mask while the handler runs),
 * rt_sigtimedwait (timeout, a pending signal, EINTR), pause; nanosleep
 * and clock_nanosleep (EINTR, the time left), pipe read (EINTR without
 * SA_RESTART, restarted with it), futex wait, poll/select/epoll_wait
 * (EINTR even with SA_RESTART), ppoll/pselect with their masks. Another
 * thread sends the signal after a pause, so the main one is blocked by
 * then. Built three ways like every tests/guest program; run as the
 * app, and natively on Linux. */
#define _GNU_SOURCE
#include "tap.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT 0 /* linux/futex.h, which musl-gcc cannot see */
#define FUTEX_WAKE 1

static volatile int hits;
static volatile int mask_had_usr2, mask_had_usr1;

static void
on_sig(int sig)
{
	hits++;
}

static void
on_usr1_mask(int sig)
{
	sigset_t cur;

	hits++;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	mask_had_usr2 = sigismember(&cur, SIGUSR2);
	mask_had_usr1 = sigismember(&cur, SIGUSR1);
}

static void
handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa = {.sa_handler = fn, .sa_flags = flags};
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

/* the helper: after delay_ms, signal 'sig' to the main thread; then, if
 * wfd >= 0, wait for the handler and write 5 bytes (or, if futex, set
 * and wake it) */
static struct {
	int tid, sig, delay_ms, wfd;
	volatile uint32_t *futex;
} job;
static pthread_t helper_t;

static void *
helper(void *arg)
{
	usleep(job.delay_ms * 1000);
	syscall(SYS_tgkill, getpid(), job.tid, job.sig);
	if (job.wfd < 0 && !job.futex)
		return NULL;
	for (int i = 0; i < 5000 && !hits; i++)
		usleep(1000);
	usleep(50000); /* the restarted call is asleep again */
	if (job.wfd >= 0)
		(void)!write(job.wfd, "hello", 5);
	if (job.futex) {
		*job.futex = 1;
		syscall(SYS_futex, job.futex, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
	return NULL;
}

static void
start_helper(int sig, int delay_ms, int wfd, volatile uint32_t *futex)
{
	job.tid = (int)syscall(SYS_gettid);
	job.sig = sig;
	job.delay_ms = delay_ms;
	job.wfd = wfd;
	job.futex = futex;
	hits = 0;
	pthread_create(&helper_t, NULL, helper, NULL);
}

/* the raw call: musl retries on EINTR and glibc folds SI_TKILL into
 * SI_USER, and it is the kernel's answer that is checked here */
static int
ksigtimedwait(const sigset_t *set, siginfo_t *si, const struct timespec *ts)
{
	return (int)syscall(SYS_rt_sigtimedwait, set, si, ts, 8);
}

static void
test_sigsuspend_and_wait(void)
{
	sigset_t usr1, during, old;
	siginfo_t si;
	struct timespec ts = {0, 50000000};

	handle(SIGUSR1, on_usr1_mask, 0);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	start_helper(SIGUSR1, 100, -1, NULL);
	sigemptyset(&during);
	sigaddset(&during, SIGUSR2);
	int r = sigsuspend(&during);
	CHECK(r == -1 && errno == EINTR, "sigsuspend returns EINTR");
	CHECK(hits == 1, "... after the handler ran");
	CHECK(mask_had_usr2 && mask_had_usr1,
	      "the handler ran with the temporary mask (+ its signal)");
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2),
	      "the old mask is back after sigsuspend");
	pthread_join(helper_t, NULL);

	/* sigtimedwait: a timeout, a pending signal, an interruption */
	int64_t t0 = now_ns();
	r = ksigtimedwait(&usr1, &si, &ts);
	CHECK(r == -1 && errno == EAGAIN, "sigtimedwait times out: EAGAIN");
	CHECK(now_ns() - t0 >= 40000000, "... after its timeout");
	raise(SIGUSR1);
	ts.tv_sec = 5;
	hits = 0;
	r = ksigtimedwait(&usr1, &si, &ts);
	CHECK(r == SIGUSR1 && si.si_signo == SIGUSR1 && hits == 0,
	      "sigtimedwait takes a pending signal, no handler runs");
	sigset_t pend;
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR1), "... and it is no longer pending");
	start_helper(SIGUSR1, 100, -1, NULL);
	r = ksigtimedwait(&usr1, &si, NULL);
	CHECK(r == SIGUSR1 && si.si_code == SI_TKILL,
	      "rt_sigtimedwait, no timeout: a signal sent while waiting (SI_TKILL)");
	if (r != SIGUSR1 || si.si_code != SI_TKILL)
		printf("# rt_sigtimedwait: %d, si_code %d\n", r, si.si_code);
	pthread_join(helper_t, NULL);
	handle(SIGUSR2, on_sig, 0);
	start_helper(SIGUSR2, 100, -1, NULL);
	r = ksigtimedwait(&usr1, &si, &ts);
	CHECK(r == -1 && errno == EINTR && hits == 1,
	      "sigtimedwait: EINTR for a handled signal outside the set");
	pthread_join(helper_t, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);

	start_helper(SIGUSR2, 100, -1, NULL);
	r = pause();
	CHECK(r == -1 && errno == EINTR && hits == 1, "pause returns EINTR after the handler");
	pthread_join(helper_t, NULL);
}

static void
test_sleeps(void)
{
	struct timespec req = {10, 0}, rem = {0, 0};

	handle(SIGUSR2, on_sig, SA_RESTART); /* sleeps never restart */
	start_helper(SIGUSR2, 100, -1, NULL);
	int r = nanosleep(&req, &rem);
	CHECK(r == -1 && errno == EINTR && hits == 1, "nanosleep interrupted: EINTR");
	CHECK(rem.tv_sec >= 5 && rem.tv_sec < 10, "... with the time left in rem");
	pthread_join(helper_t, NULL);

	rem.tv_sec = 0;
	start_helper(SIGUSR2, 100, -1, NULL);
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
	CHECK(r == EINTR && rem.tv_sec >= 5 && rem.tv_sec < 10,
	      "clock_nanosleep interrupted: EINTR and the time left");
	pthread_join(helper_t, NULL);

	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_sec += 10;
	rem.tv_sec = 12345;
	start_helper(SIGUSR2, 100, -1, NULL);
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, &rem);
	CHECK(r == EINTR && rem.tv_sec == 12345, "an absolute sleep: EINTR, rem untouched");
	pthread_join(helper_t, NULL);
}

static void
test_pipe_and_futex(void)
{
	int p[2];
	char buf[16];

	(void)!pipe(p);
	handle(SIGUSR2, on_sig, 0);
	start_helper(SIGUSR2, 100, -1, NULL);
	ssize_t n = read(p[0], buf, sizeof(buf));
	CHECK(n == -1 && errno == EINTR && hits == 1,
	      "read on an empty pipe, handler without SA_RESTART: EINTR");
	pthread_join(helper_t, NULL);

	handle(SIGUSR2, on_sig, SA_RESTART);
	start_helper(SIGUSR2, 100, p[1], NULL);
	n = read(p[0], buf, sizeof(buf));
	CHECK(n == 5 && !memcmp(buf, "hello", 5) && hits == 1,
	      "with SA_RESTART the read goes on and gets the later data");
	pthread_join(helper_t, NULL);

	static volatile uint32_t word;
	word = 0;
	handle(SIGUSR2, on_sig, 0);
	start_helper(SIGUSR2, 100, -1, NULL);
	long r = syscall(SYS_futex, &word, FUTEX_WAIT, 0, NULL, NULL, 0);
	CHECK(r == -1 && errno == EINTR && hits == 1, "futex wait interrupted: EINTR");
	pthread_join(helper_t, NULL);

	handle(SIGUSR2, on_sig, SA_RESTART);
	word = 0;
	start_helper(SIGUSR2, 100, -1, &word);
	r = syscall(SYS_futex, &word, FUTEX_WAIT, 0, NULL, NULL, 0);
	CHECK((r == 0 || (r == -1 && errno == EAGAIN)) && word == 1 && hits == 1,
	      "futex wait with SA_RESTART waits on until woken");
	pthread_join(helper_t, NULL);
	close(p[0]);
	close(p[1]);
}

static void
test_polls(void)
{
	int p[2], ep;
	struct pollfd pfd;
	struct epoll_event ev = {.events = EPOLLIN}, out;
	fd_set rd;

	(void)!pipe(p);
	pfd = (struct pollfd){.fd = p[0], .events = POLLIN};
	handle(SIGUSR2, on_sig, SA_RESTART);

	start_helper(SIGUSR2, 100, -1, NULL);
	int r = poll(&pfd, 1, -1);
	CHECK(r == -1 && errno == EINTR && hits == 1, "poll: EINTR even with SA_RESTART");
	pthread_join(helper_t, NULL);

	start_helper(SIGUSR2, 100, -1, NULL);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	r = select(p[0] + 1, &rd, NULL, NULL, NULL);
	CHECK(r == -1 && errno == EINTR && hits == 1, "select: EINTR");
	pthread_join(helper_t, NULL);

	ep = epoll_create1(0);
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	start_helper(SIGUSR2, 100, -1, NULL);
	r = epoll_wait(ep, &out, 1, -1);
	CHECK(r == -1 && errno == EINTR && hits == 1, "epoll_wait: EINTR");
	pthread_join(helper_t, NULL);

	/* ppoll, pselect, epoll_pwait: their mask lets a pending signal in */
	sigset_t usr2, none, now;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigemptyset(&none);
	struct timespec ts = {5, 0};
	sigprocmask(SIG_BLOCK, &usr2, NULL);
	hits = 0;
	raise(SIGUSR2);
	r = ppoll(&pfd, 1, &ts, &none);
	sigprocmask(SIG_BLOCK, NULL, &now);
	CHECK(r == -1 && errno == EINTR && hits == 1, "ppoll: its mask lets the pending signal in");
	CHECK(sigismember(&now, SIGUSR2), "... and the old mask is back");
	hits = 0;
	raise(SIGUSR2);
	r = pselect(p[0] + 1, &rd, NULL, NULL, &ts, &none);
	CHECK(r == -1 && errno == EINTR && hits == 1, "pselect: the same");
	hits = 0;
	raise(SIGUSR2);
	r = epoll_pwait(ep, &out, 1, 5000, &none);
	CHECK(r == -1 && errno == EINTR && hits == 1, "epoll_pwait: the same");
	/* ready at once: the call succeeds, the signal stays pending */
	(void)!write(p[1], "x", 1);
	hits = 0;
	raise(SIGUSR2);
	r = ppoll(&pfd, 1, &ts, &none);
	sigset_t pend;
	sigpending(&pend);
	CHECK(r == 1 && hits == 0 && sigismember(&pend, SIGUSR2),
	      "ppoll with a ready fd: returns it, the signal stays pending");
	siginfo_t si;
	struct timespec zero = {0, 0};
	sigtimedwait(&usr2, &si, &zero);
	sigprocmask(SIG_UNBLOCK, &usr2, NULL);
	close(ep);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	test_sigsuspend_and_wait();
	test_sleeps();
	test_pipe_and_futex();
	test_polls();
	return tap_done();
}

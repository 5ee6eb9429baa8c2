/* In-guest checks of signals: a SIGSEGV handler that makes the page
 * accessible and resumes, the alternate stack, masks and pending
 * signals, raise to self, SIGFPE left by siglongjmp, and state (FPU
 * included) intact after a handler. Built three ways like every
 * tests/guest program; run as the app. */
#define _GNU_SOURCE
#include "tap.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char *page;
static volatile void *fault_addr;
static volatile int fault_code, usr1_count, on_alt;
static char *alt;
static sigjmp_buf jb;

static void
on_segv(int sig, siginfo_t *si, void *uc)
{
	fault_addr = si->si_addr;
	fault_code = si->si_code;
	mprotect(page, 4096, PROT_READ | PROT_WRITE);
}

static void
on_usr1(int sig, siginfo_t *si, void *uc)
{
	char here;
	usr1_count++;
	on_alt = &here >= alt && &here < alt + 65536;
}

static volatile int alrm_count, pipe_count;

static void
on_alrm(int sig)
{
	alrm_count++;
}

static void
on_pipe(int sig)
{
	pipe_count++;
}

static void
on_fpe(int sig)
{
	siglongjmp(jb, 1);
}

int
main(void)
{
	struct sigaction sa = {0};
	volatile double kept = 3.25;

	page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	CHECK(sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction SIGSEGV");
	page[100] = 'x'; /* faults; the handler opens the page; this runs again */
	CHECK(page[100] == 'x', "a SIGSEGV handler mprotects and the write resumes");
	CHECK(fault_addr == page + 100, "si_addr is the faulting address");
	CHECK(fault_code == SEGV_ACCERR, "si_code SEGV_ACCERR");
	CHECK(kept == 3.25, "the FPU state is intact after the handler");

	alt = malloc(65536);
	stack_t ss = {.ss_sp = alt, .ss_size = 65536};
	CHECK(sigaltstack(&ss, NULL) == 0, "sigaltstack");
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction SIGUSR1 on the alternate stack");
	CHECK(raise(SIGUSR1) == 0 && usr1_count == 1, "raise runs the handler");
	CHECK(on_alt, "the handler ran on the alternate stack");

	sigset_t set, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "block SIGUSR1");
	raise(SIGUSR1);
	CHECK(usr1_count == 1, "a blocked signal waits");
	CHECK(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1), "sigpending shows it");
	CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0 && usr1_count == 2,
	      "unblocking delivers it");

	signal(SIGFPE, on_fpe);
	volatile int zero = 0, r = 0;
	if (!sigsetjmp(jb, 1))
		r = 10 / zero;
	else
		r = -1;
	CHECK(r == -1, "SIGFPE from a division by zero, left by siglongjmp");
	CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR && raise(SIGUSR2) == 0, "an ignored signal");
	CHECK(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL, "SIGKILL cannot be caught");

	signal(SIGALRM, on_alrm);
	struct timespec ts = {0, 5000000};
	alarm(1);
	for (int i = 0; i < 400 && !alrm_count; i++)
		nanosleep(&ts, NULL);
	CHECK(alrm_count == 1, "alarm(1) raises SIGALRM");
	struct itimerval itv = {{0, 20000}, {0, 20000}};
	CHECK(setitimer(ITIMER_REAL, &itv, NULL) == 0, "setitimer");
	for (int i = 0; i < 400 && alrm_count < 4; i++)
		nanosleep(&ts, NULL);
	memset(&itv, 0, sizeof(itv));
	setitimer(ITIMER_REAL, &itv, NULL);
	CHECK(alrm_count >= 4, "an interval timer repeats");
	itv = (struct itimerval){{0, 0}, {10, 0}};
	CHECK(setitimer(ITIMER_REAL, &itv, NULL) == 0 && setitimer(ITIMER_REAL, NULL, NULL) == 0 &&
	          getitimer(ITIMER_REAL, &itv) == 0 && itv.it_value.tv_sec == 0 &&
	          itv.it_value.tv_usec == 0,
	      "setitimer with a NULL value disarms (Linux 6.1)");

	int p[2];
	signal(SIGPIPE, on_pipe);
	CHECK(pipe(p) == 0 && close(p[0]) == 0 && write(p[1], "x", 1) == -1 && errno == EPIPE &&
	          pipe_count == 1,
	      "a write with no reader raises SIGPIPE");
	return tap_done();
}

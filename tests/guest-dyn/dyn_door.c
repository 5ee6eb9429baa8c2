/* Which door a libc call takes (tests/e2e/dyn-door2.sh): N operations
 * between two reads of /proc/unum/syscalls, the kernel's count of system
 * calls entered by each door. Built dynamically with musl-gcc it runs on
 * the kernel's musl, whose calls are calls (door 2: no SYSCALL
 * instruction); built static, on its own musl (door 1). Prints the two
 * differences, "door1 D1 door2 D2".
 * Usage: dyn_door [N [getppid|thread|detach|signal|vfork]]
 *   getppid  N getppid()
 *   thread   N pthread_create and pthread_join (clone, the thread's exit)
 *   detach   N detached threads, until /proc/self/status says one thread
 *            (their exit unmaps their own stack: musl's __unmapself)
 *   signal   N raise(SIGUSR1) with a handler that returns (sigreturn)
 *   vfork    N vfork(): -1 with ENOSYS (no processes yet) */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int
counts(unsigned long *d1, unsigned long *d2)
{
	FILE *f = fopen("/proc/unum/syscalls", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "door1 %lu door2 %lu", d1, d2);
	fclose(f);
	return n == 2 ? 0 : -1;
}

static volatile sig_atomic_t handled;
static volatile int ran;
static int token; /* what a thread returns */

static void
on_usr1(int sig)
{
	handled++;
}

static void *
body(void *arg)
{
	__atomic_fetch_add(&ran, 1, __ATOMIC_SEQ_CST);
	return arg;
}

/* vfork, which fails (no processes yet): apart, as it returns twice
 * when it works */
__attribute__((noinline)) static int
try_vfork(void)
{
	errno = 0;
	return vfork() == -1 && errno == ENOSYS ? 0 : -1;
}

/* the process's thread count, from /proc/self/status */
static int
threads(void)
{
	char line[128];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Threads:", 8))
			n = atoi(line + 8);
	fclose(f);
	return n;
}

static int
run(const char *what, int n)
{
	pthread_t t;
	void *r;

	for (int i = 0; i < n; i++) {
		if (!strcmp(what, "getppid")) {
			if (getppid() < 0)
				return 3;
		} else if (!strcmp(what, "thread")) {
			if (pthread_create(&t, NULL, body, &token) || pthread_join(t, &r) ||
			    r != &token)
				return 3;
		} else if (!strcmp(what, "detach")) {
			if (pthread_create(&t, NULL, body, NULL) || pthread_detach(t))
				return 3;
		} else if (!strcmp(what, "signal")) {
			if (raise(SIGUSR1))
				return 3;
		} else if (!strcmp(what, "vfork")) {
			if (try_vfork())
				return 3;
		} else
			return 2;
	}
	if (!strcmp(what, "detach")) /* at most 10 s for them all to exit */
		for (int k = 0; threads() != 1; k++) {
			if (k == 10000)
				return 4;
			nanosleep(&(struct timespec){0, 1000000}, NULL);
		}
	if ((!strcmp(what, "thread") || !strcmp(what, "detach")) && ran != n)
		return 5;
	if (!strcmp(what, "signal") && handled != n)
		return 6;
	return 0;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000, err;
	const char *what = argc > 2 ? argv[2] : "getppid";
	unsigned long a1, a2, b1, b2;

	if (signal(SIGUSR1, on_usr1) == SIG_ERR)
		return 2;
	if (counts(&a1, &a2))
		return 2;
	if ((err = run(what, n)))
		return err;
	if (counts(&b1, &b2))
		return 2;
	printf("door1 %lu door2 %lu\n", b1 - a1, b2 - a2);
	return 0;
}

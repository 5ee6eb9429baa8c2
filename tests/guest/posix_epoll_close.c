/* In-guest checks that an epoll interest does not keep its file open:
 * closing the last fd of a watched pipe end without EPOLL_CTL_DEL
 * releases the file (the writer of a closed read end gets EPIPE and
 * SIGPIPE, the reader of a closed write end EPOLLHUP), removes the
 * interest (epoll_wait no longer reports it, EPOLL_CTL_DEL gives EBADF)
 * and gives its memory back (10,000 of them, /proc/meminfo); a dup keeps
 * the file, and with it the interest. Also: an epoll closed before the
 * files it watches, a watched epoll closed, and fds closed while another
 * thread waits on their epoll. Built three ways like every
 * tests/guest program; passes on Linux too (as root, for RLIMIT_NOFILE). */
#define _GNU_SOURCE
#include "tap.h"
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#define NPIPES 10000

static volatile sig_atomic_t sigpipes;

static void
on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static int
add(int ep, int fd, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)fd};

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* close the watched read end: the file goes, the interest with it */
static void
close_read_end(void)
{
	struct epoll_event out[4];
	int p[2], ep = epoll_create1(0), n;
	char c = 'x';

	CHECK(ep >= 0 && pipe(p) == 0 && add(ep, p[0], EPOLLIN) == 0, "read end: set up");
	CHECK(write(p[1], &c, 1) == 1 && epoll_wait(ep, out, 4, 0) == 1, "read end: ready");
	CHECK(close(p[0]) == 0, "read end: closed without EPOLL_CTL_DEL");
	n = epoll_wait(ep, out, 4, 0);
	if (n != 0)
		printf("# expected 0 events after the close, got %d\n", n);
	CHECK(n == 0, "read end: epoll_wait no longer reports it");
	sigpipes = 0;
	errno = 0;
	n = (int)write(p[1], &c, 1);
	if (n != -1 || errno != EPIPE || sigpipes != 1)
		printf("# expected -1 EPIPE and one SIGPIPE, got %d errno %d, %d SIGPIPE\n", n,
		       errno, (int)sigpipes);
	CHECK(n == -1 && errno == EPIPE && sigpipes == 1,
	      "read end: the writer gets EPIPE, SIGPIPE");
	errno = 0;
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == -1 && errno == EBADF,
	      "read end: EPOLL_CTL_DEL after the close is EBADF");
	close(p[1]);
	close(ep);
}

/* close the write end, watched too: the reader's interest hears EPOLLHUP */
static void
close_write_end(void)
{
	struct epoll_event out[4];
	int p[2], ep = epoll_create1(0), n;

	CHECK(ep >= 0 && pipe(p) == 0 && add(ep, p[0], EPOLLIN) == 0 &&
	          add(ep, p[1], EPOLLOUT) == 0,
	      "write end: set up");
	n = epoll_wait(ep, out, 4, 0);
	CHECK(n == 1 && out[0].data.u64 == (uint64_t)p[1] && out[0].events == EPOLLOUT,
	      "write end: writable, nothing to read");
	CHECK(close(p[1]) == 0, "write end: closed without EPOLL_CTL_DEL");
	n = epoll_wait(ep, out, 4, 1000);
	if (n != 1 || out[0].data.u64 != (uint64_t)p[0] || out[0].events != EPOLLHUP)
		printf("# expected one event, fd %d EPOLLHUP; got %d, fd %d events %#x\n", p[0], n,
		       n > 0 ? (int)out[0].data.u64 : -1, n > 0 ? out[0].events : 0);
	CHECK(n == 1 && out[0].data.u64 == (uint64_t)p[0] && out[0].events == EPOLLHUP,
	      "write end: the reader's epoll reports EPOLLHUP, the write end no more");
	close(p[0]);
	close(ep);
}

/* a dup keeps the file open, so the interest (fd, file) stays */
static void
dup_keeps(void)
{
	struct epoll_event out[4];
	int p[2], ep = epoll_create1(0), d, n;
	char c = 'y';

	CHECK(ep >= 0 && pipe(p) == 0 && add(ep, p[0], EPOLLIN) == 0, "dup: set up");
	d = dup(p[0]);
	CHECK(d >= 0 && close(p[0]) == 0, "dup: the watched fd closed, a dup open");
	CHECK(write(p[1], &c, 1) == 1, "dup: write");
	n = epoll_wait(ep, out, 4, 1000);
	if (n != 1 || out[0].data.u64 != (uint64_t)p[0])
		printf("# expected one event for fd %d, got %d\n", p[0], n);
	CHECK(n == 1 && out[0].data.u64 == (uint64_t)p[0] && (out[0].events & EPOLLIN),
	      "dup: the interest still reports, with its data");
	errno = 0;
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, d, NULL) == -1 && errno == ENOENT,
	      "dup: the dup's fd is another key (ENOENT)");
	errno = 0;
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == -1 && errno == EBADF,
	      "dup: EPOLL_CTL_DEL on the closed fd is EBADF");
	CHECK(read(d, &c, 1) == 1 && c == 'y', "dup: read through the dup");
	close(d);
	n = epoll_wait(ep, out, 4, 0);
	CHECK(n == 0, "dup: gone with the dup");
	errno = 0;
	CHECK(write(p[1], &c, 1) == -1 && errno == EPIPE, "dup: then no reader is left (EPIPE)");
	close(p[1]);
	close(ep);
}

/* the epoll goes first, then the files it watched; a watched epoll goes */
static void
epoll_first(void)
{
	struct epoll_event out[4];
	int p[2], ep = epoll_create1(0), outer = epoll_create1(0), inner = epoll_create1(0);
	char c = 'z';

	CHECK(ep >= 0 && pipe(p) == 0 && add(ep, p[0], EPOLLIN) == 0 &&
	          add(ep, p[1], EPOLLOUT) == 0,
	      "epoll first: set up");
	CHECK(close(ep) == 0 && write(p[1], &c, 1) == 1 && read(p[0], &c, 1) == 1,
	      "epoll first: closed, the pipe works");
	CHECK(close(p[0]) == 0 && close(p[1]) == 0, "epoll first: then the pipe closed");
	CHECK(outer >= 0 && inner >= 0 && pipe(p) == 0 && add(inner, p[0], EPOLLIN) == 0 &&
	          add(outer, inner, EPOLLIN) == 0 && write(p[1], &c, 1) == 1,
	      "nested: set up");
	CHECK(epoll_wait(outer, out, 4, 1000) == 1 && out[0].data.u64 == (uint64_t)inner,
	      "nested: the inner epoll is ready");
	CHECK(close(inner) == 0 && epoll_wait(outer, out, 4, 0) == 0,
	      "nested: the inner epoll closed, the outer reports nothing");
	close(p[0]);
	close(p[1]);
	close(outer);
}

static int churn_ep;
static volatile int churn_stop;

static void *
churn_waiter(void *arg)
{
	struct epoll_event out[16];
	long seen = 0;

	(void)arg;
	while (!churn_stop) {
		int n = epoll_wait(churn_ep, out, 16, 5);
		if (n < 0)
			return (void *)-1;
		seen += n;
	}
	return (void *)seen;
}

/* another thread waits on the epoll while watched ready pipes are closed */
static void
churn(void)
{
	struct epoll_event out[4];
	pthread_t t;
	void *ret = (void *)-1;
	int bad = 0;
	char c = 'w';

	churn_ep = epoll_create1(0);
	CHECK(churn_ep >= 0 && pthread_create(&t, NULL, churn_waiter, NULL) == 0, "churn: set up");
	for (int i = 0; i < 2000 && !bad; i++) {
		int p[2];
		if (pipe(p) || add(churn_ep, p[0], EPOLLIN) || add(churn_ep, p[1], EPOLLOUT) ||
		    write(p[1], &c, 1) != 1)
			bad = 1;
		close(p[0]);
		close(p[1]);
	}
	churn_stop = 1;
	pthread_join(t, &ret);
	CHECK(!bad && ret != (void *)-1, "churn: 2,000 ready pipes closed under a waiting thread");
	CHECK(epoll_wait(churn_ep, out, 4, 0) == 0, "churn: nothing left to report");
	close(churn_ep);
}

static long
mem_free_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int rd[NPIPES], wr[NPIPES];

/* 10,000 pipes, their read ends watched by ep: 0, or -1 */
static int
open_many(int ep)
{
	for (int i = 0; i < NPIPES; i++) {
		int p[2];
		if (pipe(p) || add(ep, p[0], EPOLLIN))
			return -1;
		rd[i] = p[0];
		wr[i] = p[1];
	}
	return 0;
}

static void
close_many(void)
{
	for (int i = 0; i < NPIPES; i++) {
		close(rd[i]);
		close(wr[i]);
	}
}

/* 10,000 interests whose fds are closed without EPOLL_CTL_DEL: their
 * memory comes back. A first round grows what stays grown (the fd
 * table, the epoll's hash); the second is measured. */
static void
many(void)
{
	struct rlimit rl = {2 * NPIPES + 64, 2 * NPIPES + 64};
	struct epoll_event out[4];
	int ep = epoll_create1(0);
	long base, full, after;

	CHECK(ep >= 0 && setrlimit(RLIMIT_NOFILE, &rl) == 0, "many: set up");
	CHECK(open_many(ep) == 0, "many: 10,000 watched pipes, first round");
	close_many();
	base = mem_free_kb();
	CHECK(open_many(ep) == 0, "many: 10,000 watched pipes, second round");
	full = mem_free_kb();
	close_many();
	after = mem_free_kb();
	printf("# MemFree: %ld kB closed, %ld kB with 10,000 interests, %ld kB closed again\n",
	       base, full, after);
	/* each costs several hundred bytes here (two files, a pipe, the
	 * interest and its entry), some KiB on Linux */
	CHECK(base > 0 && base - full >= 2048, "many: the interests take memory");
	if (after < base - 1024)
		printf("# expected MemFree back to %ld kB (1 MiB slack), got %ld kB\n", base,
		       after);
	CHECK(after >= base - 1024, "many: closing the fds gives the memory back");
	CHECK(epoll_wait(ep, out, 4, 0) == 0, "many: nothing left to report");
	close(ep);
}

int
main(void)
{
	struct sigaction sa = {.sa_handler = on_sigpipe};

	sigaction(SIGPIPE, &sa, NULL);
	close_read_end();
	close_write_end();
	dup_keeps();
	epoll_first();
	churn();
	many();
	return tap_done();
}

/* In-guest checks of waiting on many fds: 10,000 pipes watched by one
 * epoll, one (or a few) active: epoll_wait returns only those, with their
 * data; EPOLLET reports an arrival once; a thread blocked in epoll_wait,
 * and one in poll() over the 10,000 read ends, is woken by another
 * thread's write to one pipe, round after round; nested epoll and its
 * loop check (ELOOP). Built three ways like every tests/guest program;
 * passes on Linux too (as root, for RLIMIT_NOFILE). */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#define NPIPES 10000
#define ROUNDS 50

static int rd[NPIPES], wr[NPIPES];
static int ep;
static int result[2]; /* the waiter thread's answers */

/* which pipe the writer picks in round i */
static int
pick(int i)
{
	return (int)((i * 7919u + 13) % NPIPES);
}

static void *
epoll_waiter(void *arg)
{
	struct epoll_event out[8];
	char buf[16];

	for (int i = 0; i < ROUNDS; i++) {
		int n = epoll_wait(ep, out, 8, 10000);
		int idx = n == 1 ? (int)out[0].data.u32 : -1 - n;
		if (n == 1 && read(rd[idx], buf, sizeof(buf)) != 1)
			idx = -100;
		if (write(result[1], &idx, sizeof(idx)) != sizeof(idx))
			return (void *)1;
	}
	return NULL;
}

static struct pollfd *pf;

static void *
poll_waiter(void *arg)
{
	char buf[16];

	for (int i = 0; i < ROUNDS; i++) {
		int n = poll(pf, NPIPES, 10000), idx = -1, seen = 0;
		for (int j = 0; j < NPIPES; j++)
			if (pf[j].revents) {
				seen++;
				idx = pf[j].revents == POLLIN ? j : -2;
			}
		if (n != 1 || seen != 1)
			idx = -3;
		else if (read(rd[idx], buf, sizeof(buf)) != 1)
			idx = -4;
		if (write(result[1], &idx, sizeof(idx)) != sizeof(idx))
			return (void *)1;
	}
	return NULL;
}

/* ROUNDS writes to pipe pick(i), each answered by the waiter thread
 * before the next: the number of rounds the waiter named the right pipe */
static int
ping_pong(void *(*waiter)(void *))
{
	pthread_t t;
	int good = 0, idx;

	if (pthread_create(&t, NULL, waiter, NULL))
		return -1;
	for (int i = 0; i < ROUNDS; i++) {
		if (i % 5 == 0)
			usleep(2000); /* now and then the waiter is asleep first */
		if (write(wr[pick(i)], "w", 1) != 1 ||
		    read(result[0], &idx, sizeof(idx)) != sizeof(idx))
			break;
		good += idx == pick(i);
		if (idx != pick(i))
			printf("# round %d: expected pipe %d, got %d\n", i, pick(i), idx);
	}
	pthread_join(t, NULL);
	return good;
}

int
main(void)
{
	struct rlimit rl = {3 * NPIPES, 3 * NPIPES};
	struct epoll_event ev, out[16];
	char buf[64];
	int n, ok;

	if (geteuid() != 0) {
		printf("1..0 # skipped: not root\n");
		return 0;
	}
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "RLIMIT_NOFILE raised to 30,000");
	ep = epoll_create1(0);
	ok = ep >= 0 && pipe(result) == 0;
	for (int i = 0; ok && i < NPIPES; i++) {
		int p[2];
		ok = pipe2(p, O_NONBLOCK) == 0;
		rd[i] = p[0];
		wr[i] = p[1];
		ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = (uint32_t)i};
		ok = ok && epoll_ctl(ep, EPOLL_CTL_ADD, rd[i], &ev) == 0;
	}
	CHECK(ok, "10,000 pipes watched by one epoll");
	CHECK(epoll_wait(ep, out, 16, 0) == 0, "none ready");

	CHECK(write(wr[7777], "hello", 5) == 5, "a write to pipe 7777");
	n = epoll_wait(ep, out, 16, 1000);
	CHECK(n == 1 && out[0].data.u32 == 7777 && out[0].events == EPOLLIN,
	      "epoll_wait returns that pipe only");
	CHECK(read(rd[out[0].data.u32], buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5),
	      "with the data written");
	CHECK(epoll_wait(ep, out, 16, 0) == 0, "drained: none ready again");

	ok = write(wr[3], "a", 1) == 1 && write(wr[5000], "b", 1) == 1 &&
	     write(wr[NPIPES - 1], "c", 1) == 1;
	n = epoll_wait(ep, out, 16, 1000);
	uint32_t sum = 0;
	for (int i = 0; i < n; i++)
		sum += out[i].data.u32;
	CHECK(ok && n == 3 && sum == 3 + 5000 + NPIPES - 1, "three active: those three");
	CHECK(epoll_wait(ep, out, 16, 0) == 3, "level-triggered: reported again");
	n = epoll_wait(ep, out, 1, 0);
	CHECK(n == 1, "maxevents 1: one of them");
	ok = read(rd[3], buf, sizeof(buf)) == 1 && read(rd[5000], buf, sizeof(buf)) == 1 &&
	     read(rd[NPIPES - 1], buf, sizeof(buf)) == 1;
	CHECK(ok && epoll_wait(ep, out, 16, 0) == 0, "all read: none");

	ev = (struct epoll_event){.events = EPOLLIN | EPOLLET, .data.u32 = 42};
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, rd[42], &ev) == 0, "EPOLL_CTL_MOD to EPOLLET");
	ok = write(wr[42], "x", 1) == 1 && write(wr[42], "y", 1) == 1;
	n = epoll_wait(ep, out, 16, 1000);
	CHECK(ok && n == 1 && out[0].data.u32 == 42 && epoll_wait(ep, out, 16, 0) == 0,
	      "EPOLLET among 10,000: reported once");
	CHECK(write(wr[42], "z", 1) == 1 && epoll_wait(ep, out, 16, 0) == 1 &&
	          read(rd[42], buf, sizeof(buf)) == 3,
	      "and again at the next arrival");
	ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = 42};
	epoll_ctl(ep, EPOLL_CTL_MOD, rd[42], &ev);

	n = ping_pong(epoll_waiter);
	CHECK(n == ROUNDS, "50 rounds: a thread in epoll_wait woken by each write, right pipe");

	pf = calloc(NPIPES, sizeof(*pf));
	for (int i = 0; pf && i < NPIPES; i++)
		pf[i] = (struct pollfd){.fd = rd[i], .events = POLLIN};
	CHECK(pf && poll(pf, NPIPES, 0) == 0, "poll over 10,000 read ends: none ready");
	CHECK(write(wr[9999], "q", 1) == 1 && poll(pf, NPIPES, 0) == 1 &&
	          pf[9999].revents == POLLIN && read(rd[9999], buf, 1) == 1,
	      "one written: poll reports that one");
	n = pf ? ping_pong(poll_waiter) : 0;
	CHECK(n == ROUNDS, "50 rounds: a thread in poll woken by each write, right pipe");
	free(pf);

	/* nested: an epoll watching the big one */
	int outer = epoll_create1(0);
	ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = 99};
	CHECK(epoll_ctl(outer, EPOLL_CTL_ADD, ep, &ev) == 0 && epoll_wait(outer, out, 4, 0) == 0,
	      "an epoll watching the epoll: nothing ready");
	CHECK(write(wr[1], "n", 1) == 1 && epoll_wait(outer, out, 4, 1000) == 1 &&
	          out[0].data.u32 == 99,
	      "a write to one of the 10,000 makes the outer epoll ready");
	struct pollfd epf = {.fd = ep, .events = POLLIN};
	CHECK(poll(&epf, 1, 0) == 1 && epf.revents == POLLIN, "poll on the epoll fd: POLLIN");
	CHECK(read(rd[1], buf, 1) == 1 && epoll_wait(outer, out, 4, 0) == 0 &&
	          poll(&epf, 1, 0) == 0,
	      "read: neither is ready");
	errno = 0;
	ev.data.u32 = 0;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, outer, &ev) == -1 && errno == ELOOP,
	      "a loop of epolls: ELOOP");
	close(outer);

	ok = 1;
	for (int i = 0; i < NPIPES; i++)
		ok &= epoll_ctl(ep, EPOLL_CTL_DEL, rd[i], NULL) == 0;
	CHECK(ok, "10,000 EPOLL_CTL_DEL");
	errno = 0;
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, rd[0], NULL) == -1 && errno == ENOENT,
	      "DEL again: ENOENT");
	ok = close(ep) == 0;
	for (int i = 0; i < NPIPES; i++)
		ok &= close(rd[i]) == 0 && close(wr[i]) == 0;
	CHECK(ok, "everything closes");
	return tap_done();
}

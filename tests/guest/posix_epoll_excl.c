/* In-guest checks of EPOLLEXCLUSIVE: four threads, each blocked in
 * epoll_wait on an epoll of its own, all watching one pipe with
 * EPOLLEXCLUSIVE; a write wakes at least one of them and not all four,
 * round after round. Each epoll also watches a second pipe without the
 * flag: a write there wakes all four. No timing is asserted: a round
 * waits (boundedly) for the first wake-up, then lets the others settle
 * 200 ms before counting. Built three ways like every tests/guest
 * program; passes on Linux too. */
#define _GNU_SOURCE
#include "tap.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 4
#define ROUNDS 5
#define STOP 1u

static int data[2], stop[2]; /* the watched pipes */
static int ep[NTHREADS];
static int armed[NTHREADS]; /* in (or about to be in) epoll_wait */
static int woken, stopped, round_no;

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static void *
waiter(void *arg)
{
	int i = (int)(intptr_t)arg;

	for (;;) {
		struct epoll_event ev;
		int r = __atomic_load_n(&round_no, __ATOMIC_SEQ_CST), n;
		__atomic_store_n(&armed[i], 1, __ATOMIC_SEQ_CST);
		n = epoll_wait(ep[i], &ev, 1, 60000);
		__atomic_store_n(&armed[i], 0, __ATOMIC_SEQ_CST);
		if (n != 1)
			return (void *)1;
		if (ev.data.u32 == STOP) {
			__atomic_fetch_add(&stopped, 1, __ATOMIC_SEQ_CST);
			return NULL;
		}
		__atomic_fetch_add(&woken, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&round_no, __ATOMIC_SEQ_CST) == r)
			sleep_ms(1); /* the next round */
	}
}

/* until every thread is in epoll_wait again (at most ~10 s): 0, -1 */
static int
all_armed(void)
{
	for (int tries = 0; tries < 10000; tries++) {
		int k = 0;
		for (int i = 0; i < NTHREADS; i++)
			k += __atomic_load_n(&armed[i], __ATOMIC_SEQ_CST);
		if (k == NTHREADS) {
			sleep_ms(50); /* and blocked there */
			return 0;
		}
		sleep_ms(1);
	}
	return -1;
}

int
main(void)
{
	pthread_t t[NTHREADS];
	int ok = 1, bad_rounds = 0;
	char c = 'x';

	CHECK(pipe(data) == 0 && pipe(stop) == 0, "set up: pipes");
	for (int i = 0; i < NTHREADS; i++) {
		struct epoll_event ex = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.u32 = 0};
		struct epoll_event st = {.events = EPOLLIN, .data.u32 = STOP};
		ep[i] = epoll_create1(0);
		ok &= ep[i] >= 0 && epoll_ctl(ep[i], EPOLL_CTL_ADD, data[0], &ex) == 0 &&
		      epoll_ctl(ep[i], EPOLL_CTL_ADD, stop[0], &st) == 0;
	}
	CHECK(ok, "set up: four epolls, EPOLLEXCLUSIVE on one pipe");
	for (int i = 0; i < NTHREADS; i++)
		ok &= pthread_create(&t[i], NULL, waiter, (void *)(intptr_t)i) == 0;
	CHECK(ok, "set up: four waiting threads");
	for (int r = 0; r < ROUNDS && ok; r++) {
		int n, waited = 0;
		if (all_armed()) {
			printf("# round %d: the threads did not all wait again\n", r);
			ok = 0;
			break;
		}
		__atomic_store_n(&woken, 0, __ATOMIC_SEQ_CST);
		if (write(data[1], &c, 1) != 1) {
			ok = 0;
			break;
		}
		while (!__atomic_load_n(&woken, __ATOMIC_SEQ_CST) && waited++ < 10000)
			sleep_ms(1);
		sleep_ms(200); /* let any others wake */
		n = __atomic_load_n(&woken, __ATOMIC_SEQ_CST);
		if (n < 1 || n >= NTHREADS) {
			printf("# round %d: expected 1 to %d threads woken, got %d\n", r,
			       NTHREADS - 1, n);
			bad_rounds++;
		}
		if (read(data[0], &c, 1) != 1)
			ok = 0;
		__atomic_fetch_add(&round_no, 1, __ATOMIC_SEQ_CST);
	}
	CHECK(ok, "five rounds ran");
	CHECK(bad_rounds == 0, "a write wakes at least one exclusive waiter, not all four");
	ok &= all_armed() == 0 && write(stop[1], &c, 1) == 1;
	for (int i = 0; i < NTHREADS; i++) {
		void *ret = (void *)1;
		pthread_join(t[i], &ret);
		ok &= ret == NULL;
	}
	if (stopped != NTHREADS)
		printf("# expected %d threads woken by the other pipe, got %d\n", NTHREADS,
		       stopped);
	CHECK(ok && stopped == NTHREADS, "a write on the non-exclusive pipe wakes all four");
	return tap_done();
}

/* In-guest checks of pipe write atomicity and epoll's triggers: writes
 * of PIPE_BUF bytes from two threads never interleave, a non-blocking
 * one that does not fit whole is EAGAIN, F_GETPIPE_SZ/F_SETPIPE_SZ;
 * EPOLLET reports once per arrival, EPOLLONESHOT once until
 * EPOLL_CTL_MOD, EPOLLEXCLUSIVE is accepted. Built three ways like every
 * tests/guest program; run as the app, and passes on Linux too. */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <unistd.h>

#define REC 4096 /* PIPE_BUF */
#define RECS 200

static int wfd;

static void *
writer(void *arg)
{
	char rec[REC];

	memset(rec, (int)(intptr_t)arg, sizeof(rec));
	for (int i = 0; i < RECS; i++)
		if (write(wfd, rec, sizeof(rec)) != (ssize_t)sizeof(rec))
			return (void *)1;
	return NULL;
}

int
main(void)
{
	int p[2];
	char buf[REC * 3];

	/* 1: two writers of whole records; odd-sized reads see no mixing */
	CHECK(pipe(p) == 0, "pipe");
	wfd = p[1];
	pthread_t a, b;
	pthread_create(&a, NULL, writer, (void *)(intptr_t)'A');
	pthread_create(&b, NULL, writer, (void *)(intptr_t)'B');
	size_t got = 0, pos = 0, mixed = 0;
	char cur = 0;
	while (got < 2u * RECS * REC) {
		ssize_t n = read(p[0], buf, 1000 + got % 3000); /* not record-sized */
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++, pos++) {
			if (pos % REC == 0)
				cur = buf[i];
			else if (buf[i] != cur)
				mixed++;
		}
		got += (size_t)n;
	}
	void *ra, *rb;
	pthread_join(a, &ra);
	pthread_join(b, &rb);
	CHECK(got == 2u * RECS * REC && !ra && !rb, "all 400 records of 4096 bytes arrive");
	CHECK(mixed == 0, "each 4096-byte record arrives whole, never interleaved");
	close(p[0]);
	close(p[1]);

	/* 2: non-blocking, 100 bytes of room, a 200-byte write: EAGAIN */
	CHECK(pipe2(p, O_NONBLOCK) == 0, "a non-blocking pipe");
	int size = fcntl(p[1], F_GETPIPE_SZ);
	CHECK(size == 65536, "F_GETPIPE_SZ: 64 KiB");
	static char big[65536];
	CHECK(write(p[1], big, (size_t)size - 100) == size - 100, "filled to 100 bytes of room");
	errno = 0;
	CHECK(write(p[1], big, 200) == -1 && errno == EAGAIN,
	      "a 200-byte write with room for 100: EAGAIN, nothing written");
	CHECK(write(p[1], big, 100) == 100, "a 100-byte write fits");
	errno = 0;
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 4096) == -1 && errno == EBUSY,
	      "F_SETPIPE_SZ below what it holds: EBUSY");
	CHECK(read(p[0], big, sizeof(big)) == size, "drained");
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 5000) == 8192 && fcntl(p[0], F_GETPIPE_SZ) == 8192,
	      "F_SETPIPE_SZ 5000: 8192 (a power of two of pages)");
	CHECK(write(p[1], big, 10000) == 8192, "a large write is split at the new size");
	close(p[0]);
	close(p[1]);
	int np = epoll_create1(0);
	errno = 0;
	CHECK(fcntl(np, F_GETPIPE_SZ) == -1 && errno == EBADF, "F_GETPIPE_SZ on a non-pipe: EBADF");
	close(np);

	/* 3: EPOLLET: once per arrival */
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = 7}, out[4];
	int ep = epoll_create1(0);
	CHECK(pipe(p) == 0 && epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "EPOLLET interest");
	CHECK(epoll_wait(ep, out, 4, 0) == 0, "nothing yet");
	CHECK(write(p[1], "hello world", 11) == 11, "11 bytes written");
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u32 == 7 && (out[0].events & EPOLLIN),
	      "the arrival is reported");
	CHECK(epoll_wait(ep, out, 4, 0) == 0, "and not again");
	CHECK(read(p[0], buf, 5) == 5 && epoll_wait(ep, out, 4, 0) == 0,
	      "reading part of it does not report it again");
	CHECK(write(p[1], "!", 1) == 1 && epoll_wait(ep, out, 4, 0) == 1 &&
	          epoll_wait(ep, out, 4, 0) == 0,
	      "a new arrival is reported once");
	CHECK(read(p[0], buf, sizeof(buf)) == 7, "the rest read");
	ev.events = EPOLLIN; /* level-triggered again */
	CHECK(write(p[1], "x", 1) == 1 && epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0 &&
	          epoll_wait(ep, out, 4, 0) == 1 && epoll_wait(ep, out, 4, 0) == 1,
	      "level-triggered: reported while readable");

	/* 4: EPOLLONESHOT: one report until EPOLL_CTL_MOD */
	ev.events = EPOLLIN | EPOLLONESHOT;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0 && epoll_wait(ep, out, 4, 0) == 1,
	      "EPOLLONESHOT: reported");
	CHECK(write(p[1], "y", 1) == 1 && epoll_wait(ep, out, 4, 0) == 0,
	      "then disabled, even with more data");
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0 && epoll_wait(ep, out, 4, 0) == 1,
	      "EPOLL_CTL_MOD arms it again");

	/* 5: EPOLLEXCLUSIVE: accepted on ADD, refused with MOD */
	int ep2 = epoll_create1(0);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK(epoll_ctl(ep2, EPOLL_CTL_ADD, p[0], &ev) == 0 && epoll_wait(ep2, out, 4, 0) == 1,
	      "EPOLLEXCLUSIVE accepted and reported");
	errno = 0;
	CHECK(epoll_ctl(ep2, EPOLL_CTL_MOD, p[0], &ev) == -1 && errno == EINVAL,
	      "EPOLLEXCLUSIVE with EPOLL_CTL_MOD: EINVAL");
	ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	errno = 0;
	CHECK(epoll_ctl(ep2, EPOLL_CTL_ADD, p[1], &ev) == -1 && errno == EINVAL,
	      "EPOLLEXCLUSIVE with EPOLLONESHOT: EINVAL");
	close(ep2);
	close(ep);
	close(p[0]);
	close(p[1]);
	return tap_done();
}

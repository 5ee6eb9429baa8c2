/* In-guest checks of pipes, eventfds and waiting for them: end-of-file
 * and EPIPE, non-blocking EAGAIN, poll, select and epoll (with a thread
 * making things ready while main sleeps in them). Built three ways like
 * every tests/guest program; run as the app. */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

static int late_fd;

static void *
late_writer(void *arg)
{
	struct timespec ts = {0, 30000000};
	nanosleep(&ts, NULL);
	(void)!write(late_fd, "late", 4);
	return NULL;
}

int
main(void)
{
	int p[2], q[2];
	char buf[128];

	signal(SIGPIPE, SIG_IGN); /* as on Linux: EPIPE below, not death */
	CHECK(pipe(p) == 0, "pipe");
	CHECK(write(p[1], "abc", 3) == 3 && read(p[0], buf, sizeof(buf)) == 3 &&
	          !memcmp(buf, "abc", 3),
	      "data through a pipe");
	struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
	CHECK(poll(pf, 2, 0) == 1 && pf[1].revents == POLLOUT && !pf[0].revents,
	      "poll: empty pipe writable, not readable");
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0 && read(p[0], buf, 1) == -1 && errno == EAGAIN,
	      "non-blocking read of an empty pipe: EAGAIN");
	fcntl(p[0], F_SETFL, 0);
	/* blocking read woken by another thread */
	pthread_t t;
	late_fd = p[1];
	pthread_create(&t, NULL, late_writer, NULL);
	CHECK(read(p[0], buf, sizeof(buf)) == 4 && !memcmp(buf, "late", 4),
	      "a blocked read is woken by a write");
	pthread_join(t, NULL);
	/* select with a timeout, then with data */
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	struct timeval tv = {0, 10000};
	CHECK(select(p[0] + 1, &rs, NULL, NULL, &tv) == 0, "select times out");
	(void)!write(p[1], "x", 1);
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	CHECK(select(p[0] + 1, &rs, NULL, NULL, NULL) == 1 && FD_ISSET(p[0], &rs),
	      "select sees data");
	(void)!read(p[0], buf, 1);
	/* epoll: a pipe and an eventfd, one made ready by a thread */
	int ep = epoll_create1(EPOLL_CLOEXEC), efd = eventfd(0, 0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7}, out[4];
	CHECK(ep >= 0 && efd >= 0, "epoll_create1 and eventfd");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "epoll_ctl ADD pipe");
	ev.data.u64 = 9;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0, "epoll_ctl ADD eventfd");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == -1 && errno == EEXIST, "ADD twice: EEXIST");
	CHECK(epoll_wait(ep, out, 4, 10) == 0, "epoll_wait times out");
	late_fd = p[1];
	pthread_create(&t, NULL, late_writer, NULL);
	CHECK(epoll_wait(ep, out, 4, 5000) == 1 && out[0].data.u64 == 7,
	      "epoll_wait woken by a write");
	pthread_join(t, NULL);
	(void)!read(p[0], buf, sizeof(buf));
	uint64_t v = 3;
	CHECK(write(efd, &v, 8) == 8 && epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 9,
	      "eventfd readiness");
	CHECK(read(efd, &v, 8) == 8 && v == 3, "eventfd read returns the count");
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) == 0, "epoll_ctl DEL");
	int sfd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK(read(sfd, &v, 8) == 8 && v == 1 && read(sfd, &v, 8) == 8 && v == 1 &&
	          read(sfd, &v, 8) == -1 && errno == EAGAIN,
	      "EFD_SEMAPHORE counts down by one");
	/* ends closing */
	CHECK(pipe2(q, O_CLOEXEC) == 0 && close(q[1]) == 0 && read(q[0], buf, 1) == 0,
	      "no writer left: end of file");
	CHECK(pipe(q) == 0 && close(q[0]) == 0 && write(q[1], "x", 1) == -1 && errno == EPIPE,
	      "no reader left: EPIPE");
	struct pollfd hp = {p[0], POLLIN, 0};
	close(p[1]);
	CHECK(poll(&hp, 1, 0) == 1 && (hp.revents & POLLHUP), "poll reports the hang-up");
	return tap_done();
}

/*
 * sysbench's epoll benchmarks, included by sysbench.c (one binary; kept
 * apart like sysbench_path.c): epoll_wait wake-ups between two threads.
 * Each thread has an epoll watching N idle pipes (the same N for both)
 * and its own incoming pipe; one op is a round trip: this thread writes a
 * byte to the partner's pipe, the partner's epoll_wait returns it, the
 * partner reads it and writes one back, this thread's epoll_wait returns
 * that and it reads it. epoll1, epoll100, epoll10k: N = 1, 100, 10,000.
 * The idle pipes are made once (20,000 fds: RLIMIT_NOFILE is raised, as
 * root on both sides); the epolls and the partner thread before timing.
 */
#include <sys/epoll.h>
#include <sys/resource.h>

#define EP_IDLE_MAX 10000

MARKS(epoll1)
MARKS(epoll100)
MARKS(epoll10k)

static int ep_idle[EP_IDLE_MAX][2], ep_nidle;
static struct {
	int ep;      /* this side's epoll */
	int pipe[2]; /* its incoming pipe */
} ep_side[2];
static long ep_ops;
static pthread_t ep_partner;

/* wait on side s's epoll for its incoming byte, and read it */
static void
ep_take(int s)
{
	struct epoll_event ev[4];
	char c;

	if (epoll_wait(ep_side[s].ep, ev, 4, -1) != 1 || ev[0].data.u32 != 1 ||
	    read(ep_side[s].pipe[0], &c, 1) != 1)
		die("epoll_wait: the active pipe");
}

static void
ep_give(int s)
{
	if (write(ep_side[s].pipe[1], "x", 1) != 1)
		die("write the active pipe");
}

static void *
ep_partner_main(void *arg)
{
	for (long i = 0; i < ep_ops; i++) {
		ep_take(1);
		ep_give(0);
	}
	return arg;
}

/* n idle pipes watched by two fresh epolls, the partner thread started */
static void
epoll_setup(int n, long ops)
{
	struct rlimit rl = {3 * EP_IDLE_MAX, 3 * EP_IDLE_MAX};
	struct epoll_event ev;

	if (!ep_nidle && setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit RLIMIT_NOFILE 30000");
	for (; ep_nidle < n; ep_nidle++)
		if (pipe(ep_idle[ep_nidle]))
			die("pipe (idle)");
	for (int s = 0; s < 2; s++) {
		if (ep_side[s].ep > 0) { /* the previous benchmark's */
			close(ep_side[s].ep);
			close(ep_side[s].pipe[0]);
			close(ep_side[s].pipe[1]);
		}
		if ((ep_side[s].ep = epoll_create1(0)) < 0 || pipe(ep_side[s].pipe))
			die("epoll_create1");
		ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = 1};
		if (epoll_ctl(ep_side[s].ep, EPOLL_CTL_ADD, ep_side[s].pipe[0], &ev))
			die("epoll_ctl ADD (active)");
		for (int i = 0; i < n; i++) {
			ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = 2};
			if (epoll_ctl(ep_side[s].ep, EPOLL_CTL_ADD, ep_idle[i][0], &ev))
				die("epoll_ctl ADD (idle)");
		}
	}
	ep_ops = ops;
	if (pthread_create(&ep_partner, NULL, ep_partner_main, NULL))
		die("pthread_create");
}

static long
ep_pingpong(long ops)
{
	for (long i = 0; i < ops; i++) {
		ep_give(1);
		ep_take(0);
	}
	pthread_join(ep_partner, NULL);
	return 0;
}

static long
b_epoll1(long ops)
{
	return ep_pingpong(ops);
}

static long
b_epoll100(long ops)
{
	return ep_pingpong(ops);
}

static long
b_epoll10k(long ops)
{
	return ep_pingpong(ops);
}

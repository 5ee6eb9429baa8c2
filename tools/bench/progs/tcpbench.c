/* TCP benchmarks run as the guest's program on both sides (tools/bench/
 * sections/55-tcp.sh; on the Linux guest behind progs/netup.c):
 *   tcpbench rtt N        N round trips of one byte over a loopback TCP
 *                         connection (127.0.0.1), a thread echoing;
 *                         prints "bench tcp-rtt N NS"; mark_bench_start
 *                         and _stop bracket the loop for icount
 *   tcpbench sink PORT    accepts one connection, reads it to EOF, closes;
 *                         prints "bench sink BYTES NS"
 *   tcpbench source PORT BYTES   accepts one connection, writes BYTES,
 *                         shuts it down, reads to the peer's EOF, closes;
 *                         prints "bench source BYTES NS"
 * The stream modes print "listening on PORT" when ready; the host side
 * (tools/bench/tcpload.py) connects through --port and times them. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) void
mark_bench_start(void)
{
	__asm__ volatile("");
}
__attribute__((noinline)) void
mark_bench_stop(void)
{
	__asm__ volatile("");
}

static void
die(const char *what)
{
	fprintf(stderr, "tcpbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
listener(int port, struct sockaddr_in *a)
{
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	socklen_t len = sizeof(*a);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(s, (struct sockaddr *)a, sizeof(*a)) || listen(s, 16) ||
	    getsockname(s, (struct sockaddr *)a, &len))
		die("listen");
	return s;
}

static void *
echo(void *arg)
{
	int c = accept(*(int *)arg, NULL, NULL), one = 1;
	char b;

	if (c < 0)
		die("accept");
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	while (read(c, &b, 1) == 1)
		if (write(c, &b, 1) != 1)
			die("echo write");
	close(c);
	return NULL;
}

static int
rtt(uint64_t n)
{
	struct sockaddr_in a;
	int l = listener(0, &a), one = 1, c;
	pthread_t t;
	char b = 'x';
	uint64_t t0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (pthread_create(&t, NULL, echo, &l))
		die("pthread_create");
	if ((c = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(c, (struct sockaddr *)&a, sizeof a))
		die("connect");
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	for (int i = 0; i < 100; i++) /* warm up: the connection, the thread */
		if (write(c, &b, 1) != 1 || read(c, &b, 1) != 1)
			die("warm-up round trip");
	mark_bench_start();
	t0 = now_ns();
	for (uint64_t i = 0; i < n; i++)
		if (write(c, &b, 1) != 1 || read(c, &b, 1) != 1)
			die("round trip");
	t0 = now_ns() - t0;
	mark_bench_stop();
	close(c);
	pthread_join(t, NULL);
	printf("bench tcp-rtt %llu %llu\n", (unsigned long long)n, (unsigned long long)t0);
	return 0;
}

static int
stream(int port, int source, uint64_t bytes)
{
	static char buf[65536];
	struct sockaddr_in a;
	int l = listener(port, &a), c;
	uint64_t done = 0, t0;

	memset(buf, 'z', sizeof buf);
	printf("listening on %d\n", port);
	fflush(stdout);
	if ((c = accept(l, NULL, NULL)) < 0)
		die("accept");
	t0 = now_ns();
	if (source) {
		while (done < bytes) {
			size_t want = bytes - done < sizeof buf ? bytes - done : sizeof buf;
			ssize_t n = write(c, buf, want);
			if (n <= 0)
				die("write");
			done += (uint64_t)n;
		}
	} else {
		ssize_t n;
		while ((n = read(c, buf, sizeof buf)) > 0)
			done += (uint64_t)n;
		if (n < 0)
			die("read");
	}
	/* our FIN after the data, then the peer's: the program's exit ends
	 * our guest at once, with whatever the stack still holds unsent */
	if (shutdown(c, SHUT_WR))
		die("shutdown");
	while (read(c, buf, sizeof buf) > 0)
		;
	t0 = now_ns() - t0;
	close(c);
	printf("bench %s %llu %llu\n", source ? "source" : "sink", (unsigned long long)done,
	       (unsigned long long)t0);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "rtt"))
		return rtt(strtoull(argv[2], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "sink"))
		return stream(atoi(argv[2]), 0, 0);
	if (argc == 4 && !strcmp(argv[1], "source"))
		return stream(atoi(argv[2]), 1, strtoull(argv[3], NULL, 0));
	fprintf(stderr, "usage: tcpbench rtt N | sink PORT | source PORT BYTES\n");
	return 2;
}

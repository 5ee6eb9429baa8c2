/* TCP and UDP over the guest's loopback, the first look at AF_INET and
 * AF_INET6 (net/inet*.c): a megabyte through a connection with a thread
 * on the other end, EOF, a refused connect, a UDP datagram with its
 * source, a dual-stack :: listener taking an IPv4 client (seen as
 * ::ffff:127.0.0.1), TCP_INFO's state, ::1, a connected UDP socket told
 * ECONNREFUSED by ICMP port unreachable (IPv4 and IPv6). tests/guest/posix_inet.c has
 * the whole API case by case. */
#include "tap.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#define BIG 1000000

static char big[BIG];

static void *
server(void *arg)
{
	int l = *(int *)arg, c = accept(l, 0, 0);
	static char buf[65536];
	long total = 0, n;

	while ((n = read(c, buf, sizeof buf)) > 0 && (total += n) < BIG)
		;
	if (write(c, "bye", 3) != 3)
		total = -1;
	close(c);
	return (void *)total;
}

int
main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	char r[16] = {0}, txt[64] = "";
	pthread_t t;
	void *got = 0;
	int l = socket(AF_INET, SOCK_STREAM, 0), c;

	CHECK(l >= 0, "socket AF_INET SOCK_STREAM");
	CHECK(bind(l, (void *)&a, sizeof a) == 0, "bind 127.0.0.1:0");
	CHECK(listen(l, 5) == 0, "listen");
	CHECK(getsockname(l, (void *)&a, &al) == 0 && a.sin_port != 0, "getsockname: a port");
	CHECK(pthread_create(&t, 0, server, &l) == 0, "server thread");
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (void *)&a, sizeof a) == 0, "connect");
	memset(big, 'x', sizeof big);
	CHECK(write(c, big, sizeof big) == sizeof big, "write 1 MB");
	CHECK(read(c, r, sizeof r) == 3 && !memcmp(r, "bye", 3), "the server's reply");
	pthread_join(t, &got);
	CHECK((long)got == BIG, "the server read 1 MB");
	CHECK(read(c, r, sizeof r) == 0, "EOF after the server closed");
	close(c);

	c = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = htons(1);
	errno = 0;
	CHECK(connect(c, (void *)&a, sizeof a) == -1 && errno == ECONNREFUSED,
	      "connect to a closed port: ECONNREFUSED");
	close(c);

	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in from, u2a;
	a.sin_port = 0;
	CHECK(bind(u1, (void *)&a, sizeof a) == 0, "UDP bind");
	al = sizeof a;
	getsockname(u1, (void *)&a, &al);
	CHECK(sendto(u2, "hello", 5, 0, (void *)&a, sizeof a) == 5, "UDP sendto");
	al = sizeof from;
	CHECK(recvfrom(u1, r, sizeof r, 0, (void *)&from, &al) == 5 && !memcmp(r, "hello", 5),
	      "UDP recvfrom");
	al = sizeof u2a;
	getsockname(u2, (void *)&u2a, &al);
	CHECK(from.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && from.sin_port == u2a.sin_port,
	      "UDP source is the sender's address");

	int l6 = socket(AF_INET6, SOCK_STREAM, 0), s;
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6}, p6;
	CHECK(bind(l6, (void *)&a6, sizeof a6) == 0 && listen(l6, 5) == 0, "listen on [::]");
	al = sizeof a6;
	getsockname(l6, (void *)&a6, &al);
	a.sin_port = a6.sin6_port;
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (void *)&a, sizeof a) == 0, "IPv4 client to [::]");
	al = sizeof p6;
	s = accept(l6, (void *)&p6, &al);
	CHECK(s >= 0, "accept on [::]");
	inet_ntop(AF_INET6, &p6.sin6_addr, txt, sizeof txt);
	CHECK(!strcmp(txt, "::ffff:127.0.0.1"), "the IPv4 client as ::ffff:127.0.0.1");
	unsigned char ti[232];
	al = sizeof ti;
	CHECK(getsockopt(s, IPPROTO_TCP, TCP_INFO, ti, &al) == 0 && ti[0] == 1,
	      "TCP_INFO: ESTABLISHED");
	int c6 = socket(AF_INET6, SOCK_STREAM, 0);
	a6.sin6_addr = in6addr_loopback;
	CHECK(connect(c6, (void *)&a6, sizeof a6) == 0, "connect to [::1]");

	for (int v6 = 0; v6 < 2; v6++) {
		struct sockaddr_in d4 = {.sin_family = AF_INET,
		                         .sin_port = htons(9),
		                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		struct sockaddr_in6 d6 = {
		    .sin6_family = AF_INET6, .sin6_port = htons(9), .sin6_addr = in6addr_loopback};
		int u = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
		struct pollfd p = {u, POLLIN, 0};
		CHECK((v6 ? connect(u, (void *)&d6, sizeof d6)
		          : connect(u, (void *)&d4, sizeof d4)) == 0,
		      v6 ? "UDP connect [::1]:9" : "UDP connect 127.0.0.1:9");
		CHECK(send(u, "x", 1, 0) == 1, "UDP send to a port nobody has");
		CHECK(poll(&p, 1, 5000) == 1 && p.revents == POLLERR, "poll: POLLERR after ICMP");
		errno = 0;
		CHECK(recv(u, r, sizeof r, 0) == -1 && errno == ECONNREFUSED, "recv: ECONNREFUSED");
		errno = 0;
		CHECK(recv(u, r, sizeof r, MSG_DONTWAIT) == -1 && errno == EAGAIN,
		      "the error was reported once");
		close(u);
	}
	return tap_done();
}

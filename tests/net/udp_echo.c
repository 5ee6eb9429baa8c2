/* UDP echo for the network e2e tests (tests/e2e/net-udp.sh):
 *   udp_echo server PORT [COUNT]   echo every datagram back to its sender
 *                                  ("listening on PORT" when ready; exit
 *                                  0 after COUNT datagrams, or on SIGTERM)
 *   udp_echo client HOST PORT N    send N numbered datagrams, one at a
 *                                  time, each retried up to 3 times if
 *                                  its echo is not back within 1 s;
 *                                  prints "N/N echoed", exit 0 when all
 *                                  came back intact
 * Listens on [::] (IPv4 too), else 0.0.0.0. A plain Linux program. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
server(int port, long count)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), zero = 0;
	struct sockaddr_storage ss;
	socklen_t len;

	if (fd >= 0) {
		struct sockaddr_in6 a = {.sin6_family = AF_INET6,
		                         .sin6_port = htons((uint16_t)port)};
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			fprintf(stderr, "udp_echo: bind port %d: %s\n", port, strerror(errno));
			return 1;
		}
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("listening on %d\n", port);
	fflush(stdout);
	for (long n = 0; !stop && (count <= 0 || n < count);) {
		char buf[65536];
		len = sizeof(ss);
		ssize_t r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "udp_echo: recvfrom: %s\n", strerror(errno));
			return 1;
		}
		if (sendto(fd, buf, (size_t)r, 0, (struct sockaddr *)&ss, len) != r)
			fprintf(stderr, "udp_echo: sendto: %s\n", strerror(errno));
		n++;
	}
	return 0;
}

static int
client(const char *host, const char *port, long n)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res;
	int r = getaddrinfo(host, port, &hints, &res), fd;

	if (r) {
		fprintf(stderr, "udp_echo: %s: %s\n", host, gai_strerror(r));
		return 1;
	}
	fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
		fprintf(stderr, "udp_echo: connect: %s\n", strerror(errno));
		return 1;
	}
	freeaddrinfo(res);
	struct timeval tv = {1, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	long ok = 0;
	for (long i = 0; i < n; i++) {
		char msg[64], back[128];
		int len = snprintf(msg, sizeof(msg), "datagram %ld of %ld", i + 1, n);
		for (int try = 0; try < 3; try++) {
			if (send(fd, msg, (size_t)len, 0) != len) {
				fprintf(stderr, "udp_echo: send: %s\n", strerror(errno));
				return 1;
			}
			ssize_t k;
			/* skip late echoes of earlier tries */
			while ((k = recv(fd, back, sizeof(back), 0)) >= 0 &&
			       !(k == len && !memcmp(back, msg, (size_t)len)))
				;
			if (k == len) {
				ok++;
				break;
			}
			if (errno != EAGAIN) {
				fprintf(stderr, "udp_echo: recv: %s\n", strerror(errno));
				return 1;
			}
		}
	}
	printf("%ld/%ld echoed\n", ok, n);
	return ok == n ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && argc <= 4 && !strcmp(argv[1], "server"))
		return server(atoi(argv[2]), argc == 4 ? atol(argv[3]) : 0);
	if (argc == 5 && !strcmp(argv[1], "client"))
		return client(argv[2], argv[3], atol(argv[4]));
	fprintf(stderr, "usage: udp_echo server PORT [COUNT] | udp_echo client HOST PORT N\n");
	return 2;
}

/* A TCP client for the network e2e tests: connects to HOST PORT (an
 * IPv4 or IPv6 address, or a name), sends one line, prints the reply's
 * first line and exits 0; any error is one line on stderr and exit 1.
 * tests/e2e/net-guest-client.sh runs it in the guest against a server on
 * the host (10.0.2.2 on QEMU's user network).
 * Usage: tcp_client HOST PORT [LINE]   (LINE defaults to "hello from unum") */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *p;
	const char *line = argc > 3 ? argv[3] : "hello from unum";
	char out[1024], reply[4096];
	int fd = -1, r;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: tcp_client HOST PORT [LINE]\n");
		return 2;
	}
	if ((r = getaddrinfo(argv[1], argv[2], &hints, &res))) {
		fprintf(stderr, "tcp_client: %s: %s\n", argv[1], gai_strerror(r));
		return 1;
	}
	for (p = res; p; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
		if (fd >= 0 && connect(fd, p->ai_addr, p->ai_addrlen) == 0)
			break;
		r = errno;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fprintf(stderr, "tcp_client: connect to %s port %s: %s\n", argv[1], argv[2],
		        strerror(r));
		return 1;
	}
	struct timeval tv = {10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int n = snprintf(out, sizeof(out), "%s\n", line);
	if (n >= (int)sizeof(out) || send(fd, out, (size_t)n, MSG_NOSIGNAL) != n) {
		fprintf(stderr, "tcp_client: send: %s\n", strerror(errno));
		return 1;
	}
	size_t got = 0;
	while (got < sizeof(reply) - 1 && !memchr(reply, '\n', got)) {
		ssize_t k = recv(fd, reply + got, sizeof(reply) - 1 - got, 0);
		if (k < 0) {
			fprintf(stderr, "tcp_client: recv: %s\n", strerror(errno));
			return 1;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	if (!got) {
		fprintf(stderr, "tcp_client: the server closed without a reply\n");
		return 1;
	}
	reply[got] = 0;
	char *nl = strchr(reply, '\n');
	if (nl)
		*nl = 0;
	printf("%s\n", reply);
	close(fd);
	return 0;
}

/* Running out of fds, as Linux answers it: sockets until RLIMIT_NOFILE
 * (lowered to 256) end with EMFILE, for TCP, UDP and socketpair, and an
 * fd closed is usable again; accept at the limit is EMFILE and leaves the
 * connection queued for the next accept (the fd is reserved before the
 * connection is taken, as Linux); outgoing connects (lowered to 64) until
 * the next socket is EMFILE, each connected, and one more once one is
 * closed. Runs unmodified on Linux. Running out of local ports
 * (EADDRNOTAVAIL) is tests/guest/posix_inet_ports.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"

static int conns[300];

static int
listener(struct sockaddr_in *a, int backlog)
{
	socklen_t len = sizeof(*a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	a->sin_family = AF_INET;
	a->sin_port = 0;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)a, sizeof(*a)) || listen(s, backlog) ||
	    getsockname(s, (struct sockaddr *)a, &len))
		return -1;
	return s;
}

static void
fds_run_out(void)
{
	struct rlimit rl = {256, 256};
	struct sockaddr_in a;
	int l, pending, n = 0, err = 0, sv[2];

	CHECK(!setrlimit(RLIMIT_NOFILE, &rl), "RLIMIT_NOFILE lowered to 256");
	CHECK((l = listener(&a, 16)) >= 0, "listener on 127.0.0.1");
	/* a connection waiting in the listener's queue for accept */
	pending = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(pending >= 0 && !connect(pending, (struct sockaddr *)&a, sizeof a),
	      "a connection waits to be accepted");
	while (n < 300) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0) {
			err = errno;
			break;
		}
		conns[n++] = s;
	}
	CHECK(err == EMFILE, "socket at RLIMIT_NOFILE: EMFILE");
	int top = -1;
	for (int fd = 0; fd < 256; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			top = fd;
	CHECK(top == 255, "every fd below the limit is taken, none past it");
	CHECK(socket(AF_INET6, SOCK_DGRAM, 0) < 0 && errno == EMFILE, "UDP socket too: EMFILE");
	errno = 0;
	CHECK(accept(l, NULL, NULL) < 0 && errno == EMFILE, "accept at RLIMIT_NOFILE: EMFILE");
	close(conns[--n]);
	int c = accept(l, NULL, NULL);
	CHECK(c >= 0, "with an fd free, accept takes the connection still queued");
	char b = 'x';
	CHECK(c >= 0 && write(pending, &b, 1) == 1 && read(c, &b, 1) == 1,
	      "... and it carries the client's byte");
	if (c >= 0)
		close(c);
	errno = 0;
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 && errno == EMFILE,
	      "socketpair with one fd free: EMFILE");
	int s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0, "with an fd free, socket succeeds");
	if (s >= 0)
		close(s);
	while (n > 0)
		close(conns[--n]);
	close(pending);
	close(l);
	CHECK((s = socket(AF_INET, SOCK_STREAM, 0)) >= 0, "sockets again once fds are closed");
	close(s);
}

/* outgoing connects to a listener that accepts none (its queue holds
 * them), until the fds run out */
static void
connects_run_out(void)
{
	struct rlimit rl = {64, 64};
	struct sockaddr_in a;
	int l, n = 0, err = 0, connected = 1, s, free = 0;
	char b = 'y';

	CHECK(!setrlimit(RLIMIT_NOFILE, &rl), "RLIMIT_NOFILE lowered to 64");
	CHECK((l = listener(&a, 128)) >= 0, "a listener that accepts nothing");
	for (int fd = 0; fd < 64; fd++)
		free += fcntl(fd, F_GETFD) < 0;
	while (n < 100) {
		if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
			err = errno;
			break;
		}
		conns[n++] = s;
		if (connect(s, (struct sockaddr *)&a, sizeof(a)))
			connected = 0;
	}
	CHECK(err == EMFILE && n == free && n > 50,
	      "outgoing connects until every fd is taken: EMFILE");
	CHECK(connected, "... each one of them connected");
	CHECK(n > 0 && write(conns[n - 1], &b, 1) == 1, "... and the last one sends");
	close(conns[--n]);
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0 && !connect(s, (struct sockaddr *)&a, sizeof(a)),
	      "with an fd free, one more connects");
	if (s >= 0)
		conns[n++] = s;
	errno = 0;
	CHECK(socket(AF_INET, SOCK_STREAM, 0) < 0 && errno == EMFILE, "... and then EMFILE again");
	while (n > 0)
		close(conns[--n]);
	close(l);
}

int
main(void)
{
	fds_run_out();
	connects_run_out();
	return tap_done();
}

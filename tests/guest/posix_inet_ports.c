/* Running out of local ports, as Linux answers it: /proc/sys/net/ipv4/
 * ip_local_port_range read and written with Linux's format and errors,
 * then narrowed to 50 ports: loopback connects take them until connect is
 * EADDRNOTAVAIL (bind to port 0 EADDRINUSE, listen unbound EADDRINUSE),
 * a port freed by a reset (SO_LINGER 0) or by the server closing first is
 * given again, the stack still carries data; the same for UDP (bind to
 * port 0 EADDRINUSE, sendto and connect unbound EAGAIN). Built like every
 * tests/guest program; passes on Linux too, as root in a network namespace
 * of its own (unshare -rn, lo up: the range is the namespace's). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define RANGE "/proc/sys/net/ipv4/ip_local_port_range"
#define NPORTS 50

static int cli[NPORTS + 8], srv[NPORTS + 8];

static int
read_range(char *b, size_t size)
{
	int fd = open(RANGE, O_RDONLY);
	long n = fd < 0 ? -1 : read(fd, b, size - 1);

	if (fd >= 0)
		close(fd);
	b[n > 0 ? n : 0] = '\0';
	return n < 0 ? -1 : 0;
}

/* one write of len bytes from the start: write's result (errno kept) */
static long
write_range(const char *text, size_t len)
{
	int fd = open(RANGE, O_WRONLY);
	long r;
	int e;

	if (fd < 0)
		return -2;
	r = write(fd, text, len);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

static int
set_range(unsigned lo, unsigned hi)
{
	char t[32];
	int n = snprintf(t, sizeof(t), "%u %u\n", lo, hi);

	return write_range(t, (size_t)n) == n ? 0 : -1;
}

/* text with its tabs and newlines written as C escapes: one TAP line */
static const char *
shown(const char *text)
{
	static char b[64];
	size_t n = 0;

	for (; *text && n + 3 < sizeof(b); text++) {
		if (*text == '\n' || *text == '\t') {
			b[n++] = '\\';
			b[n++] = *text == '\n' ? 'n' : 't';
		} else {
			b[n++] = *text;
		}
	}
	b[n] = '\0';
	return b;
}

static void
sysctl_format(void)
{
	static const struct {
		const char *text;
		long ret; /* write's result; -1: EINVAL */
		const char *after;
	} cases[] = {
	    {"40000 40049", 11, "40000\t40049\n"},
	    {"1000 2000", -1, NULL},    /* below ip_unprivileged_port_start */
	    {"3000 2000", -1, NULL},    /* high below low */
	    {"40000 70000", -1, NULL},  /* past 65535 */
	    {"0 40000", -1, NULL},      /* below 1 */
	    {"abc", -1, NULL},          /* no number */
	    {"40000x 40049", -1, NULL}, /* not ended by white space */
	    {"40000,40049", -1, NULL},  /* a comma is no separator */
	    {"-5 40000", -1, NULL},     /* negative */
	    {"+40000 40049", -1, NULL}, /* Linux takes no '+' */
	    {"\n", -1, NULL},           /* white space only */
	    {"65536 65536", -1, NULL},  /* one past */
	    {"1024 2000", 9, "1024\t2000\n"},
	    {"65535 65535", 11, "65535\t65535\n"},
	    {"40000 40000", 11, "40000\t40000\n"}, /* one port */
	    {"0x9c40 0x9c71", 13, "40000\t40049\n"},
	    {"040000 40049", 12, "16384\t40049\n"}, /* octal, as C */
	    {"50000", 5, "50000\t60999\n"},         /* the high end kept */
	    {" 40000\t\t40049  \n", 16, "40000\t40049\n"},
	    {"40000\n40049", 11, "40000\t40049\n"},
	    {"40000 40049 5", 12, "40000\t40049\n"}, /* the third value is not taken */
	    {"", 0, NULL},
	};
	char b[64], want[64];
	int ok = read_range(b, sizeof(b)) == 0 && !strcmp(b, "32768\t60999\n");

	CHECK(ok, "ip_local_port_range reads \"32768\\t60999\\n\" at first, as Linux's");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[128];
		if (set_range(32768, 60999))
			break;
		errno = 0;
		long r = write_range(cases[i].text, strlen(cases[i].text));
		int e = errno;
		strcpy(want, cases[i].after ? cases[i].after : "32768\t60999\n");
		read_range(b, sizeof(b));
		snprintf(name, sizeof(name), "write \"%s\": %ld%s, then it reads as Linux's",
		         shown(cases[i].text), cases[i].ret, cases[i].ret < 0 ? " EINVAL" : "");
		errno = e;
		CHECK(r == cases[i].ret && (r >= 0 || e == EINVAL) && !strcmp(b, want), name);
		if (strcmp(b, want))
			printf("# read \"%s\", the write returned %ld\n", shown(b), r);
	}
	/* one write from the start: a second write through the same file is
	 * taken and ignored; a read past the start reads nothing */
	int fd = open(RANGE, O_RDWR);
	CHECK(fd >= 0 && write(fd, "40000 40049", 11) == 11 && write(fd, "30000 30001", 11) == 11,
	      "a second write through one open file returns its length");
	read_range(b, sizeof(b));
	CHECK(!strcmp(b, "40000\t40049\n"), "... and changes nothing");
	CHECK(fd >= 0 && pread(fd, b, sizeof(b), 3) == 0, "a read past the start reads nothing");
	if (fd >= 0)
		close(fd);
	CHECK(!set_range(32768, 60999), "the range set back to 32768-60999");
}

static int
listener(struct sockaddr_in *a, int backlog)
{
	socklen_t len = sizeof(*a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)a, sizeof(*a)) || listen(s, backlog) ||
	    getsockname(s, (struct sockaddr *)a, &len))
		return -1;
	return s;
}

static unsigned
local_port(int s)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	return getsockname(s, (struct sockaddr *)&a, &len) ? 0 : ntohs(a.sin_port);
}

/* a connect to a: its fd with *port its local port, or -1 with errno */
static int
connect_to(const struct sockaddr_in *a, unsigned *port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), e;

	if (s < 0)
		return -1;
	if (connect(s, (const struct sockaddr *)a, sizeof(*a))) {
		e = errno;
		close(s);
		errno = e;
		return -1;
	}
	*port = local_port(s);
	return s;
}

/* a connect that may wait for a port being freed (the last ACK of a
 * close on its way): up to 10 s */
static int
connect_retry(const struct sockaddr_in *a, unsigned *port)
{
	for (int i = 0; i < 1000; i++) {
		int s = connect_to(a, port);
		if (s >= 0 || errno != EADDRNOTAVAIL)
			return s;
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	return -1;
}

static int
round_trip(int a, int b)
{
	char c = 'p';

	return write(a, &c, 1) == 1 && read(b, &c, 1) == 1 && c == 'p' && write(b, "q", 1) == 1 &&
	               read(a, &c, 1) == 1 && c == 'q'
	           ? 0
	           : -1;
}

static void
tcp_ports_run_out(void)
{
	struct sockaddr_in a, any = {.sin_family = AF_INET};
	unsigned lo, port, seen[NPORTS] = {0};
	int l, n = 0, err = 0, s, inrange = 1, distinct = 1;

	CHECK((l = listener(&a, 64)) >= 0, "listener on 127.0.0.1");
	/* a range that does not hold the listener's port */
	lo = ntohs(a.sin_port) < 45000 ? 50000 : 40000;
	CHECK(!set_range(lo, lo + NPORTS - 1), "ip_local_port_range narrowed to 50 ports");
	s = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0 && !bind(s, (struct sockaddr *)&any, sizeof(any)) &&
	          (port = local_port(s)) >= lo && port < lo + NPORTS,
	      "bind to port 0 draws from the range");
	close(s);
	while (n < NPORTS + 8) {
		if ((cli[n] = connect_to(&a, &port)) < 0) {
			err = errno;
			break;
		}
		if ((srv[n] = accept(l, NULL, NULL)) < 0)
			break;
		if (port < lo || port >= lo + NPORTS)
			inrange = 0;
		else if (seen[port - lo]++)
			distinct = 0;
		n++;
	}
	CHECK(n == NPORTS && err == EADDRNOTAVAIL,
	      "50 connects take the 50 ports, the next is EADDRNOTAVAIL");
	if (n != NPORTS)
		printf("# %d connections, then errno %d\n", n, err);
	CHECK(inrange && distinct, "each connection's local port is in the range, none twice");
	s = socket(AF_INET, SOCK_STREAM, 0);
	errno = 0;
	CHECK(s >= 0 && bind(s, (struct sockaddr *)&any, sizeof(any)) < 0 && errno == EADDRINUSE,
	      "bind to port 0 with every port taken: EADDRINUSE");
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	errno = 0;
	CHECK(s >= 0 && listen(s, 1) < 0 && errno == EADDRINUSE,
	      "listen unbound with every port taken: EADDRINUSE");
	close(s);
	if (n < 3)
		return;
	/* a reset frees its port at once */
	struct linger lg = {1, 0};
	unsigned freed = local_port(cli[0]);
	setsockopt(cli[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(cli[0]);
	close(srv[0]);
	cli[0] = connect_to(&a, &port);
	CHECK(cli[0] >= 0 && port == freed, "a port freed by a reset (SO_LINGER 0) is given again");
	srv[0] = cli[0] >= 0 ? accept(l, NULL, NULL) : -1;
	CHECK(cli[0] >= 0 && srv[0] >= 0 && round_trip(cli[0], srv[0]) == 0,
	      "... and its connection carries data");
	/* the server closes first: TIME-WAIT is the server's, the client's
	 * port is free once its own close is acknowledged */
	char c;
	freed = local_port(cli[1]);
	close(srv[1]);
	CHECK(read(cli[1], &c, 1) == 0, "the server closed first: the client reads its end");
	close(cli[1]);
	cli[1] = connect_retry(&a, &port);
	CHECK(cli[1] >= 0 && port == freed, "the client's port is given again after its close");
	if (cli[1] < 0)
		printf("# connect: errno %d\n", errno);
	srv[1] = cli[1] >= 0 ? accept(l, NULL, NULL) : -1;
	CHECK(cli[n - 1] >= 0 && round_trip(cli[n - 1], srv[n - 1]) == 0,
	      "the other connections still carry data");
	for (int i = 0; i < n; i++) {
		/* resets: no TIME-WAIT left holding the ports */
		setsockopt(cli[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(cli[i]);
		close(srv[i]);
	}
	/* bound, not connected, the ports run out too */
	for (n = 0, err = 0; n < NPORTS + 8; n++) {
		if ((cli[n] = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    bind(cli[n], (struct sockaddr *)&any, sizeof(any))) {
			err = errno;
			close(cli[n]);
			break;
		}
	}
	CHECK(n == NPORTS && err == EADDRINUSE, "50 binds to port 0, the next is EADDRINUSE");
	errno = 0;
	CHECK(connect_to(&a, &port) < 0 && errno == EADDRNOTAVAIL,
	      "a connect with every port bound: EADDRNOTAVAIL");
	while (n > 0)
		close(cli[--n]);
	CHECK(!set_range(32768, 60999), "the range set back");
	s = connect_to(&a, &port);
	int t = s >= 0 ? accept(l, NULL, NULL) : -1;
	CHECK(t >= 0 && port >= 32768 && port <= 60999 && round_trip(s, t) == 0,
	      "connects work again from the whole range");
	close(s);
	close(t);
	close(l);
}

static void
udp_ports_run_out(void)
{
	struct sockaddr_in any = {.sin_family = AF_INET}, to;
	socklen_t len = sizeof(to);
	unsigned port, lo = 40000;
	int n, err = 0, s, inrange = 1;

	CHECK(!set_range(lo, lo + NPORTS - 1), "UDP: the range narrowed to 50 ports");
	for (n = 0; n < NPORTS + 8; n++) {
		if ((cli[n] = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
		    bind(cli[n], (struct sockaddr *)&any, sizeof(any))) {
			err = errno;
			close(cli[n]);
			break;
		}
		port = local_port(cli[n]);
		if (port < lo || port >= lo + NPORTS)
			inrange = 0;
	}
	CHECK(n == NPORTS && err == EADDRINUSE && inrange,
	      "UDP: 50 binds to port 0 in the range, the next is EADDRINUSE");
	getsockname(cli[0], (struct sockaddr *)&to, &len);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	errno = 0;
	CHECK(s >= 0 && sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to)) < 0 &&
	          errno == EAGAIN,
	      "UDP: sendto unbound with every port taken: EAGAIN");
	errno = 0;
	CHECK(connect(s, (struct sockaddr *)&to, sizeof(to)) < 0 && errno == EAGAIN,
	      "UDP: connect unbound with every port taken: EAGAIN");
	unsigned freed = local_port(cli[n - 1]);
	close(cli[--n]);
	char c = 0;
	CHECK(sendto(s, "y", 1, 0, (struct sockaddr *)&to, sizeof(to)) == 1 &&
	          local_port(s) == freed && recv(cli[0], &c, 1, 0) == 1 && c == 'y',
	      "UDP: a port closed is taken by the next sendto, and the datagram arrives");
	close(s);
	while (n > 0)
		close(cli[--n]);
	CHECK(!set_range(32768, 60999), "UDP: the range set back");
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* each line out as it is made: a hang shows where */
	sysctl_format();
	tcp_ports_run_out();
	udp_ports_run_out();
	return tap_done();
}

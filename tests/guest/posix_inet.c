/* In-guest checks of AF_INET and AF_INET6 sockets over loopback
 * (127.0.0.1 and ::1), TCP and UDP, each by its effect and errno: the
 * life of a connection (bind, listen, accept, accept4, connect,
 * shutdown, close), names (v4, v6, v4-mapped on a dual-stack listener,
 * IPV6_V6ONLY), blocking and non-blocking connect, the error cases
 * (ECONNREFUSED, EADDRINUSE, EADDRNOTAVAIL, EINVAL, EOPNOTSUPP,
 * ENOTCONN, EISCONN, EALREADY, EPIPE and SIGPIPE, ECONNRESET), the MSG_*
 * flags, vectored and message I/O, sendfile, every socket option by what
 * it does, ioctls, poll/select/epoll, listen's backlog, UDP's connected
 * mode and ICMP errors, and name lookup. Each failure says what was
 * expected and what came. Built three ways like every tests/guest
 * program; passes on Linux too (as root or not). */
#define _GNU_SOURCE
#include "tap.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t sigpipes;

static void
on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/* one case: GOT must equal EXP */
static void
check_eq(long got, long exp, const char *name)
{
	int e = errno;

	CHECK(got == exp, name);
	if (got != exp)
		printf("# expected %ld, got %ld (errno %d %s)\n", exp, got, e, strerror(e));
}

/* one case: a call returned RET with errno E; it must have failed with EXP */
static void
check_err(long ret, int e, int exp, const char *name)
{
	int ok = ret == -1 && e == exp;

	CHECK(ok, name);
	if (!ok)
		printf("# expected -1 errno %d %s, got %ld errno %d %s\n", exp, strerror(exp), ret,
		       ret == -1 ? e : 0, ret == -1 ? strerror(e) : "-");
}

#define ERR_IS(call, exp, name)                                                                    \
	do {                                                                                       \
		errno = 0;                                                                         \
		long r_ = (long)(call);                                                            \
		check_err(r_, errno, exp, name);                                                   \
	} while (0)

static void
sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* an address of FAM: IP ("127.0.0.1", "::1", "::", ...) and PORT */
static socklen_t
mkaddr(struct sockaddr_storage *ss, int fam, const char *ip, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, ip, &a->sin_addr);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
	a->sin6_family = AF_INET6;
	a->sin6_port = htons((uint16_t)port);
	inet_pton(AF_INET6, ip, &a->sin6_addr);
	return sizeof(*a);
}

static const char *
loop_ip(int fam)
{
	return fam == AF_INET ? "127.0.0.1" : "::1";
}

static int
port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* a socket of FAM/TYPE bound to IP port 0 (listening if a stream), or -1 */
static int
bound(int fam, int type, const char *ip)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(&ss, fam, ip, 0);
	int fd = socket(fam, type, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    ((type & 0xf) == SOCK_STREAM && listen(fd, 16) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
connect_to(int fd, int fam, const char *ip, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(&ss, fam, ip, port);

	return connect(fd, (struct sockaddr *)&ss, len);
}

/* a connected TCP pair over FAM's loopback: *c the client, *s the accepted
 * one; 0 or -1 */
static int
tcp_pair(int fam, int *c, int *s)
{
	int l = bound(fam, SOCK_STREAM, loop_ip(fam));

	*c = *s = -1;
	if (l < 0)
		return -1;
	*c = socket(fam, SOCK_STREAM, 0);
	if (*c < 0 || connect_to(*c, fam, loop_ip(fam), port_of(l)) < 0) {
		close(l);
		return -1;
	}
	*s = accept(l, NULL, NULL);
	close(l);
	return *s < 0 ? -1 : 0;
}

static int
sockopt(int fd, int level, int name)
{
	int v = -12345;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, level, name, &v, &len) < 0)
		return -100000 - errno;
	return v;
}

static int
setopt(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v));
}

/* poll one fd for EVENTS for up to MS; the revents */
static int
poll1(int fd, short events, int ms)
{
	struct pollfd p = {fd, events, 0};

	return poll(&p, 1, ms) == 1 ? p.revents : 0;
}

static int
set_nonblock(int fd)
{
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int
addr_is(const struct sockaddr_storage *ss, int fam, const char *ip, int port)
{
	struct sockaddr_storage want;

	mkaddr(&want, fam, ip, port);
	if (ss->ss_family != fam)
		return 0;
	if (fam == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss, *b = (const void *)&want;
		return a->sin_addr.s_addr == b->sin_addr.s_addr &&
		       (port < 0 || a->sin_port == b->sin_port);
	}
	const struct sockaddr_in6 *a = (const void *)ss, *b = (const void *)&want;
	return !memcmp(&a->sin6_addr, &b->sin6_addr, 16) &&
	       (port < 0 || a->sin6_port == b->sin6_port);
}

static void
check_create(void)
{
	static const struct {
		int fam, type, proto;
	} kinds[] = {{AF_INET, SOCK_STREAM, IPPROTO_TCP},
	             {AF_INET, SOCK_DGRAM, IPPROTO_UDP},
	             {AF_INET6, SOCK_STREAM, IPPROTO_TCP},
	             {AF_INET6, SOCK_DGRAM, IPPROTO_UDP}};
	char name[96];

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *k = kinds[i].fam == AF_INET ? "inet" : "inet6";
		const char *t = kinds[i].type == SOCK_STREAM ? "stream" : "dgram";
		int fd = socket(kinds[i].fam, kinds[i].type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		snprintf(name, sizeof(name), "socket(%s, %s|NONBLOCK|CLOEXEC)", k, t);
		CHECK(fd >= 0, name);
		snprintf(name, sizeof(name), "%s %s: SO_TYPE", k, t);
		check_eq(sockopt(fd, SOL_SOCKET, SO_TYPE), kinds[i].type, name);
		snprintf(name, sizeof(name), "%s %s: SO_DOMAIN", k, t);
		check_eq(sockopt(fd, SOL_SOCKET, SO_DOMAIN), kinds[i].fam, name);
		snprintf(name, sizeof(name), "%s %s: SO_PROTOCOL", k, t);
		check_eq(sockopt(fd, SOL_SOCKET, SO_PROTOCOL), kinds[i].proto, name);
		snprintf(name, sizeof(name), "%s %s: SOCK_CLOEXEC is FD_CLOEXEC", k, t);
		check_eq(fcntl(fd, F_GETFD), FD_CLOEXEC, name);
		snprintf(name, sizeof(name), "%s %s: SOCK_NONBLOCK is O_NONBLOCK", k, t);
		check_eq(!!(fcntl(fd, F_GETFL) & O_NONBLOCK), 1, name);
		close(fd);
	}
	ERR_IS(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT,
	       "socket(inet, stream, udp): EPROTONOSUPPORT");
	ERR_IS(socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT,
	       "socket(inet, seqpacket): ESOCKTNOSUPPORT");
}

/* a TCP connection's life over FAM's loopback, and its names */
static void
check_tcp_basic(int fam)
{
	const char *k = fam == AF_INET ? "tcp4" : "tcp6";
	const char *ip = loop_ip(fam);
	char name[128];
	struct sockaddr_storage ss;
	socklen_t len;
	char buf[64];
	int l = bound(fam, SOCK_STREAM, ip);
	int port = port_of(l);

	snprintf(name, sizeof(name), "%s: listener on %s port 0 gets a port", k, ip);
	CHECK(l >= 0 && port > 0, name);
	len = sizeof(ss);
	snprintf(name, sizeof(name), "%s: getsockname of the listener", k);
	CHECK(getsockname(l, (struct sockaddr *)&ss, &len) == 0 && addr_is(&ss, fam, ip, port),
	      name);
	snprintf(name, sizeof(name), "%s: SO_ACCEPTCONN 1 on a listener", k);
	check_eq(sockopt(l, SOL_SOCKET, SO_ACCEPTCONN), 1, name);

	int c = socket(fam, SOCK_STREAM, 0);
	snprintf(name, sizeof(name), "%s: SO_ACCEPTCONN 0 before listen", k);
	check_eq(sockopt(c, SOL_SOCKET, SO_ACCEPTCONN), 0, name);
	snprintf(name, sizeof(name), "%s: blocking connect", k);
	check_eq(connect_to(c, fam, ip, port), 0, name);
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	int s = accept(l, (struct sockaddr *)&peer, &plen);
	snprintf(name, sizeof(name), "%s: accept gives the client's address", k);
	CHECK(s >= 0 && addr_is(&peer, fam, ip, port_of(c)), name);
	snprintf(name, sizeof(name), "%s: accept's addrlen", k);
	check_eq(plen, fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6),
	         name);
	len = sizeof(ss);
	snprintf(name, sizeof(name), "%s: getpeername of the client is the listener's", k);
	CHECK(getpeername(c, (struct sockaddr *)&ss, &len) == 0 && addr_is(&ss, fam, ip, port),
	      name);
	len = sizeof(ss);
	snprintf(name, sizeof(name), "%s: getsockname of the accepted is the listener's port", k);
	CHECK(getsockname(s, (struct sockaddr *)&ss, &len) == 0 && addr_is(&ss, fam, ip, port),
	      name);
	len = 2; /* a short buffer: truncated, the real length back */
	snprintf(name, sizeof(name), "%s: getsockname with a short addrlen gives the full length",
	         k);
	check_eq(getsockname(s, (struct sockaddr *)&ss, &len) == 0 ? (long)len : -1,
	         fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6), name);
	snprintf(name, sizeof(name), "%s: connect again: EISCONN", k);
	ERR_IS(connect_to(c, fam, ip, port), EISCONN, name);

	snprintf(name, sizeof(name), "%s: write/read client to server", k);
	check_eq(write(c, "hello", 5) == 5 ? read(s, buf, sizeof(buf)) : -1, 5, name);
	snprintf(name, sizeof(name), "%s: send/recv server to client", k);
	check_eq(send(s, "world!", 6, 0) == 6 ? recv(c, buf, sizeof(buf), 0) : -1, 6, name);
	CHECK(!memcmp(buf, "world!", 6), "the bytes arrive as sent");

	snprintf(name, sizeof(name), "%s: shutdown(SHUT_WR) then the peer reads 0", k);
	check_eq(shutdown(c, SHUT_WR) == 0 ? read(s, buf, sizeof(buf)) : -1, 0, name);
	snprintf(name, sizeof(name), "%s: write after SHUT_WR: EPIPE", k);
	ERR_IS(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, name);
	snprintf(name, sizeof(name), "%s: the other way still works after SHUT_WR", k);
	check_eq(write(s, "back", 4) == 4 ? read(c, buf, sizeof(buf)) : -1, 4, name);
	close(s);
	snprintf(name, sizeof(name), "%s: read 0 after the peer closes", k);
	check_eq(read(c, buf, sizeof(buf)), 0, name);
	close(c);

	/* accept4's flags */
	c = socket(fam, SOCK_STREAM, 0);
	connect_to(c, fam, ip, port);
	s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	snprintf(name, sizeof(name), "%s: accept4 NONBLOCK|CLOEXEC", k);
	CHECK(s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK) && fcntl(s, F_GETFD) == FD_CLOEXEC, name);
	snprintf(name, sizeof(name), "%s: accepted socket without NONBLOCK blocks by default", k);
	int s2;
	int c2 = socket(fam, SOCK_STREAM, 0);
	connect_to(c2, fam, ip, port);
	s2 = accept(l, NULL, NULL);
	CHECK(s2 >= 0 && !(fcntl(s2, F_GETFL) & O_NONBLOCK) && fcntl(s2, F_GETFD) == 0, name);
	snprintf(name, sizeof(name), "%s: accept4 with a bad flag: EINVAL", k);
	/* the system call: musl retries a refused accept4 as accept */
	ERR_IS(syscall(SYS_accept4, l, NULL, NULL, 0x40000000), EINVAL, name);
	set_nonblock(l);
	snprintf(name, sizeof(name), "%s: non-blocking accept with none pending: EAGAIN", k);
	ERR_IS(accept(l, NULL, NULL), EAGAIN, name);
	close(s);
	close(c);
	close(s2);
	close(c2);
	close(l);
}

/* a dual-stack :: listener takes IPv4 clients as v4-mapped; V6ONLY refuses */
static void
check_dual_stack(void)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int l = socket(AF_INET6, SOCK_STREAM, 0);

	check_eq(sockopt(l, IPPROTO_IPV6, IPV6_V6ONLY), 0, "IPV6_V6ONLY is 0 by default");
	mkaddr(&ss, AF_INET6, "::", 0);
	CHECK(bind(l, (struct sockaddr *)&ss, sizeof(struct sockaddr_in6)) == 0 &&
	          listen(l, 4) == 0,
	      "listen on [::]:0");
	int port = port_of(l);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	check_eq(connect_to(c, AF_INET, "127.0.0.1", port), 0,
	         "an IPv4 client connects to the dual-stack listener");
	int s = accept(l, (struct sockaddr *)&ss, &len);
	CHECK(s >= 0 && addr_is(&ss, AF_INET6, "::ffff:127.0.0.1", port_of(c)),
	      "accept: the client as ::ffff:127.0.0.1");
	len = sizeof(ss);
	CHECK(getsockname(s, (struct sockaddr *)&ss, &len) == 0 &&
	          addr_is(&ss, AF_INET6, "::ffff:127.0.0.1", port),
	      "getsockname of the accepted: ::ffff:127.0.0.1");
	len = sizeof(ss);
	CHECK(getpeername(c, (struct sockaddr *)&ss, &len) == 0 &&
	          addr_is(&ss, AF_INET, "127.0.0.1", port),
	      "the IPv4 client's peer is 127.0.0.1");
	char b[4];
	check_eq(write(c, "v4", 2) == 2 ? read(s, b, 4) : -1, 2,
	         "data over the v4-mapped connection");
	close(s);
	close(c);
	c = socket(AF_INET6, SOCK_STREAM, 0);
	check_eq(connect_to(c, AF_INET6, "::1", port), 0, "an IPv6 client connects to it too");
	len = sizeof(ss);
	s = accept(l, (struct sockaddr *)&ss, &len);
	CHECK(s >= 0 && addr_is(&ss, AF_INET6, "::1", port_of(c)), "accept: the client as ::1");
	close(s);
	close(c);
	close(l);

	/* a v6 socket connecting to a v4-mapped address is an IPv4 connection */
	l = bound(AF_INET, SOCK_STREAM, "127.0.0.1");
	c = socket(AF_INET6, SOCK_STREAM, 0);
	check_eq(connect_to(c, AF_INET6, "::ffff:127.0.0.1", port_of(l)), 0,
	         "an AF_INET6 socket connects to ::ffff:127.0.0.1 (an IPv4 listener)");
	len = sizeof(ss);
	s = accept(l, (struct sockaddr *)&ss, &len);
	CHECK(s >= 0 && addr_is(&ss, AF_INET, "127.0.0.1", port_of(c)),
	      "the IPv4 listener sees 127.0.0.1");
	close(s);
	close(c);
	close(l);

	l = socket(AF_INET6, SOCK_STREAM, 0);
	check_eq(setopt(l, IPPROTO_IPV6, IPV6_V6ONLY, 1), 0, "set IPV6_V6ONLY");
	check_eq(sockopt(l, IPPROTO_IPV6, IPV6_V6ONLY), 1, "IPV6_V6ONLY reads back 1");
	mkaddr(&ss, AF_INET6, "::", 0);
	CHECK(bind(l, (struct sockaddr *)&ss, sizeof(struct sockaddr_in6)) == 0 &&
	          listen(l, 4) == 0,
	      "V6ONLY listen on [::]:0");
	port = port_of(l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	ERR_IS(connect_to(c, AF_INET, "127.0.0.1", port), ECONNREFUSED,
	       "V6ONLY: an IPv4 client is refused");
	close(c);
	int l4 = socket(AF_INET, SOCK_STREAM, 0);
	mkaddr(&ss, AF_INET, "0.0.0.0", port);
	check_eq(bind(l4, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)), 0,
	         "V6ONLY: 0.0.0.0 on the same port is free");
	close(l4);
	c = socket(AF_INET6, SOCK_STREAM, 0);
	check_eq(connect_to(c, AF_INET6, "::1", port), 0, "V6ONLY: an IPv6 client connects");
	close(c);
	close(l);
	l = socket(AF_INET6, SOCK_STREAM, 0);
	mkaddr(&ss, AF_INET6, "::", 0);
	bind(l, (struct sockaddr *)&ss, sizeof(struct sockaddr_in6));
	ERR_IS(setopt(l, IPPROTO_IPV6, IPV6_V6ONLY, 1), EINVAL, "IPV6_V6ONLY after bind: EINVAL");
	close(l);
	int u = socket(AF_INET, SOCK_STREAM, 0);
	ERR_IS(setopt(u, IPPROTO_IPV6, IPV6_V6ONLY, 1), ENOPROTOOPT,
	       "IPV6_V6ONLY on an AF_INET socket: ENOPROTOOPT");
	close(u);
}

/* a port nobody listens on: a TCP socket bound to it, not listening,
 * holds it (returned in *holder) */
static int
closed_port(int fam, int *holder)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(&ss, fam, loop_ip(fam), 0);

	*holder = socket(fam, SOCK_STREAM, 0);
	if (bind(*holder, (struct sockaddr *)&ss, len) < 0)
		return -1;
	return port_of(*holder);
}

static void
check_connect(int fam)
{
	const char *k = fam == AF_INET ? "tcp4" : "tcp6";
	const char *ip = loop_ip(fam);
	char name[128];
	int hold, cport = closed_port(fam, &hold);
	int c = socket(fam, SOCK_STREAM, 0);

	snprintf(name, sizeof(name), "%s: blocking connect to a closed port: ECONNREFUSED", k);
	ERR_IS(connect_to(c, fam, ip, cport), ECONNREFUSED, name);
	close(c);
	c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	snprintf(name, sizeof(name), "%s: non-blocking connect to a closed port: EINPROGRESS", k);
	ERR_IS(connect_to(c, fam, ip, cport), EINPROGRESS, name);
	int re = poll1(c, POLLOUT, 5000);
	snprintf(name, sizeof(name), "%s: ... then poll: POLLOUT|POLLERR|POLLHUP", k);
	check_eq(re & (POLLOUT | POLLERR | POLLHUP), POLLOUT | POLLERR | POLLHUP, name);
	snprintf(name, sizeof(name), "%s: ... then SO_ERROR: ECONNREFUSED", k);
	check_eq(sockopt(c, SOL_SOCKET, SO_ERROR), ECONNREFUSED, name);
	snprintf(name, sizeof(name), "%s: ... SO_ERROR is cleared by reading it", k);
	check_eq(sockopt(c, SOL_SOCKET, SO_ERROR), 0, name);
	close(c);
	close(hold);

	int l = bound(fam, SOCK_STREAM, ip);
	c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	snprintf(name, sizeof(name), "%s: non-blocking connect: EINPROGRESS", k);
	ERR_IS(connect_to(c, fam, ip, port_of(l)), EINPROGRESS, name);
	snprintf(name, sizeof(name), "%s: ... then poll: POLLOUT", k);
	check_eq(poll1(c, POLLOUT, 5000), POLLOUT, name);
	snprintf(name, sizeof(name), "%s: ... then SO_ERROR 0", k);
	check_eq(sockopt(c, SOL_SOCKET, SO_ERROR), 0, name);
	/* Linux: the first connect after the handshake completes returns 0 */
	snprintf(name, sizeof(name), "%s: ... then connect: 0, as Linux", k);
	check_eq(connect_to(c, fam, ip, port_of(l)), 0, name);
	snprintf(name, sizeof(name), "%s: ... then connect again: EISCONN", k);
	ERR_IS(connect_to(c, fam, ip, port_of(l)), EISCONN, name);
	int s = accept(l, NULL, NULL);
	char b[4];
	snprintf(name, sizeof(name), "%s: data over the non-blocking connection", k);
	check_eq(write(c, "nb", 2) == 2 ? read(s, b, 4) : -1, 2, name);
	close(s);
	close(c);
	close(l);
}

static void
check_errors(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int a = bound(AF_INET, SOCK_STREAM, "127.0.0.1");
	int port = port_of(a);
	int b = socket(AF_INET, SOCK_STREAM, 0);

	len = mkaddr(&ss, AF_INET, "127.0.0.1", port);
	ERR_IS(bind(b, (struct sockaddr *)&ss, len), EADDRINUSE,
	       "bind to a port in use (tcp4): EADDRINUSE");
	setopt(b, SOL_SOCKET, SO_REUSEADDR, 1);
	ERR_IS(bind(b, (struct sockaddr *)&ss, len), EADDRINUSE,
	       "bind to a listening port even with SO_REUSEADDR: EADDRINUSE");
	close(b);
	b = socket(AF_INET, SOCK_STREAM, 0);
	len = mkaddr(&ss, AF_INET, "0.0.0.0", port);
	ERR_IS(bind(b, (struct sockaddr *)&ss, len), EADDRINUSE,
	       "bind 0.0.0.0 to the port 127.0.0.1 listens on: EADDRINUSE");
	close(b);
	close(a);
	a = bound(AF_INET6, SOCK_DGRAM, "::1");
	b = socket(AF_INET6, SOCK_DGRAM, 0);
	len = mkaddr(&ss, AF_INET6, "::1", port_of(a));
	ERR_IS(bind(b, (struct sockaddr *)&ss, len), EADDRINUSE,
	       "bind to a port in use (udp6): EADDRINUSE");
	close(b);
	close(a);

	b = socket(AF_INET, SOCK_STREAM, 0);
	len = mkaddr(&ss, AF_INET, "10.255.255.1", 0);
	ERR_IS(bind(b, (struct sockaddr *)&ss, len), EADDRNOTAVAIL,
	       "bind to 10.255.255.1 (not ours): EADDRNOTAVAIL");
	len = mkaddr(&ss, AF_INET, "127.0.0.1", 0);
	ERR_IS(bind(b, (struct sockaddr *)&ss, 4), EINVAL, "bind with addrlen 4: EINVAL");
	check_eq(bind(b, (struct sockaddr *)&ss, len), 0, "bind 127.0.0.1:0");
	ERR_IS(bind(b, (struct sockaddr *)&ss, len), EINVAL, "bind twice: EINVAL");
	ERR_IS(connect(b, (struct sockaddr *)&ss, 3), EINVAL, "connect with addrlen 3: EINVAL");
	close(b);
	b = socket(AF_INET6, SOCK_STREAM, 0);
	len = mkaddr(&ss, AF_INET6, "::1", 0);
	ERR_IS(bind(b, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)), EINVAL,
	       "inet6 bind with a sockaddr_in's length: EINVAL");
	ss.ss_family = AF_INET;
	ERR_IS(bind(b, (struct sockaddr *)&ss, len), EAFNOSUPPORT,
	       "inet6 bind of an AF_INET address: EAFNOSUPPORT");
	close(b);
	b = socket(AF_INET, SOCK_STREAM, 0);
	mkaddr(&ss, AF_INET, "127.0.0.1", 0);
	ss.ss_family = AF_UNIX;
	ERR_IS(bind(b, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)), EAFNOSUPPORT,
	       "inet bind of an AF_UNIX address: EAFNOSUPPORT");
	close(b);

	int u = socket(AF_INET, SOCK_DGRAM, 0);
	ERR_IS(listen(u, 1), EOPNOTSUPP, "listen on UDP: EOPNOTSUPP");
	ERR_IS(accept(u, NULL, NULL), EOPNOTSUPP, "accept on UDP: EOPNOTSUPP");
	ERR_IS(send(u, "x", 1, 0), EDESTADDRREQ, "send on an unconnected UDP socket: EDESTADDRREQ");
	ERR_IS(getpeername(u, (struct sockaddr *)&ss, &(socklen_t){sizeof(ss)}), ENOTCONN,
	       "getpeername of an unconnected UDP socket: ENOTCONN");
	close(u);

	int t = socket(AF_INET, SOCK_STREAM, 0);
	char c;
	ERR_IS(recv(t, &c, 1, 0), ENOTCONN, "recv on an unconnected TCP socket: ENOTCONN");
	ERR_IS(getpeername(t, (struct sockaddr *)&ss, &(socklen_t){sizeof(ss)}), ENOTCONN,
	       "getpeername of an unconnected TCP socket: ENOTCONN");
	ERR_IS(shutdown(t, SHUT_RDWR), ENOTCONN, "shutdown of an unconnected TCP socket: ENOTCONN");
	ERR_IS(send(t, "x", 1, MSG_NOSIGNAL), EPIPE,
	       "send on an unconnected TCP socket: EPIPE (as Linux)");
	ERR_IS(accept(t, NULL, NULL), EINVAL, "accept on a socket not listening: EINVAL");
	ERR_IS(shutdown(t, 7), EINVAL, "shutdown with how 7: EINVAL");
	close(t);
	ERR_IS(listen(0 + 999, 1), EBADF, "listen on a closed fd: EBADF");
	int p[2];
	pipe(p);
	ERR_IS(accept(p[0], NULL, NULL), ENOTSOCK, "accept on a pipe: ENOTSOCK");
	close(p[0]);
	close(p[1]);

	/* connect's EAFNOSUPPORT for AF_UNSPEC is a disconnect on UDP */
	u = socket(AF_INET, SOCK_DGRAM, 0);
	int peer = bound(AF_INET, SOCK_DGRAM, "127.0.0.1");
	connect_to(u, AF_INET, "127.0.0.1", port_of(peer));
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	check_eq(connect(u, &unspec, sizeof(unspec)), 0, "UDP connect(AF_UNSPEC) disconnects");
	ERR_IS(getpeername(u, (struct sockaddr *)&ss, &(socklen_t){sizeof(ss)}), ENOTCONN,
	       "... and it has no peer after");
	close(u);
	close(peer);
}

/* the peer resets (SO_LINGER 0 close): ECONNRESET, then EPIPE and SIGPIPE */
static void
check_reset(void)
{
	int c, s;
	char b[8];
	struct linger lg = {1, 0};

	signal(SIGPIPE, on_sigpipe);
	tcp_pair(AF_INET, &c, &s);
	check_eq(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0, "SO_LINGER {1, 0}");
	close(s);
	check_eq(poll1(c, POLLIN, 5000) & (POLLIN | POLLHUP | POLLERR), POLLIN | POLLHUP | POLLERR,
	         "the reset peer polls POLLIN|POLLHUP|POLLERR");
	ERR_IS(recv(c, b, sizeof(b), 0), ECONNRESET, "recv after a reset: ECONNRESET");
	check_eq(recv(c, b, sizeof(b), 0), 0, "recv after the reset was reported: 0");
	sigpipes = 0;
	ERR_IS(send(c, "x", 1, MSG_NOSIGNAL), EPIPE, "send after a reset, MSG_NOSIGNAL: EPIPE");
	check_eq(sigpipes, 0, "... and no SIGPIPE");
	ERR_IS(write(c, "x", 1), EPIPE, "write after a reset: EPIPE");
	check_eq(sigpipes, 1, "... and one SIGPIPE");
	close(c);

	/* a send first: the reset's error, then EPIPE */
	tcp_pair(AF_INET6, &c, &s);
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s);
	poll1(c, POLLIN, 5000);
	sigpipes = 0;
	ERR_IS(send(c, "x", 1, 0), ECONNRESET, "tcp6: the first send after a reset: ECONNRESET");
	check_eq(sigpipes, 0, "... without a SIGPIPE");
	ERR_IS(send(c, "x", 1, 0), EPIPE, "tcp6: the next send: EPIPE");
	check_eq(sigpipes, 1, "... with a SIGPIPE");
	close(c);

	/* unread data at close is a reset too (Linux: RFC 2525) */
	tcp_pair(AF_INET, &c, &s);
	write(c, "unread", 6);
	sleep_ms(20);
	close(s);
	poll1(c, POLLIN, 5000);
	ERR_IS(recv(c, b, sizeof(b), 0), ECONNRESET,
	       "close with unread data resets: the peer's recv ECONNRESET");
	close(c);

	/* SIGPIPE ignored: EPIPE, no signal */
	signal(SIGPIPE, SIG_IGN);
	tcp_pair(AF_INET, &c, &s);
	shutdown(c, SHUT_WR);
	ERR_IS(write(c, "x", 1), EPIPE, "SIGPIPE ignored: write after SHUT_WR is EPIPE");
	close(c);
	close(s);
	signal(SIGPIPE, on_sigpipe);
}

struct delayed {
	int fd, ms;
	const char *parts[3];
};

static void *
delayed_writer(void *arg)
{
	struct delayed *d = arg;

	for (int i = 0; i < 3 && d->parts[i]; i++) {
		sleep_ms(d->ms);
		if (write(d->fd, d->parts[i], strlen(d->parts[i])) < 0)
			break;
	}
	return NULL;
}

static void
check_flags(void)
{
	int c, s;
	char b[64];

	tcp_pair(AF_INET, &c, &s);
	ERR_IS(recv(c, b, sizeof(b), MSG_DONTWAIT), EAGAIN,
	       "MSG_DONTWAIT with nothing queued: EAGAIN");
	check_eq(!(fcntl(c, F_GETFL) & O_NONBLOCK), 1, "MSG_DONTWAIT leaves the fd blocking");
	write(s, "peekaboo", 8);
	poll1(c, POLLIN, 5000);
	check_eq(recv(c, b, 4, MSG_PEEK), 4, "MSG_PEEK returns 4 bytes");
	check_eq(recv(c, b + 4, 8, MSG_PEEK), 8, "MSG_PEEK again sees all 8 (nothing consumed)");
	check_eq(recv(c, b, sizeof(b), 0), 8, "recv then takes all 8");
	CHECK(!memcmp(b, "peekaboo", 8), "... the same bytes");
	int avail = -1;
	check_eq(ioctl(c, FIONREAD, &avail) == 0 ? avail : -1, 0, "FIONREAD 0 when drained");
	write(s, "12345", 5);
	poll1(c, POLLIN, 5000);
	sleep_ms(10);
	check_eq(ioctl(c, FIONREAD, &avail) == 0 ? avail : -1, 5, "FIONREAD: 5 bytes queued (tcp)");
	recv(c, b, sizeof(b), 0);

	struct delayed d = {s, 50, {"abc", "defg", "hij"}};
	pthread_t th;
	pthread_create(&th, NULL, delayed_writer, &d);
	check_eq(recv(c, b, 10, MSG_WAITALL), 10, "MSG_WAITALL waits for all 10 of 3 writes");
	CHECK(!memcmp(b, "abcdefghij", 10), "... in order");
	pthread_join(th, NULL);
	/* MSG_WAITALL returns short at EOF */
	write(s, "xy", 2);
	shutdown(s, SHUT_WR);
	check_eq(recv(c, b, 10, MSG_WAITALL), 2, "MSG_WAITALL returns what came before EOF");
	close(c);
	close(s);

	/* MSG_MORE on TCP: corked bytes still arrive */
	tcp_pair(AF_INET, &c, &s);
	check_eq(send(c, "more", 4, MSG_MORE), 4, "tcp send MSG_MORE");
	check_eq(send(c, "done", 4, 0), 4, "tcp send without it");
	check_eq(recv(s, b, 8, MSG_WAITALL), 8, "tcp: all 8 corked bytes arrive");
	close(c);
	close(s);

	/* UDP: MSG_TRUNC, MSG_MORE, MSG_PEEK */
	int u = bound(AF_INET, SOCK_DGRAM, "127.0.0.1");
	int v = socket(AF_INET, SOCK_DGRAM, 0);
	connect_to(v, AF_INET, "127.0.0.1", port_of(u));
	send(v, "a datagram of 26 bytes....", 26, 0);
	poll1(u, POLLIN, 5000);
	check_eq(ioctl(u, FIONREAD, &avail) == 0 ? avail : -1, 26,
	         "FIONREAD on UDP: the next datagram's 26 bytes");
	check_eq(recv(u, b, 4, MSG_PEEK), 4, "udp MSG_PEEK 4");
	check_eq(recv(u, b, 4, MSG_TRUNC), 26,
	         "udp recv of 4 with MSG_TRUNC returns the datagram's real length 26");
	ERR_IS(recv(u, b, 4, MSG_DONTWAIT), EAGAIN, "... and the rest of it is gone");
	send(v, "0123456789", 10, 0);
	struct iovec iov = {b, 3};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	poll1(u, POLLIN, 5000);
	check_eq(recvmsg(u, &mh, 0), 3, "udp recvmsg into 3 bytes: 3");
	check_eq(!!(mh.msg_flags & MSG_TRUNC), 1, "... with MSG_TRUNC in msg_flags");
	check_eq(send(v, "ab", 2, MSG_MORE), 2, "udp send MSG_MORE");
	check_eq(send(v, "cd", 2, 0), 2, "udp send the rest");
	poll1(u, POLLIN, 5000);
	check_eq(recv(u, b, sizeof(b), 0), 4, "udp MSG_MORE: one datagram of 4");
	CHECK(!memcmp(b, "abcd", 4), "... holding abcd");
	ERR_IS(recv(u, b, sizeof(b), MSG_DONTWAIT), EAGAIN, "... and no second datagram");
	close(u);
	close(v);
}

static void
check_io(void)
{
	int c, s;
	char b[64];

	tcp_pair(AF_INET6, &c, &s);
	struct iovec w[3] = {{"one ", 4}, {"two ", 4}, {"three", 5}};
	check_eq(writev(c, w, 3), 13, "writev of 3 parts: 13");
	char x1[5], x2[8];
	struct iovec r[2] = {{x1, 5}, {x2, 8}};
	check_eq(recv(s, b, 13, MSG_PEEK | MSG_WAITALL) == 13 ? readv(s, r, 2) : -1, 13,
	         "readv of 13");
	CHECK(!memcmp(x1, "one t", 5) && !memcmp(x2, "wo three", 8),
	      "readv fills its parts in order");
	check_eq(write(s, "rw", 2), 2, "write on a socket");
	check_eq(read(c, b, sizeof(b)), 2, "read on a socket");
	close(c);
	close(s);

	/* sendmsg/recvmsg with names (UDP v4 and v6) */
	for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		const char *k = fam == AF_INET ? "udp4" : "udp6";
		char name[96];
		int u = bound(fam, SOCK_DGRAM, loop_ip(fam));
		int v = bound(fam, SOCK_DGRAM, loop_ip(fam));
		struct sockaddr_storage to, from;
		socklen_t tl = mkaddr(&to, fam, loop_ip(fam), port_of(u));
		struct iovec iov = {"msg", 3};
		struct msghdr mh = {
		    .msg_name = &to, .msg_namelen = tl, .msg_iov = &iov, .msg_iovlen = 1};
		snprintf(name, sizeof(name), "%s: sendmsg with msg_name", k);
		check_eq(sendmsg(v, &mh, 0), 3, name);
		struct iovec ri = {b, sizeof(b)};
		struct msghdr rm = {.msg_name = &from,
		                    .msg_namelen = sizeof(from),
		                    .msg_iov = &ri,
		                    .msg_iovlen = 1};
		poll1(u, POLLIN, 5000);
		snprintf(name, sizeof(name), "%s: recvmsg gets 3", k);
		check_eq(recvmsg(u, &rm, 0), 3, name);
		snprintf(name, sizeof(name), "%s: recvmsg's msg_name is the sender", k);
		CHECK(rm.msg_namelen == tl && addr_is(&from, fam, loop_ip(fam), port_of(v)), name);
		socklen_t fl = sizeof(from);
		sendto(u, "reply", 5, 0, (struct sockaddr *)&from, rm.msg_namelen);
		poll1(v, POLLIN, 5000);
		snprintf(name, sizeof(name), "%s: recvfrom gets the reply and its sender", k);
		CHECK(recvfrom(v, b, sizeof(b), 0, (struct sockaddr *)&from, &fl) == 5 &&
		          addr_is(&from, fam, loop_ip(fam), port_of(u)),
		      name);

		/* sendmmsg/recvmmsg: three datagrams in one call each way */
		struct mmsghdr mm[3];
		struct iovec mi[3];
		char rb[3][16];
		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < 3; i++) {
			static const char *texts[] = {"first", "second", "third"};
			mi[i].iov_base = (void *)texts[i];
			mi[i].iov_len = strlen(texts[i]);
			mm[i].msg_hdr.msg_iov = &mi[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_name = &to;
			mm[i].msg_hdr.msg_namelen = tl;
		}
		snprintf(name, sizeof(name), "%s: sendmmsg sends 3", k);
		check_eq(sendmmsg(v, mm, 3, 0), 3, name);
		snprintf(name, sizeof(name), "%s: sendmmsg's msg_len", k);
		CHECK(mm[0].msg_len == 5 && mm[1].msg_len == 6 && mm[2].msg_len == 5, name);
		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < 3; i++) {
			mi[i].iov_base = rb[i];
			mi[i].iov_len = sizeof(rb[i]);
			mm[i].msg_hdr.msg_iov = &mi[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		sleep_ms(20);
		struct timespec to0 = {2, 0};
		snprintf(name, sizeof(name), "%s: recvmmsg receives 3", k);
		check_eq(recvmmsg(u, mm, 3, MSG_WAITFORONE, &to0), 3, name);
		snprintf(name, sizeof(name), "%s: recvmmsg's lengths and bytes", k);
		CHECK(mm[0].msg_len == 5 && mm[1].msg_len == 6 && mm[2].msg_len == 5 &&
		          !memcmp(rb[1], "second", 6),
		      name);
		close(u);
		close(v);
	}
}

struct reader {
	int fd;
	size_t want, got;
	unsigned sum;
};

static void *
read_all(void *arg)
{
	struct reader *r = arg;
	unsigned char b[4096];
	ssize_t n;

	while (r->got < r->want && (n = read(r->fd, b, sizeof(b))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			r->sum = r->sum * 31 + b[i];
		r->got += (size_t)n;
	}
	return NULL;
}

static void
check_sendfile(void)
{
	char path[] = "/tmp/unum-inet-XXXXXX";
	int f = mkstemp(path);
	size_t size = 300000;
	unsigned char *data = malloc(size);
	unsigned sum = 0;

	for (size_t i = 0; i < size; i++) {
		data[i] = (unsigned char)(i * 7 + i / 251);
		if (i >= 1000)
			sum = sum * 31 + data[i];
	}
	CHECK(f >= 0 && write(f, data, size) == (ssize_t)size, "a 300,000-byte file");
	int c, s;
	tcp_pair(AF_INET, &c, &s);
	struct reader r = {s, size - 1000, 0, 0};
	pthread_t th;
	pthread_create(&th, NULL, read_all, &r);
	off_t off = 1000;
	size_t left = size - 1000;
	ssize_t n = 0;
	while (left && (n = sendfile(c, f, &off, left)) > 0)
		left -= (size_t)n;
	check_eq((long)left, 0, "sendfile of the file from offset 1000 to a TCP socket");
	check_eq((long)off, (long)size, "sendfile advances the offset to the end");
	check_eq(lseek(f, 0, SEEK_CUR), (long)size, "... not the file's own (it wrote the file)");
	shutdown(c, SHUT_WR);
	pthread_join(th, NULL);
	check_eq((long)r.got, (long)(size - 1000), "the peer reads every byte");
	CHECK(r.sum == sum, "... and they are the file's");
	close(c);
	close(s);
	close(f);
	unlink(path);
	free(data);
}

static void
check_reuse(void)
{
	/* SO_REUSEADDR: rebind the port of a connection in TIME_WAIT (Linux:
	 * when both the new socket and the one in TIME_WAIT have it) */
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(&ss, AF_INET, "127.0.0.1", 0);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	setopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
	bind(l, (struct sockaddr *)&ss, len);
	listen(l, 4);
	int port = port_of(l);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	char b[4];
	connect_to(c, AF_INET, "127.0.0.1", port);
	int s = accept(l, NULL, NULL);
	close(l);
	close(s); /* the server closes first: its end goes to TIME_WAIT */
	check_eq(read(c, b, 4), 0, "the client sees the server's FIN");
	close(c);
	sleep_ms(100);
	len = mkaddr(&ss, AF_INET, "127.0.0.1", port);
	int n = socket(AF_INET, SOCK_STREAM, 0);
	ERR_IS(bind(n, (struct sockaddr *)&ss, len), EADDRINUSE,
	       "bind to a port in TIME_WAIT without SO_REUSEADDR: EADDRINUSE");
	close(n);
	n = socket(AF_INET, SOCK_STREAM, 0);
	check_eq(setopt(n, SOL_SOCKET, SO_REUSEADDR, 1), 0, "set SO_REUSEADDR");
	check_eq(sockopt(n, SOL_SOCKET, SO_REUSEADDR), 1, "SO_REUSEADDR reads back 1");
	check_eq(bind(n, (struct sockaddr *)&ss, len) == 0 ? listen(n, 4) : -1, 0,
	         "with SO_REUSEADDR: bind and listen on the port in TIME_WAIT");
	c = socket(AF_INET, SOCK_STREAM, 0);
	check_eq(connect_to(c, AF_INET, "127.0.0.1", port), 0, "... and clients connect to it");
	close(c);
	close(n);

	/* SO_REUSEPORT: two listeners on one port share its connections */
	int l1 = socket(AF_INET, SOCK_STREAM, 0), l2 = socket(AF_INET, SOCK_STREAM, 0);
	check_eq(setopt(l1, SOL_SOCKET, SO_REUSEPORT, 1), 0, "set SO_REUSEPORT");
	check_eq(sockopt(l1, SOL_SOCKET, SO_REUSEPORT), 1, "SO_REUSEPORT reads back 1");
	setopt(l2, SOL_SOCKET, SO_REUSEPORT, 1);
	len = mkaddr(&ss, AF_INET, "127.0.0.1", 0);
	bind(l1, (struct sockaddr *)&ss, len);
	listen(l1, 32);
	len = mkaddr(&ss, AF_INET, "127.0.0.1", port_of(l1));
	check_eq(bind(l2, (struct sockaddr *)&ss, len) == 0 ? listen(l2, 32) : -1, 0,
	         "a second SO_REUSEPORT listener on the same port");
	int l3 = socket(AF_INET, SOCK_STREAM, 0);
	ERR_IS(bind(l3, (struct sockaddr *)&ss, len), EADDRINUSE,
	       "a third without SO_REUSEPORT: EADDRINUSE");
	close(l3);
	int cs[20], got1 = 0, got2 = 0, fails = 0;
	for (int i = 0; i < 20; i++) {
		cs[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (connect_to(cs[i], AF_INET, "127.0.0.1", port_of(l1)) < 0)
			fails++;
	}
	check_eq(fails, 0, "20 clients connect to the shared port");
	set_nonblock(l1);
	set_nonblock(l2);
	for (int i = 0; i < 40 && got1 + got2 < 20; i++) {
		int a;
		while ((a = accept(l1, NULL, NULL)) >= 0) {
			got1++;
			close(a);
		}
		while ((a = accept(l2, NULL, NULL)) >= 0) {
			got2++;
			close(a);
		}
		if (got1 + got2 < 20)
			sleep_ms(25);
	}
	check_eq(got1 + got2, 20, "the two listeners accept all 20");
	CHECK(got1 > 0 && got2 > 0, "SO_REUSEPORT: both listeners accept some");
	if (!(got1 > 0 && got2 > 0))
		printf("# expected both > 0, got %d and %d\n", got1, got2);
	for (int i = 0; i < 20; i++)
		close(cs[i]);
	close(l1);
	close(l2);
}

/* SO_REUSEPORT on UDP: a group's datagrams spread over its sockets by
 * flow, as Linux spreads them: 32 senders, three datagrams each */
static void
check_reuse_udp(void)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(&ss, AF_INET, "127.0.0.1", 0);
	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0), u3;
	int snd[32], where[32] = {0}, got[2] = {0}, u[2], split = 0, sent = 0;

	setopt(u1, SOL_SOCKET, SO_REUSEPORT, 1);
	check_eq(setopt(u2, SOL_SOCKET, SO_REUSEPORT, 1), 0, "UDP: set SO_REUSEPORT");
	bind(u1, (struct sockaddr *)&ss, len);
	len = mkaddr(&ss, AF_INET, "127.0.0.1", port_of(u1));
	check_eq(bind(u2, (struct sockaddr *)&ss, len), 0,
	         "UDP: a second SO_REUSEPORT socket on the same port");
	u3 = socket(AF_INET, SOCK_DGRAM, 0);
	ERR_IS(bind(u3, (struct sockaddr *)&ss, len), EADDRINUSE,
	       "UDP: a third without SO_REUSEPORT: EADDRINUSE");
	close(u3);
	for (int i = 0; i < 32; i++) {
		snd[i] = socket(AF_INET, SOCK_DGRAM, 0);
		for (int r = 0; r < 3; r++)
			sent += sendto(snd[i], &i, sizeof(i), 0, (struct sockaddr *)&ss, len) ==
			        (ssize_t)sizeof(i);
	}
	check_eq(sent, 96, "UDP: 32 senders send 3 datagrams each");
	sleep_ms(100);
	u[0] = u1;
	u[1] = u2;
	for (int k = 0; k < 2; k++) {
		int idx;

		set_nonblock(u[k]);
		while (recv(u[k], &idx, sizeof(idx), 0) == (ssize_t)sizeof(idx))
			if (idx >= 0 && idx < 32) {
				where[idx] |= 1 << k;
				got[k]++;
			}
	}
	check_eq(got[0] + got[1], 96, "UDP: the two sockets receive all 96");
	CHECK(got[0] > 0 && got[1] > 0, "UDP SO_REUSEPORT: both sockets receive some");
	if (!(got[0] > 0 && got[1] > 0))
		printf("# expected both > 0, got %d and %d\n", got[0], got[1]);
	for (int i = 0; i < 32; i++) {
		split += where[i] == 3;
		close(snd[i]);
	}
	check_eq(split, 0, "UDP SO_REUSEPORT: each sender's datagrams all reach one socket");
	close(u1);
	close(u2);
}

static void
check_options(void)
{
	int c, s;
	char b[256];

	tcp_pair(AF_INET, &c, &s);
	check_eq(sockopt(c, SOL_SOCKET, SO_KEEPALIVE), 0, "SO_KEEPALIVE is 0 by default");
	check_eq(setopt(c, SOL_SOCKET, SO_KEEPALIVE, 1), 0, "set SO_KEEPALIVE");
	check_eq(sockopt(c, SOL_SOCKET, SO_KEEPALIVE), 1, "SO_KEEPALIVE reads back 1");
	check_eq(sockopt(c, IPPROTO_TCP, TCP_KEEPIDLE), 7200, "TCP_KEEPIDLE 7200 by default");
	check_eq(sockopt(c, IPPROTO_TCP, TCP_KEEPINTVL), 75, "TCP_KEEPINTVL 75 by default");
	check_eq(sockopt(c, IPPROTO_TCP, TCP_KEEPCNT), 9, "TCP_KEEPCNT 9 by default");
	setopt(c, IPPROTO_TCP, TCP_KEEPIDLE, 30);
	setopt(c, IPPROTO_TCP, TCP_KEEPINTVL, 5);
	setopt(c, IPPROTO_TCP, TCP_KEEPCNT, 4);
	check_eq(sockopt(c, IPPROTO_TCP, TCP_KEEPIDLE), 30, "TCP_KEEPIDLE reads back 30");
	check_eq(sockopt(c, IPPROTO_TCP, TCP_KEEPINTVL), 5, "TCP_KEEPINTVL reads back 5");
	check_eq(sockopt(c, IPPROTO_TCP, TCP_KEEPCNT), 4, "TCP_KEEPCNT reads back 4");
	ERR_IS(setopt(c, IPPROTO_TCP, TCP_KEEPIDLE, 0), EINVAL, "TCP_KEEPIDLE 0: EINVAL");
	ERR_IS(setopt(c, IPPROTO_TCP, TCP_KEEPCNT, 0), EINVAL, "TCP_KEEPCNT 0: EINVAL");

	struct linger lg = {1, 5};
	socklen_t len = sizeof(lg);
	check_eq(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0, "set SO_LINGER {1, 5}");
	memset(&lg, 0, sizeof(lg));
	CHECK(getsockopt(c, SOL_SOCKET, SO_LINGER, &lg, &len) == 0 && lg.l_onoff == 1 &&
	          lg.l_linger == 5 && len == sizeof(lg),
	      "SO_LINGER reads back {1, 5}");
	/* a lingering close with the data delivered returns at once */
	struct timespec t0;
	write(c, "linger", 6);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	close(c);
	long ms = ms_since(&t0);
	CHECK(ms < 4000, "SO_LINGER close with the data acknowledged does not wait the 5 s");
	if (ms >= 4000)
		printf("# close took %ld ms\n", ms);
	check_eq(read(s, b, sizeof(b)), 6, "the lingered data arrives");
	check_eq(read(s, b, sizeof(b)), 0, "... then EOF");
	close(s);

	tcp_pair(AF_INET, &c, &s);
	check_eq(setopt(c, SOL_SOCKET, SO_RCVBUF, 65536), 0, "set SO_RCVBUF 65536");
	check_eq(sockopt(c, SOL_SOCKET, SO_RCVBUF), 131072, "SO_RCVBUF reads back doubled");
	check_eq(setopt(c, SOL_SOCKET, SO_SNDBUF, 65536), 0, "set SO_SNDBUF 65536");
	check_eq(sockopt(c, SOL_SOCKET, SO_SNDBUF), 131072, "SO_SNDBUF reads back doubled");
	CHECK(sockopt(s, SOL_SOCKET, SO_RCVBUF) > 0 && sockopt(s, SOL_SOCKET, SO_SNDBUF) > 0,
	      "default SO_RCVBUF and SO_SNDBUF are positive");

	struct timeval tv = {0, 200000};
	check_eq(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0,
	         "set SO_RCVTIMEO 200 ms");
	memset(&tv, 0, sizeof(tv));
	len = sizeof(tv);
	CHECK(getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) == 0 && tv.tv_sec == 0 &&
	          tv.tv_usec >= 196000 && tv.tv_usec <= 204000,
	      "SO_RCVTIMEO reads back 200 ms");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ERR_IS(recv(c, b, sizeof(b), 0), EAGAIN, "recv on an idle socket with SO_RCVTIMEO: EAGAIN");
	ms = ms_since(&t0);
	CHECK(ms >= 180 && ms < 3000, "... after about 200 ms");
	if (!(ms >= 180 && ms < 3000))
		printf("# expected ~200 ms, got %ld ms\n", ms);
	tv = (struct timeval){0, 2000000};
	ERR_IS(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), EDOM,
	       "SO_RCVTIMEO with tv_usec 2,000,000: EDOM");

	/* SO_SNDTIMEO: the peer never reads, the buffers fill, send times out */
	setopt(c, SOL_SOCKET, SO_SNDBUF, 4096);
	setopt(s, SOL_SOCKET, SO_RCVBUF, 4096);
	tv = (struct timeval){0, 200000};
	check_eq(setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0,
	         "set SO_SNDTIMEO 200 ms");
	static char chunk[65536];
	long total = 0, r = 0;
	int e = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 400 && ms_since(&t0) < 10000; i++) {
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		r = send(c, chunk, sizeof(chunk), 0);
		e = errno;
		if (r < 0 || r < (long)sizeof(chunk)) {
			ms = ms_since(&t1);
			break;
		}
		total += r;
	}
	CHECK((r == -1 && e == EAGAIN) || (r >= 0 && r < (long)sizeof(chunk)),
	      "SO_SNDTIMEO: a send to a full peer returns short or EAGAIN");
	CHECK(ms >= 150 && ms < 3000, "... after about 200 ms");
	if (!(ms >= 150 && ms < 3000))
		printf("# expected ~200 ms, got %ld ms (sent %ld, last %ld errno %d)\n", ms, total,
		       r, e);
	close(c);
	close(s);

	tcp_pair(AF_INET, &c, &s);
	check_eq(sockopt(c, IPPROTO_TCP, TCP_NODELAY), 0, "TCP_NODELAY 0 by default");
	check_eq(setopt(c, IPPROTO_TCP, TCP_NODELAY, 1), 0, "set TCP_NODELAY");
	check_eq(sockopt(c, IPPROTO_TCP, TCP_NODELAY), 1, "TCP_NODELAY reads back 1");
	/* with TCP_NODELAY a small write's round trip does not wait for an ACK */
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (int i = 0; i < 20; i++) {
		write(c, "p", 1);
		write(c, "q", 1);
		recv(s, b, 2, MSG_WAITALL);
		write(s, "r", 1);
		read(c, b, 1);
	}
	ms = ms_since(&t1);
	CHECK(ms < 2000, "TCP_NODELAY: 20 write-write-read round trips without 40 ms stalls each");
	if (ms >= 2000)
		printf("# took %ld ms\n", ms);
	check_eq(sockopt(c, IPPROTO_IP, IP_TOS), 0, "IP_TOS 0 by default");
	check_eq(setopt(c, IPPROTO_IP, IP_TOS, 0x10), 0, "set IP_TOS 0x10");
	check_eq(sockopt(c, IPPROTO_IP, IP_TOS), 0x10, "IP_TOS reads back 0x10");
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	check_eq(sockopt(u, SOL_SOCKET, SO_BROADCAST), 0, "SO_BROADCAST 0 by default");
	struct sockaddr_storage ss;
	socklen_t al = mkaddr(&ss, AF_INET, "255.255.255.255", 9);
	ERR_IS(sendto(u, "b", 1, 0, (struct sockaddr *)&ss, al), EACCES,
	       "sendto 255.255.255.255 without SO_BROADCAST: EACCES");
	check_eq(setopt(u, SOL_SOCKET, SO_BROADCAST, 1), 0, "set SO_BROADCAST");
	check_eq(sockopt(u, SOL_SOCKET, SO_BROADCAST), 1, "SO_BROADCAST reads back 1");
	errno = 0;
	r = sendto(u, "b", 1, 0, (struct sockaddr *)&ss, al);
	e = errno;
	CHECK(!(r < 0 && e == EACCES), "with SO_BROADCAST the broadcast is not EACCES");
	close(u);

	/* TCP_INFO */
	struct tcp_info ti;
	len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	check_eq(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 ? ti.tcpi_state : -1, 1,
	         "TCP_INFO on a connection: tcpi_state ESTABLISHED (1)");
	CHECK(ti.tcpi_rtt > 0, "TCP_INFO: tcpi_rtt > 0 after traffic");
	CHECK(ti.tcpi_snd_cwnd > 0, "TCP_INFO: tcpi_snd_cwnd > 0");
	CHECK(ti.tcpi_snd_mss > 0 && ti.tcpi_rcv_mss > 0, "TCP_INFO: the MSS values are set");
	if (!(ti.tcpi_rtt > 0 && ti.tcpi_snd_cwnd > 0))
		printf("# rtt %u cwnd %u\n", ti.tcpi_rtt, ti.tcpi_snd_cwnd);
	len = 8; /* a short buffer gets the first 8 bytes, the length back */
	check_eq(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 ? (long)len : -1, 8,
	         "TCP_INFO with an 8-byte buffer: 8 bytes");
	int l = bound(AF_INET6, SOCK_STREAM, "::1");
	len = sizeof(ti);
	check_eq(getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 ? ti.tcpi_state : -1, 10,
	         "TCP_INFO on a listener: tcpi_state LISTEN (10)");
	close(l);
	shutdown(s, SHUT_WR);
	poll1(c, POLLIN, 5000);
	len = sizeof(ti);
	check_eq(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 ? ti.tcpi_state : -1, 8,
	         "TCP_INFO after the peer's FIN: CLOSE_WAIT (8)");

	ERR_IS(setopt(c, SOL_SOCKET, 12345, 1), ENOPROTOOPT,
	       "unknown SOL_SOCKET option: ENOPROTOOPT");
	ERR_IS(getsockopt(c, SOL_SOCKET, 12345, b, &(socklen_t){4}), ENOPROTOOPT,
	       "getsockopt of an unknown SOL_SOCKET option: ENOPROTOOPT");
	ERR_IS(setopt(c, IPPROTO_TCP, 12345, 1), ENOPROTOOPT, "unknown TCP option: ENOPROTOOPT");
	ERR_IS(setopt(c, IPPROTO_IP, 12345, 1), ENOPROTOOPT, "unknown IP option: ENOPROTOOPT");
	ERR_IS(setopt(c, 12345, 1, 1), ENOPROTOOPT, "unknown level: ENOPROTOOPT");
	ERR_IS(setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, b, 2), EINVAL,
	       "an int option with optlen 2: EINVAL");
	u = socket(AF_INET, SOCK_DGRAM, 0);
	ERR_IS(setopt(u, IPPROTO_TCP, TCP_NODELAY, 1), ENOPROTOOPT,
	       "TCP_NODELAY on a UDP socket: ENOPROTOOPT");
	close(u);

	/* FIONBIO */
	check_eq(ioctl(s, FIONBIO, &(int){1}), 0, "FIONBIO 1");
	check_eq(!!(fcntl(s, F_GETFL) & O_NONBLOCK), 1, "... sets O_NONBLOCK");
	ERR_IS(recv(s, b, sizeof(b), 0), EAGAIN, "... and recv with nothing queued: EAGAIN");
	ioctl(s, FIONBIO, &(int){0});
	check_eq(!!(fcntl(s, F_GETFL) & O_NONBLOCK), 0, "FIONBIO 0 clears it");
	close(c);
	close(s);
}

struct exwait {
	int ep, woken;
};

static int ex_stop;

static void *
ex_waiter(void *arg)
{
	struct exwait *w = arg;
	struct epoll_event ev;

	while (!__atomic_load_n(&ex_stop, __ATOMIC_SEQ_CST))
		if (epoll_wait(w->ep, &ev, 1, 100) == 1) {
			__atomic_fetch_add(&w->woken, 1, __ATOMIC_SEQ_CST);
			break;
		}
	return NULL;
}

static void
check_poll(void)
{
	int c, s;
	char b[64];

	tcp_pair(AF_INET, &c, &s);
	check_eq(poll1(s, POLLIN | POLLOUT, 0), POLLOUT,
	         "poll: an idle connection is POLLOUT only");
	write(c, "x", 1);
	check_eq(poll1(s, POLLIN, 5000), POLLIN, "poll: POLLIN after a write");
	fd_set rf, wf;
	FD_ZERO(&rf);
	FD_ZERO(&wf);
	FD_SET(s, &rf);
	FD_SET(s, &wf);
	struct timeval tv = {1, 0};
	check_eq(select(s + 1, &rf, &wf, NULL, &tv), 2, "select: readable and writable");
	read(s, b, 1);
	FD_ZERO(&rf);
	FD_SET(s, &rf);
	tv = (struct timeval){0, 50000};
	check_eq(select(s + 1, &rf, NULL, NULL, &tv), 0, "select: not readable when drained");

	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = s}, out[4];
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	write(c, "ab", 2);
	check_eq(epoll_wait(ep, out, 4, 5000), 1, "epoll LT: readable");
	check_eq(epoll_wait(ep, out, 4, 0), 1, "epoll LT: still readable before a read");
	read(s, b, sizeof(b));
	check_eq(epoll_wait(ep, out, 4, 0), 0, "epoll LT: nothing after the read");
	ev.events = EPOLLIN | EPOLLET;
	epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev);
	write(c, "cd", 2);
	check_eq(epoll_wait(ep, out, 4, 5000), 1, "epoll ET: readable once");
	check_eq(epoll_wait(ep, out, 4, 0), 0, "epoll ET: not again without new data");
	write(c, "ef", 2);
	check_eq(epoll_wait(ep, out, 4, 5000), 1, "epoll ET: again on new data");
	read(s, b, sizeof(b));
	ev.events = EPOLLIN | EPOLLONESHOT;
	epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev);
	write(c, "g", 1);
	check_eq(epoll_wait(ep, out, 4, 5000), 1, "EPOLLONESHOT: one event");
	write(c, "h", 1);
	check_eq(epoll_wait(ep, out, 4, 50), 0, "EPOLLONESHOT: none more until rearmed");
	epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev);
	check_eq(epoll_wait(ep, out, 4, 0), 1, "EPOLLONESHOT: rearmed by MOD");
	read(s, b, sizeof(b));
	ev.events = EPOLLIN | EPOLLRDHUP;
	epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev);
	check_eq(epoll_wait(ep, out, 4, 0), 0, "EPOLLRDHUP: nothing before the peer's shutdown");
	shutdown(c, SHUT_WR);
	int n = epoll_wait(ep, out, 4, 5000);
	check_eq(n == 1 ? (long)(out[0].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) : -1,
	         EPOLLIN | EPOLLRDHUP,
	         "EPOLLRDHUP|EPOLLIN when the peer shuts down writing (no HUP)");
	check_eq(poll1(s, POLLIN | POLLRDHUP, 0), POLLIN | POLLRDHUP, "poll: POLLRDHUP too");
	shutdown(s, SHUT_WR);
	sleep_ms(20);
	n = epoll_wait(ep, out, 4, 5000);
	check_eq(n == 1 ? (long)(out[0].events & EPOLLHUP) : -1, EPOLLHUP,
	         "EPOLLHUP when both directions are shut");
	close(ep);
	close(c);
	close(s);

	/* EPOLLEXCLUSIVE on a listener shared by three waiters */
	int l = bound(AF_INET, SOCK_STREAM, "127.0.0.1");
	set_nonblock(l);
	struct exwait w[3];
	pthread_t th[3];
	ex_stop = 0;
	for (int i = 0; i < 3; i++) {
		w[i].ep = epoll_create1(0);
		w[i].woken = 0;
		ev = (struct epoll_event){.events = EPOLLIN | EPOLLEXCLUSIVE};
		check_eq(epoll_ctl(w[i].ep, EPOLL_CTL_ADD, l, &ev), 0,
		         "EPOLLEXCLUSIVE on the listener");
	}
	ERR_IS(epoll_ctl(w[0].ep, EPOLL_CTL_MOD, l, &ev), EINVAL, "EPOLL_CTL_MOD of it: EINVAL");
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, ex_waiter, &w[i]);
	sleep_ms(200);
	c = socket(AF_INET, SOCK_STREAM, 0);
	connect_to(c, AF_INET, "127.0.0.1", port_of(l));
	sleep_ms(200);
	int woken = 0;
	for (int i = 0; i < 3; i++)
		woken += __atomic_load_n(&w[i].woken, __ATOMIC_SEQ_CST);
	CHECK(woken >= 1 && woken < 3,
	      "EPOLLEXCLUSIVE: one connection wakes some waiters, not all 3");
	if (!(woken >= 1 && woken < 3))
		printf("# expected 1 or 2 woken, got %d\n", woken);
	__atomic_store_n(&ex_stop, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		close(w[i].ep);
	}
	s = accept(l, NULL, NULL);
	CHECK(s >= 0, "the connection is accepted");
	close(s);
	close(c);
	close(l);
}

/* listen(fd, 1): Linux queues backlog + 1 established connections; past
 * that the SYN is dropped and the client's connect stays in progress
 * until an accept makes room and the SYN is sent again (about 1 s) */
static void
check_backlog(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(&ss, AF_INET, "127.0.0.1", 0);
	int c[3];

	bind(l, (struct sockaddr *)&ss, len);
	check_eq(listen(l, 1), 0, "listen(fd, 1)");
	for (int i = 0; i < 3; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect_to(c[i], AF_INET, "127.0.0.1", port_of(l));
		sleep_ms(50);
	}
	check_eq(poll1(c[0], POLLOUT, 2000), POLLOUT, "backlog 1: the first client connects");
	check_eq(poll1(c[1], POLLOUT, 2000), POLLOUT,
	         "backlog 1: the second (backlog + 1) connects");
	check_eq(poll1(c[2], POLLOUT, 300), 0, "backlog 1: the third stays in progress");
	ERR_IS(connect_to(c[2], AF_INET, "127.0.0.1", port_of(l)), EALREADY,
	       "connect again while in progress: EALREADY");
	int s = accept(l, NULL, NULL);
	check_eq(poll1(c[2], POLLOUT, 5000), POLLOUT,
	         "after an accept the third connects (the SYN again)");
	check_eq(sockopt(c[2], SOL_SOCKET, SO_ERROR), 0, "... with SO_ERROR 0");
	int s2 = accept(l, NULL, NULL), s3 = accept(l, NULL, NULL);
	CHECK(s >= 0 && s2 >= 0 && s3 >= 0, "all three are accepted");
	close(s);
	close(s2);
	close(s3);
	for (int i = 0; i < 3; i++)
		close(c[i]);
	close(l);
}

static void
check_udp(void)
{
	char b[64];
	int u = bound(AF_INET6, SOCK_DGRAM, "::1");
	int v = bound(AF_INET6, SOCK_DGRAM, "::1");
	int other = bound(AF_INET6, SOCK_DGRAM, "::1");

	check_eq(connect_to(v, AF_INET6, "::1", port_of(u)), 0, "udp6 connect");
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	CHECK(getpeername(v, (struct sockaddr *)&ss, &len) == 0 &&
	          addr_is(&ss, AF_INET6, "::1", port_of(u)),
	      "getpeername of a connected UDP socket");
	check_eq(send(v, "c", 1, 0), 1, "send on a connected UDP socket");
	poll1(u, POLLIN, 5000);
	check_eq(recv(u, b, sizeof(b), 0), 1, "... arrives");
	/* a connected socket only takes datagrams from its peer */
	len = mkaddr(&ss, AF_INET6, "::1", port_of(v));
	sendto(other, "stranger", 8, 0, (struct sockaddr *)&ss, len);
	sendto(u, "peer", 4, 0, (struct sockaddr *)&ss, len);
	poll1(v, POLLIN, 5000);
	sleep_ms(20);
	check_eq(recv(v, b, sizeof(b), MSG_DONTWAIT), 4,
	         "a connected UDP socket drops datagrams from others");
	ERR_IS(recv(v, b, sizeof(b), MSG_DONTWAIT), EAGAIN, "... the stranger's is not queued");
	close(u);
	close(v);
	close(other);

	/* ICMP port unreachable on a connected UDP socket: ECONNREFUSED */
	for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		char name[96];
		const char *k = fam == AF_INET ? "udp4" : "udp6";
		int gone = bound(fam, SOCK_DGRAM, loop_ip(fam));
		int port = port_of(gone);
		close(gone);
		v = socket(fam, SOCK_DGRAM, 0);
		connect_to(v, fam, loop_ip(fam), port);
		snprintf(name, sizeof(name), "%s: send to a closed port", k);
		check_eq(send(v, "anyone?", 7, 0), 7, name);
		snprintf(name, sizeof(name), "%s: ... the ICMP error polls POLLERR", k);
		check_eq(poll1(v, POLLIN, 5000) & POLLERR, POLLERR, name);
		snprintf(name, sizeof(name), "%s: ... recv: ECONNREFUSED", k);
		ERR_IS(recv(v, b, sizeof(b), MSG_DONTWAIT), ECONNREFUSED, name);
		snprintf(name, sizeof(name), "%s: ... reported once (EAGAIN after)", k);
		ERR_IS(recv(v, b, sizeof(b), MSG_DONTWAIT), EAGAIN, name);
		send(v, "again", 5, 0);
		poll1(v, POLLIN, 5000);
		snprintf(name, sizeof(name), "%s: ... the next send's error via SO_ERROR", k);
		check_eq(sockopt(v, SOL_SOCKET, SO_ERROR), ECONNREFUSED, name);
		close(v);
	}

	/* a 60,000-byte datagram and a zero-length one */
	u = bound(AF_INET, SOCK_DGRAM, "127.0.0.1");
	v = socket(AF_INET, SOCK_DGRAM, 0);
	connect_to(v, AF_INET, "127.0.0.1", port_of(u));
	static unsigned char big[60000], back[65536];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i ^ (i >> 8));
	check_eq(send(v, big, sizeof(big), 0), 60000, "udp send of 60,000 bytes");
	poll1(u, POLLIN, 5000);
	check_eq(recv(u, back, sizeof(back), 0), 60000, "... received whole");
	CHECK(!memcmp(big, back, sizeof(big)), "... byte for byte");
	static unsigned char huge[65508];
	ERR_IS(send(v, huge, sizeof(huge), 0), EMSGSIZE, "udp send of 65,508 bytes: EMSGSIZE");
	check_eq(send(v, "", 0, 0), 0, "udp send of 0 bytes");
	check_eq(poll1(u, POLLIN, 5000), POLLIN, "... polls POLLIN");
	check_eq(recv(u, b, sizeof(b), 0), 0, "... and is received as a 0-byte datagram");
	ERR_IS(recv(u, b, sizeof(b), MSG_DONTWAIT), EAGAIN, "... and nothing else is queued");
	close(u);
	close(v);
}

static void
check_names(void)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL, *p;
	int found4 = 0, found6 = 0;

	check_eq(getaddrinfo("localhost", "80", &hints, &res), 0, "getaddrinfo(localhost)");
	for (p = res; p; p = p->ai_next) {
		struct sockaddr_storage ss;
		memcpy(&ss, p->ai_addr, p->ai_addrlen);
		found4 |= addr_is(&ss, AF_INET, "127.0.0.1", 80);
		found6 |= addr_is(&ss, AF_INET6, "::1", 80);
	}
	CHECK(found4 || found6, "localhost is 127.0.0.1 or ::1, port 80");
	if (res)
		freeaddrinfo(res);
	hints = (struct addrinfo){.ai_family = AF_INET, .ai_flags = AI_NUMERICHOST};
	res = NULL;
	check_eq(getaddrinfo("127.0.0.1", NULL, &hints, &res), 0, "getaddrinfo of 127.0.0.1");
	if (res)
		freeaddrinfo(res);

	/* a name from /etc/hosts other than localhost */
	FILE *f = fopen("/etc/hosts", "r");
	char line[256], ip[64] = "", host[128] = "";
	while (f && fgets(line, sizeof(line), f)) {
		char a[64], h[128];
		struct in_addr in;
		if (line[0] == '#' || sscanf(line, "%63s %127s", a, h) != 2)
			continue;
		if (inet_pton(AF_INET, a, &in) == 1 && strcmp(h, "localhost") &&
		    strncmp(h, "localhost.", 10)) {
			strcpy(ip, a);
			strcpy(host, h);
			break;
		}
	}
	if (f)
		fclose(f);
	CHECK(host[0], "/etc/hosts names an IPv4 host other than localhost");
	if (!host[0])
		return;
	hints = (struct addrinfo){.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
	res = NULL;
	int r = getaddrinfo(host, NULL, &hints, &res), found = 0;
	for (p = r == 0 ? res : NULL; p; p = p->ai_next) {
		struct sockaddr_storage ss;
		memcpy(&ss, p->ai_addr, p->ai_addrlen);
		found |= addr_is(&ss, AF_INET, ip, -1);
	}
	CHECK(found, "getaddrinfo of /etc/hosts' name gives its address");
	if (!found)
		printf("# expected %s for %s, getaddrinfo said %d (%s)\n", ip, host, r,
		       gai_strerror(r));
	if (res)
		freeaddrinfo(res);
	struct hostent *he = gethostbyname(host);
	CHECK(he && he->h_addrtype == AF_INET, "gethostbyname of it");
}

int
main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0); /* a hang shows the case it is in */
	signal(SIGPIPE, on_sigpipe);
	check_create();
	check_tcp_basic(AF_INET);
	check_tcp_basic(AF_INET6);
	check_dual_stack();
	check_connect(AF_INET);
	check_connect(AF_INET6);
	check_errors();
	check_reset();
	check_flags();
	check_io();
	check_sendfile();
	check_reuse();
	check_reuse_udp();
	check_options();
	check_poll();
	check_backlog();
	check_udp();
	check_names();
	return tap_done();
}

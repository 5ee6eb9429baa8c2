/* In-guest checks of AF_UNIX sockets (net/unix.c), each by its effect
 * and errno: stream, seqpacket and datagram; path, abstract and unnamed
 * names; listen's backlog; shutdown, EPIPE and SIGPIPE; MSG_PEEK,
 * MSG_DONTWAIT, MSG_WAITALL, MSG_TRUNC; SCM_RIGHTS (a pipe and a file)
 * and SCM_CREDENTIALS; SO_* options; FIONREAD; poll and epoll hang-ups;
 * /proc/net/unix; a 1,000-connection epoll echo. Built three ways like
 * every tests/guest program; passes on Linux too. */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DIR "/tmp/unum-unix"

static volatile sig_atomic_t sigpipes;

static void
on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static socklen_t
path_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static socklen_t
abstract_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static int
sockopt_int(int fd, int name)
{
	int v = -12345;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, name, &v, &len) < 0)
		return -errno - 100000;
	return v;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
check_create(void)
{
	int fd, sv[2];

	errno = 0;
	CHECK(socket(1000, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT,
	      "unknown family: EAFNOSUPPORT");
	errno = 0;
	CHECK(socket(AF_UNIX, 99, 0) < 0 && errno == EINVAL, "bad type: EINVAL");
	errno = 0;
	CHECK(socket(AF_UNIX, SOCK_RDM, 0) < 0 && errno == ESOCKTNOSUPPORT,
	      "SOCK_RDM: ESOCKTNOSUPPORT");
	fd = socket(AF_UNIX, SOCK_RAW, 0);
	CHECK(fd >= 0 && sockopt_int(fd, SO_TYPE) == SOCK_DGRAM,
	      "SOCK_RAW is SOCK_DGRAM, as Linux");
	close(fd);
	errno = 0;
	CHECK(socket(AF_UNIX, SOCK_STREAM, 7) < 0 && errno == EPROTONOSUPPORT,
	      "protocol 7: EPROTONOSUPPORT");
	errno = 0;
	CHECK(getsockopt(0 + 100, SOL_SOCKET, SO_TYPE, &fd, &(socklen_t){4}) < 0 && errno == EBADF,
	      "getsockopt on a closed fd: EBADF");
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	errno = 0;
	CHECK(listen(p[0], 1) < 0 && errno == ENOTSOCK, "listen on a pipe: ENOTSOCK");
	close(p[0]);
	close(p[1]);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0, "socket stream nonblock cloexec");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "SOCK_CLOEXEC sets FD_CLOEXEC");
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "SOCK_NONBLOCK sets O_NONBLOCK");
	CHECK(sockopt_int(fd, SO_TYPE) == SOCK_STREAM, "SO_TYPE stream");
	CHECK(sockopt_int(fd, SO_DOMAIN) == AF_UNIX, "SO_DOMAIN");
	CHECK(sockopt_int(fd, SO_ACCEPTCONN) == 0, "SO_ACCEPTCONN 0 before listen");
	CHECK(sockopt_int(fd, SO_ERROR) == 0, "SO_ERROR 0");
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode), "fstat: S_IFSOCK");
	char c;
	errno = 0;
	CHECK(read(fd, &c, 1) < 0 && errno == EINVAL, "read of an unconnected stream: EINVAL");
	errno = 0;
	CHECK(write(fd, "x", 1) < 0 && errno == ENOTCONN,
	      "write of an unconnected stream: ENOTCONN");
	struct sockaddr_un a;
	socklen_t len = sizeof(a);
	errno = 0;
	CHECK(getpeername(fd, (struct sockaddr *)&a, &len) < 0 && errno == ENOTCONN,
	      "getpeername unconnected: ENOTCONN");
	errno = 0;
	CHECK(setsockopt(fd, SOL_SOCKET, 12345, &(int){1}, sizeof(int)) < 0 && errno == ENOPROTOOPT,
	      "unknown option: ENOPROTOOPT");
	close(fd);

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair dgram");
	CHECK(sockopt_int(sv[0], SO_TYPE) == SOCK_DGRAM, "SO_TYPE dgram");
	errno = 0;
	CHECK(listen(sv[0], 1) < 0 && errno == EOPNOTSUPP, "listen on dgram: EOPNOTSUPP");
	close(sv[0]);
	close(sv[1]);
}

static void
check_pair_stream(void)
{
	int sv[2], n = -1;
	char buf[64];
	struct sockaddr_un a;
	socklen_t len = sizeof(a);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair stream");
	CHECK(write(sv[0], "hello", 5) == 5, "write 5");
	CHECK(ioctl(sv[1], FIONREAD, &n) == 0 && n == 5, "FIONREAD 5");
	CHECK(recv(sv[1], buf, sizeof(buf), MSG_PEEK) == 5 && !memcmp(buf, "hello", 5), "MSG_PEEK");
	CHECK(read(sv[1], buf, 2) == 2 && !memcmp(buf, "he", 2), "a short read");
	CHECK(read(sv[1], buf, sizeof(buf)) == 3 && !memcmp(buf, "llo", 3), "the rest");
	errno = 0;
	CHECK(recv(sv[1], buf, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN, "MSG_DONTWAIT: EAGAIN");
	CHECK(write(sv[0], "ab", 2) == 2 && write(sv[0], "cd", 2) == 2, "two writes");
	CHECK(recv(sv[1], buf, 3, MSG_PEEK) == 3 && !memcmp(buf, "abc", 3),
	      "MSG_PEEK across writes");
	CHECK(read(sv[1], buf, 1) == 1 && recv(sv[1], buf, 8, MSG_PEEK) == 3 &&
	          !memcmp(buf, "bcd", 3),
	      "MSG_PEEK after a partial read");
	CHECK(read(sv[1], buf, 8) == 3 && !memcmp(buf, "bcd", 3), "read what was peeked");
	CHECK(getsockname(sv[0], (struct sockaddr *)&a, &len) == 0 && len == 2 &&
	          a.sun_family == AF_UNIX,
	      "getsockname unnamed: family only");
	len = sizeof(a);
	CHECK(getpeername(sv[0], (struct sockaddr *)&a, &len) == 0 && len == 2,
	      "getpeername unnamed");

	struct ucred cr;
	len = sizeof(cr);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && len == sizeof(cr) &&
	          cr.pid == getpid() && cr.uid == geteuid() && cr.gid == getegid(),
	      "SO_PEERCRED of a pair");

	/* writev as one stream, readv across iovecs */
	struct iovec wv[2] = {{"ab", 2}, {"cde", 3}}, rv[2];
	char r1[3], r2[8];
	rv[0] = (struct iovec){r1, 3};
	rv[1] = (struct iovec){r2, 8};
	CHECK(writev(sv[0], wv, 2) == 5, "writev");
	CHECK(readv(sv[1], rv, 2) == 5 && !memcmp(r1, "abc", 3) && !memcmp(r2, "de", 2), "readv");

	/* shutdown: the peer reads EOF, polls RDHUP; writes after are EPIPE */
	errno = 0;
	CHECK(shutdown(sv[0], 7) < 0 && errno == EINVAL, "shutdown how 7: EINVAL");
	CHECK(shutdown(sv[0], SHUT_WR) == 0, "SHUT_WR");
	struct pollfd pf = {sv[1], POLLIN | POLLRDHUP, 0};
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLRDHUP) && (pf.revents & POLLIN) &&
	          !(pf.revents & POLLHUP),
	      "poll after the peer's SHUT_WR: POLLIN|POLLRDHUP, no POLLHUP");
	CHECK(read(sv[1], buf, sizeof(buf)) == 0, "EOF after SHUT_WR");
	errno = 0;
	CHECK(send(sv[0], "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE, "send after SHUT_WR: EPIPE");
	CHECK(write(sv[1], "back", 4) == 4, "the other way still works");
	CHECK(read(sv[0], buf, sizeof(buf)) == 4, "read the other way");
	CHECK(shutdown(sv[0], SHUT_RD) == 0, "SHUT_RD");
	errno = 0;
	CHECK(send(sv[1], "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE,
	      "send to a SHUT_RD peer: EPIPE");
	pf = (struct pollfd){sv[0], POLLIN | POLLRDHUP, 0};
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP), "SHUT_RDWR both: POLLHUP");
	close(sv[0]);
	close(sv[1]);

	/* EPIPE and SIGPIPE on a closed peer, none with MSG_NOSIGNAL */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	close(sv[1]);
	signal(SIGPIPE, on_sigpipe);
	sigpipes = 0;
	errno = 0;
	CHECK(write(sv[0], "x", 1) < 0 && errno == EPIPE && sigpipes == 1,
	      "write to a closed peer: EPIPE and SIGPIPE");
	errno = 0;
	CHECK(send(sv[0], "x", 1, MSG_NOSIGNAL) < 0 && errno == EPIPE && sigpipes == 1,
	      "MSG_NOSIGNAL: EPIPE, no SIGPIPE");
	pf = (struct pollfd){sv[0], POLLIN | POLLOUT | POLLRDHUP, 0};
	CHECK(poll(&pf, 1, 0) == 1 &&
	          (pf.revents & (POLLHUP | POLLRDHUP | POLLIN)) == (POLLHUP | POLLRDHUP | POLLIN),
	      "poll of a closed peer: POLLHUP|POLLRDHUP|POLLIN");
	signal(SIGPIPE, SIG_DFL);
	close(sv[0]);

	/* unread data lost at close: the peer's read is ECONNRESET, then EOF */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(write(sv[0], "lost", 4) == 4, "write");
	close(sv[1]);
	errno = 0;
	CHECK(read(sv[0], buf, sizeof(buf)) < 0 && errno == ECONNRESET,
	      "close with unread data: the peer reads ECONNRESET");
	CHECK(read(sv[0], buf, sizeof(buf)) == 0, "then EOF");
	close(sv[0]);
}

static void
check_names(void)
{
	struct sockaddr_un a, b;
	socklen_t alen = path_addr(&a, DIR "/s1"), len;
	int s1, s2, c;
	struct stat st;

	mkdir(DIR, 0755);
	unlink(DIR "/s1");
	s1 = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	CHECK(listen(s1, 5) < 0 && errno == EINVAL, "listen unbound: EINVAL");
	CHECK(bind(s1, (struct sockaddr *)&a, alen) == 0, "bind a path");
	CHECK(stat(DIR "/s1", &st) == 0 && S_ISSOCK(st.st_mode), "the path is a socket file");
	path_addr(&b, DIR "/s1-other");
	unlink(DIR "/s1-other");
	errno = 0;
	CHECK(bind(s1, (struct sockaddr *)&b, path_addr(&b, DIR "/s1-other")) < 0 &&
	          errno == EINVAL && access(DIR "/s1-other", F_OK) < 0,
	      "bind a bound socket again: EINVAL, no file left");
	s2 = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	CHECK(bind(s2, (struct sockaddr *)&a, alen) < 0 && errno == EADDRINUSE,
	      "bind an existing path: EADDRINUSE");
	len = sizeof(b);
	CHECK(getsockname(s1, (struct sockaddr *)&b, &len) == 0 && len == alen &&
	          !strcmp(b.sun_path, DIR "/s1"),
	      "getsockname: the path, Linux's length");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	CHECK(connect(c, (struct sockaddr *)&a, alen) < 0 && errno == ECONNREFUSED,
	      "connect to a bound name nobody listens on: ECONNREFUSED");
	errno = 0;
	CHECK(accept(s1, NULL, NULL) < 0 && errno == EINVAL, "accept before listen: EINVAL");
	close(s1);
	errno = 0;
	CHECK(connect(c, (struct sockaddr *)&a, alen) < 0 && errno == ECONNREFUSED,
	      "connect to a closed socket's file: ECONNREFUSED");
	unlink(DIR "/s1");
	errno = 0;
	CHECK(connect(c, (struct sockaddr *)&a, alen) < 0 && errno == ENOENT,
	      "connect to a missing path: ENOENT");
	int fd = open(DIR "/plain", O_CREAT | O_WRONLY, 0644);
	close(fd);
	alen = path_addr(&b, DIR "/plain");
	errno = 0;
	CHECK(connect(c, (struct sockaddr *)&b, alen) < 0 && errno == ECONNREFUSED,
	      "connect to a regular file: ECONNREFUSED");
	errno = 0;
	CHECK(connect(c, (struct sockaddr *)&b, 1) < 0 && errno == EINVAL, "connect len 1: EINVAL");
	close(c);
	close(s2);

	/* abstract names: not in the file system, free again at close */
	alen = abstract_addr(&a, "unum-abstract");
	s1 = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(bind(s1, (struct sockaddr *)&a, alen) == 0, "bind an abstract name");
	len = sizeof(b);
	CHECK(getsockname(s1, (struct sockaddr *)&b, &len) == 0 && len == alen && !b.sun_path[0] &&
	          !memcmp(b.sun_path + 1, "unum-abstract", 13),
	      "getsockname: the abstract name");
	s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
	errno = 0;
	CHECK(bind(s2, (struct sockaddr *)&a, alen) < 0 && errno == EADDRINUSE,
	      "abstract name taken: EADDRINUSE");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	errno = 0;
	CHECK(connect(c, (struct sockaddr *)&a, alen) < 0 && errno == ECONNREFUSED,
	      "stream connect to a dgram abstract name: ECONNREFUSED");
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	unlink(DIR "/dg");
	CHECK(bind(d, (struct sockaddr *)&b, path_addr(&b, DIR "/dg")) == 0, "bind a dgram path");
	errno = 0;
	CHECK(connect(c, (struct sockaddr *)&b, path_addr(&b, DIR "/dg")) < 0 &&
	          errno == EPROTOTYPE,
	      "stream connect to a dgram path: EPROTOTYPE");
	close(d);
	close(c);
	close(s1);
	CHECK(bind(s2, (struct sockaddr *)&a, alen) == 0, "the abstract name is free after close");
	close(s2);

	/* autobind: "\0" and five hex digits */
	s1 = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(bind(s1, (struct sockaddr *)&(sa_family_t){AF_UNIX}, sizeof(sa_family_t)) == 0,
	      "autobind");
	len = sizeof(b);
	CHECK(getsockname(s1, (struct sockaddr *)&b, &len) == 0 && len == 8 && !b.sun_path[0],
	      "autobind name: 6 bytes, abstract");
	close(s1);
}

struct conn_arg {
	struct sockaddr_un a;
	socklen_t len;
	volatile int done;
	int err;
};

static void *
blocking_connect(void *p)
{
	struct conn_arg *ca = p;
	int c = socket(AF_UNIX, SOCK_STREAM, 0);

	ca->err = connect(c, (struct sockaddr *)&ca->a, ca->len) ? errno : 0;
	ca->done = 1;
	return (void *)(intptr_t)c;
}

static void
check_listen(void)
{
	struct conn_arg ca = {0};
	int l = socket(AF_UNIX, SOCK_STREAM, 0), cs[8], n = 0, s;
	struct sockaddr_un peer;
	socklen_t len;

	ca.len = path_addr(&ca.a, DIR "/listen");
	unlink(DIR "/listen");
	CHECK(bind(l, (struct sockaddr *)&ca.a, ca.len) == 0, "bind");
	CHECK(listen(l, 1) == 0, "listen backlog 1");
	CHECK(sockopt_int(l, SO_ACCEPTCONN) == 1, "SO_ACCEPTCONN 1");
	errno = 0;
	/* the system call itself: musl's accept4 falls back to accept on EINVAL */
	CHECK(syscall(SYS_accept4, l, NULL, NULL, SOCK_NONBLOCK | 0x10) < 0 && errno == EINVAL,
	      "accept4 bad flags: EINVAL");
	/* Linux queues backlog + 1 connections, then a non-blocking connect is EAGAIN */
	for (n = 0; n < 8; n++) {
		cs[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(cs[n], (struct sockaddr *)&ca.a, ca.len) < 0)
			break;
	}
	CHECK(n == 2 && errno == EAGAIN, "backlog 1: two connections queued, the third EAGAIN");
	close(cs[n]);
	pthread_t t;
	pthread_create(&t, NULL, blocking_connect, &ca);
	usleep(100000);
	CHECK(!ca.done, "a blocking connect past the backlog waits");
	len = sizeof(peer);
	s = accept4(l, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
	CHECK(s >= 0 && len == 2, "accept4: an unnamed client's address");
	CHECK(fcntl(s, F_GETFD) == FD_CLOEXEC && (fcntl(s, F_GETFL) & O_NONBLOCK),
	      "accept4 flags on the new socket");
	void *ret;
	pthread_join(t, &ret);
	CHECK(ca.done && ca.err == 0, "the blocking connect completes after an accept");
	int c3 = (int)(intptr_t)ret;
	CHECK(write(cs[0], "ping", 4) == 4, "write before accept");
	char buf[8];
	CHECK(read(s, buf, sizeof(buf)) == 4 && !memcmp(buf, "ping", 4),
	      "the accepted end reads it");
	len = sizeof(peer);
	CHECK(write(s, "pong", 4) == 4 &&
	          recvfrom(cs[0], buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len) == 4 &&
	          !strcmp(peer.sun_path, DIR "/listen"),
	      "stream recvfrom: the sender's name (the listener's)");
	len = sizeof(peer);
	CHECK(getsockname(s, (struct sockaddr *)&peer, &len) == 0 &&
	          !strcmp(peer.sun_path, DIR "/listen"),
	      "accepted socket's name: the listener's");
	len = sizeof(peer);
	CHECK(getpeername(cs[0], (struct sockaddr *)&peer, &len) == 0 &&
	          !strcmp(peer.sun_path, DIR "/listen"),
	      "client's peer name: the listener's path");
	struct ucred cr;
	len = sizeof(cr);
	CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && cr.pid == getpid() &&
	          cr.uid == geteuid(),
	      "SO_PEERCRED of an accepted socket");
	close(s);
	for (int i = 1; i <= 2; i++) /* the second queued and the blocking one */
		close(accept(l, NULL, NULL));
	errno = 0;
	CHECK(connect(cs[0], (struct sockaddr *)&ca.a, ca.len) < 0 && errno == EISCONN,
	      "connect again: EISCONN");
	close(l);
	/* a closed listener's queued client sees the end */
	close(cs[0]);
	close(cs[1]);
	close(c3);

	/* SO_RCVTIMEO on accept */
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(DIR "/listen");
	bind(l, (struct sockaddr *)&ca.a, ca.len);
	listen(l, 4);
	struct timeval tv = {0, 100000};
	CHECK(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO 100 ms");
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	CHECK(accept(l, NULL, NULL) < 0 && errno == EAGAIN && ms_since(&t0) >= 90,
	      "accept times out: EAGAIN after the timeout");
	close(l);
}

static void
check_dgram(void)
{
	struct sockaddr_un a, from;
	socklen_t alen = path_addr(&a, DIR "/dgram"), flen;
	int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);
	char buf[64];

	unlink(DIR "/dgram");
	CHECK(bind(r, (struct sockaddr *)&a, alen) == 0, "bind a dgram name");
	errno = 0;
	CHECK(send(s, "x", 1, 0) < 0 && errno == ENOTCONN, "send without a destination: ENOTCONN");
	CHECK(sendto(s, "one", 3, 0, (struct sockaddr *)&a, alen) == 3, "sendto the name");
	CHECK(sendto(s, "second", 6, 0, (struct sockaddr *)&a, alen) == 6, "sendto again");
	flen = sizeof(from);
	CHECK(recvfrom(r, buf, sizeof(buf), MSG_PEEK, (struct sockaddr *)&from, &flen) == 3,
	      "MSG_PEEK a datagram");
	flen = sizeof(from);
	CHECK(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 3 &&
	          !memcmp(buf, "one", 3) && flen == 0,
	      "recvfrom: boundaries kept; an unnamed sender has no address");
	struct iovec v = {buf, 2};
	struct msghdr mh = {.msg_iov = &v, .msg_iovlen = 1};
	CHECK(recvmsg(r, &mh, 0) == 2 && (mh.msg_flags & MSG_TRUNC), "a short read: MSG_TRUNC");
	errno = 0;
	CHECK(recv(r, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno == EAGAIN,
	      "the rest of a truncated datagram is gone");
	CHECK(sendto(s, "abcdef", 6, 0, (struct sockaddr *)&a, alen) == 6, "sendto");
	CHECK(recv(r, buf, 2, MSG_TRUNC) == 6, "recv MSG_TRUNC: the real length");
	struct sockaddr_un sa;
	socklen_t salen = path_addr(&sa, DIR "/dgram-s");
	unlink(DIR "/dgram-s");
	CHECK(bind(s, (struct sockaddr *)&sa, salen) == 0, "bind the sender");
	CHECK(sendto(s, "hi", 2, 0, (struct sockaddr *)&a, alen) == 2, "sendto from a named one");
	flen = sizeof(from);
	CHECK(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 2 &&
	          flen == salen && !strcmp(from.sun_path, DIR "/dgram-s"),
	      "recvfrom: the sender's path");
	struct sockaddr_un miss;
	socklen_t mlen = path_addr(&miss, DIR "/nobody");
	errno = 0;
	CHECK(sendto(s, "x", 1, 0, (struct sockaddr *)&miss, mlen) < 0 && errno == ENOENT,
	      "sendto a missing path: ENOENT");
	CHECK(connect(s, (struct sockaddr *)&a, alen) == 0, "connect a dgram socket");
	CHECK(send(s, "c", 1, 0) == 1 && recv(r, buf, sizeof(buf), 0) == 1, "send to the default");
	/* a full receiver: non-blocking sends end in EAGAIN */
	int sent = 0;
	while (sent < 100000 && send(s, buf, 64, MSG_DONTWAIT) == 64)
		sent++;
	CHECK(sent > 0 && sent < 100000 && errno == EAGAIN, "a full receiver queue: EAGAIN");
	close(r);
	errno = 0;
	CHECK(send(s, "x", 1, 0) < 0 && errno == ECONNREFUSED,
	      "send to a closed receiver: ECONNREFUSED");
	close(s);

	/* sendmmsg/recvmmsg over a pair */
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "socketpair dgram");
	static char huge[10000];
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){4096}, sizeof(int));
	errno = 0;
	CHECK(send(sv[0], huge, sizeof(huge), 0) < 0 && errno == EMSGSIZE,
	      "a datagram larger than SO_SNDBUF: EMSGSIZE");
	struct mmsghdr mm[3];
	struct iovec iv[3] = {{"a", 1}, {"bb", 2}, {"ccc", 3}};
	char rb[3][8];
	struct iovec ri[3] = {{rb[0], 8}, {rb[1], 8}, {rb[2], 8}};
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++)
		mm[i].msg_hdr = (struct msghdr){.msg_iov = &iv[i], .msg_iovlen = 1};
	CHECK(sendmmsg(sv[0], mm, 3, 0) == 3, "sendmmsg 3");
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++)
		mm[i].msg_hdr = (struct msghdr){.msg_iov = &ri[i], .msg_iovlen = 1};
	CHECK(recvmmsg(sv[1], mm, 3, MSG_DONTWAIT, NULL) == 3 && mm[0].msg_len == 1 &&
	          mm[1].msg_len == 2 && mm[2].msg_len == 3 && !memcmp(rb[2], "ccc", 3),
	      "recvmmsg 3, each its length");
	close(sv[0]);
	close(sv[1]);
}

static void
check_seqpacket(void)
{
	int sv[2];
	char buf[100];

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "socketpair seqpacket");
	CHECK(sockopt_int(sv[0], SO_TYPE) == SOCK_SEQPACKET, "SO_TYPE seqpacket");
	CHECK(write(sv[0], "0123456789", 10) == 10, "write 10");
	CHECK(write(sv[0], buf, 20) == 20, "write 20");
	struct iovec wv[2] = {{"abc", 3}, {"de", 2}};
	CHECK(writev(sv[0], wv, 2) == 5, "writev: one record of 5");
	CHECK(read(sv[1], buf, sizeof(buf)) == 10, "read: the first record only");
	struct iovec v = {buf, 4};
	struct msghdr mh = {.msg_iov = &v, .msg_iovlen = 1};
	CHECK(recvmsg(sv[1], &mh, 0) == 4 && (mh.msg_flags & MSG_TRUNC),
	      "a short read of a record: MSG_TRUNC");
	char r1[2], r2[10];
	struct iovec rv[2] = {{r1, 2}, {r2, 10}};
	CHECK(readv(sv[1], rv, 2) == 5 && !memcmp(r1, "ab", 2) && !memcmp(r2, "cde", 3),
	      "readv: the third record, across the vector");
	close(sv[0]);
	CHECK(read(sv[1], buf, sizeof(buf)) == 0, "EOF after the peer closed");
	close(sv[1]);

	/* listen and accept, abstract name */
	struct sockaddr_un a;
	socklen_t alen = abstract_addr(&a, "unum-seqpacket");
	int l = socket(AF_UNIX, SOCK_SEQPACKET, 0), c = socket(AF_UNIX, SOCK_SEQPACKET, 0), s;
	errno = 0;
	CHECK(read(c, buf, 1) < 0 && errno == ENOTCONN, "seqpacket read unconnected: ENOTCONN");
	CHECK(bind(l, (struct sockaddr *)&a, alen) == 0 && listen(l, 4) == 0, "seqpacket listen");
	CHECK(connect(c, (struct sockaddr *)&a, alen) == 0, "seqpacket connect");
	CHECK((s = accept(l, NULL, NULL)) >= 0, "seqpacket accept");
	CHECK(send(c, "x", 1, 0) == 1 && send(c, "yz", 2, 0) == 2, "two records");
	CHECK(recv(s, buf, sizeof(buf), 0) == 1 && recv(s, buf, sizeof(buf), 0) == 2,
	      "records kept apart");
	close(c);
	close(s);
	close(l);
}

struct writer_arg {
	int fd;
};

static void *
slow_writer(void *p)
{
	int fd = ((struct writer_arg *)p)->fd;

	for (int i = 0; i < 3; i++) {
		usleep(20000);
		if (write(fd, "abcd", 4) != 4)
			return (void *)1;
	}
	return NULL;
}

static void
check_flags_opts(void)
{
	int sv[2], v;
	char buf[64];
	socklen_t len;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	struct writer_arg wa = {sv[0]};
	pthread_t t;
	pthread_create(&t, NULL, slow_writer, &wa);
	CHECK(recv(sv[1], buf, 12, MSG_WAITALL) == 12, "MSG_WAITALL waits for all 12 bytes");
	pthread_join(t, NULL);

	struct timeval tv = {0, 100000}, got;
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO");
	len = sizeof(got);
	CHECK(getsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0 && got.tv_sec == 0 &&
	          got.tv_usec == 100000,
	      "SO_RCVTIMEO reads back");
	errno = 0;
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){0, 2000000},
	                 sizeof(tv)) < 0 &&
	          errno == EDOM,
	      "SO_RCVTIMEO usec out of range: EDOM");
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	CHECK(read(sv[1], buf, 1) < 0 && errno == EAGAIN && ms_since(&t0) >= 90,
	      "read times out after SO_RCVTIMEO: EAGAIN");

	/* SO_SNDBUF bounds what a writer queues; SO_SNDTIMEO ends a blocked write */
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){4096}, sizeof(int)) == 0,
	      "SO_SNDBUF");
	v = sockopt_int(sv[0], SO_SNDBUF);
	CHECK(v == 8192, "SO_SNDBUF reads back doubled, as Linux");
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &(int){1}, sizeof(int)) == 0 &&
	          sockopt_int(sv[0], SO_RCVBUF) == 2304,
	      "SO_RCVBUF has Linux's floor");
	static char big[4096];
	long small = 0, large = 0;
	ssize_t k;
	while ((k = send(sv[0], big, sizeof(big), MSG_DONTWAIT)) > 0)
		small += k;
	CHECK(errno == EAGAIN && small > 0 && small <= v, "a full SO_SNDBUF: EAGAIN, bounded");
	tv = (struct timeval){0, 100000};
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0, "SO_SNDTIMEO");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	k = send(sv[0], big, sizeof(big), 0);
	CHECK(k < 0 && errno == EAGAIN && ms_since(&t0) >= 90,
	      "a blocked write times out after SO_SNDTIMEO: EAGAIN");
	while (recv(sv[1], big, sizeof(big), MSG_DONTWAIT) > 0)
		;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){65536}, sizeof(int));
	while ((k = send(sv[0], big, sizeof(big), MSG_DONTWAIT)) > 0)
		large += k;
	CHECK(large > small, "a larger SO_SNDBUF queues more");
	int n = -1;
	CHECK(ioctl(sv[1], FIONREAD, &n) == 0 && n == large, "FIONREAD: all queued bytes");
	close(sv[0]);
	close(sv[1]);
}

static int
send_fds(int s, const int *fds, int n, const char *byte)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec v = {(void *)byte, 1};
	struct msghdr mh = {.msg_iov = &v,
	                    .msg_iovlen = 1,
	                    .msg_control = cbuf,
	                    .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	memset(cbuf, 0, sizeof(cbuf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	return (int)sendmsg(s, &mh, 0);
}

static void
check_scm(void)
{
	int sv[2], p[2], f, got[4] = {-1, -1, -1, -1};
	char buf[16], cbuf[CMSG_SPACE(sizeof(int) * 4)];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(pipe(p) == 0, "pipe");
	f = open(DIR "/passed", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(f >= 0 && write(f, "0123456789", 10) == 10 && lseek(f, 2, SEEK_SET) == 2, "a file");
	int two[2] = {p[1], f};
	CHECK(send_fds(sv[0], two, 2, "F") == 1, "sendmsg SCM_RIGHTS: a pipe and a file");
	struct iovec v = {buf, sizeof(buf)};
	struct msghdr mh = {
	    .msg_iov = &v, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	CHECK(recvmsg(sv[1], &mh, MSG_CMSG_CLOEXEC) == 1 && buf[0] == 'F', "recvmsg");
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	CHECK(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	          c->cmsg_len == CMSG_LEN(2 * sizeof(int)),
	      "one SCM_RIGHTS of two fds");
	if (c)
		memcpy(got, CMSG_DATA(c), 2 * sizeof(int));
	CHECK(got[0] >= 0 && got[0] != p[1] && got[1] >= 0 && got[1] != f, "new fd numbers");
	CHECK(fcntl(got[0], F_GETFD) == FD_CLOEXEC, "MSG_CMSG_CLOEXEC");
	CHECK(write(got[0], "via", 3) == 3 && read(p[0], buf, sizeof(buf)) == 3 &&
	          !memcmp(buf, "via", 3),
	      "the received pipe end is the same pipe");
	CHECK(lseek(got[1], 0, SEEK_CUR) == 2, "the received file shares the offset");
	CHECK(read(got[1], buf, 3) == 3 && !memcmp(buf, "234", 3) && lseek(f, 0, SEEK_CUR) == 5,
	      "the same open file: reads move both");
	close(got[0]);
	close(got[1]);

	/* no room for the fds: MSG_CTRUNC */
	CHECK(send_fds(sv[0], &p[0], 1, "G") == 1, "send one more");
	char small[CMSG_LEN(0)];
	mh = (struct msghdr){
	    .msg_iov = &v, .msg_iovlen = 1, .msg_control = small, .msg_controllen = sizeof(small)};
	CHECK(recvmsg(sv[1], &mh, 0) == 1 && (mh.msg_flags & MSG_CTRUNC),
	      "a control buffer too small: MSG_CTRUNC");
	int bad = 999;
	errno = 0;
	CHECK(send_fds(sv[0], &bad, 1, "H") < 0 && errno == EBADF, "SCM_RIGHTS of a bad fd: EBADF");

	/* SCM_CREDENTIALS with SO_PASSCRED */
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int)) == 0,
	      "SO_PASSCRED");
	CHECK(sockopt_int(sv[1], SO_PASSCRED) == 1, "SO_PASSCRED reads back");
	CHECK(write(sv[0], "C", 1) == 1, "write");
	mh = (struct msghdr){
	    .msg_iov = &v, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	CHECK(recvmsg(sv[1], &mh, 0) == 1, "recvmsg");
	c = CMSG_FIRSTHDR(&mh);
	struct ucred cr = {0};
	if (c && c->cmsg_type == SCM_CREDENTIALS)
		memcpy(&cr, CMSG_DATA(c), sizeof(cr));
	CHECK(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
	          cr.pid == getpid() && cr.uid == geteuid() && cr.gid == getegid(),
	      "SCM_CREDENTIALS: the sender's pid, uid, gid");
	/* explicit credentials, the app's own */
	char ccb[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec one = {"D", 1};
	mh = (struct msghdr){
	    .msg_iov = &one, .msg_iovlen = 1, .msg_control = ccb, .msg_controllen = sizeof(ccb)};
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
	cr = (struct ucred){getpid(), geteuid(), getegid()};
	memcpy(CMSG_DATA(c), &cr, sizeof(cr));
	CHECK(sendmsg(sv[0], &mh, 0) == 1, "sendmsg SCM_CREDENTIALS");
	c->cmsg_type = 77;
	errno = 0;
	CHECK(sendmsg(sv[0], &mh, 0) < 0 && errno == EINVAL, "an unknown SOL_SOCKET cmsg: EINVAL");
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	close(f);
}

static void
check_epoll_hup(void)
{
	int sv[2], ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP}, out;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev) == 0, "epoll_ctl");
	CHECK(epoll_wait(ep, &out, 1, 0) == 0, "nothing ready");
	shutdown(sv[0], SHUT_WR);
	CHECK(epoll_wait(ep, &out, 1, 1000) == 1 && (out.events & EPOLLRDHUP) &&
	          !(out.events & EPOLLHUP),
	      "epoll: EPOLLRDHUP at the peer's SHUT_WR");
	close(sv[0]);
	CHECK(epoll_wait(ep, &out, 1, 1000) == 1 && (out.events & EPOLLHUP),
	      "epoll: EPOLLHUP at the peer's close");
	close(sv[1]);
	close(ep);
}

static void
check_proc(void)
{
	struct sockaddr_un a;
	socklen_t alen = path_addr(&a, DIR "/proc-listener");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	static char text[65536];

	unlink(DIR "/proc-listener");
	bind(l, (struct sockaddr *)&a, alen);
	listen(l, 1);
	int fd = open("/proc/net/unix", O_RDONLY);
	ssize_t n = 0, k;
	CHECK(fd >= 0, "open /proc/net/unix");
	while (fd >= 0 && (k = read(fd, text + n, sizeof(text) - 1 - (size_t)n)) > 0)
		n += k;
	text[n > 0 ? n : 0] = 0;
	close(fd);
	CHECK(!strncmp(text, "Num       RefCount Protocol Flags    Type St Inode Path\n", 56),
	      "/proc/net/unix header, as Linux");
	char *line = strstr(text, " " DIR "/proc-listener\n");
	while (line && line > text && line[-1] != '\n')
		line--;
	CHECK(line && strstr(line, ": ") && strstr(line, " 00010000 0001 01 "),
	      "/proc/net/unix: the listener's line (flags, type, state)");
	struct stat st;
	char want[64], link[64], path[32];
	fstat(l, &st);
	snprintf(want, sizeof(want), " %lu " DIR "/proc-listener\n", (unsigned long)st.st_ino);
	CHECK(strstr(text, want), "/proc/net/unix: the inode fstat gives");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", l);
	snprintf(want, sizeof(want), "socket:[%lu]", (unsigned long)st.st_ino);
	ssize_t ll = readlink(path, link, sizeof(link) - 1);
	link[ll > 0 ? ll : 0] = 0;
	CHECK(!strcmp(link, want), "/proc/self/fd: socket:[inode]");
	close(l);
}

/* --- a 1,000-connection epoll echo --- */
#define CONNS 1000

struct echo_arg {
	int l;
	int served;
};

static void *
echo_server(void *p)
{
	struct echo_arg *ea = p;
	int ep = epoll_create1(0), open_conns = 0, accepted = 0;
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = ea->l}, evs[64];
	char buf[256];

	epoll_ctl(ep, EPOLL_CTL_ADD, ea->l, &ev);
	while (accepted < CONNS || open_conns > 0) {
		int n = epoll_wait(ep, evs, 64, 5000);
		if (n <= 0)
			break; /* the client side reports what is missing */
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == ea->l) {
				int c;
				while ((c = accept4(ea->l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					ev = (struct epoll_event){.events = EPOLLIN | EPOLLRDHUP,
					                          .data.fd = c};
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
					accepted++;
					open_conns++;
				}
				continue;
			}
			ssize_t k = read(fd, buf, sizeof(buf));
			if (k > 0) {
				if (write(fd, buf, (size_t)k) == k)
					ea->served++;
			} else if (k == 0) {
				close(fd); /* leaves the epoll too */
				open_conns--;
			}
		}
	}
	close(ep);
	return NULL;
}

static void
check_echo(void)
{
	static int cs[CONNS];
	struct rlimit rl;
	struct sockaddr_un a;
	socklen_t alen = abstract_addr(&a, "unum-echo");
	struct echo_arg ea = {socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0), 0};
	int ok = 0, made = 0;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 2 * CONNS + 64) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	CHECK(bind(ea.l, (struct sockaddr *)&a, alen) == 0 && listen(ea.l, SOMAXCONN) == 0,
	      "echo: listen");
	pthread_t t;
	pthread_create(&t, NULL, echo_server, &ea);
	for (; made < CONNS; made++) {
		cs[made] = socket(AF_UNIX, SOCK_STREAM, 0);
		if (cs[made] < 0 || connect(cs[made], (struct sockaddr *)&a, alen) < 0)
			break;
	}
	CHECK(made == CONNS, "echo: 1,000 connections made");
	for (int i = 0; i < made; i++) {
		char msg[32], back[32];
		int len = snprintf(msg, sizeof(msg), "conn %d", i);
		if (write(cs[i], msg, (size_t)len) == len &&
		    recv(cs[i], back, (size_t)len, MSG_WAITALL) == len &&
		    !memcmp(msg, back, (size_t)len))
			ok++;
	}
	CHECK(ok == CONNS, "echo: every connection's message came back");
	for (int i = 0; i < made; i++)
		close(cs[i]);
	pthread_join(t, NULL);
	CHECK(ea.served == CONNS, "echo: the server echoed 1,000 times and saw every close");
	close(ea.l);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0); /* a hang shows the case it is in */
	check_create();
	check_pair_stream();
	check_names();
	check_listen();
	check_dgram();
	check_seqpacket();
	check_flags_opts();
	check_scm();
	check_epoll_hup();
	check_proc();
	check_echo();
	return tap_done();
}

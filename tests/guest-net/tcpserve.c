/* A small HTTP/1.1 server for the tests and benchmarks that drive the
 * guest from outside (tests/e2e/net-badtcp.py speaks raw TCP frames to
 * it; tools/bench/sections/55-tcp.sh points wrk and ab at it): epoll,
 * non-blocking accept4, every request answered with a fixed 1 KB body,
 * keep-alive unless the request is HTTP/1.0 without "keep-alive" or says
 * "Connection: close". Not a tests/guest program: it serves until killed.
 * Usage: tcpserve [-p PORT] [-b BACKLOG]; prints "listening on PORT" when
 * ready, exits 0 on SIGTERM or SIGINT. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BODY 1024
#define INBUF 8192

struct conn {
	int fd;
	size_t in;               /* bytes in buf */
	const char *out;         /* pending reply */
	size_t out_len, out_off; /* of out */
	int close_after;         /* once out is sent */
	char buf[INBUF];
};

static char reply_keep[256 + BODY], reply_close[256 + BODY];
static size_t reply_keep_len, reply_close_len;
static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static size_t
make_reply(char *dst, const char *conn_hdr)
{
	int n = snprintf(dst, 256,
	                 "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	                 "Content-Length: %d\r\nConnection: %s\r\n\r\n",
	                 BODY, conn_hdr);
	for (int i = 0; i < BODY; i++)
		dst[n + i] = i % 64 == 63 ? '\n' : 'a' + i % 26;
	return (size_t)n + BODY;
}

static void
drop(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

/* Whether the request in buf[0, len) keeps the connection open. */
static int
keeps_alive(const char *req, size_t len)
{
	char line[INBUF + 1];
	memcpy(line, req, len);
	line[len] = 0;
	for (char *p = line; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	if (strstr(line, "connection: close"))
		return 0;
	char *eol = strstr(line, "\r\n");
	if (eol)
		*eol = 0;
	if (strstr(line, "http/1.0"))
		return eol && strstr(eol + 2, "connection: keep-alive") != NULL;
	return 1;
}

/* Send what is pending; 0 while the connection lives, -1 once dropped. */
static int
flush(int ep, struct conn *c)
{
	while (c->out && c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
			return 0;
		}
		if (n <= 0) {
			drop(ep, c);
			return -1;
		}
		c->out_off += (size_t)n;
	}
	c->out = NULL;
	if (c->close_after) {
		drop(ep, c);
		return -1;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	return 0;
}

/* Answer every complete request in buf (one at a time: a pipelined one
 * waits until the reply before it is sent). */
static void
serve(int ep, struct conn *c)
{
	while (!c->out) {
		char *end = memmem(c->buf, c->in, "\r\n\r\n", 4);
		if (!end) {
			if (c->in == INBUF) /* a request too large */
				drop(ep, c);
			return;
		}
		size_t len = (size_t)(end + 4 - c->buf);
		int keep = keeps_alive(c->buf, len);
		c->out = keep ? reply_keep : reply_close;
		c->out_len = keep ? reply_keep_len : reply_close_len;
		c->out_off = 0;
		c->close_after = !keep;
		memmove(c->buf, c->buf + len, c->in - len);
		c->in -= len;
		if (flush(ep, c) < 0)
			return;
	}
}

static void
readable(int ep, struct conn *c)
{
	for (;;) {
		if (c->in == INBUF) {
			serve(ep, c);
			return;
		}
		ssize_t n = recv(c->fd, c->buf + c->in, INBUF - c->in, 0);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			drop(ep, c);
			return;
		}
		c->in += (size_t)n;
	}
	serve(ep, c);
}

int
main(int argc, char **argv)
{
	int port = 80, backlog = 128, opt;
	while ((opt = getopt(argc, argv, "p:b:")) != -1) {
		if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'b')
			backlog = atoi(optarg);
		else {
			fprintf(stderr, "usage: tcpserve [-p PORT] [-b BACKLOG]\n");
			return 2;
		}
	}
	reply_keep_len = make_reply(reply_keep, "keep-alive");
	reply_close_len = make_reply(reply_close, "close");
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, backlog) < 0) {
		perror("tcpserve: listen");
		return 1;
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev) < 0) {
		perror("tcpserve: epoll");
		return 1;
	}
	printf("listening on %d\n", port);
	fflush(stdout);

	struct epoll_event evs[64];
	while (!stop) {
		int n = epoll_wait(ep, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("tcpserve: epoll_wait");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (!c) {
				int fd;
				while ((fd = accept4(ls, NULL, NULL,
				                     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					struct conn *nc = calloc(1, sizeof *nc);
					struct epoll_event cev = {.events = EPOLLIN,
					                          .data.ptr = nc};
					if (!nc || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) < 0) {
						close(fd);
						free(nc);
						continue;
					}
					nc->fd = fd;
				}
				continue;
			}
			if (c->out) {
				if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
					if (flush(ep, c) == 0)
						serve(ep, c);
				continue;
			}
			readable(ep, c);
		}
	}
	return 0;
}

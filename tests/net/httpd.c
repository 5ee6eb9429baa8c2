/* A small static HTTP/1.1 server for the network tests (tests/e2e/net-*.sh)
 * and benchmarks: one thread, one edge-triggered epoll, non-blocking
 * accept4, keep-alive (HTTP/1.1's default unless "Connection: close";
 * HTTP/1.0 only with "Connection: keep-alive", as ab -k asks), pipelined
 * requests, GET and HEAD; a built-in 1 KB body at /, files under -d DIR
 * (sent with sendfile), 404, 400, 501; Content-Length on every response.
 * Listens on [::] (IPv4 clients too), else 0.0.0.0 when there is no
 * IPv6; prints "listening on PORT" when ready; SIGTERM or SIGINT exit 0.
 * -s prints a line of counts each second they change (accepted, open,
 * requests, EAGAINs from accept4), to tell where a stall is.
 * Usage: httpd [-p PORT] [-d DIR] [-s]. A plain Linux program: it runs on the
 * host the same way (tests/e2e/net-curl.sh checks both). */
#define _GNU_SOURCE
#include <arpa/inet.h>
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
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define INBUF 8192
#define HDRBUF 512

struct conn {
	int fd;
	char in[INBUF];
	size_t inlen;
	char hdr[HDRBUF]; /* the response's head, then an in-memory body or a file */
	size_t hdrlen, hdroff;
	const char *body;
	size_t bodylen, bodyoff;
	int file;
	off_t fileoff, fileend;
	int close_after; /* close once the response is out */
};

static char root_body[1024];
static const char *docroot;
static volatile sig_atomic_t stop;
static long n_accepted, n_open, n_requests, n_again;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
die(const char *what)
{
	fprintf(stderr, "httpd: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
conn_free(struct conn *c)
{
	n_open--;
	if (c->file >= 0)
		close(c->file);
	close(c->fd);
	free(c);
}

static int
has_output(const struct conn *c)
{
	return c->hdroff < c->hdrlen || c->bodyoff < c->bodylen ||
	       (c->file >= 0 && c->fileoff < c->fileend);
}

/* send what is queued; -1 when the connection is done with (error) */
static int
flush_out(struct conn *c)
{
	while (has_output(c)) {
		ssize_t n;
		if (c->hdroff < c->hdrlen)
			n = send(c->fd, c->hdr + c->hdroff, c->hdrlen - c->hdroff, MSG_NOSIGNAL);
		else if (c->bodyoff < c->bodylen)
			n = send(c->fd, c->body + c->bodyoff, c->bodylen - c->bodyoff,
			         MSG_NOSIGNAL);
		else
			n = sendfile(c->fd, c->file, &c->fileoff,
			             (size_t)(c->fileend - c->fileoff));
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		if (c->hdroff < c->hdrlen)
			c->hdroff += (size_t)n;
		else if (c->bodyoff < c->bodylen)
			c->bodyoff += (size_t)n;
	}
	if (c->file >= 0) {
		close(c->file);
		c->file = -1;
	}
	return 0;
}

static void
respond(struct conn *c, int status, const char *reason, const char *type, size_t len, int keep,
        int head)
{
	c->hdrlen = (size_t)snprintf(c->hdr, sizeof(c->hdr),
	                             "HTTP/1.1 %d %s\r\nServer: unum-httpd\r\nContent-Type: %s\r\n"
	                             "Content-Length: %zu\r\nConnection: %s\r\n\r\n",
	                             status, reason, type, len, keep ? "keep-alive" : "close");
	c->hdroff = 0;
	c->close_after = !keep;
	if (head) {
		c->bodylen = c->bodyoff = 0;
		if (c->file >= 0)
			close(c->file);
		c->file = -1;
	}
}

static void
respond_text(struct conn *c, int status, const char *reason, const char *text, int keep, int head)
{
	c->body = text;
	c->bodylen = strlen(text);
	c->bodyoff = 0;
	respond(c, status, reason, "text/plain", c->bodylen, keep, head);
}

static const char *
content_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && (!strcmp(dot, ".html") || !strcmp(dot, ".htm")))
		return "text/html";
	if (dot && !strcmp(dot, ".txt"))
		return "text/plain";
	return "application/octet-stream";
}

/* a file under the -d directory; 0 when it is being sent */
static int
serve_file(struct conn *c, const char *path, int keep, int head)
{
	char full[1024];
	struct stat st;

	if (!docroot || strstr(path, "..") ||
	    snprintf(full, sizeof(full), "%s%s", docroot, path) >= (int)sizeof(full))
		return -1;
	int fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	c->file = fd;
	c->fileoff = 0;
	c->fileend = st.st_size;
	c->bodylen = c->bodyoff = 0;
	respond(c, 200, "OK", content_type(path), (size_t)st.st_size, keep, head);
	return 0;
}

/* the value of header NAME in the head [p, end), or NULL */
static const char *
header(const char *p, const char *end, const char *name, size_t *len)
{
	size_t n = strlen(name);

	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > n && !strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*len = (size_t)(eol - v);
			return v;
		}
		p = eol + 2;
	}
	return NULL;
}

static int
value_has(const char *v, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; v && i + n <= len; i++)
		if (!strncasecmp(v + i, word, n))
			return 1;
	return 0;
}

/* handle the complete requests in c->in; -1 to close now */
static int
handle_requests(struct conn *c)
{
	while (!has_output(c) && !c->close_after) {
		char *end = memmem(c->in, c->inlen, "\r\n\r\n", 4);
		if (!end) {
			if (c->inlen == sizeof(c->in)) {
				respond_text(c, 400, "Bad Request", "request head too large\n", 0,
				             0);
				return 0;
			}
			return 0;
		}
		size_t used = (size_t)(end + 4 - c->in);
		char method[16], target[512], version[16];
		const char *line_end = memmem(c->in, used, "\r\n", 2);
		char line[600];
		size_t ll = (size_t)(line_end - c->in);
		if (ll >= sizeof(line))
			ll = sizeof(line) - 1;
		memcpy(line, c->in, ll);
		line[ll] = 0;
		size_t vlen = 0, blen = 0;
		const char *conn = header(line_end + 2, end + 2, "Connection", &vlen);
		const char *cl = header(line_end + 2, end + 2, "Content-Length", &blen);
		size_t body = cl ? strtoul(cl, NULL, 10) : 0;
		if (sscanf(line, "%15s %511s %15s", method, target, version) != 3 ||
		    strncmp(version, "HTTP/1.", 7) || body > sizeof(c->in) - used) {
			respond_text(c, 400, "Bad Request", "bad request\n", 0, 0);
			return 0;
		}
		if (c->inlen < used + body)
			return 0; /* the body is still coming */
		int http10 = !strcmp(version, "HTTP/1.0");
		int keep =
		    http10 ? value_has(conn, vlen, "keep-alive") : !value_has(conn, vlen, "close");
		int head = !strcmp(method, "HEAD");
		char *q = strchr(target, '?');
		if (q)
			*q = 0;
		if (strcmp(method, "GET") && !head)
			respond_text(c, 501, "Not Implemented", "GET and HEAD only\n", keep, 0);
		else if (!strcmp(target, "/")) {
			c->body = root_body;
			c->bodylen = sizeof(root_body);
			c->bodyoff = 0;
			respond(c, 200, "OK", "text/plain", sizeof(root_body), keep, head);
		} else if (serve_file(c, target, keep, head) < 0)
			respond_text(c, 404, "Not Found", "not found\n", keep, head);
		n_requests++;
		memmove(c->in, c->in + used + body, c->inlen - used - body);
		c->inlen -= used + body;
		if (flush_out(c) < 0)
			return -1;
	}
	return 0;
}

/* an event on a connection; -1 when it is closed */
static int
on_conn(struct conn *c, unsigned ev)
{
	if (ev & EPOLLERR)
		return -1;
	if (flush_out(c) < 0)
		return -1;
	for (;;) {
		if (handle_requests(c) < 0 || flush_out(c) < 0)
			return -1;
		if (c->close_after && !has_output(c))
			return -1;
		if (has_output(c) || c->inlen == sizeof(c->in))
			return 0; /* EPOLLOUT comes back here */
		ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		if (n == 0)
			return -1; /* the client closed */
		c->inlen += (size_t)n;
	}
}

static int
listen_on(int port)
{
	int one = 1, fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		struct sockaddr_in6 a = {.sin6_family = AF_INET6,
		                         .sin6_port = htons((uint16_t)port)};
		int zero = 0;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(fd, 1024) == 0)
			return fd;
		close(fd);
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	if (listen(fd, 1024) < 0)
		die("listen");
	return fd;
}

int
main(int argc, char **argv)
{
	int port = 80, opt, stats = 0;

	while ((opt = getopt(argc, argv, "p:d:s")) != -1) {
		if (opt == 's')
			stats = 1;
		else if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'd')
			docroot = optarg;
		else {
			fprintf(stderr, "usage: httpd [-p PORT] [-d DIR] [-s]\n");
			return 2;
		}
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "httpd: -p %d: not a port\n", port);
		return 2;
	}
	/* the 1 KB body: a line, then a pattern the tests can check */
	memset(root_body, '.', sizeof(root_body));
	memcpy(root_body, "unum httpd: 1024 bytes\n", 23);
	for (size_t i = 64; i < sizeof(root_body); i++)
		root_body[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
	root_body[sizeof(root_body) - 1] = '\n';

	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: epoll_wait returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int l = listen_on(port);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.ptr = NULL};
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) < 0)
		die("epoll");
	printf("listening on %d\n", port);
	fflush(stdout);

	long shown = -1;
	while (!stop) {
		struct epoll_event evs[128];
		int n = epoll_wait(ep, evs, 128, stats ? 1000 : -1);
		if (stats && n_accepted + n_requests + n_open != shown) {
			shown = n_accepted + n_requests + n_open;
			printf("stats: accepted %ld open %ld requests %ld accept-eagain %ld\n",
			       n_accepted, n_open, n_requests, n_again);
			fflush(stdout);
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c) {
				if (on_conn(c, evs[i].events) < 0)
					conn_free(c); /* close takes it off the epoll */
				continue;
			}
			for (;;) {
				int fd = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd < 0) {
					n_again += errno == EAGAIN;
					if (errno != EAGAIN && errno != EINTR &&
					    errno != ECONNABORTED)
						fprintf(stderr, "httpd: accept4: %s\n",
						        strerror(errno));
					break;
				}
				int one = 1;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				c = calloc(1, sizeof(*c));
				if (!c) {
					close(fd);
					continue;
				}
				c->fd = fd;
				c->file = -1;
				n_accepted++;
				n_open++;
				struct epoll_event cev = {.events = EPOLLIN | EPOLLOUT |
				                                    EPOLLRDHUP | EPOLLET,
				                          .data.ptr = c};
				if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev) < 0 || on_conn(c, 0) < 0)
					conn_free(c);
			}
		}
	}
	printf("httpd: exiting\n");
	return 0;
}

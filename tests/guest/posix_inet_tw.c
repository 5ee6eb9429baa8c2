/* TIME-WAIT bounded, as Linux bounds it: /proc/sys/net/ipv4/
 * tcp_max_tw_buckets read and written with Linux's format (an int; a
 * negative one keeps no TIME-WAIT, as on Linux), then set to 100 and 300
 * loopback connections closed by the server first, each of which would
 * leave the server's end in TIME-WAIT for a minute: /proc/net/tcp shows
 * at most 100 of them (state 06), and still some (the bound ends the
 * oldest, it does not switch TIME-WAIT off); a connection opened after
 * them still carries data. The old value is put back. Built like every
 * tests/guest program; passes on Linux too, as root in a network
 * namespace of its own (unshare -rn, lo up: the bound is the
 * namespace's). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define TW_MAX "/proc/sys/net/ipv4/tcp_max_tw_buckets"
#define BOUND 100
#define CONNS 300

static long
read_file(const char *path, char *b, size_t size)
{
	int fd = open(path, O_RDONLY);
	long n = 0, r;

	if (fd < 0)
		return -1;
	while (n + 1 < (long)size && (r = read(fd, b + n, size - 1 - (size_t)n)) > 0)
		n += r;
	close(fd);
	b[n] = '\0';
	return n;
}

/* one write of the text: write's result (errno kept) */
static long
write_tw(const char *text)
{
	int fd = open(TW_MAX, O_WRONLY);
	long r;
	int e;

	if (fd < 0)
		return -2;
	r = write(fd, text, strlen(text));
	e = errno;
	close(fd);
	errno = e;
	return r;
}

/* the connections /proc/net/tcp lists in TIME-WAIT (st 06), or -1 */
static int
count_tw(void)
{
	static char b[1 << 20];
	int n = 0;

	if (read_file("/proc/net/tcp", b, sizeof(b)) < 0)
		return -1;
	for (char *l = strchr(b, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		unsigned sl, st;
		char loc[64], rem[64];

		if (sscanf(l + 1, " %u: %63s %63s %x", &sl, loc, rem, &st) == 4 && st == 6)
			n++;
	}
	return n;
}

static void
msleep(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* a connection to the listener: the server writes "x" and closes first,
 * the client reads it and EOF, then closes. 0 when all of it worked */
static int
one_conn(int l, const struct sockaddr_in *a, int send_more)
{
	int c = socket(AF_INET, SOCK_STREAM, 0), s;
	char buf[8];
	int ok = 0;

	if (c < 0)
		return -1;
	if (connect(c, (const struct sockaddr *)a, sizeof(*a)) || (s = accept(l, NULL, NULL)) < 0) {
		close(c);
		return -1;
	}
	if (send_more &&
	    (write(c, "ping", 4) != 4 || read(s, buf, sizeof(buf)) != 4 || memcmp(buf, "ping", 4)))
		ok = -1;
	if (write(s, "x", 1) != 1)
		ok = -1;
	close(s);
	if (read(c, buf, sizeof(buf)) != 1 || buf[0] != 'x' || read(c, buf, sizeof(buf)) != 0)
		ok = -1;
	close(c);
	return ok;
}

int
main(void)
{
	char old[64], b[64];
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	char *end;
	int l, failed = 0, tw;

	CHECK(read_file(TW_MAX, old, sizeof(old)) > 0, "tcp_max_tw_buckets is readable");
	long v = strtol(old, &end, 10);
	CHECK(end != old && *end == '\n' && end[1] == '\0' && v >= 0,
	      "it reads as one number and a newline");

	CHECK(write_tw("-1\n") == 3 && read_file(TW_MAX, b, sizeof(b)) > 0 && !strcmp(b, "-1\n"),
	      "a negative bound is taken and read back, as Linux's int");
	CHECK(write_tw("lots") < 0 && errno == EINVAL, "a word is EINVAL");
	CHECK(write_tw("100\n") == 4 && read_file(TW_MAX, b, sizeof(b)) > 0 && !strcmp(b, "100\n"),
	      "set to 100, it reads 100");

	l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0 && !bind(l, (struct sockaddr *)&a, sizeof(a)) && !listen(l, 16) &&
	          !getsockname(l, (struct sockaddr *)&a, &alen),
	      "a loopback listener");
	for (int i = 0; i < CONNS; i++)
		failed += one_conn(l, &a, 0) != 0;
	CHECK(failed == 0, "300 connections, each closed by the server first");
	msleep(600); /* unum ends the surplus on its 250 ms TCP tick */
	tw = count_tw();
	printf("# %d in TIME-WAIT\n", tw);
	CHECK(tw >= BOUND / 2 && tw <= BOUND, "at most 100 in TIME-WAIT, and some still");
	CHECK(one_conn(l, &a, 1) == 0, "a connection after them carries data both ways");
	close(l);

	CHECK(write_tw(old) == (long)strlen(old) && read_file(TW_MAX, b, sizeof(b)) > 0 &&
	          !strcmp(b, old),
	      "the old bound is back");
	return tap_done();
}

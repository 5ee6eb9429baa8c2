/* The console as a terminal, driven by tests/e2e/tty.sh through a
 * pseudo-terminal (tests/e2e/lib/tty_drive.py types, this program
 * answers). Each step prints a prompt ending in "> " and waits for the
 * keystrokes the driver sends when it sees it; results are lines
 * "name value" the driver compares. Not a tests/guest program: it needs
 * someone typing. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <termios.h>
#include <unistd.h>

static volatile sig_atomic_t got_sigint;

static void
on_sigint(int sig)
{
	got_sigint = sig;
}

static void
on_sigint_say(int sig)
{
	got_sigint = sig;
	write(1, "[int]", 5);
}

static void
prompt(const char *name)
{
	printf("%s> ", name);
	fflush(stdout);
}

/* one canonical read, shown with the line end made visible */
static void
read_line(const char *name)
{
	char buf[256];
	ssize_t n;

	prompt(name);
	n = read(0, buf, sizeof(buf) - 1);
	if (n < 0) {
		printf("%s error %s\n", name, strerror(errno));
		return;
	}
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '$';
	printf("%s [%s] %zd\n", name, buf, n);
}

int
main(void)
{
	struct termios cooked, raw;
	struct winsize ws;
	struct sigaction sa;
	unsigned char b[8];
	struct pollfd p = {.fd = 0, .events = POLLIN};
	int k = -1;
	ssize_t n;

	printf("isatty %d %d\n", isatty(0), isatty(1));
	if (ioctl(1, TIOCGWINSZ, &ws) == 0)
		printf("winsize %d %d\n", ws.ws_row, ws.ws_col);
	if (tcgetattr(0, &cooked)) {
		printf("tcgetattr error %s\n", strerror(errno));
		return 1;
	}
	printf("pgrp %d\n", (int)tcgetpgrp(0));

	read_line("erase");  /* hello DEL p CR: hellp */
	read_line("werase"); /* abc def ^W xyz ^H q CR: abc xyq */
	read_line("kill");   /* junk ^U ok CR: ok */
	read_line("eof");    /* ^D on an empty line: 0 bytes */

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint; /* no SA_RESTART: read ends with EINTR */
	sigaction(SIGINT, &sa, NULL);
	/* A signal is delivered when a system call returns: a ^C typed the
	 * moment the prompt shows can land at the end of prompt()'s write,
	 * and then nothing would end the read. So: prompt again (the driver
	 * types ^C again) until the ^C finds the read blocked. A signal that
	 * comes after the check waits, pending, and ends the read at once. */
	do {
		got_sigint = 0;
		prompt("sigint");
	} while (got_sigint);
	n = read(0, b, sizeof(b));
	printf("sigint %d %zd %s\n", (int)got_sigint, n, n < 0 ? strerror(errno) : "-");

	/* SA_RESTART: the handler runs (it says so), the read goes on and
	 * returns the line typed next; whenever the ^C lands, same result */
	sa.sa_handler = on_sigint_say;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	read_line("restart"); /* ^C, then after CR */

	raw = cooked;
	cfmakeraw(&raw);
	raw.c_oflag |= OPOST; /* keep \n -> \r\n for our own lines */
	tcsetattr(0, TCSANOW, &raw);
	got_sigint = 0;
	prompt("raw"); /* a CR ^C: three bytes, no echo, no signal */
	for (int i = 0; i < 3; i++)
		if (read(0, b + i, 1) != 1)
			b[i] = 0xff;
	printf("raw %02x %02x %02x sig %d\n", b[0], b[1], b[2], (int)got_sigint);

	fcntl(0, F_SETFL, O_NONBLOCK);
	n = read(0, b, 1);
	printf("nonblock %zd %s\n", n, n < 0 ? strerror(errno) : "-");
	fcntl(0, F_SETFL, 0);
	printf("poll0 %d\n", poll(&p, 1, 0));
	prompt("poll"); /* z */
	int r = poll(&p, 1, -1);
	/* the byte is still unread: select and epoll see it too */
	fd_set rd;
	struct timeval tv = {0, 0};
	FD_ZERO(&rd);
	FD_SET(0, &rd);
	int sel = select(1, &rd, NULL, NULL, &tv);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN}, got = {0};
	epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
	int epn = epoll_wait(ep, &got, 1, 0);
	ioctl(0, FIONREAD, &k);
	n = read(0, b, sizeof(b));
	printf("poll %d %#x select %d epoll %d %#x fionread %d read %zd %c\n", r, p.revents, sel,
	       epn, got.events, k, n, n > 0 ? b[0] : '?');
	printf("epoll-after %d\n", epoll_wait(ep, &got, 1, 0));
	close(ep);

	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 2; /* 0.2 s, then 0 bytes */
	tcsetattr(0, TCSANOW, &raw);
	n = read(0, b, sizeof(b));
	printf("vtime %zd\n", n);

	tcsetattr(0, TCSAFLUSH, &cooked);
	read_line("cooked"); /* back to canonical: bye CR */
	raw = cooked;
	raw.c_lflag = (raw.c_lflag & ~(tcflag_t)ECHO) | ECHONL;
	tcsetattr(0, TCSANOW, &raw);
	read_line("noecho"); /* secret CR: only the line end is echoed */
	tcsetattr(0, TCSANOW, &cooked);
	printf("done\n");
	return 7;
}

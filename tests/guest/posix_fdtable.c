/* In-guest checks of a large fd table: root raises RLIMIT_NOFILE to
 * Linux's nr_open (1,048,576) and no further, 20,000 dups of a pipe end
 * work (writes through them arrive, poll sees them all), F_DUPFD and
 * dup2 far above 1,024, EMFILE at the soft limit, EINVAL for F_DUPFD
 * past it, and a non-root euid cannot raise the hard limit. Built three
 * ways like every tests/guest program; passes on Linux too (as root). */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#define NR_OPEN 1048576
#define MANY 20000

static int dups[MANY];

static void
check_many(int p[2])
{
	int ok = 1, n = 0, fd;
	char buf[64];

	for (int i = 0; i < MANY; i++) {
		if ((dups[i] = dup(p[1])) < 0)
			break;
		n++;
	}
	CHECK(n == MANY, "20,000 dups of a pipe end");
	for (int i = 1; i < n; i++)
		ok &= dups[i] == dups[i - 1] + 1;
	CHECK(ok && dups[n - 1] > 20000, "each dup is the lowest free fd");
	ok = 1;
	for (int i = 0; i < n; i += 2500)
		ok &= write(dups[i], "x", 1) == 1;
	ok &= write(dups[n - 1], "y", 1) == 1;
	CHECK(ok && read(p[0], buf, sizeof(buf)) == 9 && buf[8] == 'y',
	      "writes through fds past 20,000 arrive");
	CHECK(fcntl(dups[n - 1], F_GETFD) == 0 && fcntl(dups[n - 1], F_SETFD, FD_CLOEXEC) == 0 &&
	          fcntl(dups[n - 1], F_GETFD) == FD_CLOEXEC,
	      "F_SETFD/F_GETFD on fd 20,000+");

	struct pollfd *pf = calloc((size_t)n, sizeof(*pf));
	int ready = -1;
	if (pf) {
		for (int i = 0; i < n; i++)
			pf[i] = (struct pollfd){.fd = dups[i], .events = POLLOUT};
		ready = poll(pf, (nfds_t)n, 0);
		for (int i = 0; i < n; i++)
			ready -= pf[i].revents != POLLOUT;
	}
	free(pf);
	CHECK(ready == n, "poll over 20,000 fds: every one writable");

	fd = fcntl(p[1], F_DUPFD, 30000);
	CHECK(fd == 30000, "F_DUPFD 30000: fd 30000");
	close(fd);
	fd = fcntl(p[1], F_DUPFD_CLOEXEC, 100000);
	CHECK(fd == 100000 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC 100000");
	close(fd);
	CHECK(dup2(p[1], 500000) == 500000 && write(500000, "z", 1) == 1 &&
	          read(p[0], buf, 1) == 1 && buf[0] == 'z',
	      "dup2 to fd 500000");
	close(500000);
	CHECK(dup2(p[1], NR_OPEN - 1) == NR_OPEN - 1 && close(NR_OPEN - 1) == 0,
	      "dup2 to the last fd, NR_OPEN - 1");

	ok = 1;
	for (int i = 0; i < n; i++)
		ok &= close(dups[i]) == 0;
	CHECK(ok, "the 20,000 fds close");
	errno = 0;
	CHECK(fcntl(dups[n - 1], F_GETFD) == -1 && errno == EBADF, "a closed fd is EBADF");
	fd = dup(p[1]);
	CHECK(fd == dups[0], "the lowest fd is free again");
	close(fd);
}

static void
check_soft_limit(int p[2], struct rlimit big)
{
	struct rlimit rl = {2000, big.rlim_max};
	int last = -1, fd;

	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit NOFILE soft 2000");
	errno = 0;
	while ((fd = dup(p[1])) >= 0)
		last = fd;
	CHECK(last == 1999 && errno == EMFILE, "dup stops at the soft limit with EMFILE");
	errno = 0;
	CHECK(fcntl(p[1], F_DUPFD, 2000) == -1 && errno == EINVAL,
	      "F_DUPFD at the soft limit: EINVAL");
	errno = 0;
	CHECK(dup2(p[1], 2000) == -1 && errno == EBADF, "dup2 at the soft limit: EBADF");
	for (fd = 3; fd <= last; fd++)
		if (fd != p[0] && fd != p[1])
			close(fd);
	CHECK(setrlimit(RLIMIT_NOFILE, &big) == 0, "the big limit goes back");
}

int
main(void)
{
	struct rlimit old, big = {NR_OPEN, NR_OPEN}, rl;
	int p[2];

	if (geteuid() != 0) {
		printf("1..0 # skipped: not root\n");
		return 0;
	}
	/* Linux's defaults for init's children; a shell may have changed them */
	CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0 &&
	          (!getenv("UNUM_TEST") || (old.rlim_cur == 1024 && old.rlim_max == 4096)),
	      "RLIMIT_NOFILE starts at 1024, hard 4096");
	CHECK(setrlimit(RLIMIT_NOFILE, &big) == 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	          rl.rlim_cur == NR_OPEN && rl.rlim_max == NR_OPEN,
	      "root raises RLIMIT_NOFILE to 1,048,576");
	rl = (struct rlimit){NR_OPEN + 1, NR_OPEN + 1};
	errno = 0;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == -1 && errno == EPERM,
	      "past nr_open (1,048,576): EPERM");
	CHECK(pipe(p) == 0, "pipe");
	check_many(p);
	check_soft_limit(p, big);
	close(p[0]);
	close(p[1]);

	rl = (struct rlimit){1024, 4096};
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "root lowers the hard limit to 4096");
	CHECK(seteuid(1000) == 0, "seteuid 1000");
	rl = (struct rlimit){1024, 8192};
	errno = 0;
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == -1 && errno == EPERM,
	      "a non-root euid cannot raise the hard limit: EPERM");
	rl = (struct rlimit){4096, 4096};
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "but may raise the soft one to the hard");
	CHECK(seteuid(0) == 0, "seteuid 0");
	return tap_done();
}

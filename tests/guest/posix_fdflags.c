/* Per-fd and per-file flags: close-on-exec through open, fcntl, dup3 and
 * the FIOCLEX ioctls; FIONBIO and FIONREAD. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tap.h"

int
main(void)
{
	int fd = open("/tmp/fdflags", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int n = -1, on = 1, p[2];

	CHECK(fd >= 0, "open with O_CLOEXEC");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC, "F_GETFD sees O_CLOEXEC");
	CHECK(fcntl(fd, F_SETFD, 0) == 0 && fcntl(fd, F_GETFD) == 0, "F_SETFD 0 clears it");
	CHECK(ioctl(fd, FIOCLEX) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "FIOCLEX sets it");
	CHECK(ioctl(fd, FIONCLEX) == 0 && fcntl(fd, F_GETFD) == 0, "FIONCLEX clears it");
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	int d = dup(fd);
	CHECK(d >= 0 && fcntl(d, F_GETFD) == 0, "dup does not copy close-on-exec");
	CHECK(dup3(fd, d, O_CLOEXEC) == d && fcntl(d, F_GETFD) == FD_CLOEXEC,
	      "dup3 O_CLOEXEC sets it");
	int c = fcntl(fd, F_DUPFD_CLOEXEC, 50);
	CHECK(c >= 50 && fcntl(c, F_GETFD) == FD_CLOEXEC,
	      "F_DUPFD_CLOEXEC: at or above 50, flagged");
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC && fcntl(d, F_SETFD, 0) == 0 &&
	          fcntl(fd, F_GETFD) == FD_CLOEXEC,
	      "the flag belongs to the fd, not the open file");
	CHECK(fcntl(999, F_GETFD) == -1 && errno == EBADF, "F_GETFD on a closed fd: EBADF");
	CHECK(ioctl(999, FIOCLEX) == -1 && errno == EBADF, "FIOCLEX on a closed fd: EBADF");

	CHECK(write(fd, "0123456789", 10) == 10 && lseek(fd, 3, SEEK_SET) == 3, "write ten bytes");
	CHECK(ioctl(fd, FIONREAD, &n) == 0 && n == 7,
	      "FIONREAD on a file: bytes after the position");
	CHECK(ioctl(fd, FIONBIO, &on) == 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK),
	      "FIONBIO sets O_NONBLOCK");
	CHECK((fcntl(d, F_GETFL) & O_NONBLOCK), "shared by the dup (one open file)");
	on = 0;
	CHECK(ioctl(fd, FIONBIO, &on) == 0 && !(fcntl(fd, F_GETFL) & O_NONBLOCK),
	      "FIONBIO 0 clears it");
	CHECK(pipe(p) == 0 && write(p[1], "abcd", 4) == 4, "a pipe with 4 bytes");
	CHECK(ioctl(p[0], FIONREAD, &n) == 0 && n == 4, "FIONREAD on a pipe");
	CHECK(ioctl(fd, 0x12345678, &n) == -1 && errno == ENOTTY, "an unknown ioctl: ENOTTY");
	unlink("/tmp/fdflags");
	return tap_done();
}

/* Vectored I/O at an offset (preadv, pwritev, preadv2, pwritev2) and
 * fallocate: results checked byte for byte, and the errors Linux gives. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tap.h"

#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 1
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 2
#endif
#ifndef FALLOC_FL_ZERO_RANGE
#define FALLOC_FL_ZERO_RANGE 0x10
#endif

static long
sys_fallocate(int fd, int mode, off_t off, off_t len)
{
	long r = syscall(SYS_fallocate, fd, mode, off, len);
	return r;
}

static off_t
size_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) ? -1 : st.st_size;
}

int
main(void)
{
	char path[] = "/tmp/vecioXXXXXX";
	int fd = mkstemp(path);
	char a[4] = "abcd", b[6] = "efghij", r1[3], r2[7];
	struct iovec w[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
	struct iovec rv[2] = {{r1, sizeof(r1)}, {r2, sizeof(r2)}};
	char buf[64];

	CHECK(fd >= 0, "mkstemp in /tmp");
	CHECK(pwritev(fd, w, 2, 5) == 10, "pwritev writes both buffers at offset 5");
	CHECK(lseek(fd, 0, SEEK_CUR) == 0, "pwritev leaves the file position alone");
	CHECK(size_of(fd) == 15, "the file grew to 15 bytes, a hole before offset 5");
	CHECK(preadv(fd, rv, 2, 5) == 10 && !memcmp(r1, "abc", 3) && !memcmp(r2, "defghij", 7),
	      "preadv scatters the bytes across both buffers");
	CHECK(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "\0\0\0\0\0", 5),
	      "the hole reads as zeros");
	CHECK(preadv(fd, rv, 2, 12) == 3 && !memcmp(r1, "hij", 3), "preadv near the end is short");
	CHECK(preadv(fd, rv, 2, -1) == -1 && errno == EINVAL, "preadv at offset -1: EINVAL");
	CHECK(preadv(fd, rv, 2, 100) == 0, "preadv past the end reads nothing");

	/* v2: offset -1 means the file position, which then moves */
	lseek(fd, 7, SEEK_SET);
	CHECK(syscall(SYS_preadv2, fd, rv, 1, -1l, 0l, 0l) == 3 && !memcmp(r1, "cde", 3),
	      "preadv2 at -1 reads at the file position");
	CHECK(lseek(fd, 0, SEEK_CUR) == 10, "and moves it");
	CHECK(syscall(SYS_pwritev2, fd, w, 1, 0l, 0l, 0l) == 4 && lseek(fd, 0, SEEK_CUR) == 10,
	      "pwritev2 at an offset keeps the position");
	CHECK(pread(fd, buf, 4, 0) == 4 && !memcmp(buf, "abcd", 4), "pwritev2 wrote at offset 0");
	errno = 0;
	CHECK(syscall(SYS_preadv2, fd, rv, 1, 0l, 0l, 0x40000000l) == -1 && errno == EOPNOTSUPP,
	      "preadv2 with an unknown flag: EOPNOTSUPP");
	CHECK(preadv(-1, rv, 1, 0) == -1 && errno == EBADF, "preadv on a bad fd: EBADF");
	CHECK(syscall(SYS_preadv, fd, 8l, 1, 0l, 0l) == -1 && errno == EFAULT,
	      "preadv with a bad iovec pointer: EFAULT");

	/* fallocate */
	CHECK(sys_fallocate(fd, 0, 0, 100) == 0 && size_of(fd) == 100,
	      "fallocate mode 0 extends the file to 100 bytes");
	CHECK(pread(fd, buf, 4, 96) == 4 && !memcmp(buf, "\0\0\0\0", 4),
	      "the new tail reads as zeros");
	CHECK(pread(fd, buf, 4, 0) == 4 && !memcmp(buf, "abcd", 4), "data before it is kept");
	CHECK(sys_fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 4096) == 0 && size_of(fd) == 100,
	      "KEEP_SIZE leaves the size alone");
	CHECK(sys_fallocate(fd, 0, 10, 20) == 0 && size_of(fd) == 100,
	      "a range inside the file changes nothing");
	CHECK(pread(fd, buf, 4, 5) == 4 && !memcmp(buf, "abcd", 4), "nor its contents");
	CHECK(sys_fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 6, 2) == 0 &&
	          pread(fd, buf, 4, 5) == 4 && !memcmp(buf, "a\0\0d", 4) && size_of(fd) == 100,
	      "PUNCH_HOLE zeroes the range and keeps the size");
	int zr = sys_fallocate(fd, FALLOC_FL_ZERO_RANGE, 90, 20);
	CHECK(zr == 0 ? size_of(fd) == 110 : errno == EOPNOTSUPP,
	      "ZERO_RANGE past the end grows the file (or EOPNOTSUPP on a host fs without it)");
	CHECK(sys_fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 1) == -1 && errno == EOPNOTSUPP,
	      "PUNCH_HOLE without KEEP_SIZE: EOPNOTSUPP");
	CHECK(sys_fallocate(fd, 0, 0, 0) == -1 && errno == EINVAL, "a zero length: EINVAL");
	CHECK(sys_fallocate(fd, 0, -1, 5) == -1 && errno == EINVAL, "a negative offset: EINVAL");
	CHECK(sys_fallocate(-1, 0, 0, 5) == -1 && errno == EBADF, "a bad fd: EBADF");
	int ro = open(path, O_RDONLY);
	CHECK(sys_fallocate(ro, 0, 0, 200) == -1 && errno == EBADF, "a read-only fd: EBADF");
	close(ro);
	int p[2];
	CHECK(pipe(p) == 0 && sys_fallocate(p[1], 0, 0, 5) == -1 && errno == ESPIPE,
	      "a pipe: ESPIPE");
	close(fd);
	unlink(path);
	return tap_done();
}

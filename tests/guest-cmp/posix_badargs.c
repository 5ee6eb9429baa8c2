/* Bad arguments to the implemented system calls: NULL, unmapped, PROT_NONE
 * and kernel-half pointers, buffers across the end of a mapping, unknown
 * flag bits, negative counts and fds, huge sizes. Raw syscall(2), so libc
 * checks nothing. One line per case, "name: result" (-ENAME, a number, or
 * a class: fd, addr), the same on every run; tests/e2e/linux-compare.sh
 * compares it with the pinned Linux guest's (expected/posix_badargs.linux). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096L /* long: variadic syscall() takes longs */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
/* the kernel's half: its text on Linux (nokaslr) and the start of the half */
#define KTEXT ((void *)0xffffffff81000000ul)
#define KHALF ((void *)0xffff800000000000ul)

static const struct {
	int e;
	const char *name;
} names[] = {
#define N(x)                                                                                       \
	{                                                                                          \
		x, #x                                                                              \
	}
    N(EPERM),      N(ENOENT),       N(ESRCH),           N(EINTR),           N(EIO),
    N(ENXIO),      N(E2BIG),        N(ENOEXEC),         N(EBADF),           N(ECHILD),
    N(EAGAIN),     N(ENOMEM),       N(EACCES),          N(EFAULT),          N(EBUSY),
    N(EEXIST),     N(EXDEV),        N(ENODEV),          N(ENOTDIR),         N(EISDIR),
    N(EINVAL),     N(ENFILE),       N(EMFILE),          N(ENOTTY),          N(EFBIG),
    N(ENOSPC),     N(ESPIPE),       N(EROFS),           N(EMLINK),          N(EPIPE),
    N(EDOM),       N(ERANGE),       N(EDEADLK),         N(ENAMETOOLONG),    N(ENOSYS),
    N(ENOTEMPTY),  N(ELOOP),        N(EOVERFLOW),       N(ETIMEDOUT),       N(EOPNOTSUPP),
    N(ENOTSOCK),   N(EAFNOSUPPORT), N(ESOCKTNOSUPPORT), N(EPROTONOSUPPORT), N(ENOPROTOOPT),
    N(ENOTCONN),   N(EISCONN),      N(EDESTADDRREQ),    N(EMSGSIZE),        N(ECONNREFUSED),
    N(EADDRINUSE),
#undef N
};

static void
show(const char *name, long r, int err, const char *cls)
{
	if (r == -1) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (names[i].e == err) {
				printf("%s: -%s\n", name, names[i].name);
				return;
			}
		printf("%s: -E%d\n", name, err);
	} else if (cls && r >= 0) {
		printf("%s: %s\n", name, cls);
	} else {
		printf("%s: %ld\n", name, r);
	}
}

/* T: the value itself; TC: the value's class when it succeeds */
#define T(name, call)                                                                              \
	do {                                                                                       \
		errno = 0;                                                                         \
		long r_ = (long)(call);                                                            \
		show(name, r_, errno, NULL);                                                       \
	} while (0)
#define TC(name, cls, call)                                                                        \
	do {                                                                                       \
		errno = 0;                                                                         \
		long r_ = (long)(call);                                                            \
		show(name, r_, errno, cls);                                                        \
	} while (0)

static char *unmapped, *none, *edge; /* edge: the last 8 bytes of a mapping */
static int file, dir, devnull, devzero, rpipe, wpipe;
static char buf[256];

static void
setup(void)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fds[2];

	munmap(p + 2 * PAGE, PAGE);
	unmapped = (char *)0x200000000000ul; /* far from any region a call here may add */
	mprotect(p + PAGE, PAGE, PROT_NONE);
	none = p + PAGE;
	edge = p + PAGE - 8;
	memset(p, 'e', PAGE);
	file = open("/tmp/badargs", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (write(file, "0123456789abcdef", 16) != 16)
		printf("setup: write failed\n");
	dir = open("/", O_RDONLY | O_DIRECTORY);
	devnull = open("/dev/null", O_RDWR);
	devzero = open("/dev/zero", O_RDONLY);
	if (pipe(fds))
		printf("setup: pipe failed\n");
	rpipe = fds[0];
	wpipe = fds[1];
}

static void
rw(void)
{
	struct iovec iov[2] = {{buf, 4}, {buf + 4, 4}}, biov = {buf, (size_t)-1};
	struct iovec *many = (struct iovec *)buf;

	T("read NULL 0", syscall(SYS_read, file, NULL, 0));
	T("read NULL 1", syscall(SYS_pread64, file, NULL, 1, 0));
	T("read unmapped", syscall(SYS_pread64, file, unmapped, 4, 0));
	T("read PROT_NONE", syscall(SYS_pread64, file, none, 4, 0));
	T("read kernel text", syscall(SYS_pread64, file, KTEXT, 4, 0));
	T("read kernel half", syscall(SYS_pread64, file, KHALF, 4, 0));
	T("read across the end", syscall(SYS_pread64, file, edge, 16, 0));
	T("read SIZE_MAX", syscall(SYS_read, file, buf, SIZE_MAX));
	T("read SSIZE_MAX+1", syscall(SYS_read, file, buf, (size_t)LONG_MAX + 1));
	T("read fd -1", syscall(SYS_read, -1, buf, 1));
	T("read fd 9999", syscall(SYS_read, 9999, buf, 1));
	T("read a directory", syscall(SYS_read, dir, buf, 1));
	T("read write-only end", syscall(SYS_read, wpipe, buf, 1));
	T("read /dev/zero across the end", syscall(SYS_read, devzero, edge, 16));
	T("read /dev/null NULL", syscall(SYS_read, devnull, NULL, 1));
	T("write NULL 0", syscall(SYS_write, file, NULL, 0));
	T("write NULL 1", syscall(SYS_pwrite64, file, NULL, 1, 0));
	T("write unmapped", syscall(SYS_pwrite64, file, unmapped, 4, 0));
	T("write PROT_NONE", syscall(SYS_pwrite64, file, none, 4, 0));
	T("write kernel text", syscall(SYS_pwrite64, file, KTEXT, 4, 0));
	T("write kernel half to /dev/null", syscall(SYS_write, devnull, KHALF, 4));
	T("write NULL to /dev/null", syscall(SYS_write, devnull, NULL, 4));
	T("write SIZE_MAX", syscall(SYS_write, devnull, buf, SIZE_MAX));
	T("write read-only end", syscall(SYS_write, rpipe, buf, 1));
	T("write fd -1", syscall(SYS_write, -1, buf, 1));
	T("pread offset -1", syscall(SYS_pread64, file, buf, 1, -1L));
	T("pread offset LONG_MAX", syscall(SYS_pread64, file, buf, 1, LONG_MAX));
	T("pread offset LONG_MAX count 0", syscall(SYS_pread64, file, buf, 0, LONG_MAX));
	T("pread offset 1<<40", syscall(SYS_pread64, file, buf, 1, 1L << 40));
	T("pread a pipe", syscall(SYS_pread64, rpipe, buf, 1, 0));
	T("pwrite offset -1", syscall(SYS_pwrite64, file, buf, 1, -1L));
	T("pwrite offset LONG_MAX", syscall(SYS_pwrite64, file, buf, 1, LONG_MAX));
	T("pwrite a pipe", syscall(SYS_pwrite64, wpipe, buf, 1, 0));
	T("lseek LONG_MAX", syscall(SYS_lseek, file, LONG_MAX, SEEK_SET));
	T("read at LONG_MAX", syscall(SYS_read, file, buf, 1));
	T("write at LONG_MAX", syscall(SYS_write, file, buf, 1));
	T("lseek -1", syscall(SYS_lseek, file, -1L, SEEK_SET));
	T("lseek whence 99", syscall(SYS_lseek, file, 0, 99));
	T("lseek SEEK_CUR overflow", syscall(SYS_lseek, file, 1, SEEK_CUR));
	T("lseek SEEK_END -100", syscall(SYS_lseek, file, -100L, SEEK_END));
	T("lseek a pipe", syscall(SYS_lseek, rpipe, 0, SEEK_SET));
	T("lseek fd -1", syscall(SYS_lseek, -1, 0, SEEK_SET));
	syscall(SYS_lseek, file, 0, SEEK_SET);
	T("readv iovcnt 0", syscall(SYS_readv, file, iov, 0));
	T("readv iovcnt -1", syscall(SYS_readv, file, iov, -1L));
	T("readv iovcnt 1025", syscall(SYS_readv, file, iov, 1025));
	T("readv iov NULL", syscall(SYS_readv, file, NULL, 1));
	T("readv iov unmapped", syscall(SYS_readv, file, unmapped, 1));
	T("readv iov_len SIZE_MAX", syscall(SYS_readv, file, &biov, 1));
	memset(buf, 0, sizeof(buf));
	many[0].iov_base = buf;
	many[0].iov_len = LONG_MAX;
	many[1].iov_base = buf;
	many[1].iov_len = LONG_MAX;
	T("readv total overflows", syscall(SYS_readv, file, many, 2));
	iov[1].iov_base = unmapped;
	T("readv second iov unmapped", syscall(SYS_preadv, file, iov, 2, 0, 0));
	T("writev second iov unmapped", syscall(SYS_writev, devnull, iov, 2));
	T("writev iovcnt -1", syscall(SYS_writev, devnull, iov, -1L));
	T("writev iov NULL", syscall(SYS_writev, devnull, NULL, 1));
	T("preadv offset -1", syscall(SYS_preadv, file, iov, 1, -1L, -1L));
	T("preadv2 flags 0x80", syscall(SYS_preadv2, file, iov, 1, 0, 0, 0x80));
	T("writev fd -1", syscall(SYS_writev, -1, iov, 1));
}

static void
files(void)
{
	static char longname[5000];
	struct stat st;

	memset(longname, 'a', sizeof(longname) - 1);
	TC("open NULL", "fd", syscall(SYS_open, NULL, O_RDONLY));
	TC("open empty", "fd", syscall(SYS_open, "", O_RDONLY));
	TC("open unmapped", "fd", syscall(SYS_open, unmapped, O_RDONLY));
	TC("open kernel half", "fd", syscall(SYS_open, KHALF, O_RDONLY));
	TC("open name across the end", "fd", syscall(SYS_open, edge, O_RDONLY));
	TC("open PATH_MAX+", "fd", syscall(SYS_open, longname, O_RDONLY));
	TC("open O_TMPFILE|O_RDONLY", "fd", syscall(SYS_open, "/tmp", O_TMPFILE | O_RDONLY, 0600));
	TC("open O_DIRECTORY on a file", "fd", syscall(SYS_open, "/tmp/badargs", O_DIRECTORY));
	TC("open a directory O_RDWR", "fd", syscall(SYS_open, "/tmp", O_RDWR));
	TC("open a directory O_CREAT", "fd", syscall(SYS_open, "/tmp", O_CREAT | O_RDONLY, 0600));
	TC("open unknown flag 0x40000000", "fd",
	   syscall(SYS_open, "/tmp/badargs", O_RDONLY | 0x40000000));
	TC("open accmode 3", "fd", syscall(SYS_open, "/tmp/badargs", 3));
	TC("open file/..", "fd", syscall(SYS_open, "/tmp/badargs/..", O_RDONLY));
	TC("openat fd -5", "fd", syscall(SYS_openat, -5, "tmp", O_RDONLY));
	TC("openat fd -5 absolute", "fd", syscall(SYS_openat, -5, "/tmp", O_RDONLY));
	TC("openat a file as dirfd", "fd", syscall(SYS_openat, file, "x", O_RDONLY));
	TC("openat fd 9999", "fd", syscall(SYS_openat, 9999, "x", O_RDONLY));
	T("stat NULL", syscall(SYS_stat, NULL, &st));
	T("stat buf NULL", syscall(SYS_stat, "/tmp", NULL));
	T("stat buf unmapped", syscall(SYS_stat, "/tmp", unmapped));
	T("stat buf kernel half", syscall(SYS_stat, "/tmp", KHALF));
	T("stat buf across the end", syscall(SYS_stat, "/tmp", edge));
	T("stat empty", syscall(SYS_stat, "", &st));
	T("stat missing", syscall(SYS_stat, "/nonexistent", &st));
	T("stat file/x", syscall(SYS_stat, "/tmp/badargs/x", &st));
	T("lstat NULL", syscall(SYS_lstat, NULL, &st));
	T("fstat fd -1", syscall(SYS_fstat, -1, &st));
	T("fstat buf NULL", syscall(SYS_fstat, file, NULL));
	T("newfstatat empty", syscall(SYS_newfstatat, file, "", &st, 0));
	T("newfstatat AT_EMPTY_PATH", syscall(SYS_newfstatat, file, "", &st, AT_EMPTY_PATH));
	T("newfstatat flag 0x1", syscall(SYS_newfstatat, AT_FDCWD, "/tmp", &st, 0x1));
	T("newfstatat fd -5", syscall(SYS_newfstatat, -5, "tmp", &st, 0));
	T("statx mask reserved", syscall(SYS_statx, AT_FDCWD, "/tmp", 0, 0x80000000u, buf));
	T("statx flag 0x1", syscall(SYS_statx, AT_FDCWD, "/tmp", 0x1, 0x7ff, buf));
	T("statx sync type 0x6000", syscall(SYS_statx, AT_FDCWD, "/tmp", 0x6000, 0x7ff, buf));
	T("statx buf NULL", syscall(SYS_statx, AT_FDCWD, "/tmp", 0, 0x7ff, NULL));
	T("getdents64 a file", syscall(SYS_getdents64, file, buf, sizeof(buf)));
	T("getdents64 count 0", syscall(SYS_getdents64, dir, buf, 0));
	T("getdents64 count 1", syscall(SYS_getdents64, dir, buf, 1));
	T("getdents64 NULL", syscall(SYS_getdents64, dir, NULL, 4096));
	T("getdents64 unmapped", syscall(SYS_getdents64, dir, unmapped, 4096));
	T("getdents64 fd -1", syscall(SYS_getdents64, -1, buf, sizeof(buf)));
	T("getcwd size 0", syscall(SYS_getcwd, buf, 0));
	T("getcwd size 1", syscall(SYS_getcwd, buf, 1));
	T("getcwd NULL", syscall(SYS_getcwd, NULL, 100));
	T("getcwd unmapped", syscall(SYS_getcwd, unmapped, 100));
	T("chdir NULL", syscall(SYS_chdir, NULL));
	T("chdir empty", syscall(SYS_chdir, ""));
	T("chdir a file", syscall(SYS_chdir, "/tmp/badargs"));
	T("chdir missing", syscall(SYS_chdir, "/nonexistent"));
	T("fchdir a file", syscall(SYS_fchdir, file));
	T("fchdir fd -1", syscall(SYS_fchdir, -1));
}

static void
fds(void)
{
	T("dup fd -1", syscall(SYS_dup, -1));
	T("dup fd 9999", syscall(SYS_dup, 9999));
	T("dup2 0 -1", syscall(SYS_dup2, 0, -1));
	T("dup2 0 0", syscall(SYS_dup2, 0, 0));
	T("dup2 9999 5", syscall(SYS_dup2, 9999, 5));
	T("dup2 9999 9999", syscall(SYS_dup2, 9999, 9999));
	T("dup2 0 1<<20", syscall(SYS_dup2, 0, 1 << 20));
	T("dup2 0 INT_MAX", syscall(SYS_dup2, 0, INT_MAX));
	T("dup3 0 0", syscall(SYS_dup3, 0, 0, 0));
	T("dup3 0 -1", syscall(SYS_dup3, 0, -1, 0));
	T("dup3 flag 0x1", syscall(SYS_dup3, 0, 40, 0x1));
	T("dup3 O_CLOEXEC", syscall(SYS_dup3, 0, 40, O_CLOEXEC));
	T("fcntl F_DUPFD -1", syscall(SYS_fcntl, 0, F_DUPFD, -1));
	T("fcntl F_DUPFD 1<<20", syscall(SYS_fcntl, 0, F_DUPFD, 1 << 20));
	T("fcntl F_DUPFD_CLOEXEC -1", syscall(SYS_fcntl, 0, F_DUPFD_CLOEXEC, -1));
	T("fcntl F_DUPFD 50", syscall(SYS_fcntl, 0, F_DUPFD, 50));
	T("fcntl fd -1", syscall(SYS_fcntl, -1, F_GETFD));
	T("fcntl cmd 9999", syscall(SYS_fcntl, 0, 9999));
	T("fcntl F_SETFD 0xff", syscall(SYS_fcntl, 40, F_SETFD, 0xff));
	T("fcntl F_GETFD after", syscall(SYS_fcntl, 40, F_GETFD));
	T("fcntl F_GETLK NULL", syscall(SYS_fcntl, file, F_GETLK, NULL));
	T("fcntl F_SETPIPE_SZ -1", syscall(SYS_fcntl, wpipe, F_SETPIPE_SZ, -1));
	T("close fd -1", syscall(SYS_close, -1));
	T("close fd 9999", syscall(SYS_close, 9999));
	T("close 40", syscall(SYS_close, 40));
	T("close 50", syscall(SYS_close, 50));
	T("ioctl fd -1", syscall(SYS_ioctl, -1, FIONREAD, buf));
	T("ioctl TCGETS /dev/null", syscall(SYS_ioctl, devnull, TCGETS, buf));
	T("ioctl unknown on a file", syscall(SYS_ioctl, file, 0x12345678, buf));
	T("ioctl FIONREAD NULL", syscall(SYS_ioctl, file, FIONREAD, NULL));
	T("ioctl FIONREAD pipe unmapped", syscall(SYS_ioctl, rpipe, FIONREAD, unmapped));
	T("ioctl FIONBIO NULL", syscall(SYS_ioctl, file, FIONBIO, NULL));
	T("pipe2 NULL", syscall(SYS_pipe2, NULL, 0));
	T("pipe2 unmapped", syscall(SYS_pipe2, unmapped, 0));
	T("pipe2 flag 0x1", syscall(SYS_pipe2, (int *)buf, 0x1));
	T("pipe2 O_RDWR", syscall(SYS_pipe2, (int *)buf, O_RDWR));
	T("pipe NULL", syscall(SYS_pipe, NULL));
}

static void
mm(void)
{
	char *a = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TC("mmap length 0", "addr",
	   syscall(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L));
	TC("mmap no type", "addr", syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0L));
	TC("mmap both types", "addr",
	   syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L));
	TC("mmap offset unaligned", "addr",
	   syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, file, 1L));
	TC("mmap fixed unaligned", "addr",
	   syscall(SYS_mmap, a + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
	           0L));
	TC("mmap fd -1 without anonymous", "addr",
	   syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, -1, 0L));
	TC("mmap a directory", "addr", syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, dir, 0L));
	TC("mmap a pipe", "addr", syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, rpipe, 0L));
	TC("mmap 1<<62", "addr",
	   syscall(SYS_mmap, 0, 1ul << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L));
	TC("mmap SIZE_MAX", "addr",
	   syscall(SYS_mmap, 0, SIZE_MAX, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L));
	TC("mmap fixed kernel half", "addr",
	   syscall(SYS_mmap, KHALF, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
	           0L));
	TC("mmap offset negative", "addr",
	   syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, file, -PAGE));
	TC("mmap shared write on read-only fd", "addr",
	   syscall(SYS_mmap, 0, PAGE, PROT_WRITE, MAP_SHARED, devzero, 0L));
	T("mprotect unknown bit 0x10", syscall(SYS_mprotect, a, PAGE, PROT_READ | 0x10));
	T("mprotect unknown bit 0x100", syscall(SYS_mprotect, a, PAGE, 0x100));
	T("mprotect unaligned", syscall(SYS_mprotect, a + 1, PAGE, PROT_READ));
	T("mprotect length 0", syscall(SYS_mprotect, a, 0, PROT_READ));
	T("mprotect unmapped", syscall(SYS_mprotect, unmapped, PAGE, PROT_READ));
	T("mprotect across the end", syscall(SYS_mprotect, none, 2 * PAGE, PROT_READ));
	T("mprotect kernel half", syscall(SYS_mprotect, KHALF, PAGE, PROT_READ));
	T("mprotect length wraps", syscall(SYS_mprotect, a, -PAGE, PROT_READ));
	T("munmap unaligned", syscall(SYS_munmap, a + 1, PAGE));
	T("munmap length 0", syscall(SYS_munmap, a, 0));
	T("munmap unmapped", syscall(SYS_munmap, unmapped, PAGE));
	T("munmap kernel half", syscall(SYS_munmap, KHALF, PAGE));
	T("munmap length wraps", syscall(SYS_munmap, a, -PAGE));
	TC("mremap flag 0x80", "addr", syscall(SYS_mremap, a, PAGE, PAGE, 0x80));
	TC("mremap unaligned", "addr", syscall(SYS_mremap, a + 1, PAGE, PAGE, 0));
	TC("mremap new length 0", "addr", syscall(SYS_mremap, a, PAGE, 0, MREMAP_MAYMOVE));
	TC("mremap unmapped", "addr",
	   syscall(SYS_mremap, unmapped, PAGE, 2 * PAGE, MREMAP_MAYMOVE));
	TC("mremap fixed without maymove", "addr",
	   syscall(SYS_mremap, a, PAGE, PAGE, MREMAP_FIXED, unmapped));
	TC("mremap grow in place blocked", "addr",
	   syscall(SYS_mremap, edge - PAGE + 8, PAGE, 3 * PAGE, 0));
	T("madvise advice 9999", syscall(SYS_madvise, a, PAGE, 9999));
	T("madvise unaligned", syscall(SYS_madvise, a + 1, PAGE, MADV_DONTNEED));
	T("madvise length 0", syscall(SYS_madvise, a, 0, MADV_DONTNEED));
	T("madvise unmapped", syscall(SYS_madvise, unmapped, PAGE, MADV_DONTNEED));
	T("madvise unmapped MADV_NORMAL", syscall(SYS_madvise, unmapped, PAGE, MADV_NORMAL));
	T("mincore unaligned", syscall(SYS_mincore, a + 1, PAGE, buf));
	T("mincore vec NULL", syscall(SYS_mincore, a, PAGE, NULL));
	T("mincore unmapped", syscall(SYS_mincore, unmapped, PAGE, buf));
	T("msync flags 0x100", syscall(SYS_msync, a, PAGE, 0x100));
	T("msync MS_SYNC|MS_ASYNC", syscall(SYS_msync, a, PAGE, MS_SYNC | MS_ASYNC));
	T("msync unmapped", syscall(SYS_msync, unmapped, PAGE, MS_SYNC));
	long cur = syscall(SYS_brk, 0);
	printf("brk 1: %s\n", syscall(SYS_brk, 1) == cur ? "unchanged" : "moved");
	printf("brk kernel half: %s\n", syscall(SYS_brk, KHALF) == cur ? "unchanged" : "moved");
	munmap(a, 2 * PAGE);
}

static void
waiting(void)
{
	struct pollfd pfd = {file, POLLIN, 0};
	struct timespec bad = {0, 1000000000}, neg = {-1, 0}, zero = {0, 0};
	struct timeval tvbad = {0, -1};
	struct epoll_event ev = {EPOLLIN, {0}};
	uint64_t set = 0;
	int ep = epoll_create1(0);

	T("poll NULL 1", syscall(SYS_poll, NULL, 1, 0));
	T("poll NULL 0", syscall(SYS_poll, NULL, 0, 0));
	T("poll unmapped", syscall(SYS_poll, unmapped, 1, 0));
	T("poll nfds 1<<20", syscall(SYS_poll, &pfd, 1 << 20, 0));
	T("poll nfds -1", syscall(SYS_poll, &pfd, -1, 0));
	T("poll fd -1 entry", (pfd.fd = -1, syscall(SYS_poll, &pfd, 1, 0)));
	printf("poll fd -1 revents: %d\n", pfd.revents);
	pfd.fd = 9999;
	T("poll fd 9999 entry", syscall(SYS_poll, &pfd, 1, 0));
	printf("poll fd 9999 revents: %#x\n", pfd.revents);
	T("ppoll bad timeout", syscall(SYS_ppoll, &pfd, 1, &bad, NULL, 8));
	T("ppoll negative timeout", syscall(SYS_ppoll, &pfd, 1, &neg, NULL, 8));
	T("ppoll sigsetsize 4", syscall(SYS_ppoll, &pfd, 1, &zero, &set, 4));
	T("ppoll timeout unmapped", syscall(SYS_ppoll, &pfd, 1, unmapped, NULL, 8));
	T("select nfds -1", syscall(SYS_select, -1, NULL, NULL, NULL, &tvbad));
	T("select bad timeout", syscall(SYS_select, 1, NULL, NULL, NULL, &tvbad));
	T("select fds unmapped", syscall(SYS_select, 1, unmapped, NULL, NULL, &zero));
	T("select timeout unmapped", syscall(SYS_select, 0, NULL, NULL, NULL, unmapped));
	memset(buf, 0, sizeof(buf));
	buf[30 / 8] = 1 << (30 % 8); /* Linux: EBADF below the table's size only */
	T("select closed fd 30", syscall(SYS_select, 31, buf, NULL, NULL, &zero));
	T("pselect6 bad timeout", syscall(SYS_pselect6, 0, NULL, NULL, NULL, &bad, NULL));
	T("epoll_create 0", syscall(SYS_epoll_create, 0));
	T("epoll_create -1", syscall(SYS_epoll_create, -1));
	T("epoll_create1 flag 0x1", syscall(SYS_epoll_create1, 0x1));
	T("epoll_ctl op 99", syscall(SYS_epoll_ctl, ep, 99, rpipe, &ev));
	T("epoll_ctl itself", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, ep, &ev));
	T("epoll_ctl a file", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, file, &ev));
	T("epoll_ctl event NULL", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, rpipe, NULL));
	T("epoll_ctl fd -1", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, -1, &ev));
	T("epoll_ctl not epoll", syscall(SYS_epoll_ctl, file, EPOLL_CTL_ADD, rpipe, &ev));
	T("epoll_ctl MOD absent", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, rpipe, &ev));
	T("epoll_ctl DEL absent", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, rpipe, &ev));
	T("epoll_ctl ADD", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, rpipe, &ev));
	T("epoll_ctl ADD twice", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, rpipe, &ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	T("epoll_ctl MOD EPOLLEXCLUSIVE", syscall(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, rpipe, &ev));
	T("epoll_wait maxevents 0", syscall(SYS_epoll_wait, ep, buf, 0, 0));
	T("epoll_wait maxevents -1", syscall(SYS_epoll_wait, ep, buf, -1, 0));
	T("epoll_wait events NULL", syscall(SYS_epoll_wait, ep, NULL, 1, 0));
	T("epoll_wait not epoll", syscall(SYS_epoll_wait, file, buf, 1, 0));
	T("epoll_wait fd -1", syscall(SYS_epoll_wait, -1, buf, 1, 0));
	T("epoll_pwait sigsetsize 4", syscall(SYS_epoll_pwait, ep, buf, 1, 0, &set, 4));
	close(ep);
}

static void
futexes(void)
{
	static uint32_t word = 7;
	struct timespec bad = {0, -1}, zero = {0, 0};

	T("futex NULL", syscall(SYS_futex, NULL, FUTEX_WAIT, 0, &zero, NULL, 0));
	T("futex unmapped", syscall(SYS_futex, unmapped, FUTEX_WAIT, 0, &zero, NULL, 0));
	T("futex unaligned", syscall(SYS_futex, (char *)&word + 1, FUTEX_WAIT, 7, &zero, NULL, 0));
	T("futex kernel half", syscall(SYS_futex, KHALF, FUTEX_WAIT, 0, &zero, NULL, 0));
	T("futex wake kernel half", syscall(SYS_futex, KHALF, FUTEX_WAKE, 1, NULL, NULL, 0));
	T("futex op 99", syscall(SYS_futex, &word, 99, 0, NULL, NULL, 0));
	T("futex value differs", syscall(SYS_futex, &word, FUTEX_WAIT, 8, &zero, NULL, 0));
	T("futex timeout bad", syscall(SYS_futex, &word, FUTEX_WAIT, 7, &bad, NULL, 0));
	T("futex timeout unmapped", syscall(SYS_futex, &word, FUTEX_WAIT, 7, unmapped, NULL, 0));
	T("futex timeout zero", syscall(SYS_futex, &word, FUTEX_WAIT, 7, &zero, NULL, 0));
	T("futex wait_bitset 0", syscall(SYS_futex, &word, FUTEX_WAIT_BITSET, 7, &zero, NULL, 0));
	T("futex wake none", syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL, 0));
	T("futex requeue same", syscall(SYS_futex, &word, FUTEX_CMP_REQUEUE, 1, 1, &word, 7));
	T("futex requeue val3 differs",
	  syscall(SYS_futex, &word, FUTEX_CMP_REQUEUE, 1, 1, (uint32_t *)buf, 8));
	T("futex requeue count -1",
	  syscall(SYS_futex, &word, FUTEX_CMP_REQUEUE, -1, 1, (uint32_t *)buf, 7));
}

static void
clocks(void)
{
	struct timespec ts, bad = {0, 1000000000}, neg = {-1, 0};

	T("clock_gettime clock 99", syscall(SYS_clock_gettime, 99, &ts));
	T("clock_gettime clock -1", syscall(SYS_clock_gettime, -1, &ts));
	T("clock_gettime NULL", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, NULL));
	T("clock_gettime unmapped", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, unmapped));
	T("clock_getres NULL", syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
	T("clock_getres clock 99", syscall(SYS_clock_getres, 99, &ts));
	T("nanosleep NULL", syscall(SYS_nanosleep, NULL, NULL));
	T("nanosleep nsec 1e9", syscall(SYS_nanosleep, &bad, NULL));
	T("nanosleep sec -1", syscall(SYS_nanosleep, &neg, NULL));
	T("clock_nanosleep clock 99", syscall(SYS_clock_nanosleep, 99, 0, &bad, NULL));
	T("clock_nanosleep bad", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad, NULL));
	T("clock_nanosleep CPUTIME",
	  syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &neg, NULL));
	T("gettimeofday NULL NULL", syscall(SYS_gettimeofday, NULL, NULL));
	T("gettimeofday unmapped", syscall(SYS_gettimeofday, unmapped, NULL));
}

static void
timers(void)
{
	struct itimerval itv = {{0, 0}, {0, 2000000}};
	struct itimerspec its = {{0, 0}, {0, 1000000000}};
	long id = -1;
	int tid = 0;

	T("setitimer which 99", syscall(SYS_setitimer, 99, &itv, NULL));
	T("setitimer usec 2e6", syscall(SYS_setitimer, ITIMER_REAL, &itv, NULL));
	T("setitimer NULL NULL", syscall(SYS_setitimer, ITIMER_REAL, NULL, NULL));
	T("setitimer unmapped", syscall(SYS_setitimer, ITIMER_REAL, unmapped, NULL));
	T("getitimer NULL", syscall(SYS_getitimer, ITIMER_REAL, NULL));
	T("getitimer which 99", syscall(SYS_getitimer, 99, &itv));
	T("setitimer ITIMER_PROF off",
	  syscall(SYS_setitimer, ITIMER_PROF, &(struct itimerval){0}, NULL));
	T("timer_create clock 99", syscall(SYS_timer_create, 99, NULL, &tid));
	T("timer_create id NULL", syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, NULL));
	T("timer_create sigev_notify 99",
	  syscall(SYS_timer_create, CLOCK_MONOTONIC, &(struct sigevent){.sigev_notify = 99}, &tid));
	T("timer_create signo 99",
	  syscall(SYS_timer_create, CLOCK_MONOTONIC,
	          &(struct sigevent){.sigev_notify = SIGEV_SIGNAL, .sigev_signo = 99}, &tid));
	T("timer_create PROCESS_CPUTIME",
	  (id = syscall(SYS_timer_create, CLOCK_PROCESS_CPUTIME_ID, NULL, &tid)));
	if (id == 0)
		syscall(SYS_timer_delete, tid);
	T("timer_settime id 12345", syscall(SYS_timer_settime, 12345, 0, &its, NULL));
	T("timer_gettime id 12345", syscall(SYS_timer_gettime, 12345, &its));
	T("timer_getoverrun id 12345", syscall(SYS_timer_getoverrun, 12345));
	T("timer_delete id 12345", syscall(SYS_timer_delete, 12345));
	T("timer_create", syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &tid));
	T("timer_settime nsec 1e9", syscall(SYS_timer_settime, tid, 0, &its, NULL));
	T("timer_settime NULL", syscall(SYS_timer_settime, tid, 0, NULL, NULL));
	T("timer_gettime NULL", syscall(SYS_timer_gettime, tid, NULL));
	T("timer_delete", syscall(SYS_timer_delete, tid));
	T("timer_delete twice", syscall(SYS_timer_delete, tid));
}

static void
signals(void)
{
	long pid = syscall(SYS_getpid), tid = syscall(SYS_gettid);
	uint64_t set = 0;
	stack_t ss = {.ss_sp = buf, .ss_size = 16, .ss_flags = 0};
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} act = {SIG_IGN, 0, NULL, 0};

	T("kill signal 999", syscall(SYS_kill, pid, 999));
	T("kill signal -1", syscall(SYS_kill, pid, -1));
	T("kill pid 99999", syscall(SYS_kill, 99999, 0));
	T("kill self 0", syscall(SYS_kill, pid, 0));
	T("kill INT_MIN", syscall(SYS_kill, INT_MIN, 0));
	T("tgkill tid -5", syscall(SYS_tgkill, pid, -5, 0));
	T("tgkill tgid -1", syscall(SYS_tgkill, -1, tid, 0));
	T("tgkill tid 0", syscall(SYS_tgkill, pid, 0, 0));
	T("tgkill tid 99999", syscall(SYS_tgkill, pid, 99999, 0));
	T("tgkill signal 999", syscall(SYS_tgkill, pid, tid, 999));
	T("tgkill wrong tgid", syscall(SYS_tgkill, pid + 1000, tid, 0));
	T("tgkill self 0", syscall(SYS_tgkill, pid, tid, 0));
	T("tkill tid -1", syscall(SYS_tkill, -1, 0));
	T("tkill tid 0", syscall(SYS_tkill, 0, 0));
	T("rt_sigaction SIGKILL", syscall(SYS_rt_sigaction, SIGKILL, &act, NULL, 8));
	T("rt_sigaction SIGSTOP", syscall(SYS_rt_sigaction, SIGSTOP, &act, NULL, 8));
	T("rt_sigaction SIGKILL query", syscall(SYS_rt_sigaction, SIGKILL, NULL, buf, 8));
	T("rt_sigaction signal 0", syscall(SYS_rt_sigaction, 0, &act, NULL, 8));
	T("rt_sigaction signal 65", syscall(SYS_rt_sigaction, 65, &act, NULL, 8));
	T("rt_sigaction sigsetsize 4", syscall(SYS_rt_sigaction, SIGUSR1, &act, NULL, 4));
	T("rt_sigaction act unmapped", syscall(SYS_rt_sigaction, SIGUSR1, unmapped, NULL, 8));
	T("rt_sigaction old unmapped", syscall(SYS_rt_sigaction, SIGUSR1, NULL, unmapped, 8));
	T("rt_sigaction NULL NULL", syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 8));
	T("rt_sigprocmask how 99", syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8));
	T("rt_sigprocmask how 99 NULL", syscall(SYS_rt_sigprocmask, 99, NULL, NULL, 8));
	T("rt_sigprocmask sigsetsize 4", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4));
	T("rt_sigprocmask set unmapped", syscall(SYS_rt_sigprocmask, SIG_BLOCK, unmapped, NULL, 8));
	T("rt_sigprocmask old unmapped", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, unmapped, 8));
	T("rt_sigprocmask NULL NULL", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, NULL, 8));
	T("rt_sigpending sigsetsize 99", syscall(SYS_rt_sigpending, &set, 99));
	T("rt_sigpending NULL", syscall(SYS_rt_sigpending, NULL, 8));
	T("rt_sigsuspend sigsetsize 4", syscall(SYS_rt_sigsuspend, &set, 4));
	T("rt_sigtimedwait bad timeout",
	  syscall(SYS_rt_sigtimedwait, &set, NULL, &(struct timespec){0, -1}, 8));
	T("sigaltstack size 16", syscall(SYS_sigaltstack, &ss, NULL));
	ss.ss_flags = 0x1234;
	ss.ss_size = 65536;
	T("sigaltstack flags 0x1234", syscall(SYS_sigaltstack, &ss, NULL));
	T("sigaltstack unmapped", syscall(SYS_sigaltstack, unmapped, NULL));
	T("sigaltstack old unmapped", syscall(SYS_sigaltstack, NULL, unmapped));
	T("sigaltstack NULL NULL", syscall(SYS_sigaltstack, NULL, NULL));
}

static void
misc(void)
{
	struct rlimit rl = {10, 5};
	int status;

	T("uname NULL", syscall(SYS_uname, NULL));
	T("uname unmapped", syscall(SYS_uname, unmapped));
	T("uname across the end", syscall(SYS_uname, edge));
	T("sysinfo NULL", syscall(SYS_sysinfo, NULL));
	T("sysinfo kernel half", syscall(SYS_sysinfo, KHALF));
	T("getrlimit resource 99", syscall(SYS_getrlimit, 99, &rl));
	T("getrlimit NULL", syscall(SYS_getrlimit, RLIMIT_NOFILE, NULL));
	T("setrlimit cur > max", syscall(SYS_setrlimit, RLIMIT_NOFILE, &(struct rlimit){10, 5}));
	T("setrlimit NULL", syscall(SYS_setrlimit, RLIMIT_NOFILE, NULL));
	T("prlimit resource 99", syscall(SYS_prlimit64, 0, 99, NULL, &rl));
	T("prlimit pid 99999", syscall(SYS_prlimit64, 99999, RLIMIT_NOFILE, NULL, &rl));
	T("prlimit old unmapped", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, unmapped));
	T("prlimit NULL NULL", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, NULL));
	T("wait4 no child", syscall(SYS_wait4, -1, &status, 0, NULL));
	T("wait4 options 0x80000000", syscall(SYS_wait4, -1, &status, 0x80000000, NULL));
	T("wait4 options 0x1000", syscall(SYS_wait4, -1, &status, 0x1000, NULL));
	T("wait4 pid INT_MIN", syscall(SYS_wait4, INT_MIN, &status, 0, NULL));
	T("getrandom flags 0x100", syscall(SYS_getrandom, buf, 8, 0x100));
	T("getrandom unmapped", syscall(SYS_getrandom, unmapped, 8, 0));
	T("times unmapped", syscall(SYS_times, unmapped) == -1 ? -1 : 0);
	T("getrusage who 99", syscall(SYS_getrusage, 99, buf));
	T("getrusage NULL", syscall(SYS_getrusage, RUSAGE_SELF, NULL));
	T("sched_getaffinity size 1", syscall(SYS_sched_getaffinity, 0, 1, buf));
	T("sched_getaffinity pid 99999", syscall(SYS_sched_getaffinity, 99999, 128, buf));
	T("arch_prctl code 0x9999", syscall(SYS_arch_prctl, 0x9999, 0));
	T("prctl option 0x7fff", syscall(SYS_prctl, 0x7fff, 0, 0, 0, 0));
	T("umask high bits", syscall(SYS_umask, 0xfffff022) == -1 ? -1 : 0);
	T("umask after", syscall(SYS_umask, 022));
}

/* the socket calls, on AF_UNIX (the family both kernels have) and on
 * what every family shares: the fd, the address and option buffers, the
 * flags */
static void
sockets(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int sp[2] = {-1, -1}, ival = 0;
	socklen_t len = sizeof(ival);
	long s = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);

	T("socket bad flags", syscall(SYS_socket, AF_UNIX, SOCK_STREAM | 0x40000000, 0));
	T("socket family 99", syscall(SYS_socket, 99, SOCK_STREAM, 0));
	T("socket type 99", syscall(SYS_socket, AF_UNIX, 99, 0));
	T("socket protocol 5", syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 5));
	T("socketpair NULL", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, NULL));
	T("socketpair kernel half", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, KHALF));
	T("socketpair", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, sp));
	T("bind a file", syscall(SYS_bind, file, &sa, sizeof(sa)));
	T("bind fd -1", syscall(SYS_bind, -1, &sa, sizeof(sa)));
	T("bind NULL", syscall(SYS_bind, s, NULL, 10));
	T("bind len -1", syscall(SYS_bind, s, &sa, -1));
	T("bind len 200", syscall(SYS_bind, s, &sa, 200));
	T("bind unmapped", syscall(SYS_bind, s, unmapped, 10));
	T("connect len 0", syscall(SYS_connect, s, &sa, 0));
	T("connect unmapped", syscall(SYS_connect, s, unmapped, 10));
	T("listen a file", syscall(SYS_listen, file, 1));
	T("accept4 bad flags", syscall(SYS_accept4, s, NULL, NULL, 0x1234));
	T("accept not listening", syscall(SYS_accept4, s, NULL, NULL, 0));
	T("getsockopt NULL value", syscall(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, NULL, &len));
	T("getsockopt NULL len", syscall(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, &ival, NULL));
	T("getsockopt unmapped len",
	  syscall(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, &ival, unmapped));
	T("getsockopt option 9999", syscall(SYS_getsockopt, s, SOL_SOCKET, 9999, &ival, &len));
	len = (socklen_t)-1;
	T("getsockopt len -1", syscall(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, &ival, &len));
	T("setsockopt NULL", syscall(SYS_setsockopt, s, SOL_SOCKET, SO_RCVBUF, NULL, 4));
	T("setsockopt len 2", syscall(SYS_setsockopt, s, SOL_SOCKET, SO_RCVBUF, &ival, 2));
	T("setsockopt a file", syscall(SYS_setsockopt, file, SOL_SOCKET, SO_RCVBUF, &ival, 4));
	T("sendto unconnected", syscall(SYS_sendto, s, buf, 1, MSG_NOSIGNAL, NULL, 0));
	T("sendto unmapped", syscall(SYS_sendto, sp[0], unmapped, 1, MSG_NOSIGNAL, NULL, 0));
	T("recvfrom nothing", syscall(SYS_recvfrom, sp[1], buf, 1, MSG_DONTWAIT, NULL, NULL));
	T("sendto one byte", syscall(SYS_sendto, sp[0], buf, 1, MSG_NOSIGNAL, NULL, 0));
	T("recvfrom unmapped", syscall(SYS_recvfrom, sp[1], unmapped, 1, MSG_DONTWAIT, NULL, NULL));
	T("recvmsg NULL", syscall(SYS_recvmsg, sp[1], NULL, MSG_DONTWAIT));
	T("sendmsg unmapped", syscall(SYS_sendmsg, sp[0], unmapped, MSG_NOSIGNAL));
	T("sendmmsg NULL", syscall(SYS_sendmmsg, sp[0], NULL, 1, MSG_NOSIGNAL));
	T("recvmmsg NULL", syscall(SYS_recvmmsg, sp[1], NULL, 1, MSG_DONTWAIT, NULL));
	T("shutdown how 5", syscall(SYS_shutdown, sp[0], 5));
	T("shutdown a file", syscall(SYS_shutdown, file, SHUT_RD));
	len = sizeof(sa);
	T("getsockname NULL", syscall(SYS_getsockname, s, NULL, &len));
	T("getsockname NULL len", syscall(SYS_getsockname, s, &sa, NULL));
	T("getpeername unconnected", syscall(SYS_getpeername, s, &sa, &len));
	close(sp[0]);
	close(sp[1]);
	close((int)s);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup();
	rw();
	files();
	fds();
	mm();
	waiting();
	futexes();
	clocks();
	timers();
	signals();
	misc();
	sockets();
	return 0;
}

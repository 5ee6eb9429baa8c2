/* In-guest checks of hard links, sendfile, copy_file_range, flock and
 * fcntl locks, MAP_SHARED file mappings (writes seen by read(), msync,
 * SIGBUS past the end) and path-resolution corner cases (O_PATH,
 * trailing slashes, O_EXCL, "." and ".."). Built three ways like every
 * tests/guest program; run as the app, and natively on Linux. */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
put(const char *path, const char *data)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	int ok = fd >= 0 && write(fd, data, strlen(data)) == (ssize_t)strlen(data);
	close(fd);
	return ok;
}

static int
has(const char *path, const char *data)
{
	char buf[256] = {0};
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	close(fd);
	return n >= 0 && !strcmp(buf, data);
}

static long
cfr(int in, loff_t *ioff, int out, loff_t *ooff, size_t len, unsigned flags)
{
	return syscall(SYS_copy_file_range, in, ioff, out, ooff, len, flags);
}

static sigjmp_buf jb;
static volatile int bus_code;

static void
on_bus(int sig, siginfo_t *si, void *uc)
{
	bus_code = si->si_code;
	siglongjmp(jb, 1);
}

static void
links(void)
{
	struct stat a, b;

	CHECK(put("f", "hello") && link("f", "g") == 0, "link");
	CHECK(stat("f", &a) == 0 && stat("g", &b) == 0 && a.st_ino == b.st_ino && a.st_nlink == 2 &&
	          b.st_nlink == 2,
	      "two names, one inode, st_nlink 2");
	int fd = open("g", O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, " world", 6) == 6 && has("f", "hello world"),
	      "a write through one name shows through the other");
	close(fd);
	CHECK(unlink("f") == 0 && has("g", "hello world") && stat("g", &b) == 0 && b.st_nlink == 1,
	      "unlink of one name keeps the data");
	CHECK(link("g", "g") == -1 && errno == EEXIST, "link onto an existing name: EEXIST");
	CHECK(mkdir("dd", 0755) == 0 && link("dd", "dd2") == -1 && errno == EPERM,
	      "link of a directory: EPERM");
	CHECK(link("nothere", "x") == -1 && errno == ENOENT, "link of a missing file: ENOENT");
	CHECK(symlink("g", "sl") == 0 && link("sl", "hl") == 0 && lstat("hl", &b) == 0 &&
	          S_ISLNK(b.st_mode),
	      "link() links the symlink itself");
	CHECK(linkat(AT_FDCWD, "sl", AT_FDCWD, "hl2", AT_SYMLINK_FOLLOW) == 0 &&
	          lstat("hl2", &b) == 0 && S_ISREG(b.st_mode) && b.st_nlink == 2,
	      "linkat AT_SYMLINK_FOLLOW links the target");
	CHECK(linkat(AT_FDCWD, "g", AT_FDCWD, "bad", 0x8000) == -1 && errno == EINVAL,
	      "linkat bad flags: EINVAL");
	CHECK(rename("g", "hl2") == 0 && access("g", F_OK) == 0,
	      "rename between two links of one file does nothing");
	fd = open("hl2", O_RDONLY);
	CHECK(fd >= 0 && linkat(fd, "", AT_FDCWD, "viafd", AT_EMPTY_PATH) == 0 &&
	          has("viafd", "hello world"),
	      "linkat AT_EMPTY_PATH links the fd's file");
	close(fd);
	CHECK(link("/proc/self/status", "st") == -1 && errno == EXDEV, "link out of /proc: EXDEV");
}

static void
copies(void)
{
	char buf[64] = {0};
	int p[2];

	CHECK(put("src", "0123456789abcdef"), "a source file");
	int in = open("src", O_RDONLY), out = open("dst", O_CREAT | O_RDWR | O_TRUNC, 0644);
	off_t off = 4;
	CHECK(sendfile(out, in, &off, 6) == 6 && off == 10 && lseek(in, 0, SEEK_CUR) == 0 &&
	          has("dst", "456789"),
	      "sendfile with an offset: exact bytes, position kept");
	CHECK(sendfile(out, in, NULL, 3) == 3 && lseek(in, 0, SEEK_CUR) == 3 &&
	          has("dst", "456789012"),
	      "sendfile from the file position");
	CHECK(pipe(p) == 0 && sendfile(p[1], in, NULL, 100) == 13 && read(p[0], buf, 64) == 13 &&
	          !memcmp(buf, "3456789abcdef", 13),
	      "sendfile into a pipe");
	CHECK(sendfile(out, p[0], &off, 1) == -1 && errno == ESPIPE,
	      "sendfile from a pipe with an offset: ESPIPE");
	int ro = open("src", O_RDONLY);
	CHECK(sendfile(ro, in, NULL, 1) == -1 && errno == EBADF,
	      "sendfile to a read-only fd: EBADF");
	close(ro);
	loff_t io = 10, oo = 2;
	CHECK(cfr(in, &io, out, &oo, 6, 0) == 6 && io == 16 && oo == 8 && has("dst", "45abcdef2"),
	      "copy_file_range with offsets");
	CHECK(cfr(in, NULL, out, NULL, 4, 1) == -1 && errno == EINVAL,
	      "copy_file_range flags: EINVAL");
	io = 0;
	oo = 2;
	CHECK(cfr(out, &io, out, &oo, 4, 0) == -1 && errno == EINVAL,
	      "copy_file_range overlapping in one file: EINVAL");
	oo = 20;
	CHECK(cfr(out, &io, out, &oo, 4, 0) == 4 && pread(out, buf, 4, 20) == 4 &&
	          !memcmp(buf, "45ab", 4),
	      "copy_file_range within one file, apart");
	CHECK(cfr(in, NULL, p[1], NULL, 4, 0) == -1 && errno == EINVAL,
	      "copy_file_range to a pipe: EINVAL");
	close(p[0]);
	close(p[1]);
	close(in);
	close(out);
}

static void
locks(void)
{
	int a = open("lk", O_CREAT | O_RDWR, 0644), b = open("lk", O_RDWR), c = dup(a);

	CHECK(flock(a, LOCK_EX) == 0, "flock LOCK_EX");
	CHECK(flock(b, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK,
	      "a second open file description conflicts: EWOULDBLOCK");
	CHECK(flock(b, LOCK_SH | LOCK_NB) == -1 && errno == EWOULDBLOCK,
	      "shared against exclusive: EWOULDBLOCK");
	CHECK(flock(c, LOCK_EX | LOCK_NB) == 0, "a dup shares the lock");
	CHECK(flock(a, LOCK_SH) == 0 && flock(b, LOCK_SH | LOCK_NB) == 0,
	      "down to shared: another shared lock is granted");
	CHECK(flock(b, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK,
	      "exclusive against shared: EWOULDBLOCK");
	CHECK(flock(a, LOCK_UN) == 0 && flock(b, LOCK_EX | LOCK_NB) == 0, "LOCK_UN lets it in");
	close(b);
	CHECK(flock(a, LOCK_EX | LOCK_NB) == 0, "closing the holder releases its lock");
	CHECK(flock(a, 0) == -1 && errno == EINVAL, "flock with no operation: EINVAL");
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
	CHECK(fcntl(a, F_SETLK, &fl) == 0 && fcntl(a, F_GETLK, &fl) == 0 && fl.l_type == F_UNLCK,
	      "fcntl F_SETLK; F_GETLK reports F_UNLCK (our own lock)");
	fl.l_type = 7;
	CHECK(fcntl(a, F_SETLK, &fl) == -1 && errno == EINVAL, "fcntl lock type 7: EINVAL");
	int r = open("lk", O_RDONLY);
	fl.l_type = F_WRLCK;
	CHECK(fcntl(r, F_SETLK, &fl) == -1 && errno == EBADF,
	      "a write lock on a read-only fd: EBADF");
	close(r);
	close(a);
	close(c);
}

static void
shared_maps(void)
{
	char buf[8192];
	int fd = open("m", O_CREAT | O_RDWR | O_TRUNC, 0644);

	CHECK(fd >= 0 && ftruncate(fd, 6000) == 0, "a 6000-byte file");
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
	CHECK(p != MAP_FAILED && q != MAP_FAILED, "two MAP_SHARED mappings");
	memcpy(p, "through the map", 15);
	p[5000] = 'Z';
	CHECK(pread(fd, buf, 15, 0) == 15 && !memcmp(buf, "through the map", 15),
	      "a store through MAP_SHARED is seen by read() at once");
	CHECK(q[5000 - 4096] == 'Z', "and by another mapping of the file");
	CHECK(pwrite(fd, "WRITE", 5, 100) == 5 && !memcmp(p + 100, "WRITE", 5),
	      "a write() is seen through the mapping");
	CHECK(msync(p, 8192, MS_SYNC) == 0, "msync");
	CHECK(msync(p, 4096, MS_SYNC | MS_ASYNC) == -1 && errno == EINVAL,
	      "msync MS_SYNC|MS_ASYNC: EINVAL");
	CHECK(mprotect(p, 4096, PROT_READ) == 0 && p[0] == 't' &&
	          mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0 && (p[1] = 'H') == 'H' &&
	          pread(fd, buf, 2, 0) == 2 && buf[1] == 'H',
	      "mprotect on a shared mapping");
	char *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	priv[0] = 'p';
	CHECK(priv != MAP_FAILED && pread(fd, buf, 1, 0) == 1 && buf[0] == 't',
	      "a MAP_PRIVATE store stays private");
	munmap(p, 8192);
	munmap(q, 4096);
	munmap(priv, 4096);
	CHECK(pread(fd, buf, 6000, 0) == 6000 && !memcmp(buf, "tHrough", 7) && buf[5000] == 'Z' &&
	          buf[5999] == 0,
	      "after munmap the file keeps the bytes");
	/* one page past the end of the file: SIGBUS with BUS_ADRERR */
	struct sigaction sa = {.sa_sigaction = on_bus, .sa_flags = SA_SIGINFO};
	sigaction(SIGBUS, &sa, NULL);
	p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	volatile char *v = p;
	int got = 0;
	if (!sigsetjmp(jb, 1)) {
		got = v[8192];
		got = -1;
	}
	CHECK(got == 0 && bus_code == BUS_ADRERR, "a touch past the file's end: SIGBUS");
	CHECK(v[5999] == 0 && v[6000] == 0, "the tail of the last page reads as zeros");
	munmap(p, 3 * 4096);
	char *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, open("m", O_RDONLY), 0);
	CHECK(ro == MAP_FAILED && errno == EACCES, "MAP_SHARED writable of a read-only fd: EACCES");
	close(fd);
}

static void
paths(void)
{
	struct stat st;
	char buf[8];

	CHECK(put("file", "x"), "a file");
	CHECK(open("file/", O_RDONLY) == -1 && errno == ENOTDIR,
	      "a trailing slash on a file: ENOTDIR");
	CHECK(stat("file/", &st) == -1 && errno == ENOTDIR, "stat with a trailing slash: ENOTDIR");
	CHECK(open("newf/", O_CREAT | O_WRONLY, 0644) == -1 && errno == EISDIR,
	      "O_CREAT of name/: EISDIR");
	CHECK(open("file", O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST,
	      "O_EXCL|O_CREAT on an existing file: EEXIST");
	CHECK(mkdir("pd", 0755) == 0 && stat("pd/", &st) == 0 && stat("pd/./../pd/.", &st) == 0 &&
	          S_ISDIR(st.st_mode),
	      "., .. and a trailing slash on a folder");
	int fd = open("file", O_PATH);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 1, "O_PATH: fstat works");
	CHECK(read(fd, buf, 1) == -1 && errno == EBADF, "O_PATH: read is EBADF");
	CHECK(write(fd, "y", 1) == -1 && errno == EBADF, "O_PATH: write is EBADF");
	close(fd);
	CHECK(symlink("file", "lnk") == 0 && (fd = open("lnk", O_PATH | O_NOFOLLOW)) >= 0 &&
	          fstat(fd, &st) == 0 && S_ISLNK(st.st_mode),
	      "O_PATH|O_NOFOLLOW opens the link");
	close(fd);
	fd = open("file", O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC");
	close(fd);
}

int
main(void)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/posix_links.%d", (int)getpid());
	CHECK(mkdir(dir, 0755) == 0 && chdir(dir) == 0, "a work folder");
	links();
	copies();
	locks();
	shared_maps();
	paths();
	return tap_done();
}

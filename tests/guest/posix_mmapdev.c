/* In-guest checks of mmap asking the file how to map it (file_ops.mmap):
 * /dev/zero maps as anonymous memory, MAP_PRIVATE and MAP_SHARED (each
 * mmap call its own memory, as Linux's fresh shmem object per call, and
 * a shared one seen by every thread); files with no mmap op are ENODEV
 * (a pipe, a directory, /dev/null, an eventfd, a /proc file) once the
 * open mode allowed the protection (EACCES first); a tmpfs file's
 * MAP_SHARED pages are the bytes write() and read() see. Built three
 * ways like every tests/guest program; run as the app, and passes on
 * Linux too. */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096

static int
all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* mmap's errno for fd (0 when it mapped: then unmapped) */
static int
map_errno(int fd, int prot, int flags)
{
	void *p = mmap(NULL, PG, prot, flags, fd, 0);

	if (p != MAP_FAILED) {
		munmap(p, PG);
		return 0;
	}
	return errno;
}

static void
expect_errno(int fd, int prot, int flags, int want, const char *name)
{
	int got = map_errno(fd, prot, flags);

	if (got != want)
		printf("# %s: expected errno %d (%s), got %d (%s)\n", name, want, strerror(want),
		       got, strerror(got));
	CHECK(got == want, name);
}

static void
dev_zero_private(void)
{
	int fd = open("/dev/zero", O_RDONLY);
	char *a, *b;

	CHECK(fd >= 0, "/dev/zero opens to read");
	a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	b = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(a != MAP_FAILED && b != MAP_FAILED,
	      "/dev/zero MAP_PRIVATE PROT_WRITE maps (read-only open)");
	if (a == MAP_FAILED || b == MAP_FAILED)
		return;
	CHECK(all_zero(a, 4 * PG), "/dev/zero MAP_PRIVATE: zeros");
	memset(a, 0x5a, 4 * PG);
	CHECK(a[0] == 0x5a && a[4 * PG - 1] == 0x5a, "/dev/zero MAP_PRIVATE: writable");
	CHECK(all_zero(b, 4 * PG), "/dev/zero MAP_PRIVATE: another mapping stays zero");
	char buf[64];
	memset(buf, 1, sizeof(buf));
	CHECK(read(fd, buf, sizeof(buf)) == sizeof(buf) && all_zero(buf, sizeof(buf)),
	      "/dev/zero: read() still zeros after the mapping was written");
	munmap(a, 4 * PG);
	munmap(b, 4 * PG);
	close(fd);
}

static volatile char *shared_page;

static void *
writer(void *arg)
{
	shared_page[100] = 'T';
	return NULL;
}

static void
dev_zero_shared(void)
{
	int fd = open("/dev/zero", O_RDWR);
	char *a, *b;
	pthread_t t;

	CHECK(fd >= 0, "/dev/zero opens to read and write");
	a = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	b = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED && b != MAP_FAILED, "/dev/zero MAP_SHARED maps");
	if (a == MAP_FAILED || b == MAP_FAILED)
		return;
	CHECK(all_zero(a, 2 * PG) && all_zero(b, 2 * PG), "/dev/zero MAP_SHARED: zeros");
	strcpy(a + PG, "one");
	CHECK(all_zero(b, 2 * PG), "/dev/zero MAP_SHARED: two mmap calls are two objects");
	shared_page = a;
	CHECK(pthread_create(&t, NULL, writer, NULL) == 0 && pthread_join(t, NULL) == 0,
	      "/dev/zero MAP_SHARED: a thread writes");
	CHECK(a[100] == 'T', "/dev/zero MAP_SHARED: the thread's store is seen");
	munmap(a, 2 * PG);
	munmap(b, 2 * PG);
	close(fd);

	fd = open("/dev/zero", O_RDONLY);
	expect_errno(fd, PROT_READ | PROT_WRITE, MAP_SHARED, EACCES,
	             "/dev/zero read-only: MAP_SHARED PROT_WRITE is EACCES");
	expect_errno(fd, PROT_READ, MAP_SHARED, 0,
	             "/dev/zero read-only: MAP_SHARED PROT_READ maps");
	close(fd);
}

static void
no_mmap_op(void)
{
	int p[2], fd;

	CHECK(pipe(p) == 0, "pipe");
	expect_errno(p[0], PROT_READ, MAP_PRIVATE, ENODEV, "pipe read end: ENODEV");
	expect_errno(p[0], PROT_READ, MAP_SHARED, ENODEV, "pipe read end MAP_SHARED: ENODEV");
	expect_errno(p[1], PROT_READ, MAP_PRIVATE, EACCES, "pipe write end: EACCES (write-only)");
	close(p[0]);
	close(p[1]);

	fd = open("/", O_RDONLY | O_DIRECTORY);
	expect_errno(fd, PROT_READ, MAP_PRIVATE, ENODEV, "directory: ENODEV");
	expect_errno(fd, PROT_READ, MAP_SHARED, ENODEV, "directory MAP_SHARED: ENODEV");
	close(fd);

	fd = open("/dev/null", O_RDWR);
	expect_errno(fd, PROT_READ, MAP_PRIVATE, ENODEV, "/dev/null: ENODEV");
	expect_errno(fd, PROT_READ | PROT_WRITE, MAP_SHARED, ENODEV,
	             "/dev/null MAP_SHARED: ENODEV");
	close(fd);

	fd = eventfd(0, 0);
	expect_errno(fd, PROT_READ, MAP_SHARED, ENODEV, "eventfd: ENODEV");
	close(fd);

	fd = open("/proc/self/maps", O_RDONLY);
	expect_errno(fd, PROT_READ, MAP_PRIVATE, ENODEV, "/proc/self/maps: ENODEV");
	close(fd);

	fd = open("/dev/zero", O_PATH);
	expect_errno(fd, PROT_READ, MAP_PRIVATE, EBADF, "O_PATH /dev/zero: EBADF");
	close(fd);
	expect_errno(-1, PROT_READ, MAP_PRIVATE, EBADF, "fd -1: EBADF");
}

static void
tmpfs_shared(void)
{
	char path[] = "/tmp/mmapdev-XXXXXX", buf[16];
	int fd = mkstemp(path);
	char *a, *b;

	CHECK(fd >= 0 && ftruncate(fd, 2 * PG) == 0, "/tmp file of two pages");
	a = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	b = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(a != MAP_FAILED && b != MAP_FAILED, "/tmp file MAP_SHARED maps twice");
	if (a == MAP_FAILED || b == MAP_FAILED)
		goto out;
	CHECK(pwrite(fd, "written", 7, PG + 10) == 7, "pwrite into the second page");
	CHECK(memcmp(a + PG + 10, "written", 7) == 0 && memcmp(b + PG + 10, "written", 7) == 0,
	      "/tmp MAP_SHARED: both mappings see write()");
	memcpy(a + 20, "stored", 6);
	memset(buf, 0, sizeof(buf));
	CHECK(pread(fd, buf, 6, 20) == 6 && memcmp(buf, "stored", 6) == 0,
	      "/tmp MAP_SHARED: read() sees a store into the mapping");
	CHECK(memcmp(b + 20, "stored", 6) == 0, "/tmp MAP_SHARED: the other mapping sees it");
	munmap(b, 2 * PG);
	munmap(a, 2 * PG);
	/* the bytes stay the file's once unmapped */
	memset(buf, 0, sizeof(buf));
	CHECK(pread(fd, buf, 6, 20) == 6 && memcmp(buf, "stored", 6) == 0,
	      "/tmp: the stored bytes stay in the file after munmap");
out:
	close(fd);
	unlink(path);
}

int
main(void)
{
	dev_zero_private();
	dev_zero_shared();
	no_mmap_op();
	tmpfs_shared();
	return tap_done();
}

/* A Linux program run as the app with two virtio-blk disks attached
 * (tests/e2e/blk-disk.sh): a writable one and a read-only one, told apart
 * with BLKROGET, since their names depend on probe order. TAP output.
 *   blk_disk first RW_BYTES RO_BYTES [BLOCK [THREADS]]
 *       patterns, ends of the disk, partial blocks, threads, the read-only
 *       disk, /proc/diskstats (fsync is one device flush); leaves a marker
 *       region, flushed. BLOCK: the logical block size expected (512);
 *       THREADS: writers at once (8)
 *   blk_disk second RW_BYTES RO_BYTES [BLOCK]   a later boot: the marker
 * The byte at disk offset o of a pattern with seed s is pat(o, s); the
 * read-only disk holds pat(o, 0x5a) (written by the script). Runs on
 * Linux too, as root, against scratch devices. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../guest/tap.h"

/* linux/fs.h's (musl-gcc has no kernel headers) */
#define BLKROGET 0x125e
#define BLKGETSIZE 0x1260
#define BLKSSZGET 0x1268
#define BLKGETSIZE64 0x80081272

/* CHECK with a printf-style name, formatted before cond runs: cond must
 * not change what the name shows */
#define CHECKF(cond, ...)                                                                          \
	do {                                                                                       \
		char name_[200];                                                                   \
		snprintf(name_, sizeof(name_), __VA_ARGS__);                                       \
		CHECK(cond, name_);                                                                \
	} while (0)

#define MARK_OFF(size) ((size) / 2)
#define MARK_LEN (64 * 1024)
#define MAX_THREADS 32
#define REGION (256 * 1024) /* each thread's, from offset 4 MiB */

static uint8_t
pat(uint64_t o, unsigned s)
{
	return (uint8_t)(((o * 2654435761u) >> 13) ^ s ^ (o >> 9));
}

static void
fill(uint8_t *b, uint64_t off, size_t n, unsigned s)
{
	for (size_t i = 0; i < n; i++)
		b[i] = pat(off + i, s);
}

/* first index where b differs from the pattern, or -1 */
static long
mismatch(const uint8_t *b, uint64_t off, size_t n, unsigned s)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != pat(off + i, s))
			return (long)i;
	return -1;
}

static int rw_fd;
static char rw_name[16]; /* "vda" or "vdb" */
static int block = 512, nthreads = 8;
static int thread_ok[MAX_THREADS];

/* each thread: its own region, written in pieces of odd sizes at odd
 * offsets, read back at once and again at the end */
static void *
worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	uint64_t base = (4u << 20) + (uint64_t)t * REGION;
	uint8_t *b = malloc(REGION);
	int ok = b != NULL;
	size_t done = 0, step = 4096 + 512 * t + 7 * t;

	for (unsigned round = 0; ok && done < REGION; round++) {
		size_t n = step < REGION - done ? step : REGION - done;
		fill(b, base + done, n, 0x30 + t);
		ok = pwrite(rw_fd, b, n, base + done) == (ssize_t)n &&
		     pread(rw_fd, b, n, base + done) == (ssize_t)n &&
		     mismatch(b, base + done, n, 0x30 + t) < 0;
		done += n;
	}
	ok = ok && pread(rw_fd, b, REGION, base) == REGION &&
	     mismatch(b, base, REGION, 0x30 + t) < 0;
	thread_ok[t] = ok;
	free(b);
	return NULL;
}

static int
open_disks(int *rw, int *ro, int rw_flags)
{
	const char *names[] = {"/dev/vda", "/dev/vdb"};
	int fds[2], roflag[2];

	*rw = *ro = -1;
	for (int i = 0; i < 2; i++) {
		fds[i] = open(names[i], O_RDONLY);
		if (fds[i] < 0 || ioctl(fds[i], BLKROGET, &roflag[i]))
			return -1;
	}
	if (roflag[0] == roflag[1])
		return -1; /* one of each expected */
	int w = roflag[0] ? 1 : 0;
	snprintf(rw_name, sizeof(rw_name), "%s", names[w] + 5);
	*ro = fds[!w];
	close(fds[w]);
	*rw = open(names[w], rw_flags);
	return *rw < 0 ? -1 : 0;
}

static void
basics(int fd, uint64_t size)
{
	struct stat st;
	uint64_t bytes = 0;
	unsigned long sectors = 0;
	int ssz = 0;

	CHECK(fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && st.st_size == 0 && st.st_rdev != 0,
	      "fstat: a block device, st_size 0 as Linux, st_rdev set");
	CHECK(ioctl(fd, BLKGETSIZE64, &bytes) == 0 && bytes == size,
	      "BLKGETSIZE64 is the disk file's size");
	CHECK(ioctl(fd, BLKGETSIZE, &sectors) == 0 && sectors == size / 512,
	      "BLKGETSIZE in 512-byte sectors");
	CHECKF(ioctl(fd, BLKSSZGET, &ssz) == 0 && ssz == block, "BLKSSZGET %d", block);
	CHECK(lseek(fd, 0, SEEK_END) == (off_t)size, "lseek SEEK_END is the capacity");
	errno = 0;
	CHECK(ioctl(fd, 0x4b4b, 0) == -1 && errno == ENOTTY, "unknown ioctl: ENOTTY");
}

/* the 17 counters of NAME's /proc/diskstats line (iostats.rst: 1 reads,
 * 3 sectors read, 5 writes, 7 sectors written, 9 in flight, 16 flushes);
 * f[0] is field 1. 0, or -1 when there is no such line. */
static int
diskstats(const char *name, unsigned long long f[17])
{
	FILE *p = fopen("/proc/diskstats", "r");
	char line[512], dev[32];
	int found = -1;

	while (p && found < 0 && fgets(line, sizeof(line), p)) {
		unsigned maj, min;
		int k =
		    sscanf(line,
		           "%u %u %31s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu"
		           " %llu %llu %llu %llu %llu %llu",
		           &maj, &min, dev, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7],
		           &f[8], &f[9], &f[10], &f[11], &f[12], &f[13], &f[14], &f[15], &f[16]);
		if (k == 20 && !strcmp(dev, name))
			found = 0;
	}
	if (p)
		fclose(p);
	return found;
}

/* fsync and fdatasync each send one FLUSH that the device completed,
 * seen in /proc/diskstats, after the written sectors */
static void
flushes(int fd, const uint8_t *b, size_t n)
{
	unsigned long long s0[17] = {0}, s1[17] = {0}, s2[17] = {0};
	int have0, have1, have2, synced, datasynced;

	have0 = diskstats(rw_name, s0) == 0;
	CHECKF(have0, "/proc/diskstats has a line for %s", rw_name);
	CHECK(pwrite(fd, b, n, 65536) == (ssize_t)n, "pwrite 1 MiB");
	synced = fsync(fd) == 0;
	have1 = diskstats(rw_name, s1) == 0;
	CHECK(synced, "fsync: 0");
	CHECKF(have0 && have1 && s1[15] == s0[15] + 1,
	       "fsync: one flush request completed (diskstats field 16: %llu -> %llu)", s0[15],
	       s1[15]);
	CHECKF(have0 && have1 && s1[6] - s0[6] == n / 512 && s1[4] > s0[4],
	       "the 1 MiB counted: writes %llu -> %llu, sectors written +%llu", s0[4], s1[4],
	       s1[6] - s0[6]);
	CHECKF(have1 && s1[8] == 0, "no request in flight after fsync (field 9: %llu)", s1[8]);
	datasynced = fdatasync(fd) == 0;
	have2 = diskstats(rw_name, s2) == 0;
	CHECKF(datasynced && have2 && s2[15] == s1[15] + 1,
	       "fdatasync: one more flush (%llu -> %llu)", s1[15], s2[15]);
}

static void
pattern_and_ends(int fd, uint64_t size)
{
	size_t n = 1 << 20;
	uint8_t *b = malloc(n), *r = malloc(n);

	fill(b, 65536, n, 1);
	flushes(fd, b, n);
	memset(r, 0, n);
	CHECK(pread(fd, r, n, 65536) == (ssize_t)n && mismatch(r, 65536, n, 1) < 0,
	      "pread 1 MiB back: the same bytes");

	/* sequential calls through the file offset */
	fill(b, 3 << 20, 3 * 4096, 2);
	CHECK(lseek(fd, 3 << 20, SEEK_SET) == 3 << 20 && write(fd, b, 4096) == 4096 &&
	          write(fd, b + 4096, 8192) == 8192 && lseek(fd, 0, SEEK_CUR) == (3 << 20) + 12288,
	      "write advances the file offset");
	memset(r, 0, 3 * 4096);
	CHECK(lseek(fd, 3 << 20, SEEK_SET) == 3 << 20 && read(fd, r, 3 * 4096) == 3 * 4096 &&
	          mismatch(r, 3 << 20, 3 * 4096, 2) < 0,
	      "read from the file offset");

	/* partial blocks: read-modify-write keeps the neighbours */
	fill(b, 65536, 8192, 1);
	for (int i = 1000; i < 1100; i++)
		b[i] = 0xee;
	for (int i = 3000; i < 8000; i++)
		b[i] = (uint8_t)~pat(65536 + i, 1);
	CHECK(pwrite(fd, b + 1000, 100, 65536 + 1000) == 100, "pwrite 100 bytes inside a sector");
	CHECK(pwrite(fd, b + 3000, 5000, 65536 + 3000) == 5000, "pwrite 5000 bytes across sectors");
	CHECK(pread(fd, r, 8192, 65536) == 8192 && memcmp(r, b, 8192) == 0,
	      "partial writes changed their bytes and nothing else");
	CHECK(pread(fd, r, 7, 65536 + 1097) == 7 && memcmp(r, b + 1097, 7) == 0,
	      "pread 7 bytes at an odd offset");
	/* 11 bytes across the block boundary at 65536 + 4 blocks: the end of
	 * one block and the start of the next, both read-modify-write */
	size_t edge = 4 * (size_t)block, span = 2 * (size_t)block;
	uint8_t *e = malloc(span), *g = malloc(span);
	int around = e && g && pread(fd, e, span, 65536 + edge - block) == (ssize_t)span;
	CHECK(around, "pread the two blocks around a boundary");
	for (int i = -5; around && i < 6; i++)
		e[block + i] = (uint8_t)(0xa0 + i);
	CHECKF(around && pwrite(fd, e + block - 5, 11, 65536 + edge - 5) == 11 &&
	           pread(fd, g, span, 65536 + edge - block) == (ssize_t)span &&
	           memcmp(e, g, span) == 0,
	       "pwrite 11 bytes across a %d-byte block boundary: both blocks keep the rest", block);
	free(e);
	free(g);

	/* the end of the disk, as Linux: short reads and writes, then 0/ENOSPC */
	fill(b, size - 4096, 4096, 3);
	CHECK(pwrite(fd, b, 8192, size - 4096) == 4096, "pwrite across the end: short, 4096");
	CHECK(pread(fd, r, 8192, size - 4096) == 4096 && mismatch(r, size - 4096, 4096, 3) < 0,
	      "pread across the end: short, 4096, the bytes written");
	CHECK(pread(fd, r, 512, size) == 0, "pread at the end: 0");
	CHECK(pread(fd, r, 512, size + (1 << 20)) == 0, "pread past the end: 0");
	errno = 0;
	CHECK(pwrite(fd, b, 512, size) == -1 && errno == ENOSPC, "pwrite at the end: ENOSPC");
	errno = 0;
	CHECK(pread(fd, r, 512, -1) == -1 && errno == EINVAL, "pread at a negative offset: EINVAL");
	free(b);
	free(r);
}

static void
threads(void)
{
	pthread_t t[MAX_THREADS];
	int all = 1, made = 0;

	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&t[made], NULL, worker, (void *)(intptr_t)i) == 0)
			made++;
	for (int i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < nthreads; i++)
		all &= thread_ok[i];
	CHECKF(made == nthreads && all, "%d threads, each its own region: every byte as written",
	       nthreads);
}

static void
read_only(int ro, uint64_t size)
{
	uint8_t b[8192];
	int flag = 0, fd = -1;

	CHECK(ioctl(ro, BLKROGET, &flag) == 0 && flag == 1, "BLKROGET 1 on the read-only disk");
	uint64_t bytes = 0;
	CHECK(ioctl(ro, BLKGETSIZE64, &bytes) == 0 && bytes == size, "read-only disk's size");
	CHECK(pread(ro, b, sizeof(b), 4096) == (ssize_t)sizeof(b) &&
	          mismatch(b, 4096, sizeof(b), 0x5a) < 0,
	      "the read-only disk reads its file's bytes");
	/* open the read-only disk's node for writing: allowed, as on Linux
	 * for a disk that became read-only; the writes fail */
	for (int i = 0; i < 2 && fd < 0; i++) {
		const char *n = i ? "/dev/vdb" : "/dev/vda";
		int f = open(n, O_RDONLY), r = 0;
		if (f >= 0 && ioctl(f, BLKROGET, &r) == 0 && r == 1)
			fd = open(n, O_RDWR);
		if (f >= 0)
			close(f);
	}
	errno = 0;
	CHECK(fd >= 0 && pwrite(fd, b, 512, 0) == -1 && errno == EROFS,
	      "a write to the read-only disk: EROFS");
	CHECK(fd >= 0 && pread(fd, b, 512, 4096) == 512 && mismatch(b, 4096, 512, 0x5a) < 0,
	      "and the disk is unchanged");
	CHECK(fd >= 0 && fsync(fd) == 0, "fsync on the read-only disk: 0");
	if (fd >= 0)
		close(fd);
}

int
main(int argc, char **argv)
{
	int ro;
	uint64_t size, ro_size;
	uint8_t *b = malloc(MARK_LEN);

	if (argc < 4 || argc > 6 || !b) {
		fprintf(stderr,
		        "usage: blk_disk first|second RW_BYTES RO_BYTES [BLOCK [THREADS]]\n");
		return 2;
	}
	if (argc > 4)
		block = atoi(argv[4]);
	if (argc > 5)
		nthreads = atoi(argv[5]);
	if (block < 512 || block > 65536 || (block & (block - 1)) || nthreads < 1 ||
	    nthreads > MAX_THREADS) {
		fprintf(stderr, "blk_disk: BLOCK a power of two in 512..65536, THREADS 1..%d\n",
		        MAX_THREADS);
		return 2;
	}
	size = strtoull(argv[2], NULL, 0);
	ro_size = strtoull(argv[3], NULL, 0);
	if ((4u << 20) + (uint64_t)nthreads * REGION > size) {
		fprintf(stderr, "blk_disk: %d threads need %d MiB of disk\n", nthreads,
		        4 + nthreads / 4);
		return 2;
	}
	CHECK(open_disks(&rw_fd, &ro, O_RDWR) == 0,
	      "/dev/vda and /dev/vdb: one writable, one read-only");
	if (rw_fd < 0 || ro < 0)
		return tap_done();
	if (!strcmp(argv[1], "first")) {
		basics(rw_fd, size);
		pattern_and_ends(rw_fd, size);
		threads();
		read_only(ro, ro_size);
		fill(b, MARK_OFF(size), MARK_LEN, 0x77);
		CHECK(pwrite(rw_fd, b, MARK_LEN, MARK_OFF(size)) == MARK_LEN && fsync(rw_fd) == 0,
		      "marker written and flushed for the next boot");
	} else {
		CHECK(pread(rw_fd, b, MARK_LEN, MARK_OFF(size)) == MARK_LEN &&
		          mismatch(b, MARK_OFF(size), MARK_LEN, 0x77) < 0,
		      "the marker of the first boot is on the disk");
		CHECK(pread(rw_fd, b, 4096, (3 << 20) + 4096) == 4096 &&
		          mismatch(b, (3 << 20) + 4096, 4096, 2) < 0,
		      "and the first boot's other data");
	}
	close(rw_fd);
	close(ro);
	free(b);
	return tap_done();
}

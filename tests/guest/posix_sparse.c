/* In-guest checks that files in memory cost what they hold: ftruncate of
 * a /tmp file to 64 MiB and a write far past its end take (almost) no
 * memory, the gap reads as zeros, SEEK_DATA and SEEK_HOLE find the pages
 * written (as Linux's tmpfs), st_blocks counts what is allocated; a 16
 * MiB MAP_SHARED mapping of a written 16 MiB file maps the file's own
 * pages (MemFree moves by less than 1 MiB when all are touched); stores
 * through it are read() at once and write() is seen through it at once;
 * msync succeeds; a file cut under a mapping is SIGBUS past its new end;
 * MAP_PRIVATE mappings share the file's frames until they write; and
 * LMDB's MDB_WRITEMAP pattern (a 64 MiB file ftruncated, mapped
 * shared, written through the mapping) runs in a 128 MiB guest. Built
 * three ways like every tests/guest program; passes on Linux too. */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PG 4096l
#define MIB (1l << 20)

static sigjmp_buf jb;
static volatile int got_sig;

static void
on_sig(int sig)
{
	got_sig = sig;
	siglongjmp(jb, 1);
}

static int
touch(volatile const char *p)
{
	got_sig = 0;
	if (!sigsetjmp(jb, 1))
		(void)*p;
	return got_sig;
}

/* /proc/meminfo's MemFree, KiB; -1 when missing */
static long
mem_free_kib(void)
{
	static char buf[4096];
	int fd = open("/proc/meminfo", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	char *p;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "MemFree:");
	return p ? strtol(p + 8, NULL, 10) : -1;
}

/* a new file in /tmp, unlinked: gone with its fd */
static int
anon_file(void)
{
	char path[] = "/tmp/sparse-XXXXXX";
	int fd = mkstemp(path);

	if (fd >= 0)
		unlink(path);
	return fd;
}

int
main(void)
{
	struct sigaction sa = {.sa_handler = on_sig};
	struct stat st;
	static char buf[PG];
	long before, after;

	sigaction(SIGBUS, &sa, NULL);

	/* 1: ftruncate to 64 MiB takes nothing; holes read zeros */
	int fd = anon_file();
	CHECK(fd >= 0, "a /tmp file");
	before = mem_free_kib();
	CHECK(ftruncate(fd, 64 * MIB) == 0, "ftruncate to 64 MiB");
	after = mem_free_kib();
	CHECK(before > 0 && before - after < 1024, "MemFree barely moves (< 1 MiB)");
	if (before - after >= 1024)
		printf("# MemFree %ld kB then %ld kB\n", before, after);
	memset(buf, 'x', sizeof(buf));
	CHECK(pread(fd, buf, sizeof(buf), 40 * MIB) == PG && buf[0] == 0 && buf[PG - 1] == 0,
	      "a hole reads as zeros");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 64 * MIB && st.st_blocks == 0,
	      "st_blocks 0 for the sparse file");
	errno = 0;
	CHECK(lseek(fd, 0, SEEK_DATA) == -1 && errno == ENXIO, "SEEK_DATA in all hole: ENXIO");
	CHECK(lseek(fd, 5, SEEK_HOLE) == 5, "SEEK_HOLE in a hole: where it is");

	/* 2: a write far past the end takes its page only */
	before = mem_free_kib();
	CHECK(pwrite(fd, "end", 3, 100 * MIB) == 3, "a write at 100 MiB");
	CHECK(pwrite(fd, "mid", 3, 10 * MIB + 10) == 3, "a write at 10 MiB");
	after = mem_free_kib();
	CHECK(before - after < 1024, "MemFree barely moves for the writes");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 100 * MIB + 3 && st.st_blocks == 2 * PG / 512,
	      "st_blocks: the two pages written");
	if (st.st_blocks != 2 * PG / 512)
		printf("# st_blocks %ld\n", (long)st.st_blocks);
	CHECK(lseek(fd, 0, SEEK_DATA) == 10 * MIB, "SEEK_DATA: the page written at 10 MiB");
	CHECK(lseek(fd, 10 * MIB + 20, SEEK_DATA) == 10 * MIB + 20, "SEEK_DATA inside data: there");
	CHECK(lseek(fd, 10 * MIB, SEEK_HOLE) == 10 * MIB + PG, "SEEK_HOLE: after that page");
	CHECK(lseek(fd, 11 * MIB, SEEK_DATA) == 100 * MIB, "SEEK_DATA: the last page");
	CHECK(lseek(fd, 100 * MIB, SEEK_HOLE) == 100 * MIB + 3, "SEEK_HOLE: the end");
	errno = 0;
	CHECK(lseek(fd, 100 * MIB + 3, SEEK_DATA) == -1 && errno == ENXIO,
	      "SEEK_DATA at the end: ENXIO");
	char m3[3];
	CHECK(pread(fd, m3, 3, 10 * MIB + 10) == 3 && !memcmp(m3, "mid", 3), "the bytes written");
	close(fd);

	/* 3: MAP_SHARED of a written 16 MiB file is the file's own pages */
	fd = anon_file();
	memset(buf, 'a', sizeof(buf));
	for (long off = 0; off < 16 * MIB; off += PG)
		if (pwrite(fd, buf, PG, off) != PG)
			break;
	before = mem_free_kib();
	char *m = mmap(NULL, 16 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap MAP_SHARED 16 MiB");
	if (m == MAP_FAILED)
		return tap_done();
	long sum = 0;
	for (long off = 0; off < 16 * MIB; off += PG)
		sum += m[off];
	after = mem_free_kib();
	CHECK(sum == 'a' * (16 * MIB / PG), "every page reads the file's bytes");
	CHECK(before - after < 1024, "touching all of it costs < 1 MiB more");
	if (before - after >= 1024)
		printf("# MemFree %ld kB then %ld kB\n", before, after);
	m[5 * PG + 1] = 'S';
	char c = 0;
	CHECK(pread(fd, &c, 1, 5 * PG + 1) == 1 && c == 'S', "read() sees a store at once");
	CHECK(pwrite(fd, "W", 1, 7 * PG + 2) == 1 && m[7 * PG + 2] == 'W',
	      "the mapping sees write() at once");
	CHECK(msync(m, 16 * MIB, MS_SYNC) == 0, "msync succeeds");
	CHECK(ftruncate(fd, 2 * PG + 10) == 0, "the file cut to 2 pages + 10 bytes");
	CHECK(touch(m + 2 * PG + 5) == 0 && m[2 * PG + 10] == 0,
	      "its last page: zeros past the end");
	CHECK(touch(m + 3 * PG) == SIGBUS && touch(m + 8 * MIB) == SIGBUS,
	      "SIGBUS past the new end");
	CHECK(ftruncate(fd, 4 * PG) == 0 && touch(m + 3 * PG) == 0 && m[3 * PG] == 0,
	      "grown again: a hole, zeros");
	munmap(m, 16 * MIB);
	close(fd);

	/* 4: a hole mapped shared, written through the mapping, then read() */
	fd = anon_file();
	CHECK(ftruncate(fd, 4 * PG) == 0, "a sparse file of 4 pages");
	m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED && m[PG] == 0, "its hole reads zero through the mapping");
	CHECK(pwrite(fd, "P", 1, PG) == 1 && m[PG] == 'P', "write() into the hole is seen");
	m[2 * PG] = 'Q';
	CHECK(pread(fd, &c, 1, 2 * PG) == 1 && c == 'Q', "a store into a hole reaches the file");
	munmap(m, 4 * PG);
	/* a private mapping: the file's page until written, then its own */
	m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED && m[PG] == 'P', "MAP_PRIVATE reads the file");
	CHECK(pwrite(fd, "R", 1, PG) == 1 && m[PG] == 'R', "and sees write() before it writes");
	m[PG] = 'x';
	CHECK(pread(fd, &c, 1, PG) == 1 && c == 'R', "its store stays its own");
	CHECK(pwrite(fd, "T", 1, PG + 1) == 1 && m[PG + 1] == 0,
	      "a written page no longer follows");
	munmap(m, 4 * PG);
	close(fd);

	/* 5: two private mappings of a 4 MiB file read all of it: the file's
	 * frames, held once (MemFree barely moves); a write copies one page */
	fd = anon_file();
	memset(buf, 'p', sizeof(buf));
	for (long off = 0; off < 4 * MIB; off += PG)
		if (pwrite(fd, buf, PG, off) != PG)
			break;
	before = mem_free_kib();
	char *p1 = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *p2 = mmap(NULL, 4 * MIB, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p1 != MAP_FAILED && p2 != MAP_FAILED, "two MAP_PRIVATE mappings of 4 MiB");
	if (p1 == MAP_FAILED || p2 == MAP_FAILED)
		return tap_done();
	sum = 0;
	for (long off = 0; off < 4 * MIB; off += PG)
		sum += p1[off] + p2[off];
	after = mem_free_kib();
	CHECK(sum == 2 * 'p' * (4 * MIB / PG), "both read the file's bytes");
	CHECK(before - after < 1024, "reading both costs < 1 MiB: the file's frames, shared");
	if (before - after >= 1024)
		printf("# MemFree %ld kB then %ld kB\n", before, after);
	p1[3 * PG] = 'w';
	CHECK(pread(fd, &c, 1, 3 * PG) == 1 && c == 'p' && p2[3 * PG] == 'p',
	      "a write copies the page: the file and the other mapping keep theirs");
	munmap(p1, 4 * MIB);
	munmap(p2, 4 * MIB);
	close(fd);

	/* 6: LMDB with MDB_WRITEMAP: 64 MiB ftruncated, mapped shared, 32 MiB
	 * written through it in a guest of 128 MiB */
	fd = anon_file();
	CHECK(ftruncate(fd, 64 * MIB) == 0, "the database file of 64 MiB");
	m = mmap(NULL, 64 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mapped shared");
	if (m == MAP_FAILED)
		return tap_done();
	for (long off = 0; off < 32 * MIB; off += PG)
		m[off] = (char)(off / PG);
	CHECK(msync(m, 64 * MIB, MS_SYNC) == 0, "msync");
	CHECK(pread(fd, &c, 1, 31 * MIB) == 1 && c == (char)(31 * MIB / PG),
	      "the pages written are the file's");
	CHECK(fstat(fd, &st) == 0 && st.st_blocks == 32 * MIB / 512, "st_blocks: 32 MiB");
	munmap(m, 64 * MIB);
	close(fd);
	return tap_done();
}

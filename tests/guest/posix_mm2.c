/* In-guest checks of private file mappings and the memory calls' edges:
 * a MAP_PRIVATE file mapping is paged in from the file as touched (a big
 * one costs no resident memory until then), zeros past the end in the
 * last page, SIGBUS past it, MADV_DONTNEED brings the file's bytes back,
 * mremap keeps a file mapping a file mapping with its protection; madvise
 * and mincore on unmapped ranges (ENOMEM) and unknown advice (EINVAL).
 * Built three ways like every tests/guest program; run as the app, and
 * passes on Linux too. */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static sigjmp_buf jb;
static volatile int got_sig;

static void
on_sig(int sig)
{
	got_sig = sig;
	siglongjmp(jb, 1);
}

/* the signal a read of p raises, 0 when none */
static int
touch(volatile const char *p)
{
	got_sig = 0;
	if (!sigsetjmp(jb, 1))
		(void)*p;
	return got_sig;
}

/* resident pages of the process: field 24 of /proc/self/stat */
static long
rss_pages(void)
{
	char buf[1024], *p;
	int fd = open("/proc/self/stat", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	for (int field = 2; p && field < 24; field++)
		p = strchr(p + 1, ' ');
	return p ? strtol(p + 1, NULL, 10) : -1;
}

static int
make_file(const char *path, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char *buf = malloc(size);

	if (fd < 0 || !buf)
		return -1;
	for (size_t i = 0; i < size; i++)
		buf[i] = (char)('a' + (i / PG) % 26); /* page k: one letter */
	for (size_t at = 0; at < size; at += 65536)   /* in pieces: as tools write */
		if (write(fd, buf + at, MIN(65536, size - at)) != (ssize_t)MIN(65536, size - at))
			return -1;
	free(buf);
	return fd;
}

int
main(void)
{
	struct sigaction sa = {.sa_handler = on_sig};
	char path[] = "/tmp/mm2-XXXXXX";
	int fd;

	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	close(mkstemp(path));

	/* 1: a big private mapping is paged in as touched */
	const size_t big = 2u << 20; /* ramfs holds a file in one block */
	fd = make_file(path, big);
	CHECK(fd >= 0, "a 2 MiB file is written");
	long before = rss_pages();
	char *m = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED, "mmap MAP_PRIVATE of the 2 MiB file");
	if (fd < 0 || m == MAP_FAILED)
		return tap_done(); /* nothing below can run */
	long mapped = rss_pages();
	CHECK(before > 0 && mapped - before < 128,
	      "mapping it makes (almost) nothing resident: demand-paged");
	if (mapped - before >= 128)
		printf("# rss before %ld after mmap %ld pages\n", before, mapped);
	CHECK(m[0] == 'a' && m[5 * PG + 7] == 'f' &&
	          m[big - 1] == (char)('a' + (big / PG - 1) % 26),
	      "each page touched reads the file's bytes");
	long all = 0;
	for (size_t i = 0; i < big; i += PG)
		all += m[i];
	long touched = rss_pages();
	CHECK(all > 0 && touched - mapped >= (long)(big / PG) - 16,
	      "touching every page makes them resident");
	m[PG] = 'Z';
	char c;
	CHECK(pread(fd, &c, 1, PG) == 1 && c == 'b', "a private write does not reach the file");
	CHECK(madvise(m, 2 * PG, MADV_DONTNEED) == 0 && m[PG] == 'b' && m[0] == 'a',
	      "MADV_DONTNEED brings back the file's bytes, not zeros");
	CHECK(pwrite(fd, "Q", 1, 3 * PG) == 1 && madvise(m + 3 * PG, PG, MADV_DONTNEED) == 0 &&
	          m[3 * PG] == 'Q',
	      "after DONTNEED the page is read again from the file as it is now");
	munmap(m, big);

	/* 2: the end of the file: zeros in the last page, SIGBUS past it */
	CHECK(ftruncate(fd, PG + 100) == 0, "the file cut to 1 page + 100 bytes");
	m = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(m != MAP_FAILED, "mmap 4 pages of it read-only, private");
	CHECK(m[PG + 99] == 'b' && m[PG + 100] == 0 && m[2 * PG - 1] == 0,
	      "the last page: the file's bytes, then zeros");
	CHECK(touch(m + 2 * PG) == SIGBUS && touch(m + 3 * PG + 5) == SIGBUS,
	      "pages past the file's last page raise SIGBUS");
	CHECK(touch(m) == 0 && touch(m + PG) == 0, "pages inside it do not");

	/* 3: mremap keeps a file mapping one, with its protection */
	CHECK(close(fd) == 0 && (fd = make_file(path, 16 * PG)) >= 0,
	      "the file rewritten with 16 pages");
	munmap(m, 4 * PG);
	m = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 2 * PG);
	CHECK(m != MAP_FAILED && m[0] == 'c', "mmap 2 pages from offset 2 pages");
	/* block the room after it, so growing must move */
	void *block = mmap(m + 2 * PG, PG, PROT_NONE,
	                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	char *m2 = mremap(m, 2 * PG, 6 * PG, MREMAP_MAYMOVE);
	CHECK(m2 != MAP_FAILED && m2 != m, "mremap grows it by moving");
	CHECK(m2 != MAP_FAILED && m2[0] == 'c' && m2[PG] == 'd' && m2[2 * PG] == 'e' &&
	          m2[5 * PG + 1] == 'h',
	      "the moved and the grown pages are the file's pages at their offsets");
	CHECK(m2 != MAP_FAILED && touch(m) == SIGSEGV, "the old place is gone");
	got_sig = 0;
	if (m2 != MAP_FAILED && !sigsetjmp(jb, 1))
		m2[PG] = 'x';
	CHECK(got_sig == SIGSEGV, "it is still read-only: a write faults");
	CHECK(m2 != MAP_FAILED && mremap(m2, 6 * PG, PG, 0) == m2 && touch(m2 + PG) == SIGSEGV &&
	          m2[0] == 'c',
	      "mremap shrinks it in place");
	munmap(m2, PG);
	if (block != MAP_FAILED)
		munmap(block, PG);
	/* a private page written, then moved: the write moves with it */
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	m[10] = '!';
	m2 = mremap(m, PG, 3 * PG, MREMAP_MAYMOVE);
	CHECK(m2 != MAP_FAILED && m2[10] == '!' && m2[0] == 'a' && m2[2 * PG] == 'c',
	      "a written private page keeps its write when moved; the rest is the file's");
	munmap(m2, 3 * PG);

	/* 4: madvise and mincore on holes; unknown advice */
	char *hole = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char vec[3];
	munmap(hole + PG, PG);
	errno = 0;
	CHECK(madvise(hole, 3 * PG, MADV_DONTNEED) == -1 && errno == ENOMEM,
	      "madvise DONTNEED over a hole: ENOMEM");
	errno = 0;
	CHECK(madvise(hole, 3 * PG, MADV_WILLNEED) == -1 && errno == ENOMEM,
	      "madvise WILLNEED over a hole: ENOMEM");
	errno = 0;
	CHECK(mincore(hole, 3 * PG, vec) == -1 && errno == ENOMEM, "mincore over a hole: ENOMEM");
	errno = 0;
	CHECK(madvise(hole, PG, 999) == -1 && errno == EINVAL, "unknown advice: EINVAL");
	int advice[] = {MADV_NORMAL,   MADV_RANDOM,    MADV_SEQUENTIAL, MADV_WILLNEED,
	                MADV_DONTNEED, MADV_FREE,      MADV_DONTFORK,   MADV_DOFORK,
	                MADV_HUGEPAGE, MADV_NOHUGEPAGE};
	int ok = 0;
	for (size_t i = 0; i < sizeof(advice) / sizeof(advice[0]); i++) {
		int r = madvise(hole, PG, advice[i]);
		if (r == 0)
			ok++;
		else
			printf("# advice %d: %s\n", advice[i], strerror(errno));
	}
	CHECK(ok == (int)(sizeof(advice) / sizeof(advice[0])), "the common advice is accepted");
	hole[0] = 7;
	CHECK(madvise(hole, PG, MADV_DONTNEED) == 0 && hole[0] == 0,
	      "DONTNEED on anonymous memory: zeros");
	CHECK(mincore(hole, PG, vec) == 0, "mincore on a mapped page");
	munmap(hole, 3 * PG);

	close(fd);
	unlink(path);
	return tap_done();
}

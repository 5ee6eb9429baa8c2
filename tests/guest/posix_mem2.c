/* In-guest checks of memory calls beyond posix_misc: MADV_DONTNEED on
 * private anonymous memory zeroes it, MAP_FIXED_NOREPLACE refuses an
 * occupied range with EEXIST and leaves it alone, MAP_STACK, and brk by
 * the raw system call (query, grow, write, shrink: the pages above the
 * break are gone and touching them is SIGSEGV; grown again, they are
 * zero). Built three ways like every tests/guest program; run as the app
 * (and natively). */
#define _GNU_SOURCE
#include "tap.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define PG 4096ul

static sigjmp_buf jb;
static volatile uintptr_t segv_addr;
static volatile int segv_code;

static void
on_segv(int sig, siginfo_t *si, void *uc)
{
	segv_addr = (uintptr_t)si->si_addr;
	segv_code = si->si_code;
	siglongjmp(jb, 1);
}

static int
all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

/* 1 when reading *p faults with SIGSEGV */
static int
faults(volatile char *p)
{
	segv_addr = 0;
	if (!sigsetjmp(jb, 1)) {
		(void)*p;
		return 0;
	}
	return segv_addr == (uintptr_t)p && segv_code == SEGV_MAPERR;
}

static void
test_dontneed(void)
{
	unsigned char *p =
	    mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap 4 pages");
	memset(p, 0xab, 4 * PG);
	CHECK(madvise(p + PG, 2 * PG, MADV_DONTNEED) == 0, "madvise(MADV_DONTNEED) on 2 pages");
	CHECK(all_bytes(p + PG, 2 * PG, 0), "MADV_DONTNEED: the pages read back as zeros");
	CHECK(all_bytes(p, PG, 0xab) && all_bytes(p + 3 * PG, PG, 0xab),
	      "MADV_DONTNEED: the pages around are untouched");
	p[PG] = 5;
	CHECK(p[PG] == 5, "MADV_DONTNEED: the pages are writable again");
	munmap(p, 4 * PG);
}

static void
test_noreplace(void)
{
	unsigned char *p =
	    mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 0x5a, 3 * PG);
	errno = 0;
	void *q = mmap(p + PG, PG, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == MAP_FAILED && errno == EEXIST, "MAP_FIXED_NOREPLACE over a mapping: EEXIST");
	errno = 0;
	q = mmap(p + 2 * PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
	         -1, 0);
	CHECK(q == MAP_FAILED && errno == EEXIST,
	      "MAP_FIXED_NOREPLACE overlapping the end: EEXIST");
	CHECK(all_bytes(p, 3 * PG, 0x5a), "MAP_FIXED_NOREPLACE: the mapping is intact");
	p[2 * PG] = 1;
	CHECK(p[2 * PG] == 1, "MAP_FIXED_NOREPLACE: the mapping is still writable");
	munmap(p + PG, PG);
	q = mmap(p + PG, PG, PROT_READ | PROT_WRITE,
	         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == p + PG && all_bytes(q, PG, 0),
	      "MAP_FIXED_NOREPLACE into a hole: at that address");
	munmap(p, 3 * PG);
}

static void
test_stack(void)
{
	size_t n = 256 * 1024;
	char *s = mmap(NULL, n, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
	CHECK(s != MAP_FAILED, "MAP_STACK accepted");
	if (s == MAP_FAILED)
		return;
	s[0] = 1, s[n - 1] = 2;
	CHECK(s[0] == 1 && s[n - 1] == 2, "MAP_STACK: memory usable");
	munmap(s, n);
}

static void
test_brk(void)
{
	uintptr_t b0 = syscall(SYS_brk, 0);
	CHECK(b0 != 0 && b0 != (uintptr_t)-1, "brk(0) gives the break");
	CHECK((uintptr_t)syscall(SYS_brk, 0) == b0, "brk(0) again: the same");
	CHECK((uintptr_t)syscall(SYS_brk, 4096) == b0, "brk below the start: unchanged");

	uintptr_t top = (b0 + PG - 1) & ~(PG - 1); /* first page wholly above b0 */
	uintptr_t b1 = top + 16 * PG;
	CHECK((uintptr_t)syscall(SYS_brk, b1) == b1, "brk grows by 64 KiB");
	CHECK(all_bytes((unsigned char *)top, b1 - top, 0), "brk: the new pages are zero");
	memset((void *)b0, 0x77, b1 - b0);
	CHECK(all_bytes((unsigned char *)b0, b1 - b0, 0x77), "brk: the new memory is writable");

	CHECK((uintptr_t)syscall(SYS_brk, b0) == b0, "brk shrinks back");
	CHECK(faults((volatile char *)top + PG), "brk: a page above the break is gone (SIGSEGV)");
	CHECK(faults((volatile char *)b1 - 1), "brk: the last page of the old break is gone");

	CHECK((uintptr_t)syscall(SYS_brk, b1) == b1, "brk grows again");
	CHECK(all_bytes((unsigned char *)top, b1 - top, 0),
	      "brk: grown again, the pages are zero (not the old bytes)");
	CHECK((uintptr_t)syscall(SYS_brk, b0) == b0, "brk back to where it was");
}

int
main(void)
{
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);

	test_dontneed();
	test_noreplace();
	test_stack();
	test_brk();
	return tap_done();
}

/* In-guest checks of the overcommit rule (include/mm.h): in the 128 MiB
 * guest 512 MiB of private anonymous memory is granted; 1 TiB is ENOMEM
 * by mmap, brk, mremap and mprotect (to writable), yet granted with
 * MAP_NORESERVE or PROT_NONE and costing nothing until touched. Linux's
 * heuristic (overcommit_memory 0) agrees on a machine with less than
 * 1 TiB of RAM plus swap. Built three ways like every tests/guest program. */
#define _GNU_SOURCE
#include "tap.h"
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#define MIB (1ul << 20)
#define TIB (1ul << 40)
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static unsigned long
free_ram(void)
{
	struct sysinfo si;

	if (sysinfo(&si))
		return 0;
	return si.freeram * si.mem_unit;
}

/* a 1 TiB mapping that is granted and costs (nearly) nothing: free memory
 * before and after touching two pages differs by less than 4 MiB */
static void
check_free_tib(int prot, int flags, const char *name)
{
	char what[96];
	unsigned long before = free_ram();
	char *p = mmap(NULL, TIB, prot, flags, -1, 0);

	snprintf(what, sizeof(what), "1 TiB %s is granted", name);
	CHECK(p != MAP_FAILED, what);
	if (p == MAP_FAILED)
		return;
	if (prot & PROT_WRITE) {
		p[0] = 1;
		p[TIB - 1] = 2;
		CHECK(p[0] == 1 && p[TIB - 1] == 2,
		      "its first and last pages hold what was written");
	}
	unsigned long after = free_ram();
	snprintf(what, sizeof(what), "1 TiB %s costs nothing (free %lu KiB, then %lu KiB)", name,
	         before >> 10, after >> 10);
	CHECK(after + 4 * MIB > before, what);
	CHECK(munmap(p, TIB) == 0, "and is unmapped");
}

int
main(void)
{
	char *p;

	p = mmap(NULL, 512 * MIB, RW, ANON, -1, 0);
	CHECK(p != MAP_FAILED, "512 MiB private anonymous is granted in a 128 MiB guest");
	if (p != MAP_FAILED) {
		p[0] = 1, p[256 * MIB] = 2, p[512 * MIB - 1] = 3;
		CHECK(p[0] == 1 && p[256 * MIB] == 2 && p[512 * MIB - 1] == 3,
		      "its pages hold what was written");
		CHECK(munmap(p, 512 * MIB) == 0, "and it is unmapped");
	}

	errno = 0;
	p = mmap(NULL, TIB, RW, ANON, -1, 0);
	CHECK(p == MAP_FAILED && errno == ENOMEM, "1 TiB private anonymous is ENOMEM");
	if (p != MAP_FAILED)
		munmap(p, TIB);
	errno = 0;
	p = mmap(NULL, TIB, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(p == MAP_FAILED && errno == ENOMEM, "1 TiB shared anonymous is ENOMEM");
	if (p != MAP_FAILED)
		munmap(p, TIB);

	check_free_tib(RW, ANON | MAP_NORESERVE, "MAP_NORESERVE");
	check_free_tib(PROT_NONE, ANON, "PROT_NONE");
	check_free_tib(PROT_READ, ANON, "read-only");

	/* PROT_NONE reserved, then made writable: whole, ENOMEM; a part, fine */
	p = mmap(NULL, TIB, PROT_NONE, ANON, -1, 0);
	CHECK(p != MAP_FAILED, "1 TiB PROT_NONE again");
	if (p != MAP_FAILED) {
		errno = 0;
		CHECK(mprotect(p, TIB, RW) == -1 && errno == ENOMEM,
		      "mprotect of all of it to writable is ENOMEM");
		CHECK(mprotect(p, 64 * MIB, RW) == 0,
		      "mprotect of 64 MiB of it to writable succeeds");
		p[0] = 7;
		CHECK(p[0] == 7, "and that part holds what was written");
		CHECK(munmap(p, TIB) == 0, "and it is unmapped");
	}

	/* mremap growing a page to 1 TiB: ENOMEM; to 512 MiB: fine */
	p = mmap(NULL, 4096, RW, ANON, -1, 0);
	CHECK(p != MAP_FAILED, "a page to grow");
	if (p != MAP_FAILED) {
		errno = 0;
		char *q = mremap(p, 4096, TIB, MREMAP_MAYMOVE);
		CHECK(q == MAP_FAILED && errno == ENOMEM, "mremap to 1 TiB is ENOMEM");
		q = mremap(p, 4096, 512 * MIB, MREMAP_MAYMOVE);
		CHECK(q != MAP_FAILED, "mremap to 512 MiB succeeds");
		munmap(q != MAP_FAILED ? q : p, q != MAP_FAILED ? 512 * MIB : 4096);
	}

	/* brk by 1 TiB: refused, the break unchanged; by 16 MiB: granted */
	uintptr_t b = (uintptr_t)syscall(SYS_brk, 0);
	CHECK((uintptr_t)syscall(SYS_brk, b + TIB) == b, "brk up by 1 TiB is refused");
	CHECK((uintptr_t)syscall(SYS_brk, b + 16 * MIB) == b + 16 * MIB,
	      "brk up by 16 MiB is granted");
	CHECK((uintptr_t)syscall(SYS_brk, b) == b, "and back down");

	/* the refusals left nothing charged: 512 MiB is still granted */
	p = mmap(NULL, 512 * MIB, RW, ANON, -1, 0);
	CHECK(p != MAP_FAILED, "512 MiB again after the refusals");
	if (p != MAP_FAILED)
		munmap(p, 512 * MIB);
	return tap_done();
}

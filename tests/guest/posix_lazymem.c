/* Memory is used only when written (issue 11): reads of never-written
 * anonymous memory (mmap, brk, the bss) share one zero frame, so 256 MiB
 * of them in a 128 MiB guest cost nothing; the first write gives the page
 * a frame of its own, and madvise(MADV_DONTNEED), mprotect, mremap and
 * munmap treat the shared zero frame right (it stays zero, it is never
 * freed). The costs are counted through sysinfo's free memory, on unum
 * only (UNUM_TEST set: the VM has nothing else running); the contents
 * are checked everywhere. Runs on Linux too. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "tap.h"

#define KB 1024l
#define MB (1024l * KB)
#define PG 4096l

static bool on_unum;
static char bss_big[32 * MB]; /* never written */

static long
free_ram(void)
{
	struct sysinfo si;

	if (sysinfo(&si))
		return 0;
	return (long)(si.freeram * si.mem_unit);
}

/* the free memory went down by at most 'most' bytes since 'base' (on
 * unum; elsewhere other processes move it, so nothing is said) */
static bool
cost_at_most(long base, long most, const char *what)
{
	long now = free_ram(), used = base - now;

	if (!on_unum)
		return true;
	if (used > most)
		printf("# %s: free memory fell by %ld KiB, expected at most %ld KiB\n", what,
		       used / KB, most / KB);
	return used <= most;
}

/* the sum of one byte per page of [p, p+len) */
static unsigned long
read_pages(const volatile unsigned char *p, long len)
{
	unsigned long sum = 0;

	for (long o = 0; o < len; o += PG)
		sum += p[o];
	return sum;
}

static bool
all_zero(const unsigned char *p, long len)
{
	for (long i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* page tables for reading len bytes: 4 KiB per 2 MiB, and a few more */
static long
tables_for(long len)
{
	return (len / (2 * MB) + 8) * PG;
}

static void
test_anon_reads(void)
{
	long len = 256 * MB, base = free_ram();
	unsigned char *p =
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED, "mmap 256 MiB anonymous");
	if (p == MAP_FAILED)
		return;
	CHECK(read_pages(p, len) == 0, "256 MiB of fresh anonymous memory read: all zeros");
	CHECK(cost_at_most(base, tables_for(len), "reading 256 MiB"),
	      "reading 256 MiB of fresh memory costs only page tables");
	long before = free_ram();
	p[5 * PG + 7] = 0x5a; /* the first write: a frame of the page's own */
	CHECK(p[5 * PG + 7] == 0x5a && p[5 * PG + 6] == 0 && p[4 * PG] == 0 && p[6 * PG] == 0,
	      "a write after a read: the writer sees its byte, its neighbours stay zero");
	CHECK(!on_unum || before - free_ram() >= PG, "the write took a frame");
	CHECK(cost_at_most(before, 4 * PG, "one write"), "the write took about one frame");

	/* mprotect: read-only, then writable again; the zero frame stays
	 * read-only until the write fault */
	CHECK(mprotect(p, 16 * PG, PROT_READ) == 0 && p[8 * PG] == 0 && p[5 * PG + 7] == 0x5a,
	      "mprotect PROT_READ keeps the bytes");
	CHECK(mprotect(p, 16 * PG, PROT_READ | PROT_WRITE) == 0, "mprotect back to RW");
	p[9 * PG] = 0x11;
	CHECK(p[9 * PG] == 0x11 && p[10 * PG] == 0 && p[8 * PG] == 0,
	      "a write after mprotect adds PROT_WRITE lands in its own page");
	CHECK(mprotect(p, 16 * PG, PROT_NONE) == 0 &&
	          mprotect(p, 16 * PG, PROT_READ | PROT_WRITE) == 0 && p[9 * PG] == 0x11 &&
	          p[11 * PG] == 0,
	      "through PROT_NONE and back the bytes stay");

	/* MADV_DONTNEED on written and zero-frame pages: all zeros again */
	CHECK(madvise(p, 16 * PG, MADV_DONTNEED) == 0 && all_zero(p, 16 * PG),
	      "MADV_DONTNEED: written and read pages read back zero");
	p[12 * PG] = 0x22;
	CHECK(p[12 * PG] == 0x22, "written again after MADV_DONTNEED");

	/* mremap moves zero-frame and own pages alike */
	unsigned char *q =
	    mremap(p, 32 * PG, 64 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, p + len - 64 * PG);
	CHECK(q != MAP_FAILED && q[12 * PG] == 0x22 && q[13 * PG] == 0 &&
	          all_zero(q + 32 * PG, 32 * PG),
	      "mremap moved the pages: the written byte and the zeros");
	if (q != MAP_FAILED) {
		q[13 * PG] = 0x33;
		CHECK(q[13 * PG] == 0x33 && q[14 * PG] == 0,
		      "a moved zero page written gets its own frame");
	}

	CHECK(munmap(p, len) == 0, "munmap 256 MiB");
	CHECK(cost_at_most(base, tables_for(len), "after munmap"),
	      "after munmap the memory is back (but page tables)");

	/* the zero frame is still zero for everyone */
	unsigned char *z =
	    mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(z != MAP_FAILED && all_zero(z, 4 * PG), "a fresh mapping still reads zeros");
	if (z != MAP_FAILED)
		munmap(z, 4 * PG);
}

static void
test_brk_bss(void)
{
	long base = free_ram();
	unsigned char *b0 = (unsigned char *)syscall(SYS_brk, 0), *b1;

	CHECK(read_pages((unsigned char *)bss_big, sizeof(bss_big)) == 0,
	      "32 MiB of bss read: zeros");
	CHECK(cost_at_most(base, tables_for(sizeof(bss_big)), "the bss"),
	      "reading the bss costs only page tables");
	base = free_ram();
	b1 = (unsigned char *)syscall(SYS_brk, b0 + 16 * MB);
	CHECK(b1 == b0 + 16 * MB && read_pages(b0, 16 * MB) == 0,
	      "brk 16 MiB higher: the fresh memory reads zero");
	CHECK(cost_at_most(base, tables_for(16 * MB), "brk reads"),
	      "reading it costs only page tables");
	if (b1 != b0 + 16 * MB)
		return;
	b0[PG] = 1;
	CHECK(b0[PG] == 1 && b0[2 * PG] == 0, "a write to the break's memory");
	CHECK((unsigned char *)syscall(SYS_brk, b0) == b0, "the break back");
}

int
main(void)
{
	on_unum = getenv("UNUM_TEST") != NULL;
	test_anon_reads();
	test_brk_bss();
	return tap_done();
}

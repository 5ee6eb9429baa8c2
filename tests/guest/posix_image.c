/* In-guest checks that the app's own image is memory like any other, as
 * on Linux: munmap(0x400000, 4096) and munmap of the page of its program
 * headers succeed and the page then faults (SIGSEGV, SEGV_MAPERR);
 * mprotect of an image page to writable, to PROT_NONE (SEGV_ACCERR) and
 * back; mremap moves an image page with its bytes; brk(-1), brk below
 * the break's start and brk over the image leave the break as it was and
 * the app running. Built three ways like every tests/guest program;
 * passes on Linux too. */
#define _GNU_SOURCE
#include "tap.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096ul

/* two whole pages of .rodata, and one of .data */
static const volatile char ro[2 * PAGE] __attribute__((aligned(4096))) = {1, 2, 3};
static volatile char rw[PAGE] __attribute__((aligned(4096))) = {4, 5, 6};

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr;

static void
on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	siglongjmp(jb, 1);
}

/* the signal a read of addr raises (0: none) */
static int
read_faults(uintptr_t addr)
{
	got_sig = got_code = 0;
	got_addr = 0;
	if (sigsetjmp(jb, 1) == 0)
		(void)*(volatile char *)addr;
	return got_sig;
}

static void
check_munmap(void)
{
	uintptr_t phdr = getauxval(AT_PHDR) & ~(PAGE - 1);

	CHECK(munmap((void *)0x400000, PAGE) == 0, "munmap(0x400000, 4096): 0");
	CHECK(read_faults(0x400000) == SIGSEGV && got_code == SEGV_MAPERR && got_addr == 0x400000,
	      "a read at 0x400000 then: SIGSEGV, SEGV_MAPERR");
	CHECK(phdr && munmap((void *)phdr, PAGE) == 0, "munmap of the program headers' page: 0");
	CHECK(read_faults(phdr) == SIGSEGV && got_code == SEGV_MAPERR && got_addr == phdr,
	      "a read there then: SIGSEGV, SEGV_MAPERR");
	CHECK(munmap((void *)rw, PAGE) == 0, "munmap of a .data page: 0");
	CHECK(read_faults((uintptr_t)rw) == SIGSEGV && got_code == SEGV_MAPERR,
	      "a read there then: SIGSEGV, SEGV_MAPERR");
}

static void
check_mprotect(void)
{
	uintptr_t p = (uintptr_t)ro;

	CHECK(mprotect((void *)p, PAGE, PROT_READ | PROT_WRITE) == 0,
	      "mprotect of a .rodata page to read-write: 0");
	*(volatile char *)(p + 1) = 42;
	CHECK(ro[0] == 1 && ro[1] == 42, "the page is written, its other bytes kept");
	CHECK(mprotect((void *)p, PAGE, PROT_NONE) == 0, "mprotect to PROT_NONE: 0");
	CHECK(read_faults(p) == SIGSEGV && got_code == SEGV_ACCERR && got_addr == p,
	      "a read then: SIGSEGV, SEGV_ACCERR");
	CHECK(mprotect((void *)p, PAGE, PROT_READ) == 0 && ro[1] == 42,
	      "mprotect back to read-only: the bytes come back");
	uintptr_t text = (uintptr_t)&check_mprotect & ~(PAGE - 1);
	CHECK(mprotect((void *)text, PAGE, PROT_READ | PROT_EXEC) == 0,
	      "mprotect of the running text page to read-exec: 0");
}

static void
check_mremap(void)
{
	uintptr_t p = (uintptr_t)ro;
	void *q = mremap((void *)p, PAGE, 2 * PAGE, MREMAP_MAYMOVE);

	CHECK(q != MAP_FAILED && (uintptr_t)q != p, "mremap of an image page, grown: moved");
	if (q == MAP_FAILED)
		return;
	CHECK(((volatile char *)q)[0] == 1 && ((volatile char *)q)[1] == 42,
	      "its bytes moved with it");
	CHECK(read_faults(p) == SIGSEGV && got_code == SEGV_MAPERR, "the old page is gone");
	CHECK(ro[PAGE] == 0, "the image's next page is still there");
}

static void
check_brk(void)
{
	long cur = syscall(SYS_brk, 0);

	CHECK(cur > 0, "brk(0): the break");
	CHECK(syscall(SYS_brk, -1l) == cur, "brk(-1): the break unchanged");
	CHECK(syscall(SYS_brk, -(long)PAGE) == cur, "brk(-4096): the break unchanged");
	CHECK(syscall(SYS_brk, 0x400000l) == cur, "brk over the image: the break unchanged");
	CHECK(syscall(SYS_brk, (long)&check_brk) == cur, "brk into the text: the break unchanged");
	CHECK(syscall(SYS_brk, 0x0000800000000000l) == cur,
	      "brk at the app's top: the break unchanged");
	CHECK(syscall(SYS_brk, cur + (long)PAGE) == cur + (long)PAGE, "brk grows by a page");
	*(volatile char *)cur = 7;
	CHECK(syscall(SYS_brk, cur) == cur, "brk shrinks back");
	CHECK(ro[0] == 1, "the image is still there");
}

int
main(void)
{
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER};

	sigaction(SIGSEGV, &sa, NULL);
	check_brk();
	check_mprotect();
	check_mremap();
	check_munmap();
	return tap_done();
}

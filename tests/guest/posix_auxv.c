/* In-guest checks of the auxiliary vector as Linux builds it (fs/
 * binfmt_elf.c, create_elf_tables): AT_PHDR/PHENT/PHNUM matching the
 * program's own ELF header, AT_PAGESZ, AT_ENTRY at _start, AT_EXECFN,
 * AT_PLATFORM, AT_CLKTCK, AT_SECURE, the ids, AT_RANDOM, AT_HWCAP as
 * CPUID.1:EDX, AT_HWCAP2's FSGSBASE bit (and RDFSBASE then working),
 * AT_MINSIGSTKSZ big enough for a real signal frame on an alternate stack
 * with a guard page below; and /dev/random giving fresh bytes. Built
 * three ways like every tests/guest program; run as the app (and
 * natively). */
#define _GNU_SOURCE
#include "tap.h"
#include <cpuid.h>
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif
#define HWCAP2_FSGSBASE 2
#define ARCH_GET_FS 0x1003

extern const Elf64_Ehdr __ehdr_start;
extern void _start(void);

static volatile uintptr_t handler_sp;
static const unsigned long *auxv; /* as the kernel gave it, past envp */

/* the kernel's value: glibc's getauxval(AT_HWCAP) gives its own HWCAP
 * (2, HWCAP_X86_64) instead */
static unsigned long
raw_aux(unsigned long type)
{
	for (const unsigned long *a = auxv; a[0]; a += 2)
		if (a[0] == type)
			return a[1];
	return 0;
}

static void
on_usr1(int sig)
{
	char here;
	handler_sp = (uintptr_t)&here;
}

static void
test_phdr(void)
{
	const Elf64_Ehdr *e = &__ehdr_start;
	uintptr_t phdr = getauxval(AT_PHDR);

	CHECK(phdr == (uintptr_t)e + e->e_phoff, "AT_PHDR: the program headers of this image");
	CHECK(getauxval(AT_PHENT) == sizeof(Elf64_Phdr) && getauxval(AT_PHENT) == e->e_phentsize,
	      "AT_PHENT: 56");
	CHECK(getauxval(AT_PHNUM) == e->e_phnum, "AT_PHNUM: e_phnum");
	const Elf64_Phdr *ph = (const void *)phdr;
	uintptr_t bias = (uintptr_t)e;
	int loads = 0, first = 1;
	for (int i = 0; i < e->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && first) {
			bias -=
			    ph[i].p_vaddr & ~(uintptr_t)4095; /* the ELF header is in the first */
			first = 0;
		}
	for (int i = 0; i < e->e_phnum; i++)
		loads += ph[i].p_type == PT_LOAD && (uintptr_t)_start >= bias + ph[i].p_vaddr &&
		         (uintptr_t)_start < bias + ph[i].p_vaddr + ph[i].p_memsz &&
		         (ph[i].p_flags & PF_X);
	CHECK(loads == 1, "program headers: _start lies in one executable PT_LOAD");
	CHECK(getauxval(AT_ENTRY) == (uintptr_t)_start, "AT_ENTRY: the address of _start");
	CHECK(getauxval(AT_ENTRY) == bias + e->e_entry, "AT_ENTRY: e_entry plus the load bias");
}

static void
test_values(char **argv)
{
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	const char *plat = (const char *)getauxval(AT_PLATFORM);

	CHECK(getauxval(AT_PAGESZ) == 4096 && sysconf(_SC_PAGESIZE) == 4096, "AT_PAGESZ: 4096");
	CHECK(execfn && !strcmp(execfn, argv[0]), "AT_EXECFN: the argv[0] string");
	CHECK(plat && !strcmp(plat, "x86_64"), "AT_PLATFORM: x86_64");
	CHECK(getauxval(AT_CLKTCK) == 100 && sysconf(_SC_CLK_TCK) == 100, "AT_CLKTCK: 100");
	errno = 0;
	CHECK(getauxval(AT_SECURE) == 0 && errno == 0, "AT_SECURE: 0, present");
	CHECK(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid() &&
	          getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid(),
	      "AT_UID/EUID/GID/EGID: the process's ids");
	if (getenv("UNUM_TEST"))
		CHECK(getauxval(AT_UID) == 0 && getauxval(AT_EUID) == 0 && getauxval(AT_GID) == 0 &&
		          getauxval(AT_EGID) == 0,
		      "unum: AT_UID/EUID/GID/EGID 0 (root)");
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	int nz = 0;
	for (int i = 0; rnd && i < 16; i++)
		nz += rnd[i] != 0;
	CHECK(rnd && nz >= 8, "AT_RANDOM: 16 bytes, not (mostly) zero");
}

static void
test_hwcap(void)
{
	unsigned a, b, c, d;

	/* the host this was written on (a 6.18 PVM guest) keeps FSGSBASE off
	 * though the CPU has it: the exact values are checked under unum only */
	__cpuid(1, a, b, c, d);
	/* Linux gives its own view of CPUID.1:EDX: features it turned off
	 * (the host here: MTRR) are clear */
	unsigned long hw = raw_aux(AT_HWCAP);
	CHECK((hw & ~(unsigned long)d) == 0 && (hw & (1 << 26)),
	      "AT_HWCAP: CPUID.1:EDX bits (SSE2 among them)");
	if (getenv("UNUM_TEST"))
		CHECK(hw == d, "unum: AT_HWCAP is CPUID.1:EDX");
	__cpuid_count(7, 0, a, b, c, d);
	int fsgs = b & 1;
	unsigned long h2 = raw_aux(AT_HWCAP2);
	CHECK(fsgs || !(h2 & HWCAP2_FSGSBASE), "AT_HWCAP2: FSGSBASE only when the CPU has it");
	/* unum keeps its per-CPU data in GS and enters the kernel without
	 * SWAPGS, so it does not offer the app WRGSBASE (loader/elf.c) */
	if (getenv("UNUM_TEST"))
		CHECK(!(h2 & HWCAP2_FSGSBASE), "unum: AT_HWCAP2 does not offer FSGSBASE");
	if (h2 & HWCAP2_FSGSBASE) {
		unsigned long fs = 0, rd = 1;
		__asm__ volatile("rdfsbase %0" : "=r"(rd));
		syscall(158, ARCH_GET_FS, &fs);
		CHECK(rd == fs && fs != 0,
		      "HWCAP2_FSGSBASE: rdfsbase works and gives the TLS base");
	}
}

static void
test_minsigstksz(void)
{
	errno = 0;
	unsigned long min = getauxval(AT_MINSIGSTKSZ);
	CHECK(errno == 0 && min >= 440 + 512 && min < 65536,
	      "AT_MINSIGSTKSZ: present, a frame and an FPU area (>= 952 bytes)");
	if (errno || !min || min >= 65536)
		return;
	/* an alternate stack of AT_MINSIGSTKSZ plus the handler's own use,
	 * a PROT_NONE page below: a frame bigger than told would fault */
	printf("# AT_MINSIGSTKSZ %lu\n", min);
	size_t want = (min > 2048 ? min : 2048) + 512; /* 2048: sigaltstack's floor */
	size_t size = (want + 4095) & ~4095ul;
	char *m =
	    mmap(NULL, size + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(m, 4096, PROT_NONE);
	char *base = m + 4096 + size - want, *top = base + want;
	stack_t ss = {.ss_sp = base, .ss_size = want}, old;
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_ONSTACK};
	sigemptyset(&sa.sa_mask);
	sigaltstack(&ss, &old);
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	/* the frame and the handler's own few bytes fit in AT_MINSIGSTKSZ + 512 */
	CHECK(handler_sp >= (uintptr_t)top - min - 512 && handler_sp < (uintptr_t)top,
	      "AT_MINSIGSTKSZ: the signal frame on the alternate stack fits in it");
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	munmap(m, size + 4096);
}

static void
test_random(void)
{
	unsigned char a[32], b[32], z[32] = {0};
	int fd = open("/dev/random", O_RDONLY);

	CHECK(fd >= 0 && read(fd, a, 32) == 32 && read(fd, b, 32) == 32,
	      "/dev/random: two 32-byte reads");
	CHECK(memcmp(a, z, 32) && memcmp(b, z, 32), "/dev/random: the bytes are not all zero");
	CHECK(memcmp(a, b, 32), "/dev/random: two reads differ");
	close(fd);
}

int
main(int argc, char **argv)
{
	char **e = environ;
	while (*e)
		e++;
	auxv = (const unsigned long *)(e + 1);
	test_phdr();
	test_values(argv);
	test_hwcap();
	test_minsigstksz();
	test_random();
	return tap_done();
}

/* ELF64 executables for x86-64 (System V ABI, gABI chapter 5): the
 * PT_LOAD segments mapped at their addresses (ET_EXEC) or at a Linux-like
 * base (static-PIE, told from a shared object by DF_1_PIE or, without
 * it, by an entry point in an executable segment), and the
 * initial stack with auxv (System V x86-64 ABI 3.4.1). */
#include "uapi/elf.h"
#include "arch.h"
#include "errno.h"
#include "lib.h"
#include "loader.h"
#include "mm.h"
#include "uaccess.h"
#include "uapi/auxvec.h"
#include "uapi/signal.h"
#include "vfs.h"
#include "vma.h"

#define PIE_BASE 0x555555554000ul

/* AT_MINSIGSTKSZ: the most a signal frame takes of an alternate stack, as
 * Linux 5.14+ reports it (arch/x86/kernel/signal.c, init_sigframe_size):
 * the frame and the FPU save area with their alignment padding (the
 * frame 16-byte aligned less the return address slot, the area 64) */
static uint64_t
min_sigstack(void)
{
	return ALIGN_UP(sizeof(struct linux_rt_sigframe) + 15 + 8 + arch_fpu_area_size() + 63, 16);
}

/* [off, off + len) inside a file of 'size' bytes, without wrapping */
static bool
in_file(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

static bool
dyn_is_pie(const uint8_t *file, size_t size, const struct elf64_phdr *ph, int n)
{
	for (int i = 0; i < n; i++) {
		if (ph[i].type != PT_DYNAMIC || !in_file(ph[i].offset, ph[i].filesz, size))
			continue;
		const uint64_t *d = (const uint64_t *)(file + ph[i].offset);
		for (size_t k = 0; k + 1 < ph[i].filesz / 8 && d[k]; k += 2)
			if (d[k] == DT_FLAGS_1 && (d[k + 1] & DF_1_PIE))
				return true;
	}
	return false;
}

/* a static-PIE linked without DF_1_PIE (older linkers) still names a
 * real entry point inside an executable segment; a shared library's is
 * 0 or absent */
static bool
entry_in_text(uint64_t entry, const struct elf64_phdr *ph, int n)
{
	for (int i = 0; entry && i < n; i++)
		if (ph[i].type == PT_LOAD && (ph[i].flags & 1) && entry >= ph[i].vaddr &&
		    entry < ph[i].vaddr + ph[i].memsz)
			return true;
	return false;
}

static int
check(const uint8_t *f, size_t size, const char **why)
{
	const struct elf64_ehdr *e = (const void *)f;

	if (size < sizeof(*e) || memcmp(e->ident, "\177ELF", 4)) {
		*why = size ? "not an ELF file" : "empty file";
		return -ENOEXEC;
	}
	if (e->ident[4] != 2 || e->machine != 62) {
		*why = "ELF for another architecture (not x86-64)";
		return -ENOEXEC;
	}
	if (e->type != ET_EXEC && e->type != ET_DYN) { /* an object file, a core dump */
		*why = "not an executable (ELF type)";
		return -ENOEXEC;
	}
	if (e->phentsize != sizeof(struct elf64_phdr) ||
	    !in_file(e->phoff, (uint64_t)e->phnum * sizeof(struct elf64_phdr), size)) {
		*why = "truncated ELF (program headers past the end)";
		return -ENOEXEC;
	}
	return 0;
}

/* the stack Linux gives a new process, built top-down */
static int
build_stack(struct app_image *img, const char *const argv[], const char *const envp[],
            const uint8_t random[16], const char *execfn)
{
	int argc = 0, envc = 0, err;
	uintptr_t sp = APP_STACK_TOP, ptrs;
	uintptr_t *uargv, *uenv;

	while (argv[argc])
		argc++;
	while (envp[envc])
		envc++;
	uargv = kmalloc((argc + envc + 2) * sizeof(uintptr_t));
	if (!uargv)
		return -ENOMEM;
	uenv = uargv + argc + 1;
#define PUSH_BYTES(src, n) (sp -= (n), vma_fill(sp, (src), (n)))
	err = PUSH_BYTES(execfn, strlen(execfn) + 1);
	uintptr_t u_execfn = sp;
	for (int i = envc - 1; i >= 0 && !err; i--) {
		err = PUSH_BYTES(envp[i], strlen(envp[i]) + 1);
		uenv[i] = sp;
	}
	for (int i = argc - 1; i >= 0 && !err; i--) {
		err = PUSH_BYTES(argv[i], strlen(argv[i]) + 1);
		uargv[i] = sp;
	}
	err = err ? err : PUSH_BYTES("x86_64", 7);
	uintptr_t u_platform = sp;
	err = err ? err : PUSH_BYTES(random, 16);
	uintptr_t u_random = sp;
	uint32_t r[4];
	cpuid(1, 0, r);
	uint64_t aux[][2] = {
	    {AT_PHDR, img->phdr},
	    {AT_PHENT, sizeof(struct elf64_phdr)},
	    {AT_PHNUM, img->phnum},
	    {AT_PAGESZ, PAGE_SIZE},
	    {AT_BASE, 0},
	    {AT_FLAGS, 0},
	    {AT_ENTRY, img->entry},
	    {AT_UID, 0},
	    {AT_EUID, 0},
	    {AT_GID, 0},
	    {AT_EGID, 0},
	    {AT_SECURE, 0},
	    {AT_RANDOM, u_random},
	    {AT_HWCAP, r[3]},
	    {AT_HWCAP2, 0 /* no HWCAP2_FSGSBASE: see below */},
	    {AT_MINSIGSTKSZ, min_sigstack()},
	    {AT_CLKTCK, 100},
	    {AT_PLATFORM, u_platform},
	    {AT_EXECFN, u_execfn},
	    {AT_NULL, 0},
	};
	/* AT_HWCAP2 leaves out FSGSBASE although CR4.FSGSBASE is on (the
	 * kernel switches FS bases with it): the kernel keeps per-CPU data in
	 * GS and enters without SWAPGS, so an app's WRGSBASE would pull that
	 * from under it. Apps use the instructions only when AT_HWCAP2 says so
	 * (the Linux ABI); others take arch_prctl, which we serve. */
	uargv[argc] = 0;
	uenv[envc] = 0;
	/* argc, argv[], NULL, envp[], NULL, auxv: 16-byte aligned at argc */
	size_t words = 1 + argc + 1 + envc + 1 + 2 * ARRAY_SIZE(aux);
	sp = ALIGN_DOWN(sp - words * 8, 16);
	ptrs = sp;
	uint64_t argc64 = argc;
	err = err ? err : vma_fill(ptrs, &argc64, 8);
	err = err ? err : vma_fill(ptrs + 8, uargv, (argc + 1) * 8);
	err = err ? err : vma_fill(ptrs + 8 + (argc + 1) * 8, uenv, (envc + 1) * 8);
	err = err ? err : vma_fill(ptrs + 8 * (argc + envc + 3), aux, sizeof(aux));
#undef PUSH_BYTES
	kfree(uargv);
	img->sp = sp;
	return err;
}

static int
load_segments(const uint8_t *f, size_t size, const struct elf64_phdr *ph, int n, uintptr_t bias,
              uintptr_t *brk, const char **why)
{
	for (int i = 0; i < n; i++) {
		if (ph[i].type != PT_LOAD || !ph[i].memsz)
			continue;
		if (!in_file(ph[i].offset, ph[i].filesz, size) || ph[i].filesz > ph[i].memsz) {
			*why = "truncated ELF (a segment past the end of the file)";
			return -ENOEXEC;
		}
		uintptr_t va = bias + ph[i].vaddr, s = ALIGN_DOWN(va, PAGE_SIZE);
		uintptr_t e = ALIGN_UP(va + ph[i].memsz, PAGE_SIZE);
		int prot = (ph[i].flags & 4 ? PROT_READ : 0) | (ph[i].flags & 2 ? PROT_WRITE : 0) |
		           (ph[i].flags & 1 ? PROT_EXEC : 0);
		long r = vma_map(s, e - s, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE);
		if (r < 0)
			return (int)r;
		if (vma_fill(va, f + ph[i].offset, ph[i].filesz))
			return -ENOMEM;
		/* the rest (bss) is zero already: fresh pages */
		if (prot != (PROT_READ | PROT_WRITE) && (r = vma_protect(s, e - s, prot)))
			return (int)r;
		if (e > *brk)
			*brk = e;
	}
	return 0;
}

int
elf_load(const char *path, const char *const argv[], const char *const envp[],
         const uint8_t random[16], struct app_image *img, const char **why)
{
	struct vnode *v;
	const struct elf64_ehdr *e;
	const struct elf64_phdr *ph;
	uintptr_t bias = 0, brk = 0;
	int err = vfs_lookup(NULL, path, true, &v); /* its hold is kept: the app's file */

	*why = "";
	if (err) {
		*why = "not found";
		return err;
	}
	if ((v->v_mode & S_IFMT) != S_IFREG) {
		*why = "not a regular file";
		return -EACCES;
	}
	size_t size;
	const uint8_t *f = vfs_bytes(v, &size);
	if (!f) {
		*why = "not on a file system the loader can map";
		return -EACCES;
	}
	if ((err = check(f, size, why)))
		return err;
	e = (const void *)f;
	ph = (const void *)(f + e->phoff);
	for (int i = 0; i < e->phnum; i++)
		if (ph[i].type == PT_INTERP) {
			*why = "dynamically linked (PT_INTERP): not supported yet";
			return -ENOEXEC;
		}
	if (e->type == ET_DYN) {
		if (!dyn_is_pie(f, size, ph, e->phnum) && !entry_in_text(e->entry, ph, e->phnum)) {
			*why = "a shared library, not a program";
			return -ENOEXEC;
		}
		bias = PIE_BASE;
	} else if (e->type != ET_EXEC) {
		*why = "not an executable (ELF type)";
		return -ENOEXEC;
	}
	if ((err = load_segments(f, size, ph, e->phnum, bias, &brk, why)))
		return err;
	for (int i = 0; i < e->phnum; i++) /* /proc/self/maps names the app's file */
		if (ph[i].type == PT_LOAD && ph[i].memsz)
			vma_label(ALIGN_DOWN(bias + ph[i].vaddr, PAGE_SIZE),
			          ALIGN_UP(bias + ph[i].vaddr + ph[i].memsz, PAGE_SIZE) -
			              ALIGN_DOWN(bias + ph[i].vaddr, PAGE_SIZE),
			          v, ALIGN_DOWN(ph[i].offset, PAGE_SIZE));
	img->entry = bias + e->entry;
	img->phnum = e->phnum;
	img->phdr = 0;
	for (int i = 0; i < e->phnum; i++)
		if (ph[i].type == PT_LOAD && ph[i].offset <= e->phoff &&
		    e->phoff < ph[i].offset + ph[i].filesz)
			img->phdr = bias + ph[i].vaddr + (e->phoff - ph[i].offset);
	img->brk = brk;
	vma_set_brk_base(brk);
	long r = vma_map(APP_STACK_TOP - APP_STACK_SIZE, APP_STACK_SIZE, PROT_READ | PROT_WRITE,
	                 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS);
	if (r < 0)
		return (int)r;
	return build_stack(img, argv, envp, random, path);
}

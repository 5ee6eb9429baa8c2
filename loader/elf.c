/* ELF64 executables for x86-64 (System V ABI, gABI chapter 5): the
 * PT_LOAD segments mapped at their addresses (ET_EXEC) or at a Linux-like
 * base (PIE; a static-PIE told from a shared object by DF_1_PIE or,
 * without it, by an entry point in an executable segment), the program's
 * PT_INTERP (glibc's ld.so, any other from the file system) mapped where
 * Linux's mmap would put it and entered first, or for musl's
 * /lib/ld-musl-x86_64.so.1 our own linker (loader/dynlink.c: the kernel's
 * musl, no file), and the initial stack with auxv (System V x86-64 ABI
 * 3.4.1). */
#include "uapi/elf.h"
#include "arch.h"
#include "errno.h"
#include "lib.h"
#include "loader.h"
#include "loader_impl.h"
#include "mm.h"
#include "rlimit.h"
#include "uaccess.h"
#include "uapi/auxvec.h"
#include "uapi/limits.h"
#include "uapi/signal.h"
#include "vfs.h"
#include "vma.h"

/* AT_MINSIGSTKSZ: the most a signal frame takes of an alternate stack, as
 * Linux 5.14+ reports it (arch/x86/kernel/signal.c, init_sigframe_size):
 * the frame and the FPU save area with their alignment padding (the
 * frame 16-byte aligned less the return address slot, the area 64) */
static uint64_t
min_sigstack(void)
{
	return ALIGN_UP(sizeof(struct linux_rt_sigframe) + 15 + 8 + arch_fpu_area_size() + 63, 16);
}

/* the reason of a refusal that names a segment: one app loads, once */
static char reason[128];

static const char *
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return reason;
}

/* DF_1_PIE in the first PT_DYNAMIC (inside the file: check made sure) */
static bool
dyn_is_pie(const uint8_t *file, const struct elf64_phdr *ph, int n)
{
	for (int i = 0; i < n; i++) {
		if (ph[i].type != PT_DYNAMIC)
			continue;
		for (uint64_t k = 0; k + 16 <= ph[i].filesz; k += 16) {
			uint64_t d[2];
			memcpy(d, file + ph[i].offset + k, sizeof(d)); /* any alignment */
			if (!d[0])
				break;
			if (d[0] == DT_FLAGS_1 && (d[1] & DF_1_PIE))
				return true;
		}
		return false;
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
		    entry - ph[i].vaddr < ph[i].memsz)
			return true;
	return false;
}

static const char *
seg_name(uint32_t type)
{
	return type == PT_LOAD ? "PT_LOAD" : type == PT_INTERP ? "PT_INTERP" : "PT_DYNAMIC";
}

/* The ELF header and every program header, as Linux's execve checks them
 * (fs/binfmt_elf.c: load_elf_phdrs, elf_map's page offsets) and the gABI
 * requires; all sums overflow-checked. Each refusal names the field.
 * tools/pyunum/elf.py makes the same checks in the same order with the
 * same words (tests/e2e/elf-crafted.sh). */
int
elf_check(const uint8_t *f, size_t size, const char **why)
{
	const struct elf64_ehdr *e = (const void *)f;
	uint64_t end;
	int loads = 0;

	if (size < sizeof(*e) || memcmp(e->ident, "\177ELF", 4)) {
		*why = size ? "not an ELF file" : "empty file";
		return -ENOEXEC;
	}
	if (e->ident[4] != 2 || e->ident[5] != 1 || e->machine != 62) {
		*why = "ELF for another architecture (not x86-64)";
		return -ENOEXEC;
	}
	if (e->type != ET_EXEC && e->type != ET_DYN) { /* an object file, a core dump */
		*why = "not an executable (ELF type)";
		return -ENOEXEC;
	}
	if (!e->phnum) {
		*why = "not an executable (e_phnum 0: no program headers)";
		return -ENOEXEC;
	}
	if (e->phentsize != sizeof(struct elf64_phdr)) {
		*why = say("bad ELF (e_phentsize %u, not 56)", e->phentsize);
		return -ENOEXEC;
	}
	if ((uint64_t)e->phnum * sizeof(struct elf64_phdr) > 65536) { /* load_elf_phdrs */
		*why = say("bad ELF (e_phnum %u: over 64 KiB of program headers)", e->phnum);
		return -ENOEXEC;
	}
	if (__builtin_add_overflow(e->phoff, (uint64_t)e->phnum * sizeof(struct elf64_phdr),
	                           &end) ||
	    end > size) {
		*why =
		    "truncated ELF (program headers past the end of the file: e_phoff + e_phnum * "
		    "e_phentsize)";
		return -ENOEXEC;
	}
	const struct elf64_phdr *ph = (const void *)(f + e->phoff);
	for (int i = 0; i < e->phnum; i++) {
		const struct elf64_phdr *p = &ph[i];
		if (p->type != PT_LOAD && p->type != PT_INTERP && p->type != PT_DYNAMIC)
			continue;
		if (__builtin_add_overflow(p->offset, p->filesz, &end) || end > size) {
			*why =
			    say("truncated ELF (%s segment %d past the end of the file: p_offset + "
			        "p_filesz)",
			        seg_name(p->type), i);
			return -ENOEXEC;
		}
		if (p->type == PT_INTERP &&
		    (p->filesz < 2 || p->filesz > PATH_MAX || f[p->offset + p->filesz - 1] != 0)) {
			*why = "bad ELF (PT_INTERP is not a NUL-terminated path)";
			return -ENOEXEC;
		}
		if (p->type != PT_LOAD)
			continue;
		loads++;
		if (p->filesz > p->memsz) {
			*why = say("bad ELF (PT_LOAD segment %d: p_filesz > p_memsz)", i);
			return -ENOEXEC;
		}
		if (p->align & (p->align - 1)) {
			*why = say("bad ELF (PT_LOAD segment %d: p_align not a power of two)", i);
			return -ENOEXEC;
		}
		/* Linux maps the file's pages: the offsets must agree within a page */
		if (p->filesz && (p->vaddr - p->offset) % PAGE_SIZE) {
			*why = say(
			    "bad ELF (PT_LOAD segment %d: p_vaddr and p_offset differ modulo the "
			    "page size)",
			    i);
			return -ENOEXEC;
		}
	}
	if (!loads) {
		*why = "not an executable (no PT_LOAD segment)";
		return -ENOEXEC;
	}
	return 0;
}

/* Where the PT_LOAD segments go, at bias: inside the app's half (from
 * Linux's mmap_min_addr to below the mmap area and the stack), not
 * overlapping each other, and the entry point in an executable one. */
int
elf_check_layout(const struct elf64_ehdr *e, const struct elf64_phdr *ph, uintptr_t bias,
                 const char **why)
{
	uint64_t s, end;

	for (int i = 0; i < e->phnum; i++) {
		if (ph[i].type != PT_LOAD || !ph[i].memsz)
			continue;
		if (__builtin_add_overflow(bias, ph[i].vaddr, &s) ||
		    __builtin_add_overflow(s, ph[i].memsz, &end) || s < APP_MMAP_BOTTOM ||
		    end > APP_MMAP_TOP) {
			*why = say("bad ELF (PT_LOAD segment %d outside the app's half: p_vaddr + "
			           "p_memsz)",
			           i);
			return -ENOEXEC;
		}
		for (int j = 0; j < i; j++)
			if (ph[j].type == PT_LOAD && ph[j].memsz &&
			    ph[i].vaddr < ph[j].vaddr + ph[j].memsz &&
			    ph[j].vaddr < ph[i].vaddr + ph[i].memsz) {
				*why = say("bad ELF (PT_LOAD segments %d and %d overlap: p_vaddr, "
				           "p_memsz)",
				           j, i);
				return -ENOEXEC;
			}
	}
	/* e_entry is not checked: as on Linux, an entry point outside the
	 * code (even in the kernel's half) starts the program, which dies of
	 * SIGSEGV at its first instruction (tests/e2e/fault-app.sh) */
	return 0;
}

/* Linux's limits on what execve copies to the new stack (fs/exec.c:
 * bprm_stack_limits, copy_strings): each string at most MAX_ARG_STRLEN
 * with its NUL; the file name, every argument and environment string with
 * their NULs and a pointer each at most a quarter of the stack's soft
 * limit (at most 6 MiB, at least 128 KiB). Beyond, -E2BIG and the figures;
 * tools/pyunum/initrd.py makes the same count before QEMU starts. */
#define MAX_ARG_STRLEN (32 * PAGE_SIZE)

static int
check_args(const char *path, const char *const argv[], const char *const envp[], const char **why)
{
	uint64_t limit = MAX(MIN(rlimit_cur(RLIMIT_STACK) / 4, 6ul << 20), 32 * PAGE_SIZE);
	uint64_t total = strlen(path) + 1;
	const char *const *lists[] = {argv, envp};

	for (int l = 0; l < 2; l++)
		for (const char *const *s = lists[l]; *s; s++) {
			uint64_t len = strlen(*s) + 1;
			if (len > MAX_ARG_STRLEN) {
				*why = say(
				    "argument list too long (one string of %lu bytes, limit %lu)",
				    (unsigned long)len, (unsigned long)MAX_ARG_STRLEN);
				return -E2BIG;
			}
			total += len + sizeof(char *);
		}
	if (!argv[0])
		total += sizeof(char *); /* Linux counts argc as at least 1 */
	if (total > limit) {
		*why = say("argument list too long (%lu bytes, limit %lu)", (unsigned long)total,
		           (unsigned long)limit);
		return -E2BIG;
	}
	return 0;
}

/* the stack Linux gives a new process, built top-down */
static int
build_stack(struct app_image *img, const char *const argv[], const char *const envp[],
            const uint8_t random[16], const char *execfn)
{
	int argc = 0, envc = 0, err;
	uintptr_t sp = vma_layout()->stack_top, ptrs;
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
	sp = ALIGN_DOWN(sp - vma_layout()->sp_shift, 16); /* Linux's arch_align_stack */
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
	    {AT_BASE, img->base},
	    {AT_FLAGS, 0},
	    {AT_ENTRY, img->at_entry},
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
seg_prot(const struct elf64_phdr *p)
{
	return (p->flags & 4 ? PROT_READ : 0) | (p->flags & 2 ? PROT_WRITE : 0) |
	       (p->flags & 1 ? PROT_EXEC : 0);
}

/* The PT_LOAD segments at bias (check and check_layout passed: inside the
 * file and the app's half, their bytes apart), from the file v when it can
 * be mapped, as Linux's elf_map does: the pages the file's bytes cover map
 * the file's own frames MAP_PRIVATE, so they are borrowed until written (a
 * program's text costs no frame of its own, and twenty mappings of one
 * library cost its pages once); the bss past the last such page is
 * anonymous, and the bss's part of that page is zeroed (Linux's padzero),
 * which gives it a private copy. Without v (musl's image in the kernel) or
 * for a file that cannot be mapped, the bytes are copied into anonymous
 * pages. Two segments may share a page at their ends: the earlier one maps
 * it and the later one's bytes are written into it, as Linux's MAP_FIXED
 * mapping of each in turn leaves the file's bytes between the two.
 * Everything is mapped writable (our dynamic linker relocates while it
 * is), then protected in order (elf_protect_segments). */
int
elf_map_segments(const uint8_t *f, struct vnode *v, const struct elf64_phdr *ph, int n,
                 uintptr_t bias, uintptr_t *brk)
{
#define SEG_START(p) ALIGN_DOWN(bias + (p)->vaddr, PAGE_SIZE)
#define SEG_END(p) ALIGN_UP(bias + (p)->vaddr + (p)->memsz, PAGE_SIZE)
#define LOADED(p) ((p)->type == PT_LOAD && (p)->memsz)
	bool by_file = v && vfs_mappable(v);
	long r;

	for (int i = 0; i < n; i++) {
		const struct elf64_phdr *p = &ph[i];
		if (!LOADED(p))
			continue;
		uintptr_t s = SEG_START(p), e = SEG_END(p), lo = s, hi = e;
		for (int j = 0; j < i; j++) { /* pages an earlier segment mapped */
			if (!LOADED(&ph[j]))
				continue;
			if (SEG_START(&ph[j]) <= lo && lo < SEG_END(&ph[j]))
				lo += PAGE_SIZE;
			if (hi > lo && SEG_START(&ph[j]) < hi && hi <= SEG_END(&ph[j]))
				hi -= PAGE_SIZE;
		}
		uintptr_t at = bias + p->vaddr, fend = at + p->filesz;
		/* [lo, mid) from the file, [mid, hi) anonymous */
		uintptr_t mid =
		    by_file && p->filesz ? MAX(lo, MIN(hi, ALIGN_UP(fend, PAGE_SIZE))) : lo;
		if (lo < mid &&
		    (r = vma_map_file(lo, mid - lo, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE,
		                      v, ALIGN_DOWN(p->offset, PAGE_SIZE) + (lo - s))) < 0)
			return (int)r;
		if (mid < hi && (r = vma_map(mid, hi - mid, PROT_READ | PROT_WRITE,
		                             MAP_FIXED | MAP_PRIVATE)) < 0)
			return (int)r;
		/* the file's bytes the file mapping does not hold: all of them
		 * when copying, else those in a page an earlier segment mapped */
		uintptr_t fs = lo < mid ? lo : fend, fe = lo < mid ? mid : fend;
		if (at < MIN(fend, fs) && vma_fill(at, f + p->offset, MIN(fend, fs) - at))
			return -ENOMEM;
		if (MAX(at, fe) < fend &&
		    vma_fill(MAX(at, fe), f + p->offset + (MAX(at, fe) - at), fend - MAX(at, fe)))
			return -ENOMEM;
		/* with a bss, the last file page is zero from the file's bytes to
		 * its end (fresh anonymous pages are): Linux's padzero, which
		 * glibc's ld.so counts on (its first mallocs take that tail) */
		uintptr_t z = ALIGN_UP(fend, PAGE_SIZE);
		if (by_file && p->memsz > p->filesz && fend < z && vma_zero(fend, z - fend))
			return -ENOMEM;
		if (e > *brk)
			*brk = e;
	}
	return 0;
}

/* then each segment's own protection, in order (a shared page: the later
 * segment's) */
int
elf_protect_segments(const struct elf64_phdr *ph, int n, uintptr_t bias)
{
	long r;

	for (int i = 0; i < n; i++) {
		if (!LOADED(&ph[i]))
			continue;
		uintptr_t s = SEG_START(&ph[i]), e = SEG_END(&ph[i]);
		if ((r = vma_protect(s, e - s, seg_prot(&ph[i])))) /* RW too: a shared page */
			return (int)r;
	}
	return 0;
}
#undef SEG_START
#undef SEG_END
#undef LOADED

static int
load_segments(const uint8_t *f, struct vnode *v, const struct elf64_phdr *ph, int n, uintptr_t bias,
              uintptr_t *brk)
{
	int err = elf_map_segments(f, v, ph, n, bias, brk);

	return err ? err : elf_protect_segments(ph, n, bias);
}

/* an ET_DYN program's bias: this boot's PIE base, aligned down to its
 * PT_LOAD segments' largest power-of-two p_align (Linux's
 * maximum_alignment), so each segment keeps its alignment */
static uintptr_t
pie_bias(const struct elf64_phdr *ph, int n)
{
	uint64_t align = PAGE_SIZE;

	for (int i = 0; i < n; i++)
		if (ph[i].type == PT_LOAD && ph[i].align > align && ph[i].align <= (1ul << 30) &&
		    !(ph[i].align & (ph[i].align - 1)))
			align = ph[i].align;
	return ALIGN_DOWN(vma_layout()->pie_base, align);
}

/* the span of an ET_DYN object's PT_LOAD segments from its first page,
 * and their largest power-of-two alignment (Linux's total_mapping_size,
 * maximum_alignment) */
static uint64_t
object_span(const struct elf64_phdr *ph, int n, uint64_t *lo, uint64_t *align)
{
	uint64_t hi = 0;

	*lo = UINT64_MAX;
	*align = PAGE_SIZE;
	for (int i = 0; i < n; i++) {
		if (ph[i].type != PT_LOAD || !ph[i].memsz)
			continue;
		*lo = MIN(*lo, ALIGN_DOWN(ph[i].vaddr, PAGE_SIZE));
		hi = MAX(hi, ph[i].vaddr + ph[i].memsz); /* check_layout: no wrap */
		if (ph[i].align > *align && ph[i].align <= (1ul << 30) &&
		    !(ph[i].align & (ph[i].align - 1)))
			*align = ph[i].align;
	}
	if (*lo == UINT64_MAX)
		*lo = 0;
	return hi > *lo ? ALIGN_UP(hi, PAGE_SIZE) - *lo : 0;
}

/* an ET_DYN interpreter's bias: where mmap would put its whole span (top
 * down from this boot's mmap area, as Linux's load_elf_interp maps it
 * without an address), aligned to its segments' alignment; the room is
 * only looked for here, load_segments then maps each segment MAP_FIXED */
long
elf_room(const struct elf64_phdr *ph, int n)
{
	uint64_t lo, align, span = object_span(ph, n, &lo, &align);
	long r;

	if (!span || span > APP_MMAP_TOP - APP_MMAP_BOTTOM)
		return -ENOEXEC;
	r = vma_map(0, span + align - PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (r < 0)
		return r;
	vma_unmap((uintptr_t)r, span + align - PAGE_SIZE);
	return (long)(ALIGN_UP((uintptr_t)r, align) - lo);
}

/* an object's segments are named after its file in /proc/self/maps */
void
elf_label_segments(struct vnode *v, const struct elf64_phdr *ph, int n, uintptr_t bias)
{
	for (int i = 0; i < n; i++)
		if (ph[i].type == PT_LOAD && ph[i].memsz)
			vma_label(ALIGN_DOWN(bias + ph[i].vaddr, PAGE_SIZE),
			          ALIGN_UP(bias + ph[i].vaddr + ph[i].memsz, PAGE_SIZE) -
			              ALIGN_DOWN(bias + ph[i].vaddr, PAGE_SIZE),
			          v, ALIGN_DOWN(ph[i].offset, PAGE_SIZE));
}

/* the reason of a refusal of the interpreter: its path, then why */
static char interp_reason[PATH_MAX + 160];

/* The program's PT_INTERP (glibc's ld-linux, musl's ld-musl): loaded as
 * Linux's load_elf_interp does, from the root file system, checked as the
 * program is (check, check_layout), an ET_DYN one where mmap would put it;
 * its own PT_INTERP is ignored, as Linux does. *bias and *entry for the
 * auxv's AT_BASE and the first instruction. -ENOENT when the file is not
 * there (127, as a shell says of an execve that fails so), -ENOEXEC with
 * the reason else (126). */
static int
load_interp(const char *path, uintptr_t *bias, uintptr_t *entry, const char **why)
{
	struct vnode *v;
	const char *what = NULL;
	size_t size;
	uintptr_t brk = 0;
	int err = vfs_lookup(NULL, path, true, &v); /* its hold is kept: mapped for good */

	*bias = 0;
	if (err)
		what = err == -ENOENT ? "not found" : "cannot be looked up";
	else if ((v->v_mode & S_IFMT) != S_IFREG)
		what = "not a regular file", err = -EACCES;
	const uint8_t *f = err ? NULL : vfs_bytes(v, &size);
	if (!err && !f)
		what = "not on a file system the loader can map", err = -EACCES;
	if (!err)
		err = elf_check(f, size, &what);
	const struct elf64_ehdr *e = (const void *)f;
	const struct elf64_phdr *ph = err ? NULL : (const void *)(f + e->phoff);
	if (!err && e->type == ET_DYN) {
		long b = elf_room(ph, e->phnum);
		if (b < 0 && b != -ENOEXEC)
			return (int)b;
		if (b < 0)
			what = "bad ELF (no PT_LOAD segment with a size)", err = -ENOEXEC;
		else
			*bias = (uintptr_t)b;
	}
	if (!err && !(err = elf_check_layout(e, ph, *bias, &what)))
		err = load_segments(f, v, ph, e->phnum, *bias, &brk);
	if (err == -ENOMEM && !what)
		return err;
	if (err) {
		fmt_snprintf(interp_reason, sizeof(interp_reason), "interpreter %s: %s", path,
		             what ? what : "cannot be mapped");
		*why = interp_reason;
		return err == -ENOENT ? -ENOENT : -ENOEXEC;
	}
	elf_label_segments(v, ph, e->phnum, *bias);
	*entry = *bias + e->entry;
	return 0;
}

int
elf_load(const char *path, const char *const argv[], const char *const envp[],
         const uint8_t random[16], struct app_image *img, const char **why)
{
	struct vnode *v;
	const struct elf64_ehdr *e;
	const struct elf64_phdr *ph;
	const char *interp = NULL;
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
	if ((err = check_args(path, argv, envp, why)))
		return err;
	size_t size;
	const uint8_t *f = vfs_bytes(v, &size);
	if (!f) {
		*why = "not on a file system the loader can map";
		return -EACCES;
	}
	if ((err = elf_check(f, size, why)))
		return err;
	e = (const void *)f;
	ph = (const void *)(f + e->phoff);
	for (int i = 0; i < e->phnum && !interp; i++) /* the first, as Linux */
		if (ph[i].type == PT_INTERP)
			interp = (const char *)f + ph[i].offset; /* check: NUL-terminated */
	if (e->type == ET_DYN) {
		/* with an interpreter, any ET_DYN is a PIE (Linux starts it) */
		if (!interp && !dyn_is_pie(f, ph, e->phnum) &&
		    !entry_in_text(e->entry, ph, e->phnum)) {
			*why = "a shared library, not a program";
			return -ENOEXEC;
		}
		bias = pie_bias(ph, e->phnum);
	} else if (e->type != ET_EXEC) {
		*why = "not an executable (ELF type)";
		return -ENOEXEC;
	}
	/* musl's interpreter is ours: the program binds to the kernel's musl
	 * (loader/dynlink.c), relocated before its segments are protected */
	bool ours = interp && !strcmp(interp, DYNLINK_MUSL_INTERP);
	if ((err = elf_check_layout(e, ph, bias, why)) ||
	    (err = (ours ? elf_map_segments : load_segments)(f, v, ph, e->phnum, bias, &brk)))
		return err;
	elf_label_segments(v, ph, e->phnum, bias);
	procfs_set_exe(v);
	img->at_entry = img->entry = bias + e->entry;
	img->base = 0;
	img->phnum = e->phnum;
	img->phdr = 0;
	for (int i = 0; i < e->phnum; i++)
		if (ph[i].type == PT_LOAD && ph[i].offset <= e->phoff &&
		    e->phoff < ph[i].offset + ph[i].filesz)
			img->phdr = bias + ph[i].vaddr + (e->phoff - ph[i].offset);
	img->brk = brk + vma_layout()->brk_shift; /* Linux's arch_randomize_brk */
	vma_set_brk_base(img->brk);
	/* the stack at this boot's place; a segment can be in the way only
	 * when that is random (check_layout: segments end below APP_MMAP_TOP) */
	uintptr_t top = vma_layout()->stack_top;
	long r = vma_map(top - APP_STACK_SIZE, APP_STACK_SIZE, PROT_READ | PROT_WRITE,
	                 MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS);
	if (r == -EEXIST) {
		*why = "a PT_LOAD segment where the stack goes (p_vaddr, p_memsz; norandmaps "
		       "keeps the stack at its fixed place)";
		return -ENOEXEC;
	}
	if (r < 0)
		return (int)r;
	/* the interpreter after the stack, as Linux maps it: in the mmap area */
	if (ours && (err = dynlink_musl(v, f, size, bias, envp, &img->base, why)))
		return err;
	if (interp && !ours && (err = load_interp(interp, &img->base, &img->entry, why)))
		return err;
	return build_stack(img, argv, envp, random, path);
}

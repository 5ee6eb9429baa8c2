/* Fuzz loader/elf.c: elf_load() on the input as the app's file, over a
 * model of the app's address space (vma_* below: the real calls' argument
 * checks, with the regions kept in a list). Besides the sanitizers, the
 * harness fails when the loader
 * - copies segment bytes from outside the file (a p_offset + p_filesz that
 *   wraps would copy kernel memory into the app),
 * - maps anything outside the app's half, or fills memory it did not map,
 * - returns success with a stack pointer that is not 16-byte aligned
 *   inside the stack, or a refusal without a reason.
 * The custom mutator overwrites ELF header and program header fields with
 * boundary values half of the time; seeds: real static, static-PIE and
 * musl programs (tests/fuzz/seeds.py). A PT_INTERP names the input
 * itself, loaded a second time as the interpreter (but musl's: our
 * linker, loader/dynlink.c, is not fuzzed yet). */
#include "uapi/elf.h"
#include "../../loader/loader_impl.h"
#include "errno.h"
#include "fuzz.h"
#include "lib.h"
#include "loader.h"
#include "mm.h"
#include "rlimit.h"
#include "uaccess.h"
#include "vfs.h"
#include "vma.h"

#define APP_PATH "/app/fuzzed"

static const uint8_t *file;
static size_t file_size;
static struct vnode app_node = {.v_mode = S_IFREG | 0755};
/* any absolute PT_INTERP is the input itself, so the interpreter's
 * checks and loading see fuzzed bytes too */
static struct vnode interp_node = {.v_mode = S_IFREG | 0755};

/* ---- the app's address space: mapped regions, newest last ---- */

static struct region {
	uintptr_t s, e;
} * regions;
static size_t nregions, region_room;

static bool
mapped(uintptr_t a, size_t n)
{
	uintptr_t e = a + n;

	if (e < a)
		return false;
	while (a < e) { /* each step finds a region holding a */
		size_t i = nregions;
		while (i-- > 0)
			if (regions[i].s <= a && a < regions[i].e)
				break;
		if (i == (size_t)-1)
			return false;
		a = regions[i].e;
	}
	return true;
}

long
vma_map(uintptr_t addr, size_t len, int prot, int flags)
{
	if (!len || (addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (len > USER_TOP)
		return -ENOMEM;
	if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))) {
		/* only the interpreter's room is looked for (PROT_NONE, then
		 * unmapped): at the top of the mmap area, as a first search would */
		if (prot != PROT_NONE)
			fuzz_fail("vma_map without MAP_FIXED of accessible memory");
		if (len > vma_layout()->mmap_top - APP_MMAP_BOTTOM)
			return -ENOMEM;
		addr = vma_layout()->mmap_top - len;
		for (size_t i = 0; i < nregions; i++)
			if (regions[i].s < addr + len && addr < regions[i].e)
				return -ENOMEM;
	}
	if (addr + len > USER_TOP || addr + len < addr)
		return -ENOMEM;
	if (flags & MAP_FIXED_NOREPLACE)
		for (size_t i = 0; i < nregions; i++)
			if (regions[i].s < addr + len && addr < regions[i].e)
				return -EEXIST;
	if (nregions == region_room) {
		region_room = region_room ? 2 * region_room : 64;
		regions = realloc(regions, region_room * sizeof(*regions));
	}
	regions[nregions++] = (struct region){addr, addr + len};
	return (long)addr;
}

bool
vfs_mappable(const struct vnode *v)
{
	return v == &app_node || v == &interp_node;
}

/* the loader maps a segment's file pages: MAP_FIXED, private, of the
 * file it loads, and only pages the file has (an offset past its last
 * page would map what is not there) */
long
vma_map_file(uintptr_t addr, size_t len, int prot, int flags, struct vnode *node, uint64_t off)
{
	if (node != &app_node && node != &interp_node)
		fuzz_fail("vma_map_file of another file's node");
	if (!(flags & MAP_FIXED) || !(flags & MAP_PRIVATE))
		fuzz_fail("vma_map_file not MAP_FIXED | MAP_PRIVATE");
	if (off & (PAGE_SIZE - 1))
		fuzz_fail("vma_map_file at an offset not page-aligned: %#lx", (unsigned long)off);
	if (len && (off > ALIGN_UP(file_size, PAGE_SIZE) ||
	            ALIGN_UP(len, PAGE_SIZE) > ALIGN_UP(file_size, PAGE_SIZE) - off))
		fuzz_fail(
		    "vma_map_file past the file's pages: %zu bytes at offset %#lx (file of %zu "
		    "bytes)",
		    len, (unsigned long)off, file_size);
	return vma_map(addr, len, prot, flags);
}

int
vma_zero(uintptr_t addr, size_t len)
{
	return len && (addr >= USER_TOP || !mapped(addr, len)) ? -EFAULT : 0;
}

int
vma_unmap(uintptr_t addr, size_t len)
{
	uintptr_t e = addr + ALIGN_UP(len, PAGE_SIZE);

	if ((addr & (PAGE_SIZE - 1)) || !len || e < addr)
		return -EINVAL;
	for (size_t i = 0; i < nregions; i++) {
		struct region *r = &regions[i];
		if (r->e <= addr || e <= r->s)
			continue;
		if (r->s < addr && e < r->e)
			fuzz_fail("vma_unmap splits a region (the loader unmaps what it reserved)");
		if (r->s < addr)
			r->e = addr;
		else if (e < r->e)
			r->s = e;
		else
			r->s = r->e = 0; /* gone: an empty region maps nothing */
	}
	return 0;
}

int
vma_protect(uintptr_t addr, size_t len, int prot)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	return mapped(addr, ALIGN_UP(len, PAGE_SIZE)) ? 0 : -ENOMEM;
}

/* kmalloc'd blocks live, and the arguments elf_load is given: a fill
 * may come from one */
struct block {
	const void *p;
	size_t n;
};
static struct block blocks[16], given[8];

static bool
in(const struct block *b, size_t n, const void *src)
{
	for (size_t i = 0; i < n; i++)
		if (b[i].p && (const char *)src >= (const char *)b[i].p &&
		    (const char *)src < (const char *)b[i].p + b[i].n)
			return true;
	return false;
}

/* A fill comes from the file (segments), or from the loader's own data:
 * its stack, kmalloc blocks, the strings it is given, its rodata. Any
 * source within 4 GiB of the file (the heap libFuzzer's input is on) that
 * is neither the file nor such a block is the file's bytes read out of
 * bounds: an offset that wrapped. */
int
vma_fill(uintptr_t addr, const void *src, size_t len)
{
	uintptr_t s = (uintptr_t)src, f = (uintptr_t)file;

	if (!len)
		return 0;
	if (s - f > file_size || len > file_size - (s - f)) { /* not inside the file */
		bool near = s + (4ul << 30) >= f && s < f + file_size + (4ul << 30);
		if (near && !in(blocks, ARRAY_SIZE(blocks), src) &&
		    !in(given, ARRAY_SIZE(given), src))
			fuzz_fail("vma_fill from outside the file: %zu bytes at file offset %#lx "
			          "(file of %zu bytes)",
			          len, (unsigned long)(s - f), file_size);
	}
	if (__asan_region_is_poisoned((void *)src, len))
		fuzz_fail("vma_fill from poisoned memory: %zu bytes at %p", len, src);
	if (addr >= USER_TOP || !mapped(addr, len))
		return -EFAULT; /* copy_to_user's answer */
	return 0;
}

void
vma_label(uintptr_t addr, size_t len, struct vnode *node, uint64_t off)
{
	if (node != &app_node && node != &interp_node)
		fuzz_fail("vma_label with another file's node");
}

void
procfs_set_exe(struct vnode *v)
{
	if (v != &app_node)
		fuzz_fail("procfs_set_exe with another file's node");
}

/* the layout at its extremes where that keeps the fixed stack (the
 * harness's checks): the largest stack-pointer shift, a random-looking
 * PIE base and break shift */
static const struct app_layout layout = {.stack_top = APP_STACK_TOP,
                                         .sp_shift = 8191,
                                         .mmap_top = APP_MMAP_TOP,
                                         .pie_base = APP_PIE_BASE + 0x7654321000ul,
                                         .brk_shift = 0x1234000};

const struct app_layout *
vma_layout(void)
{
	return &layout;
}

static uintptr_t brk_base;

void
vma_set_brk_base(uintptr_t base)
{
	brk_base = base;
}

/* ---- the rest of the kernel the loader calls ---- */

void *
kmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++)
		if (!blocks[i].p) {
			blocks[i] = (struct block){p, size};
			return p;
		}
	fuzz_fail("more than %zu kmalloc blocks live", ARRAY_SIZE(blocks));
}

void
kfree(void *p)
{
	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++)
		if (p && blocks[i].p == p)
			blocks[i].p = NULL;
	free(p);
}

int
vfs_lookup(struct vnode *cwd, const char *path, bool follow, struct vnode **out)
{
	*out = NULL;
	if (path[0] != '/')
		return -ENOENT;
	*out = strcmp(path, APP_PATH) ? &interp_node : &app_node;
	return 0;
}

const void *
vfs_bytes(struct vnode *v, size_t *size)
{
	*size = file_size;
	return file;
}

size_t
arch_fpu_area_size(void)
{
	return 2696; /* XSAVE with AVX-512, as on a recent host */
}

uint64_t
rlimit_cur(int r)
{
	return r == RLIMIT_STACK ? 8ul << 20 : ~0ul; /* the app's default stack limit */
}

/* XXX: loader/dynlink.c (our linker, for a PT_INTERP naming musl's) is
 * not fuzzed yet: it would need models of copy_to_user, copy_from_user
 * and the kernel's musl image. A fuzzed file naming musl's interpreter
 * is refused here, as a bad one would be. */
int
dynlink_musl(struct vnode *v, const uint8_t *f, size_t size, uintptr_t bias,
             const char *const envp[], uintptr_t *base, const char **why)
{
	*why = "musl's interpreter (loader/dynlink.c is not fuzzed)";
	return -ENOEXEC;
}

/* ---- the harness ---- */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char path[] = APP_PATH;
	static const char *const argv[] = {path, "one", "two words", NULL};
	static const char *const envp[] = {"UNUM_TEST=yes", NULL};
	static const uint8_t random[16] = {1, 2, 3};
	struct app_image img;
	const char *why = NULL;

	if (!given[0].p) {
		size_t n = 0;
		for (size_t i = 0; argv[i]; i++)
			given[n++] = (struct block){argv[i], strlen(argv[i]) + 1};
		for (size_t i = 0; envp[i]; i++)
			given[n++] = (struct block){envp[i], strlen(envp[i]) + 1};
		given[n++] = (struct block){random, sizeof(random)};
	}
	file = data;
	file_size = size;
	nregions = 0;
	brk_base = 0;
	int err = elf_load(path, argv, envp, random, &img, &why);
	if (err > 0)
		fuzz_fail("elf_load returned %d (positive)", err);
	if (err && (!why || !*why) && err == -ENOEXEC)
		fuzz_fail("elf_load refused the file (%d) without a reason", err);
	if (!err) {
		if (img.sp & 15 || img.sp >= APP_STACK_TOP ||
		    img.sp < APP_STACK_TOP - APP_STACK_SIZE)
			fuzz_fail("stack pointer %#lx not 16-byte aligned in the stack",
			          (unsigned long)img.sp);
		if (!mapped(img.sp, 8))
			fuzz_fail("stack pointer %#lx not mapped", (unsigned long)img.sp);
	}
	for (size_t i = 0; i < ARRAY_SIZE(blocks); i++)
		if (blocks[i].p)
			fuzz_fail("kmalloc block %p not freed", (void *)blocks[i].p);
	return 0;
}

/* ---- field-aware mutations: an ELF header or program header field set
 * to a value at a boundary ---- */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

static uint64_t rng;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* offset and width of each struct elf64_ehdr field after e_ident's magic,
 * and of each struct elf64_phdr field */
static const uint8_t ehdr_fields[][2] = {{4, 1},  {5, 1},  {6, 1},  {7, 1},  {16, 2}, {18, 2},
                                         {20, 4}, {24, 8}, {32, 8}, {40, 8}, {48, 4}, {52, 2},
                                         {54, 2}, {56, 2}, {58, 2}, {60, 2}, {62, 2}};
static const uint8_t phdr_fields[][2] = {{0, 4},  {4, 4},  {8, 8},  {16, 8},
                                         {24, 8}, {32, 8}, {40, 8}, {48, 8}};

static uint64_t
boundary(size_t size, uint64_t old)
{
	const uint64_t v[] = {0,
	                      1,
	                      2,
	                      7,
	                      8,
	                      56,
	                      64,
	                      PAGE_SIZE - 1,
	                      PAGE_SIZE,
	                      PAGE_SIZE + 1,
	                      size,
	                      size - 1,
	                      size + 1,
	                      size - 56,
	                      0x7fff,
	                      0xffff,
	                      0x10000,
	                      0x7fffffff,
	                      0xffffffff,
	                      0x100000000,
	                      APP_STACK_TOP - PAGE_SIZE,
	                      APP_STACK_TOP,
	                      USER_TOP - PAGE_SIZE,
	                      USER_TOP,
	                      0x7fffffffffffffff,
	                      0x8000000000000000,
	                      0xfffffffffffff000,
	                      (uint64_t)-1,
	                      (uint64_t)-56,
	                      old + 1,
	                      old - 1,
	                      old + PAGE_SIZE,
	                      old ^ 1,
	                      old * 2,
	                      ~old + 1,
	                      next()};

	return v[next() % ARRAY_SIZE(v)];
}

static void
set_field(uint8_t *data, size_t size, size_t off, unsigned width)
{
	uint64_t old = 0;

	if (off + width > size)
		return;
	memcpy(&old, data + off, width);
	uint64_t v = boundary(size, old);
	memcpy(data + off, &v, width); /* little-endian: the low bytes */
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	rng = seed * 0x9e3779b97f4a7c15ull + 1;
	if (next() % 2 || size < sizeof(struct elf64_ehdr))
		return LLVMFuzzerMutate(data, size, max_size);
	for (unsigned k = 1 + next() % 3; k; k--) {
		const struct elf64_ehdr *e = (const void *)data;
		uint64_t phoff = e->phoff;
		unsigned phnum = e->phnum;
		if (next() % 3 == 0 || !phnum || phoff >= size) {
			unsigned i = next() % ARRAY_SIZE(ehdr_fields);
			set_field(data, size, ehdr_fields[i][0], ehdr_fields[i][1]);
		} else {
			unsigned i = next() % ARRAY_SIZE(phdr_fields);
			uint64_t at = phoff + (next() % phnum) * sizeof(struct elf64_phdr);
			if (at < size)
				set_field(data, size, at + phdr_fields[i][0], phdr_fields[i][1]);
		}
	}
	return size;
}

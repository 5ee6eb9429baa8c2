/* The app's address-space layout and its randomisation (ASLR), as Linux
 * draws it for a new process (arch/x86/mm/mmap.c, fs/binfmt_elf.c,
 * arch/x86/kernel/process.c): once per boot, from the boot's seed
 * (drivers/random.c), before the app loads. The kernel argument
 * norandmaps (Linux's) keeps the fixed layout, for reproducible runs.
 * Exercised by tests/e2e/aslr.sh. */
#include "cmdline.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "random.h"
#include "vma.h"

#define STACK_RND_PAGES (1ul << 22) /* x86-64 STACK_RND_MASK + 1: 16 GiB */
#define MMAP_RND_PAGES (1ul << 28)  /* mmap_rnd_bits 28: 1 TiB */
#define BRK_RND_BYTES (32ul << 20)  /* arch_randomize_brk's range */
#define SP_RND_BYTES 8192ul         /* arch_align_stack's */

static struct app_layout layout = {
    .stack_top = APP_STACK_TOP,
    .mmap_top = APP_MMAP_TOP,
    .pie_base = APP_PIE_BASE,
};
static bool norandmaps;

static int
set_norandmaps(const char *v)
{
	if (v)
		return -EINVAL;
	norandmaps = true;
	return 0;
}
CMDLINE_KEY("norandmaps", set_norandmaps);

/* a random whole number of pages below 'pages' pages, in bytes */
static uintptr_t
rnd_pages(uintptr_t pages)
{
	uint64_t r;

	random_bytes(&r, sizeof(r));
	return (uintptr_t)(r % pages) * PAGE_SIZE;
}

void
vma_layout_init(void)
{
	uint64_t r;

	if (norandmaps)
		return;
	layout.stack_top = APP_STACK_TOP - rnd_pages(STACK_RND_PAGES);
	random_bytes(&r, sizeof(r));
	layout.sp_shift = (uintptr_t)(r % SP_RND_BYTES);
	/* below the lowest stack the draw could give, with the fixed
	 * layout's gap (Linux: mmap_base's gap counts the stack's range) */
	layout.mmap_top = APP_MMAP_TOP - STACK_RND_PAGES * PAGE_SIZE - rnd_pages(MMAP_RND_PAGES);
	layout.pie_base = APP_PIE_BASE + rnd_pages(MMAP_RND_PAGES);
	layout.brk_shift = rnd_pages(BRK_RND_BYTES / PAGE_SIZE);
}

const struct app_layout *
vma_layout(void)
{
	return &layout;
}

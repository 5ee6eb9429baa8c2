/* Memory start-up: free RAM ranges from the boot map minus what is in
 * use (page 0, the kernel image, boot modules), then frames, heap
 * and the kernel's own page tables. */
#include "mm.h"
#include "acpi.h"
#include "arch.h"
#include "boot.h"
#include "lib.h"
#include "printk.h"
#include "sections.h"

#define MAX_RANGES (BOOT_MAX_MEM + 2 * BOOT_MAX_MODS + 4)

static struct frame_range ranges[MAX_RANGES];
static int nranges;

/* cut [b, e) out of every range */
static void
cut(uint64_t b, uint64_t e)
{
	for (int i = 0; i < nranges; i++) {
		uint64_t rb = ranges[i].base, re = rb + ranges[i].len;
		if (e <= rb || b >= re)
			continue;
		if (b > rb && e < re && nranges < MAX_RANGES) {
			ranges[nranges++] = (struct frame_range){e, re - e};
			ranges[i].len = b - rb;
		} else if (b > rb) {
			ranges[i].len = b - rb;
		} else if (e < re) {
			ranges[i] = (struct frame_range){e, re - e};
		} else {
			ranges[i].len = 0;
		}
	}
}

static void *
page_alloc_zeroed(unsigned order)
{
	uint64_t pa = frame_alloc(order);

	if (!pa)
		return NULL;
	memset(mm_p2v(pa), 0, PAGE_SIZE << order);
	return mm_p2v(pa);
}

static void
page_free(void *p, unsigned order)
{
	frame_free(mm_v2p(p), order);
}

static unsigned
heap_cpu(void)
{
	return this_cpu()->cpu_index;
}
_Static_assert(MAX_CPUS <= HEAP_CPUS, "a heap cache per CPU");

static const struct heap_page_ops kernel_pages = {
    .alloc = page_alloc_zeroed,
    .free = page_free,
    .cpu = heap_cpu,
};

void *
kpage_alloc(unsigned order)
{
	return page_alloc_zeroed(order);
}

void
kpage_free(void *p, unsigned order)
{
	page_free(p, order);
}

void
mm_init(void)
{
	uint64_t kstart = (uint64_t)_kernel_phys_start;
	uint64_t kend = mm_v2p(_kernel_end);
	int err;

	for (int i = 0; i < boot_info.nmem; i++)
		if (boot_info.mem[i].type == MEM_RAM && nranges < MAX_RANGES)
			ranges[nranges++] =
			    (struct frame_range){boot_info.mem[i].base, boot_info.mem[i].len};
	cut(0, PAGE_SIZE); /* page 0: the BIOS data area, and null stays unmapped */
	cut(kstart, kend);
	cut(0x8000, 0x9000); /* the SMP trampoline page (arch/x86_64/smp.c) */
	for (int i = 0; i < boot_info.nmods; i++)
		cut(ALIGN_DOWN(boot_info.mods[i].base, PAGE_SIZE),
		    ALIGN_UP(boot_info.mods[i].base + boot_info.mods[i].len, PAGE_SIZE));
	err = frame_init(MM_DIRECT_BASE, ranges, nranges, GiB(1));
	if (err)
		panic("out of memory: no free RAM above 1 MiB for the frame map "
		      "(kernel image %lu KiB)",
		      (unsigned long)((kend - kstart) >> 10));
	heap_init(&kernel_pages);
	mm_paging_init();
	frame_add_high();
}

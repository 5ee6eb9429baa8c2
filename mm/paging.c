/* The kernel's page tables: the direct map of RAM (and firmware tables)
 * at MM_DIRECT_BASE, the kernel image at MM_KERNEL_VMA with W^X (and its
 * text and read-only data read-only in the direct map too), device
 * memory mapped uncached on request. x86-64 4-level paging (SDM vol. 3,
 * 4.5). The identity map of the boot tables is gone afterwards: the
 * lower half belongs to the app. */
#include "acpi.h"
#include "arch.h"
#include "boot.h"
#include "errno.h"
#include "irq.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "sections.h"
#include "spinlock.h"

static uint64_t *pml4;
static struct spinlock pt_lock = SPINLOCK_INIT;
static uint64_t tables_used; /* pages of page tables, for the boot report */

static uint64_t *
new_table(void)
{
	uint64_t pa = frame_alloc(0);

	if (!pa)
		panic("out of memory: no frame for a page table (%lu table pages so far, "
		      "%lu KiB free)",
		      (unsigned long)tables_used, (unsigned long)(frame_free_bytes() >> 10));
	tables_used++;
	memset(mm_p2v(pa), 0, PAGE_SIZE);
	return mm_p2v(pa);
}

/* the entry for va at 'level' (1 = PT, 2 = PD, 3 = PDPT), creating
 * intermediate tables on the way */
static uint64_t *
walk_create(uintptr_t va, int level)
{
	uint64_t *t = pml4;

	for (int l = 4; l > level; l--) {
		uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];
		if (!(*e & PTE_P))
			*e = mm_v2p(new_table()) | PTE_P | PTE_W;
		else if (*e & PTE_PS)
			panic("walk_create: %p already mapped by a large page", (void *)va);
		t = mm_p2v(*e & PTE_ADDR);
	}
	return &t[(va >> (12 + 9 * (level - 1))) & 511];
}

static void
map_range(uintptr_t va, uint64_t pa, uint64_t len, uint64_t flags, bool large)
{
	uint64_t end = pa + len;

	while (pa < end) {
		if (large && !(va & (MiB(2) - 1)) && !(pa & (MiB(2) - 1)) && pa + MiB(2) <= end) {
			/* one walk per page directory, then its entries in a row */
			uint64_t *e = walk_create(va, 2);
			uint64_t n = MIN((end - pa) >> 21, 512 - ((va >> 21) & 511));
			for (uint64_t i = 0; i < n; i++)
				if (!(e[i] & PTE_P))
					e[i] = (pa + (i << 21)) | flags | PTE_PS;
			va += n << 21;
			pa += n << 21;
		} else {
			/* one walk per page table, then its entries in a row to
			 * the range's end or the table's (a 2 MiB boundary of va,
			 * where a large page may start) */
			uint64_t *e = walk_create(va, 1);
			uint64_t n =
			    MIN((end - pa + PAGE_SIZE - 1) >> 12, 512 - ((va >> 12) & 511));
			for (uint64_t i = 0; i < n; i++)
				e[i] = (pa + (i << 12)) | flags;
			va += n << 12;
			pa += n << 12;
		}
	}
}

static void
map_kernel_part(char *start, char *end, uint64_t flags)
{
	map_range((uintptr_t)start, mm_v2p(start), end - start, flags, false);
}

/* W^X across aliases: the direct map's view of [start, end) of the image
 * gets 'flags' (read-only and NX for text and rodata), as its higher-half
 * view has; a 2 MiB page it falls in is split into 4 KiB ones first.
 * Before the tables are loaded, so no TLB to flush. */
static void
protect_alias(char *start, char *end, uint64_t flags)
{
	uint64_t pa = mm_v2p(start), pend = mm_v2p(end);

	/* one walk per page table, then its entries in a row (as map_range) */
	while (pa < pend) {
		uintptr_t va = MM_DIRECT_BASE + pa;
		uint64_t *pde = walk_create(va, 2), *pt;
		if (*pde & PTE_PS) {
			uint64_t base = *pde & PTE_ADDR & ~(MiB(2) - 1);
			uint64_t keep = *pde & ~PTE_ADDR & ~PTE_PS;
			pt = new_table();
			for (int i = 0; i < 512; i++)
				pt[i] = (base + ((uint64_t)i << 12)) | keep;
			*pde = mm_v2p(pt) | PTE_P | PTE_W;
		}
		pt = mm_p2v(*pde & PTE_ADDR);
		uint64_t first = (va >> 12) & 511;
		uint64_t n = MIN((pend - pa + PAGE_SIZE - 1) >> 12, 512 - first);
		for (uint64_t i = 0; i < n; i++)
			pt[first + i] = (pa + (i << 12)) | flags;
		pa += n << 12;
	}
}

void
mm_paging_init(void)
{
	const uint64_t kflags = PTE_P | PTE_G;

	pml4 = new_table();
	/* low 1 MiB: BIOS data, EBDA, MP table, RSDP scan area */
	map_range(MM_DIRECT_BASE, 0, MiB(1), PTE_P | PTE_W | PTE_NX, true);
	for (int i = 0; i < boot_info.nmem; i++) {
		const struct boot_mem *m = &boot_info.mem[i];
		uint64_t b = ALIGN_DOWN(m->base, PAGE_SIZE);
		uint64_t e = ALIGN_UP(m->base + m->len, PAGE_SIZE);
		if (m->type != MEM_RAM && m->type != MEM_ACPI && m->type != MEM_NVS)
			continue;
		b = MAX(b, MiB(1));
		if (b < e)
			map_range(MM_DIRECT_BASE + b, b, e - b, PTE_P | PTE_W | PTE_NX, true);
	}
	map_kernel_part(_text_start, _text_end, kflags);
	map_kernel_part(_rodata_start, _rodata_end, kflags | PTE_NX);
	/* the page below the boot stack (boot.S's last page table, unused
	 * from here on) stays unmapped: the boot thread's guard page */
	map_kernel_part(_data_start, boot_pd, kflags | PTE_W | PTE_NX);
	map_kernel_part(boot_stack_bottom, _data_end, kflags | PTE_W | PTE_NX);
	map_kernel_part(_ksyms_start, _kernel_end, kflags | PTE_NX);
	protect_alias(_text_start, _rodata_end, PTE_P | PTE_NX);
	protect_alias(_ksyms_start, _kernel_end, PTE_P | PTE_NX);
	write_cr3(mm_v2p(pml4));
}

static void *
map_phys(uint64_t pa, size_t len, uint64_t flags)
{
	uint64_t b = ALIGN_DOWN(pa, PAGE_SIZE), e = ALIGN_UP(pa + len, PAGE_SIZE);
	uint64_t f = spin_lock_irqsave(&pt_lock);

	for (; b < e; b += PAGE_SIZE) {
		if (mm_query(MM_DIRECT_BASE + b) & PTE_P)
			continue;
		*walk_create(MM_DIRECT_BASE + b, 1) = b | flags;
		invlpg(MM_DIRECT_BASE + b);
	}
	spin_unlock_irqrestore(&pt_lock, f);
	return mm_p2v(pa);
}

void *
mm_map_mmio(uint64_t pa, size_t len)
{
	return map_phys(pa, len, PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_NX);
}

const void *
mm_map_firmware(uint64_t pa, size_t len)
{
	return map_phys(pa, len, PTE_P | PTE_NX);
}

uint64_t
mm_query(uintptr_t va)
{
	uint64_t *t = pml4;

	for (int l = 4; l >= 1; l--) {
		uint64_t e = t[(va >> (12 + 9 * (l - 1))) & 511];
		if (!(e & PTE_P))
			return 0;
		if (l == 1 || (e & PTE_PS))
			return e;
		t = mm_p2v(e & PTE_ADDR);
	}
	return 0;
}

static void shootdown(uintptr_t va, size_t len);

/* like walk_create, but fails instead of panicking */
static uint64_t *
walk_try(uintptr_t va)
{
	uint64_t *t = pml4;

	for (int l = 4; l > 1; l--) {
		uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];
		if (!(*e & PTE_P)) {
			uint64_t pa = frame_alloc(0);
			if (!pa)
				return ERR_PTR(-ENOMEM);
			memset(mm_p2v(pa), 0, PAGE_SIZE);
			tables_used++;
			*e = pa | PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			return ERR_PTR(-EINVAL);
		}
		t = mm_p2v(*e & PTE_ADDR);
	}
	return &t[(va >> 12) & 511];
}

/* mm_map without its shootdown (include/mm.h): *stale becomes true when
 * a present entry changed, which other CPUs' TLBs may still hold */
int
mm_map_deferred(uintptr_t va, uint64_t pa, size_t len, uint64_t flags, bool *stale)
{
	uint64_t f;
	bool replaced = false;
	int err = 0;

	if ((va | pa | len) & (PAGE_SIZE - 1))
		return -EINVAL;
	f = spin_lock_irqsave(&pt_lock);
	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *pte = walk_try(va + off), e = (pa + off) | flags | PTE_P;
		if (IS_ERR(pte)) {
			err = (int)PTR_ERR(pte);
			break;
		}
		replaced |= (*pte & PTE_P) && *pte != e;
		*pte = e;
		invlpg(va + off);
	}
	spin_unlock_irqrestore(&pt_lock, f);
	*stale |= replaced;
	return err;
}

int
mm_map(uintptr_t va, uint64_t pa, size_t len, uint64_t flags)
{
	bool replaced = false;
	int err = mm_map_deferred(va, pa, len, flags, &replaced);

	if (replaced) /* other CPUs may hold the old entry (copy on write) */
		shootdown(va, len);
	return err;
}

void
mm_tlb_shootdown(uintptr_t va, size_t len)
{
	shootdown(va, len);
}

/* the 4 KiB PTE for va, or NULL when no page table covers it */
static uint64_t *
walk_pte(uintptr_t va)
{
	uint64_t *t = pml4;

	for (int l = 4; l > 1; l--) {
		uint64_t e = t[(va >> (12 + 9 * (l - 1))) & 511];
		if (!(e & PTE_P) || (e & PTE_PS))
			return NULL;
		t = mm_p2v(e & PTE_ADDR);
	}
	return &t[(va >> 12) & 511];
}

/* --- TLB shootdown ---
 * One request at a time (sd_lock); each other CPU flushes from its IPI
 * handler and acknowledges by copying the generation. A CPU waiting for
 * sd_lock serves the current request itself, so two initiators with
 * interrupts off cannot deadlock. The initiator must hold no spinlock
 * another CPU could be spinning on with interrupts off. */
#define FLUSH_ALL_PAGES 64

static struct spinlock sd_lock = SPINLOCK_INIT;
static struct {
	uintptr_t va;
	size_t len;
	uint64_t gen; /* written last (release) */
} sd;
static uint64_t sd_acked[MAX_CPUS];
static volatile int sd_cpus = 1; /* CPUs that take part (online) */

static void
flush_local(uintptr_t va, size_t len)
{
	if (len / PAGE_SIZE > FLUSH_ALL_PAGES) {
		arch_flush_tlb_all();
		return;
	}
	for (uintptr_t p = ALIGN_DOWN(va, PAGE_SIZE); p < va + len; p += PAGE_SIZE)
		invlpg(p);
}

static void
sd_serve(void)
{
	int me = this_cpu()->cpu_index;
	uint64_t gen = __atomic_load_n(&sd.gen, __ATOMIC_ACQUIRE);

	if (sd_acked[me] != gen) {
		flush_local(sd.va, sd.len);
		__atomic_store_n(&sd_acked[me], gen, __ATOMIC_RELEASE);
	}
}

static void
on_tlb_ipi(struct trapframe *tf, void *arg)
{
	sd_serve();
}

void
mm_smp_join(int ncpus)
{
	irq_set_handler(VEC_TLB, on_tlb_ipi, NULL);
	for (int i = 0; i < MAX_CPUS; i++)
		sd_acked[i] = sd.gen;
	__atomic_store_n(&sd_cpus, ncpus, __ATOMIC_SEQ_CST);
}

static void
shootdown(uintptr_t va, size_t len)
{
	int n = __atomic_load_n(&sd_cpus, __ATOMIC_ACQUIRE), me;
	uint64_t f, gen;

	if (n < 2)
		return;
	f = irq_save();
	while (!spin_trylock(&sd_lock)) {
		sd_serve();
		cpu_relax();
	}
	me = this_cpu()->cpu_index;
	sd.va = va;
	sd.len = len;
	gen = sd.gen + 1;
	__atomic_store_n(&sd.gen, gen, __ATOMIC_RELEASE);
	sd_acked[me] = gen;
	lapic_send_ipi_others(VEC_TLB);
	for (int i = 0; i < n; i++)
		while (__atomic_load_n(&sd_acked[i], __ATOMIC_ACQUIRE) != gen)
			cpu_relax();
	spin_unlock(&sd_lock);
	irq_restore(f);
}

void
mm_unmap(uintptr_t va, size_t len)
{
	uint64_t f = spin_lock_irqsave(&pt_lock);

	for (uintptr_t p = ALIGN_DOWN(va, PAGE_SIZE); p < va + len; p += PAGE_SIZE) {
		uint64_t *pte = walk_pte(p);
		if (pte && (*pte & PTE_P)) {
			*pte = 0;
			invlpg(p);
		}
	}
	spin_unlock_irqrestore(&pt_lock, f);
	shootdown(va, len);
}

size_t
mm_take_frames(uintptr_t va, uintptr_t end, uint64_t *pas, size_t max, uintptr_t *next)
{
	uintptr_t start = va;
	size_t n = 0;
	bool cleared = false;
	uint64_t f = spin_lock_irqsave(&pt_lock);

	while (va < end && n < max) {
		uint64_t *t = pml4;
		int l;
		for (l = 4; l > 1; l--) {
			uint64_t e = t[(va >> (12 + 9 * (l - 1))) & 511];
			if (!(e & PTE_P) || (e & PTE_PS))
				break;
			t = mm_p2v(e & PTE_ADDR);
		}
		if (l > 1) { /* no table below this entry: step over all it covers */
			uintptr_t span = 1ul << (12 + 9 * (l - 1));
			va = (va & ~(span - 1)) + span;
			continue;
		}
		/* the entries of this page table, up to its end or 'end' */
		do {
			uint64_t *pte = &t[(va >> 12) & 511];
			if (*pte & PTE_ADDR) {
				/* a borrowed frame is reported with its flag: the
				 * caller counts it but does not free it */
				pas[n++] = *pte & (PTE_ADDR | PTE_BORROWED);
				*pte = 0;
				cleared = true;
			}
			va += PAGE_SIZE;
		} while (va < end && n < max && (va & (MiB(2) - 1)));
	}
	spin_unlock_irqrestore(&pt_lock, f);
	*next = MIN(va, end);
	if (cleared) {
		flush_local(start, *next - start);
		shootdown(start, *next - start);
	}
	return n;
}

size_t
mm_free_frames(uintptr_t va, uintptr_t end)
{
	uint64_t pas[64];
	size_t freed = 0;

	while (va < end) {
		size_t n = mm_take_frames(va, end, pas, ARRAY_SIZE(pas), &va);
		for (size_t i = 0; i < n; i++)
			if (!(pas[i] & PTE_BORROWED)) {
				frame_free(pas[i], 0);
				freed++;
			}
	}
	return freed;
}

uint64_t
mm_pte_raw(uintptr_t va)
{
	uint64_t f = spin_lock_irqsave(&pt_lock);
	uint64_t *pte = walk_pte(va);
	uint64_t v = pte ? *pte : 0;

	spin_unlock_irqrestore(&pt_lock, f);
	return v;
}

static bool
clear_present(uintptr_t va)
{
	uint64_t f = spin_lock_irqsave(&pt_lock);
	uint64_t *pte = walk_pte(va);
	bool was = pte && (*pte & PTE_P);

	if (was) {
		*pte &= ~PTE_P;
		invlpg(va);
	}
	spin_unlock_irqrestore(&pt_lock, f);
	return was;
}

void
mm_set_not_present(uintptr_t va)
{
	clear_present(va);
	shootdown(va, PAGE_SIZE);
}

void
mm_set_not_present_deferred(uintptr_t va, bool *stale)
{
	*stale |= clear_present(va);
}

uint64_t
mm_kernel_cr3(void)
{
	assert(mm_v2p(pml4) < GiB(4)); /* a 32-bit CR3 load in the trampoline */
	return mm_v2p(pml4);
}

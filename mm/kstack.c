/* Kernel thread stacks: THREAD_STACK_SIZE bytes mapped in their own
 * window of the kernel stack area, with an unmapped guard page below, so
 * an overflow faults (and is reported as such) instead of corrupting
 * whatever lies beneath. Windows are recycled through a free list. */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "sched.h"
#include "spinlock.h"

#define KSTACK_AREA 0xffffc00000000000ul
#define KSTACK_SLOT (THREAD_STACK_SIZE + 4 * PAGE_SIZE) /* guard below, spare */
#define KSTACK_SLOTS 65536

static struct spinlock lock = SPINLOCK_INIT;
static uint32_t next_slot;
static uint32_t free_slots[256]; /* recycled windows */
static int nfree;

static void
unmap_free(uintptr_t lo, size_t len)
{
	for (uintptr_t p = lo; p < lo + len; p += PAGE_SIZE) {
		uint64_t pte = mm_query(p);
		if (pte & PTE_P) {
			mm_unmap(p, PAGE_SIZE);
			frame_free(pte & PTE_ADDR, 0);
		}
	}
}

/* map a stack; *lo and *hi bound it. 0, -ENOMEM or -EAGAIN (no window) */
int
kstack_alloc(uintptr_t *lo, uintptr_t *hi)
{
	uint64_t f = spin_lock_irqsave(&lock);
	uint32_t slot;
	uintptr_t base;

	if (nfree)
		slot = free_slots[--nfree];
	else if (next_slot < KSTACK_SLOTS)
		slot = next_slot++;
	else {
		spin_unlock_irqrestore(&lock, f);
		return -EAGAIN;
	}
	spin_unlock_irqrestore(&lock, f);
	base = KSTACK_AREA + (uintptr_t)slot * KSTACK_SLOT + PAGE_SIZE; /* above the guard */
	for (size_t off = 0; off < THREAD_STACK_SIZE; off += PAGE_SIZE) {
		uint64_t pa = frame_alloc(0);
		if (!pa || mm_map(base + off, pa, PAGE_SIZE, PTE_W | PTE_NX | PTE_G)) {
			if (pa)
				frame_free(pa, 0);
			unmap_free(base, off);
			kstack_free(base);
			return -ENOMEM;
		}
	}
	*lo = base;
	*hi = base + THREAD_STACK_SIZE;
	return 0;
}

void
kstack_free(uintptr_t lo)
{
	uint32_t slot = (uint32_t)((lo - PAGE_SIZE - KSTACK_AREA) / KSTACK_SLOT);
	uint64_t f;

	unmap_free(lo, THREAD_STACK_SIZE);
	f = spin_lock_irqsave(&lock);
	if (nfree < (int)ARRAY_SIZE(free_slots))
		free_slots[nfree++] = slot;
	spin_unlock_irqrestore(&lock, f);
}

/* the guard page that 'addr' falls in, if any: for the fault report */
bool
kstack_is_guard(uintptr_t addr)
{
	if (addr < KSTACK_AREA || addr >= KSTACK_AREA + (uintptr_t)KSTACK_SLOTS * KSTACK_SLOT)
		return false;
	return (addr - KSTACK_AREA) % KSTACK_SLOT < PAGE_SIZE;
}

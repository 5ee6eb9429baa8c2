/* Kernel thread stacks: THREAD_STACK_SIZE bytes mapped in their own
 * window of the kernel stack area, with an unmapped guard page below, so
 * an overflow faults (and is reported as such) instead of corrupting
 * whatever lies beneath. A freed stack stays mapped in a small cache for
 * the next thread: no page-table work and no TLB shootdown (an IPI to
 * every CPU) on the create/exit path. Past the cache, stacks are
 * unmapped, and their windows reused only after the shootdown. */
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
static uint32_t free_slots[256]; /* unmapped windows, reusable */
static int nfree;
#define CACHE_MAX 64
static uintptr_t cache[CACHE_MAX]; /* mapped stacks (their lo), ready */
static int ncache;

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

static void release_slot(uintptr_t lo);

/* map a stack; *lo and *hi bound it. 0, -ENOMEM or -EAGAIN (no window) */
int
kstack_alloc(uintptr_t *lo, uintptr_t *hi)
{
	uint64_t f = spin_lock_irqsave(&lock);
	uint32_t slot;
	uintptr_t base;

	if (ncache) {
		*lo = cache[--ncache];
		*hi = *lo + THREAD_STACK_SIZE;
		spin_unlock_irqrestore(&lock, f);
		return 0;
	}
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
			release_slot(base);
			return -ENOMEM;
		}
	}
	*lo = base;
	*hi = base + THREAD_STACK_SIZE;
	return 0;
}

static void
release_slot(uintptr_t lo)
{
	uint32_t slot = (uint32_t)((lo - PAGE_SIZE - KSTACK_AREA) / KSTACK_SLOT);
	uint64_t f;

	unmap_free(lo, THREAD_STACK_SIZE);
	f = spin_lock_irqsave(&lock);
	/* XXX: past 256 waiting windows, a window is never reused (its
	 * address space only; there are KSTACK_SLOTS of them) */
	if (nfree < (int)ARRAY_SIZE(free_slots))
		free_slots[nfree++] = slot;
	spin_unlock_irqrestore(&lock, f);
}

void
kstack_free(uintptr_t lo)
{
	uint64_t f = spin_lock_irqsave(&lock);

	if (ncache < CACHE_MAX) {
		cache[ncache++] = lo;
		spin_unlock_irqrestore(&lock, f);
		return;
	}
	spin_unlock_irqrestore(&lock, f);
	release_slot(lo);
}

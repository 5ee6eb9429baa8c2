/* Virtually contiguous kernel memory (include/mm.h, vmem): single 4 KiB
 * frames mapped side by side in a kernel region of its own, so a large
 * buffer (a ramfs file of 100 MB) needs no contiguous physical block and
 * can grow without copying: its frames are mapped again at a larger
 * range, or the range is extended in place when the addresses after it
 * are free.
 * The address space is a list of free ranges sorted by address (first
 * fit, coalesced on free) under a mutex; the page tables have their own
 * lock (mm/paging.c). Frames leave a range only after every CPU's TLB
 * has forgotten it (mm_take_frames, mm_unmap shoot down). */
#include "arch.h"
#include "boot.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "sync.h"

#define VMEM_FLAGS (PTE_W | PTE_NX | PTE_G)

struct vrange {
	struct list_node link;
	uintptr_t start, len;
};

static struct list_node free_ranges = LIST_HEAD_INIT(free_ranges);
static struct mutex lock = MUTEX_INIT;
static bool ready;

/* the region must be out of reach of the direct map (all RAM; devices
 * too, mapped there by mm_map_mmio: a CPU whose physical addresses reach
 * past the region's start is reported) and below the kernel image */
static void
vmem_init_locked(void)
{
	uint32_t r[4];
	uint64_t span = VMEM_BASE - MM_DIRECT_BASE, top = 0;

	_Static_assert(VMEM_BASE > MM_DIRECT_BASE && VMEM_BASE + VMEM_SIZE <= MM_KERNEL_VMA,
	               "vmem region overlaps the direct map or the kernel image");
	for (int i = 0; i < boot_info.nmem; i++)
		top = MAX(top, boot_info.mem[i].base + boot_info.mem[i].len);
	assert(top <= span);
	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000008) {
		cpuid(0x80000008, 0, r);
		if ((r[0] & 0xff) >= 64 || (1ull << (r[0] & 0xff)) > span)
			printk(KERN_WARN "vmem: %u-bit physical addresses: device memory "
			                 "above %lu TiB would collide with vmem",
			       r[0] & 0xff, (unsigned long)(span >> 40));
	}
	struct vrange *all = kmalloc(sizeof(*all));
	if (!all)
		return; /* out of memory: try again next time */
	all->start = VMEM_BASE;
	all->len = VMEM_SIZE;
	list_add_tail(&free_ranges, &all->link);
	ready = true;
}

/* take len bytes of address space: at 'want' exactly (0: anywhere, first
 * fit). 0 when there is no such room. */
static uintptr_t
va_take(uintptr_t want, size_t len)
{
	struct list_node *n;
	uintptr_t got = 0;

	mutex_lock(&lock);
	if (!ready)
		vmem_init_locked();
	list_for_each(n, &free_ranges)
	{
		struct vrange *r = list_entry(n, struct vrange, link);
		if (want) {
			if (want < r->start || want >= r->start + r->len)
				continue;
			if (want + len > r->start + r->len)
				break;
			if (want == r->start) {
				r->start += len;
				r->len -= len;
			} else if (want + len == r->start + r->len) {
				r->len -= len;
			} else { /* from the middle: the range splits in two */
				struct vrange *t = kmalloc(sizeof(*t));
				if (!t)
					break;
				t->start = want + len;
				t->len = r->start + r->len - t->start;
				r->len = want - r->start;
				list_insert(&r->link, &t->link, r->link.next);
			}
			got = want;
		} else {
			if (r->len < len)
				continue;
			got = r->start;
			r->start += len;
			r->len -= len;
		}
		if (!r->len) {
			list_del(&r->link);
			kfree(r);
		}
		break;
	}
	mutex_unlock(&lock);
	return got;
}

/* give [va, va+len) back, merging with its neighbours */
static void
va_put(uintptr_t va, size_t len)
{
	struct list_node *n;
	struct vrange *prev = NULL, *next = NULL;

	mutex_lock(&lock);
	list_for_each(n, &free_ranges)
	{
		struct vrange *r = list_entry(n, struct vrange, link);
		if (r->start >= va + len) {
			next = r;
			break;
		}
		prev = r;
	}
	assert(!prev || prev->start + prev->len <= va);
	if (prev && prev->start + prev->len == va) {
		prev->len += len;
		if (next && va + len == next->start) {
			prev->len += next->len;
			list_del(&next->link);
			kfree(next);
		}
	} else if (next && va + len == next->start) {
		next->start = va;
		next->len += len;
	} else {
		struct vrange *t = kmalloc(sizeof(*t));
		/* XXX: out of memory for a list entry: the address range is
		 * lost (addresses only; its frames were freed). The region is
		 * VMEM_SIZE, so this takes a long run of failures to matter. */
		if (t) {
			t->start = va;
			t->len = len;
			list_add_before(next ? &next->link : &free_ranges, &t->link);
		}
	}
	mutex_unlock(&lock);
}

/* map fresh frames at [va, end); on failure nothing stays mapped there */
static bool
map_fresh(uintptr_t va, uintptr_t end)
{
	for (uintptr_t p = va; p < end; p += PAGE_SIZE) {
		uint64_t pa = frame_alloc(0);
		if (!pa || mm_map(p, pa, PAGE_SIZE, VMEM_FLAGS)) {
			if (pa)
				frame_free(pa, 0);
			mm_free_frames(va, p);
			return false;
		}
	}
	return true;
}

void *
vmem_alloc(size_t size)
{
	size_t len = ALIGN_UP(size, PAGE_SIZE);
	uintptr_t va;

	if (!size || len > VMEM_SIZE || !(va = va_take(0, len)))
		return NULL;
	if (!map_fresh(va, va + len)) {
		va_put(va, len);
		return NULL;
	}
	return (void *)va;
}

void
vmem_free(void *p, size_t size)
{
	uintptr_t va = (uintptr_t)p;
	size_t len = ALIGN_UP(size, PAGE_SIZE);

	if (!p)
		return;
	assert(!(va & (PAGE_SIZE - 1)) && va >= VMEM_BASE && va + len <= VMEM_BASE + VMEM_SIZE);
	mm_free_frames(va, va + len);
	va_put(va, len);
}

void *
vmem_resize(void *p, size_t old, size_t size)
{
	uintptr_t va = (uintptr_t)p, to;
	size_t olen = ALIGN_UP(old, PAGE_SIZE), nlen = ALIGN_UP(size, PAGE_SIZE);

	if (!p)
		return vmem_alloc(size);
	if (!size) {
		vmem_free(p, old);
		return NULL;
	}
	if (nlen == olen)
		return p;
	if (nlen < olen) { /* the tail's frames go */
		mm_free_frames(va + nlen, va + olen);
		va_put(va + nlen, olen - nlen);
		return p;
	}
	if (nlen > VMEM_SIZE)
		return NULL;
	/* in place, when the addresses after the block are free */
	if (va_take(va + olen, nlen - olen)) {
		if (map_fresh(va + olen, va + nlen))
			return p;
		va_put(va + olen, nlen - olen);
		return NULL;
	}
	/* elsewhere: the same frames at a new range, fresh ones after them */
	if (!(to = va_take(0, nlen)))
		return NULL;
	for (size_t off = 0; off < olen; off += PAGE_SIZE) {
		uint64_t pte = mm_query(va + off);
		assert(pte & PTE_P);
		if (mm_map(to + off, pte & PTE_ADDR, PAGE_SIZE, VMEM_FLAGS)) {
			mm_unmap(to, off); /* the frames stay the old block's */
			va_put(to, nlen);
			return NULL;
		}
	}
	if (!map_fresh(to + olen, to + nlen)) {
		mm_unmap(to, olen);
		va_put(to, nlen);
		return NULL;
	}
	mm_unmap(va, olen); /* every CPU forgets the old range before it is reused */
	va_put(va, olen);
	return (void *)to;
}

void *
vmem_map_frames(const uint64_t *pas, size_t n)
{
	uintptr_t va;

	if (!n || n > VMEM_SIZE / PAGE_SIZE || !(va = va_take(0, n * PAGE_SIZE)))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (mm_map(va + i * PAGE_SIZE, pas[i], PAGE_SIZE, VMEM_FLAGS)) {
			mm_unmap(va, i * PAGE_SIZE);
			va_put(va, n * PAGE_SIZE);
			return NULL;
		}
	return (void *)va;
}

void
vmem_unmap(void *p, size_t size)
{
	uintptr_t va = (uintptr_t)p;
	size_t len = ALIGN_UP(size, PAGE_SIZE);

	if (!p)
		return;
	mm_unmap(va, len); /* every CPU forgets it before the range is reused */
	va_put(va, len);
}

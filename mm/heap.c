/* Kernel heap: power-of-two size classes 16..2048 bytes carved from
 * one-page slabs, larger requests from whole frame blocks. Every page
 * (slab or large block) starts with a header, so kfree finds it by
 * masking the address. Host-tested by tests/unit/test_heap.c.
 * XXX: one lock for the whole heap; per-CPU caches come with SMP. */
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"

#define NCLASS 8 /* 16, 32, ..., 2048 */
#define MIN_SHIFT 4
#define HDR_SIZE 64
#define MAGIC_SLAB 0x51ab51ab
#define MAGIC_LARGE 0x1a76e1a7

struct page_hdr {
	uint32_t magic;
	uint16_t cls;                 /* slab: size class; large: frame order */
	uint16_t nfree;               /* slab: free objects */
	void *freelist;               /* slab: first free object */
	struct page_hdr *next, *prev; /* slab: on its class's partial list */
	uint64_t pad[4];
};
_Static_assert(sizeof(struct page_hdr) == HDR_SIZE, "page header size");

static struct {
	const struct heap_page_ops *ops;
	struct page_hdr *partial[NCLASS]; /* slabs with a free object */
	struct heap_stats st;
	struct spinlock lock;
} heap;

void
heap_init(const struct heap_page_ops *ops)
{
	memset(&heap, 0, sizeof(heap));
	heap.ops = ops;
}

static unsigned
size_class(size_t size)
{
	unsigned c = 0;

	while (((size_t)1 << (c + MIN_SHIFT)) < size)
		c++;
	return c;
}

static void
partial_remove(struct page_hdr *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		heap.partial[h->cls] = h->next;
	if (h->next)
		h->next->prev = h->prev;
	h->next = h->prev = NULL;
}

static void
partial_push(struct page_hdr *h)
{
	h->prev = NULL;
	h->next = heap.partial[h->cls];
	if (h->next)
		h->next->prev = h;
	heap.partial[h->cls] = h;
}

static struct page_hdr *
new_slab(unsigned cls)
{
	size_t osize = (size_t)1 << (cls + MIN_SHIFT);
	struct page_hdr *h = heap.ops->alloc(0);
	char *obj, *end;

	if (!h)
		return NULL;
	memset(h, 0, HDR_SIZE);
	h->magic = MAGIC_SLAB;
	h->cls = cls;
	/* objects start at the first multiple of their size past the header */
	obj = (char *)h + ALIGN_UP(HDR_SIZE, MIN(osize, PAGE_SIZE));
	end = (char *)h + PAGE_SIZE;
	for (; obj + osize <= end; obj += osize) {
		*(void **)obj = h->freelist;
		h->freelist = obj;
		h->nfree++;
	}
	heap.st.slab_pages++;
	partial_push(h);
	return h;
}

static void *
large_alloc(size_t size)
{
	unsigned order = 0;
	struct page_hdr *h;

	/* before the loop: size + HDR_SIZE may wrap, the shift overflow */
	if (size > (PAGE_SIZE << FRAME_MAX_ORDER) - HDR_SIZE)
		return NULL;
	while ((PAGE_SIZE << order) < size + HDR_SIZE)
		order++;
	h = heap.ops->alloc(order);
	if (!h)
		return NULL;
	h->magic = MAGIC_LARGE;
	h->cls = order;
	heap.st.large_pages += 1u << order;
	return (char *)h + HDR_SIZE;
}

void *
kmalloc(size_t size)
{
	unsigned cls;
	struct page_hdr *h;
	void *p;
	uint64_t f;

	if (size == 0)
		size = 1;
	f = spin_lock_irqsave(&heap.lock);
	heap.st.allocs++;
	if (size > ((size_t)1 << (NCLASS - 1 + MIN_SHIFT))) {
		p = large_alloc(size);
		spin_unlock_irqrestore(&heap.lock, f);
		return p;
	}
	cls = size_class(size);
	h = heap.partial[cls];
	if (!h && !(h = new_slab(cls))) {
		spin_unlock_irqrestore(&heap.lock, f);
		return NULL;
	}
	p = h->freelist;
	h->freelist = *(void **)p;
	if (--h->nfree == 0)
		partial_remove(h);
	spin_unlock_irqrestore(&heap.lock, f);
	return p;
}

void *
kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

static unsigned
slab_capacity(unsigned cls)
{
	size_t osize = (size_t)1 << (cls + MIN_SHIFT);

	return (PAGE_SIZE - ALIGN_UP(HDR_SIZE, MIN(osize, PAGE_SIZE))) / osize;
}

void
kfree(void *p)
{
	struct page_hdr *h;
	uint64_t f;

	if (!p)
		return;
	h = (struct page_hdr *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE);
	f = spin_lock_irqsave(&heap.lock);
	heap.st.frees++;
	if (h->magic == MAGIC_LARGE && (char *)p == (char *)h + HDR_SIZE) {
		heap.st.large_pages -= 1u << h->cls;
		h->magic = 0;
		heap.ops->free(h, h->cls);
	} else if (h->magic == MAGIC_SLAB && h->cls < NCLASS) {
		*(void **)p = h->freelist;
		h->freelist = p;
		if (++h->nfree == 1)
			partial_push(h);
		/* an empty slab goes back, unless it is its class's only one */
		if (h->nfree == slab_capacity(h->cls) && (heap.partial[h->cls] != h || h->next)) {
			partial_remove(h);
			h->magic = 0;
			heap.st.slab_pages--;
			heap.ops->free(h, 0);
		}
	} else {
		panic("kfree: %p is not a heap pointer", p);
	}
	spin_unlock_irqrestore(&heap.lock, f);
}

void
heap_stats(struct heap_stats *st)
{
	uint64_t f = spin_lock_irqsave(&heap.lock);

	*st = heap.st;
	spin_unlock_irqrestore(&heap.lock, f);
}

/* Kernel heap: power-of-two size classes 16..2048 bytes carved from
 * one-page slabs, larger requests from whole frame blocks.
 * - Small classes: each CPU keeps a cache (a magazine) of free objects
 *   per class, touched only by that CPU with interrupts off, so the fast
 *   path takes no lock; it refills from and spills to the class's slabs
 *   under the class's own lock, in batches. An object freed on another
 *   CPU goes to that CPU's cache and from there back to its slab.
 * - Slab pages start with a header (kfree finds it by masking); large
 *   blocks have none (their header is off-page, in a hash by address),
 *   so a 4096-byte request (PATH_MAX) takes one page, not two.
 * Host-tested by tests/unit/test_heap.c, with threads as CPUs. */
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "queue.h"
#include "spinlock.h"

#define NCLASS 8 /* 16, 32, ..., 2048 */
#define MIN_SHIFT 4
#define MAX_SMALL ((size_t)1 << (NCLASS - 1 + MIN_SHIFT))
#define HDR_SIZE 64
#define MAGIC_SLAB 0x51ab51ab
#define MAG_SIZE 32 /* objects a CPU caches per class */
#define BATCH 16    /* moved between a cache and the slabs at once */
#define LARGE_BUCKETS 64

struct page_hdr {
	uint32_t magic;
	uint16_t cls;          /* size class */
	uint16_t nfree;        /* free objects in the slab (not in caches) */
	void *freelist;        /* first freed object */
	char *fresh;           /* first never-used object: those from here on */
	struct list_node link; /* on its class's partial list, or unlinked */
	uint64_t pad[3];
};
_Static_assert(sizeof(struct page_hdr) == HDR_SIZE, "page header size");

/* a large block's header, off its pages: a 32-byte heap object */
struct large_hdr {
	struct list_node lh_link; /* in its hash bucket, under its lock */
	void *lh_addr;
	unsigned lh_order;
};

struct magazine {
	unsigned n;
	void *obj[MAG_SIZE];
};

/* one CPU's: only that CPU touches it, with interrupts off */
struct cpu_cache {
	struct magazine mag[NCLASS];
	uint64_t allocs, frees;
};

static struct {
	const struct heap_page_ops *ops;
	struct {
		struct spinlock lock;
		struct list_node partial; /* slabs with a free object */
	} cls[NCLASS];
	struct {
		struct spinlock lock;
		struct list_node blocks;
	} large[LARGE_BUCKETS];
	uint64_t slab_pages, large_pages; /* atomic */
	struct cpu_cache cpu[HEAP_CPUS];
} heap;

void
heap_init(const struct heap_page_ops *ops)
{
	/* the first init finds the heap as the loader left .bss, zero: its
	 * 135 KiB (per-CPU magazines) are cleared only for a second */
	if (heap.ops)
		memset(&heap, 0, sizeof(heap));
	heap.ops = ops;
	for (int c = 0; c < NCLASS; c++)
		list_init(&heap.cls[c].partial);
	for (int b = 0; b < LARGE_BUCKETS; b++)
		list_init(&heap.large[b].blocks);
}

static unsigned
size_class(size_t size)
{
	/* the smallest c with 1 << (c + MIN_SHIFT) >= size (size >= 1) */
	if (size <= ((size_t)1 << MIN_SHIFT))
		return 0;
	return (unsigned)(64 - __builtin_clzl(size - 1)) - MIN_SHIFT;
}

static unsigned
slab_capacity(unsigned cls)
{
	size_t osize = (size_t)1 << (cls + MIN_SHIFT);

	return (PAGE_SIZE - ALIGN_UP(HDR_SIZE, MIN(osize, PAGE_SIZE))) / osize;
}

/* the calling CPU's cache (interrupts off) */
static struct cpu_cache *
this_cache(void)
{
	unsigned cpu = heap.ops->cpu();

	if (cpu >= HEAP_CPUS)
		panic("heap: CPU %u beyond HEAP_CPUS", cpu);
	return &heap.cpu[cpu];
}

/* a fresh slab of class cls on its partial list (class lock held) */
static struct page_hdr *
new_slab(unsigned cls)
{
	size_t osize = (size_t)1 << (cls + MIN_SHIFT);
	struct page_hdr *h = heap.ops->alloc(0);

	if (!h)
		return NULL;
	memset(h, 0, HDR_SIZE);
	h->magic = MAGIC_SLAB;
	h->cls = cls;
	/* objects start at the first multiple of their size past the header;
	 * none is on the free list yet: refill takes them in address order
	 * (no pass over the page to link them) */
	h->fresh = (char *)h + ALIGN_UP(HDR_SIZE, MIN(osize, PAGE_SIZE));
	h->nfree = slab_capacity(cls);
	__atomic_add_fetch(&heap.slab_pages, 1, __ATOMIC_RELAXED);
	list_add_head(&heap.cls[cls].partial, &h->link);
	return h;
}

/* up to BATCH objects of class cls from its slabs into m */
static void
refill(struct magazine *m, unsigned cls)
{
	struct list_node *partial = &heap.cls[cls].partial;

	spin_lock(&heap.cls[cls].lock);
	while (m->n < BATCH) {
		struct page_hdr *h;
		/* a new slab only when there is nothing else: no prefetch
		 * costs a page (class 2048 holds one object per slab) */
		if (list_empty(partial) && (m->n || !new_slab(cls)))
			break;
		h = list_first_entry(partial, struct page_hdr, link);
		/* k objects: freed ones first, then never-used ones */
		unsigned n = m->n, k = MIN(h->nfree, BATCH - n);
		void *p = h->freelist;
		h->nfree -= k;
		for (; k && p; k--, p = *(void **)p)
			m->obj[n++] = p;
		h->freelist = p;
		if (k) {
			size_t osize = (size_t)1 << (cls + MIN_SHIFT);
			char *fresh = h->fresh;
			for (; k; k--, fresh += osize)
				m->obj[n++] = fresh;
			h->fresh = fresh;
		}
		m->n = n;
		if (!h->nfree)
			list_del(&h->link);
	}
	spin_unlock(&heap.cls[cls].lock);
}

/* object p back into its slab (its class lock held); an empty slab goes
 * back to the page source unless it is its class's only partial one */
static void
slab_put(struct page_hdr *h, void *p)
{
	struct list_node *partial = &heap.cls[h->cls].partial;

	*(void **)p = h->freelist;
	h->freelist = p;
	if (++h->nfree == 1)
		list_add_head(partial, &h->link);
	if (h->nfree == slab_capacity(h->cls) &&
	    (partial->next != &h->link || partial->prev != &h->link)) {
		list_del(&h->link);
		h->magic = 0;
		__atomic_sub_fetch(&heap.slab_pages, 1, __ATOMIC_RELAXED);
		heap.ops->free(h, 0);
	}
}

/* the n oldest objects of m (class cls) back to their slabs */
static void
spill(struct magazine *m, unsigned cls, unsigned n)
{
	spin_lock(&heap.cls[cls].lock);
	for (unsigned i = 0; i < n; i++)
		slab_put((struct page_hdr *)ALIGN_DOWN((uintptr_t)m->obj[i], PAGE_SIZE), m->obj[i]);
	spin_unlock(&heap.cls[cls].lock);
	memmove(m->obj, m->obj + n, (m->n - n) * sizeof(m->obj[0]));
	m->n -= n;
}

/* the fast path: the CPU's magazine, refilled from the slabs when empty;
 * counted (an app's kmalloc, not a large block's header) in the same
 * interrupts-off section */
static void *
small_alloc(size_t size, unsigned counted)
{
	unsigned cls = size_class(size);
	struct cpu_cache *c;
	struct magazine *m;
	void *p = NULL;
	uint64_t f = irq_save();

	c = this_cache();
	m = &c->mag[cls];
	if (!m->n)
		refill(m, cls);
	if (m->n) {
		p = m->obj[--m->n];
		c->allocs += counted;
	}
	irq_restore(f);
	return p;
}

/* into the CPU's magazine, half of it spilled to the slabs when full */
static void
small_free(void *p, unsigned counted)
{
	struct page_hdr *h = (struct page_hdr *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE);
	struct cpu_cache *c;
	struct magazine *m;
	uint64_t f;

	if (h->magic != MAGIC_SLAB || h->cls >= NCLASS)
		panic("kfree: %p is not a heap pointer", p);
	f = irq_save();
	c = this_cache();
	c->frees += counted;
	m = &c->mag[h->cls];
	if (m->n == MAG_SIZE)
		spill(m, h->cls, BATCH);
	m->obj[m->n++] = p;
	irq_restore(f);
}

static struct spinlock *
large_bucket(void *addr, struct list_node **blocks)
{
	uintptr_t k = (uintptr_t)addr >> 12;
	unsigned b = (unsigned)((k ^ (k >> 6) ^ (k >> 12)) % LARGE_BUCKETS);

	*blocks = &heap.large[b].blocks;
	return &heap.large[b].lock;
}

static void *
large_alloc(size_t size)
{
	struct large_hdr *lh;
	struct list_node *blocks;
	struct spinlock *l;
	unsigned order = 0;
	void *p;

	if (size > (PAGE_SIZE << FRAME_MAX_ORDER))
		return NULL;
	while ((PAGE_SIZE << order) < size)
		order++;
	if (!(lh = small_alloc(sizeof(*lh), 0)))
		return NULL;
	if (!(p = heap.ops->alloc(order))) {
		small_free(lh, 0);
		return NULL;
	}
	lh->lh_addr = p;
	lh->lh_order = order;
	l = large_bucket(p, &blocks);
	spin_lock(l);
	list_add_head(blocks, &lh->lh_link);
	spin_unlock(l);
	__atomic_add_fetch(&heap.large_pages, 1u << order, __ATOMIC_RELAXED);
	return p;
}

/* p is page-aligned: a large block's start, or no heap pointer */
static void
large_free(void *p)
{
	struct list_node *blocks, *n;
	struct large_hdr *lh = NULL;
	struct spinlock *l = large_bucket(p, &blocks);

	spin_lock(l);
	list_for_each(n, blocks)
	{
		struct large_hdr *e = list_entry(n, struct large_hdr, lh_link);
		if (e->lh_addr == p) {
			lh = e;
			list_del(&e->lh_link);
			break;
		}
	}
	spin_unlock(l);
	if (!lh)
		panic("kfree: %p is not a heap pointer", p);
	__atomic_sub_fetch(&heap.large_pages, 1u << lh->lh_order, __ATOMIC_RELAXED);
	heap.ops->free(p, lh->lh_order);
	small_free(lh, 0);
}

bool (*mm_heap_fail)(void);

void *
kmalloc(size_t size)
{
	void *p;
	uint64_t f;

	if (mm_heap_fail && mm_heap_fail())
		return NULL;
	if (size == 0)
		size = 1;
	if (size <= MAX_SMALL)
		return small_alloc(size, 1);
	if ((p = large_alloc(size))) {
		f = irq_save();
		this_cache()->allocs++;
		irq_restore(f);
	}
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

void
kfree(void *p)
{
	uint64_t f;

	if (!p)
		return;
	if ((uintptr_t)p & (PAGE_SIZE - 1)) {
		small_free(p, 1);
		return;
	}
	f = irq_save();
	this_cache()->frees++;
	irq_restore(f);
	large_free(p);
}

void
heap_flush(void)
{
	uint64_t f = irq_save();
	struct cpu_cache *c = this_cache();

	for (unsigned cls = 0; cls < NCLASS; cls++)
		if (c->mag[cls].n)
			spill(&c->mag[cls], cls, c->mag[cls].n);
	irq_restore(f);
}

/* the counts are summed over CPUs without stopping them: figures */
void
heap_stats(struct heap_stats *st)
{
	*st = (struct heap_stats){
	    .slab_pages = __atomic_load_n(&heap.slab_pages, __ATOMIC_RELAXED),
	    .large_pages = __atomic_load_n(&heap.large_pages, __ATOMIC_RELAXED),
	};
	for (int i = 0; i < HEAP_CPUS; i++) {
		st->allocs += READ_ONCE(heap.cpu[i].allocs);
		st->frees += READ_ONCE(heap.cpu[i].frees);
	}
}

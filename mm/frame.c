/* Physical frame allocator: binary buddy system, orders 0..FRAME_MAX_ORDER.
 * State map: one byte per frame; free lists (include/queue.h) threaded through the free
 * blocks. Memory never handed out stays "untouched": a block joins the
 * free lists only when the lists run dry, because linking it writes into
 * it, and a host backing guest RAM with transparent huge pages pays 2 MiB
 * of RSS and zeroing for each first touch (all of RAM at boot, else).
 * Host-tested by tests/unit/test_frame.c (random alloc/free against a
 * shadow model). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "queue.h"
#include "spinlock.h"

#define ST_TAIL 0x00 /* not a block head, or not RAM */
#define ST_FREE 0x80 /* | order: head of a free block */
#define ST_USED 0x40 /* | order: head of an allocated block */
#define MAX_PENDING 64
#define MAX_UNTOUCHED 256 /* the boot's ranges, and blocks the host discarded */

/* a free block's first bytes: its place on its order's list */
struct free_block {
	struct list_node fb_link;
};

static struct {
	uintptr_t direct;                           /* virtual = direct + physical */
	uint64_t lo_pfn, npfn;                      /* frames the map covers */
	uint8_t *state;                             /* npfn bytes */
	struct list_node free[FRAME_MAX_ORDER + 1]; /* free blocks by order */
	uint64_t free_pages, total_pages;
	struct frame_range pending[MAX_PENDING]; /* above the boot limit */
	int npending;
	struct {
		uint64_t s, e;      /* pfns, [s, e) */
	} untouched[MAX_UNTOUCHED]; /* counted free, on no list yet */
	int nuntouched;
	struct spinlock lock;
} fa;

static inline struct free_block *
blk(uint64_t pfn)
{
	return (struct free_block *)(fa.direct + (pfn << PAGE_SHIFT));
}

static inline uint64_t
pfn_of(struct free_block *b)
{
	return ((uintptr_t)b - fa.direct) >> PAGE_SHIFT;
}

static void
free_push(unsigned order, uint64_t pfn)
{
	list_add_head(&fa.free[order], &blk(pfn)->fb_link);
	fa.state[pfn - fa.lo_pfn] = ST_FREE | order;
}

static void
free_remove(unsigned order, uint64_t pfn)
{
	list_del(&blk(pfn)->fb_link);
	fa.state[pfn - fa.lo_pfn] = ST_TAIL;
}

static bool
in_map(uint64_t pfn)
{
	return pfn >= fa.lo_pfn && pfn < fa.lo_pfn + fa.npfn;
}

/* free a block and merge it with its buddies (caller holds the lock) */
static void
free_block(uint64_t pfn, unsigned order)
{
	while (order < FRAME_MAX_ORDER) {
		uint64_t buddy = pfn ^ (1ull << order);
		if (!in_map(buddy) || fa.state[buddy - fa.lo_pfn] != (ST_FREE | order))
			break;
		free_remove(order, buddy);
		pfn &= ~(1ull << order);
		order++;
	}
	free_push(order, pfn);
}

/* the largest aligned block that starts at s and ends by e */
static unsigned
block_order(uint64_t s, uint64_t e)
{
	unsigned order = FRAME_MAX_ORDER;

	while (order && ((s & ((1ull << order) - 1)) || s + (1ull << order) > e))
		order--;
	return order;
}

/* count a page-aligned range as free; its blocks join the lists later */
static void
add_range(uint64_t start_pfn, uint64_t end_pfn)
{
	if (fa.nuntouched == MAX_UNTOUCHED) {
		/* no slot left: link the range now */
		while (start_pfn < end_pfn) {
			unsigned order = block_order(start_pfn, end_pfn);
			fa.free_pages += 1ull << order;
			fa.total_pages += 1ull << order;
			free_block(start_pfn, order);
			start_pfn += 1ull << order;
		}
		return;
	}
	fa.untouched[fa.nuntouched].s = start_pfn;
	fa.untouched[fa.nuntouched].e = end_pfn;
	fa.nuntouched++;
	fa.free_pages += end_pfn - start_pfn;
	fa.total_pages += end_pfn - start_pfn;
}

/* move one block from the untouched ranges onto the lists; false when
 * none is left (caller holds the lock) */
static bool
take_untouched(void)
{
	while (fa.nuntouched) {
		int i = fa.nuntouched - 1;
		uint64_t s = fa.untouched[i].s, e = fa.untouched[i].e;
		if (s >= e) {
			fa.nuntouched--;
			continue;
		}
		unsigned order = block_order(s, e);
		fa.untouched[i].s = s + (1ull << order);
		free_block(s, order);
		return true;
	}
	return false;
}

static void
add_limited(uint64_t base, uint64_t len, uint64_t limit)
{
	uint64_t s = ALIGN_UP(base, PAGE_SIZE) >> PAGE_SHIFT;
	uint64_t e = ALIGN_DOWN(base + len, PAGE_SIZE) >> PAGE_SHIFT;
	uint64_t lim = limit >> PAGE_SHIFT;

	if (s >= e)
		return;
	if (e > lim) {
		uint64_t hs = MAX(s, lim);
		/* XXX: with every slot taken, memory above the limit is lost */
		if (fa.npending < MAX_PENDING)
			fa.pending[fa.npending++] =
			    (struct frame_range){hs << PAGE_SHIFT, (e - hs) << PAGE_SHIFT};
		e = hs;
	}
	if (s < e)
		add_range(s, e);
}

int
frame_init(uintptr_t direct_base, const struct frame_range *r, int n, uint64_t limit)
{
	uint64_t lo = UINT64_MAX, hi = 0, need;
	int i, carve = -1;

	memset(&fa, 0, sizeof(fa));
	for (unsigned o = 0; o <= FRAME_MAX_ORDER; o++)
		list_init(&fa.free[o]);
	fa.direct = direct_base;
	for (i = 0; i < n; i++) {
		if (!r[i].len)
			continue;
		lo = MIN(lo, ALIGN_DOWN(r[i].base, PAGE_SIZE));
		hi = MAX(hi, ALIGN_UP(r[i].base + r[i].len, PAGE_SIZE));
	}
	if (lo >= hi)
		return -ENOMEM;
	fa.lo_pfn = lo >> PAGE_SHIFT;
	fa.npfn = (hi - lo) >> PAGE_SHIFT;
	need = ALIGN_UP(fa.npfn, PAGE_SIZE);
	for (i = 0; i < n && carve < 0; i++) {
		uint64_t b = ALIGN_UP(r[i].base, PAGE_SIZE);
		if (b + need <= r[i].base + r[i].len && b + need <= limit)
			carve = i;
	}
	if (carve < 0)
		return -ENOMEM;
	fa.state = (uint8_t *)(direct_base + ALIGN_UP(r[carve].base, PAGE_SIZE));
	memset(fa.state, ST_TAIL, fa.npfn);
	for (i = 0; i < n; i++) {
		uint64_t b = r[i].base, len = r[i].len;
		if (i == carve) {
			uint64_t used = ALIGN_UP(b, PAGE_SIZE) + need - b;
			b += used;
			len -= used;
		}
		add_limited(b, len, limit);
	}
	return 0;
}

void
frame_add_high(void)
{
	uint64_t f = spin_lock_irqsave(&fa.lock);

	for (int i = 0; i < fa.npending; i++)
		add_limited(fa.pending[i].base, fa.pending[i].len, UINT64_MAX);
	fa.npending = 0;
	spin_unlock_irqrestore(&fa.lock, f);
}

/* frames the app's demand never takes (frame_alloc_app): a 16th of RAM,
 * at most 1 MiB */
static uint64_t
reserve_pages(void)
{
	return MIN(fa.total_pages / 16, (1ul << 20) / PAGE_SIZE);
}

bool (*mm_frame_fail)(void);

/* an order-'order' block, leaving at least 'keep' frames free; from the
 * lists only (no untouched memory linked) when !untouched */
static uint64_t
alloc(unsigned order, uint64_t keep, bool untouched)
{
	uint64_t f, pfn;
	unsigned o;

	if (order > FRAME_MAX_ORDER || (mm_frame_fail && mm_frame_fail()))
		return 0;
	f = spin_lock_irqsave(&fa.lock);
	if (fa.free_pages < keep + (1ull << order)) {
		spin_unlock_irqrestore(&fa.lock, f);
		return 0;
	}
	for (;;) {
		for (o = order; o <= FRAME_MAX_ORDER && list_empty(&fa.free[o]); o++)
			;
		if (o <= FRAME_MAX_ORDER)
			break;
		if (!untouched || !take_untouched()) {
			spin_unlock_irqrestore(&fa.lock, f);
			return 0;
		}
	}
	pfn = pfn_of(list_first_entry(&fa.free[o], struct free_block, fb_link));
	free_remove(o, pfn);
	/* split: the upper halves go back on the lists */
	while (o > order) {
		o--;
		free_push(o, pfn + (1ull << o));
	}
	fa.state[pfn - fa.lo_pfn] = ST_USED | order;
	fa.free_pages -= 1ull << order;
	spin_unlock_irqrestore(&fa.lock, f);
	return pfn << PAGE_SHIFT;
}

uint64_t
frame_alloc(unsigned order)
{
	return alloc(order, 0, true);
}

uint64_t
frame_alloc_touched(unsigned order)
{
	return alloc(order, 0, false);
}

uint64_t
frame_alloc_app(void)
{
	return alloc(0, reserve_pages(), true);
}

void
frame_free(uint64_t pa, unsigned order)
{
	uint64_t pfn = pa >> PAGE_SHIFT, f;

	if ((pa & (PAGE_SIZE - 1)) || order > FRAME_MAX_ORDER || !in_map(pfn))
		panic("frame_free: bad address %#lx order %u", (unsigned long)pa, order);
	f = spin_lock_irqsave(&fa.lock);
	if (fa.state[pfn - fa.lo_pfn] != (ST_USED | order))
		panic("frame_free: %#lx order %u is not an allocated block (state %#x)",
		      (unsigned long)pa, order, fa.state[pfn - fa.lo_pfn]);
	fa.state[pfn - fa.lo_pfn] = ST_TAIL;
	fa.free_pages += 1ull << order;
	free_block(pfn, order);
	spin_unlock_irqrestore(&fa.lock, f);
}

void
frame_free_untouched(uint64_t pa, unsigned order)
{
	uint64_t pfn = pa >> PAGE_SHIFT, n = 1ull << order, f;
	int i;

	if ((pa & (PAGE_SIZE - 1)) || order > FRAME_MAX_ORDER || !in_map(pfn))
		panic("frame_free_untouched: bad address %#lx order %u", (unsigned long)pa, order);
	f = spin_lock_irqsave(&fa.lock);
	if (fa.state[pfn - fa.lo_pfn] != (ST_USED | order))
		panic("frame_free_untouched: %#lx order %u is not an allocated block (state %#x)",
		      (unsigned long)pa, order, fa.state[pfn - fa.lo_pfn]);
	/* a range it continues, else a slot of its own, else the lists */
	for (i = 0; i < fa.nuntouched; i++) {
		if (fa.untouched[i].e == pfn && fa.untouched[i].s < fa.untouched[i].e) {
			fa.untouched[i].e += n;
			break;
		}
		if (fa.untouched[i].s == pfn + n && fa.untouched[i].s < fa.untouched[i].e) {
			fa.untouched[i].s = pfn;
			break;
		}
	}
	fa.state[pfn - fa.lo_pfn] = ST_TAIL;
	fa.free_pages += n;
	if (i == fa.nuntouched && fa.nuntouched < MAX_UNTOUCHED) {
		fa.untouched[fa.nuntouched].s = pfn;
		fa.untouched[fa.nuntouched].e = pfn + n;
		fa.nuntouched++;
	} else if (i == fa.nuntouched) {
		free_block(pfn, order);
	}
	spin_unlock_irqrestore(&fa.lock, f);
}

uint64_t
frame_reserve_bytes(void)
{
	return reserve_pages() << PAGE_SHIFT;
}

static int64_t file_bytes; /* mm_count_file's sum, atomic */

void
mm_count_file(int64_t delta)
{
	__atomic_add_fetch(&file_bytes, delta, __ATOMIC_RELAXED);
}

uint64_t
mm_file_bytes(void)
{
	int64_t n = __atomic_load_n(&file_bytes, __ATOMIC_RELAXED);

	return n > 0 ? (uint64_t)n : 0;
}

uint64_t
frame_free_bytes(void)
{
	return fa.free_pages << PAGE_SHIFT;
}

static int64_t ballooned; /* pages the host took back (frame_balloon), atomic */

void
frame_balloon(int64_t pages)
{
	__atomic_add_fetch(&ballooned, pages, __ATOMIC_RELAXED);
}

uint64_t
frame_ballooned_bytes(void)
{
	return (uint64_t)__atomic_load_n(&ballooned, __ATOMIC_RELAXED) << PAGE_SHIFT;
}

uint64_t
frame_total_bytes(void)
{
	return (fa.total_pages - (uint64_t)__atomic_load_n(&ballooned, __ATOMIC_RELAXED))
	       << PAGE_SHIFT;
}

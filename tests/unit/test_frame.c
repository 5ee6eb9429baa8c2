/* mm/frame.c on the host: the buddy allocator over a host arena that
 * plays physical memory [FAKE_BASE, FAKE_BASE + ARENA), with unaligned
 * ranges, a gap, and memory above the boot limit; random alloc/free of
 * mixed orders against a shadow model of every page; the panics.
 * Run: make unit && build/tests/unit/test_frame */
#include "errno.h"
#include "mm.h"
#include "unit.h"

#define FAKE_BASE 0x400000ul /* 4 MiB: max-order aligned */
#define ARENA (24ul << 20)
#define NPAGES (ARENA / PAGE_SIZE)
#define MAX_BLOCK (PAGE_SIZE << FRAME_MAX_ORDER)

static uint8_t *arena;
static uintptr_t direct; /* arena - FAKE_BASE */

/* the memory map: a range too small for the state map, then ordinary
 * ones, unaligned ends, a gap, and a range above 20 MiB */
static const struct frame_range ranges[] = {
    {0x400123, 0x2000},             /* 1 page once aligned */
    {0x408000, 0x3f8000},           /* up to 8 MiB */
    {0x800000, 0x800000},           /* two max-order blocks */
    {0x1000800, 0x200000 - 0x1000}, /* unaligned both ends */
    {0x1400000, 0x400000},          /* [20, 24) MiB */
};

/* ---- the shadow model: who owns each page ---- */

static struct {
	bool usable[NPAGES];    /* handed to the allocator (so far) */
	bool carved[NPAGES];    /* the allocator's state map */
	uint32_t owner[NPAGES]; /* block id + 1 of the allocated block, 0 when free */
	uint64_t free_pages;
} m;

struct live {
	uint64_t pa;
	unsigned order;
	uint32_t id;
};
static struct live live[8192];
static int nlive;
static uint32_t next_id;

static uint64_t
page_of(uint64_t pa)
{
	return (pa - FAKE_BASE) / PAGE_SIZE;
}

static void *
va(uint64_t pa)
{
	return (void *)(direct + pa);
}

/* pages [lo, hi) of physical memory, as the allocator sees them */
static void
model_add(uint64_t lo, uint64_t hi)
{
	for (uint64_t pa = ALIGN_UP(lo, PAGE_SIZE); pa + PAGE_SIZE <= hi; pa += PAGE_SIZE)
		if (!m.usable[page_of(pa)] && !m.carved[page_of(pa)]) {
			m.usable[page_of(pa)] = true;
			m.free_pages++;
		}
}

static void
model_carve(uint64_t lo, uint64_t hi)
{
	for (uint64_t pa = lo; pa < hi; pa += PAGE_SIZE) {
		m.carved[page_of(pa)] = true;
		if (m.usable[page_of(pa)]) {
			m.usable[page_of(pa)] = false;
			m.free_pages--;
		}
	}
}

/* Init over ranges[0..n) with a limit; the model says where the state
 * map goes (the first range that holds it below the limit) */
static int
init(const struct frame_range *r, int n, uint64_t limit)
{
	uint64_t lo = UINT64_MAX, hi = 0, need;
	int rc;

	memset(&m, 0, sizeof(m));
	nlive = 0;
	rc = frame_init(direct, r, n, limit);
	for (int i = 0; i < n; i++) {
		if (!r[i].len)
			continue;
		lo = MIN(lo, ALIGN_DOWN(r[i].base, PAGE_SIZE));
		hi = MAX(hi, ALIGN_UP(r[i].base + r[i].len, PAGE_SIZE));
	}
	need = ALIGN_UP((hi - lo) / PAGE_SIZE, PAGE_SIZE);
	for (int i = 0; i < n; i++) {
		uint64_t end = r[i].base + r[i].len;
		model_add(r[i].base, MIN(end, ALIGN_DOWN(limit, PAGE_SIZE)));
	}
	for (int i = 0; i < n; i++) {
		uint64_t b = ALIGN_UP(r[i].base, PAGE_SIZE);
		if (b + need <= r[i].base + r[i].len && b + need <= limit) {
			model_carve(b, b + need);
			break;
		}
	}
	return rc;
}

static void
add_high(const struct frame_range *r, int n)
{
	frame_add_high();
	for (int i = 0; i < n; i++)
		model_add(r[i].base, r[i].base + r[i].len);
}

/* the pattern an allocated block carries: its id at each page's start
 * and end (the whole block would make the random test slow) */
static void
fill(const struct live *l, bool check)
{
	for (uint64_t off = 0; off < PAGE_SIZE << l->order; off += PAGE_SIZE) {
		uint32_t *p = va(l->pa + off), *q = va(l->pa + off + PAGE_SIZE - 4);
		if (!check) {
			*p = *q = l->id;
		} else if (*p != l->id || *q != l->id) {
			unit_fail(__FILE__, __LINE__, "block %#lx order %u corrupted at +%#lx",
			          (unsigned long)l->pa, l->order, (unsigned long)off);
			return;
		}
	}
}

/* Is there a free usable aligned block of this order in the model? A
 * buddy allocator that merges eagerly must then have found one. */
static bool
model_has_block(unsigned order)
{
	uint64_t n = 1ull << order;

	for (uint64_t pa = ALIGN_UP(FAKE_BASE, PAGE_SIZE << order); page_of(pa) + n <= NPAGES;
	     pa += PAGE_SIZE << order) {
		uint64_t i;
		for (i = 0; i < n; i++)
			if (!m.usable[page_of(pa) + i] || m.owner[page_of(pa) + i])
				break;
		if (i == n)
			return true;
	}
	return false;
}

/* allocate and check against the model; false when none was given */
static bool
alloc(unsigned order, bool check_failure)
{
	uint64_t pa = frame_alloc(order), n = 1ull << order;
	struct live *l;

	if (!pa) {
		if (check_failure && model_has_block(order))
			unit_fail(__FILE__, __LINE__,
			          "order %u: got nothing, but the model has a block", order);
		return false;
	}
	if (pa & ((PAGE_SIZE << order) - 1) || pa < FAKE_BASE || page_of(pa) + n > NPAGES) {
		unit_fail(__FILE__, __LINE__, "order %u: got %#lx, unaligned or out of memory",
		          order, (unsigned long)pa);
		return false;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t p = page_of(pa) + i;
		if (!m.usable[p] || m.owner[p]) {
			unit_fail(__FILE__, __LINE__, "order %u at %#lx: page %#lx is %s", order,
			          (unsigned long)pa, (unsigned long)(FAKE_BASE + p * PAGE_SIZE),
			          m.usable[p] ? "already allocated" : "not free memory");
			return false;
		}
	}
	if (nlive == (int)ARRAY_SIZE(live)) {
		frame_free(pa, order);
		return true;
	}
	l = &live[nlive++];
	*l = (struct live){pa, order, ++next_id};
	for (uint64_t i = 0; i < n; i++)
		m.owner[page_of(pa) + i] = l->id;
	m.free_pages -= n;
	fill(l, false);
	return true;
}

static void
release(int i)
{
	struct live l = live[i];

	fill(&l, true);
	for (uint64_t k = 0; k < 1ull << l.order; k++)
		m.owner[page_of(l.pa) + k] = 0;
	m.free_pages += 1ull << l.order;
	live[i] = live[--nlive];
	frame_free(l.pa, l.order);
}

static void
release_all(void)
{
	while (nlive)
		release(nlive - 1);
}

static bool
free_matches(int line)
{
	if (frame_free_bytes() != m.free_pages * PAGE_SIZE) {
		unit_fail(__FILE__, line, "free bytes: expected %#lx, got %#lx",
		          (unsigned long)(m.free_pages * PAGE_SIZE),
		          (unsigned long)frame_free_bytes());
		return false;
	}
	return true;
}

/* how many blocks of 'order' can be taken now (all given back after) */
static int
count_blocks(unsigned order)
{
	int n = 0, base = nlive;

	while (alloc(order, false))
		n++;
	while (nlive > base)
		release(nlive - 1);
	return n;
}

/* ---- cases ---- */

static void
init_counts(void)
{
	EXPECT_EQ(init(ranges, ARRAY_SIZE(ranges), UINT64_MAX), 0);
	/* 1 + 1016 + 2048 + 510 + 1024 pages, less 2 for the state map */
	EXPECT_EQ(m.free_pages, 1 + 1016 + 2048 + 510 + 1024 - 2);
	EXPECT_EQ(frame_total_bytes(), m.free_pages * PAGE_SIZE);
	free_matches(__LINE__);
	/* the state map went into the second range: the first is too small */
	EXPECT(m.usable[page_of(0x401000)]);
	EXPECT(!m.usable[page_of(0x408000)] && !m.usable[page_of(0x409000)]);
	EXPECT(m.usable[page_of(0x40a000)]);
	EXPECT_EQ(unit_rflags & RFLAGS_IF, RFLAGS_IF);
}

static void
exhaust_and_return(void)
{
	uint64_t start;
	int max_blocks, pages = 0;

	init(ranges, ARRAY_SIZE(ranges), UINT64_MAX);
	start = frame_free_bytes();
	max_blocks = count_blocks(FRAME_MAX_ORDER);
	EXPECT_EQ(max_blocks, 3); /* [8, 12), [12, 16), [20, 24) MiB */
	while (alloc(0, false))
		pages++;
	EXPECT_EQ(pages, (int)(start / PAGE_SIZE));
	EXPECT_EQ(frame_free_bytes(), 0);
	for (unsigned o = 0; o <= FRAME_MAX_ORDER; o++)
		EXPECT_EQ(frame_alloc(o), 0);
	EXPECT_EQ(frame_alloc(FRAME_MAX_ORDER + 1), 0);
	/* give back in an order unlike the allocation's */
	for (int i = 0; i < nlive; i += 2)
		release(i);
	release_all();
	EXPECT_EQ(frame_free_bytes(), start);
	EXPECT_EQ(count_blocks(FRAME_MAX_ORDER), max_blocks);
	free_matches(__LINE__);
}

static void
random_churn(void)
{
	uint64_t start;
	int max_blocks, failures = 0;

	init(ranges, ARRAY_SIZE(ranges), UINT64_MAX);
	start = frame_free_bytes();
	max_blocks = count_blocks(FRAME_MAX_ORDER);
	for (int step = 0; step < 200000 && !unit.case_failed; step++) {
		/* mostly small orders, sometimes any; allocate more than free
		 * while below a target so memory runs out now and then */
		unsigned order =
		    unit_rand_below(4) ? unit_rand_below(3) : unit_rand_below(FRAME_MAX_ORDER + 1);
		int target = (step / 20000) % 2 ? 6000 : 300;

		if (nlive && (nlive >= target || unit_rand_below(100) < 45))
			release(unit_rand_below(nlive));
		else if (!alloc(order, failures < 3000))
			failures++;
		if (!free_matches(__LINE__))
			break;
	}
	if (!failures)
		unit_fail(__FILE__, __LINE__, "memory never ran out: the test is too gentle");
	release_all();
	EXPECT_EQ(frame_free_bytes(), start);
	EXPECT_EQ(count_blocks(FRAME_MAX_ORDER), max_blocks);
	EXPECT_EQ(unit_rflags & RFLAGS_IF, RFLAGS_IF);
}

static void
limit_and_add_high(void)
{
	const uint64_t limit = 0x1100000;
	uint64_t low, all;
	bool high_seen = false;

	EXPECT_EQ(init(ranges, ARRAY_SIZE(ranges), limit), 0);
	low = frame_total_bytes();
	EXPECT_EQ(low, m.free_pages * PAGE_SIZE);
	/* nothing from above the limit before frame_add_high */
	while (alloc(0, false))
		if (live[nlive - 1].pa >= limit)
			high_seen = true;
	EXPECT(!high_seen);
	EXPECT_EQ(frame_free_bytes(), 0);
	release_all();

	add_high(ranges, ARRAY_SIZE(ranges));
	all = frame_total_bytes();
	EXPECT_EQ(all, m.free_pages * PAGE_SIZE);
	EXPECT_EQ(all - low, (0x11ff000 - limit) + 0x400000);
	free_matches(__LINE__);
	/* a second call adds nothing */
	frame_add_high();
	EXPECT_EQ(frame_total_bytes(), all);
	/* everything is reachable and merges, above the limit too */
	EXPECT_EQ(count_blocks(FRAME_MAX_ORDER), 3);
	while (alloc(0, false))
		high_seen |= live[nlive - 1].pa >= limit;
	EXPECT(high_seen);
	release_all();
	EXPECT_EQ(frame_free_bytes(), all);

	/* a limit below which the map does not fit */
	EXPECT_EQ(init(ranges, ARRAY_SIZE(ranges), 0x409000), -ENOMEM);
	/* a limit that cuts a range in its middle, unaligned */
	EXPECT_EQ(init(ranges, ARRAY_SIZE(ranges), 0x900800), 0);
	EXPECT_EQ(frame_total_bytes(), m.free_pages * PAGE_SIZE);
	add_high(ranges, ARRAY_SIZE(ranges));
	EXPECT_EQ(frame_total_bytes(), m.free_pages * PAGE_SIZE);
	EXPECT_EQ(count_blocks(FRAME_MAX_ORDER), 3);
}

/* more ranges than frame.c has slots for (64 untouched, 64 pending):
 * 80 ranges of 3 pages, 4 pages apart, from 'base' */
static struct frame_range many[80];

static void
many_set(uint64_t base)
{
	for (int i = 0; i < (int)ARRAY_SIZE(many); i++)
		many[i] = (struct frame_range){base + i * 0x4000ul, 0x3000};
}

static void
many_ranges(void)
{
	uint64_t start;

	many_set(FAKE_BASE);
	EXPECT_EQ(init(many, ARRAY_SIZE(many), UINT64_MAX), 0);
	start = frame_total_bytes();
	EXPECT_EQ(start, (80 * 3 - 1) * PAGE_SIZE); /* the map took one page */
	EXPECT_EQ(start, m.free_pages * PAGE_SIZE);
	/* order 1 until none, checking each failure against the model */
	while (alloc(1, true))
		;
	while (alloc(0, true))
		;
	EXPECT_EQ(frame_free_bytes(), 0);
	release_all();
	EXPECT_EQ(frame_free_bytes(), start);
	for (int step = 0; step < 20000 && !unit.case_failed; step++) {
		if (nlive && unit_rand_below(100) < 45)
			release(unit_rand_below(nlive));
		else
			alloc(unit_rand_below(3), true);
		if (!free_matches(__LINE__))
			break;
	}
	release_all();
	EXPECT_EQ(frame_free_bytes(), start);
}

/* more ranges above the limit than there are pending slots: still
 * nothing from above the limit before frame_add_high */
static void
many_ranges_high(void)
{
	static struct frame_range r[1 + ARRAY_SIZE(many)];
	const uint64_t limit = 0x800000;
	bool high_seen = false;

	r[0] = (struct frame_range){FAKE_BASE, 0x100000};
	many_set(limit);
	memcpy(r + 1, many, sizeof(many));
	EXPECT_EQ(init(r, ARRAY_SIZE(r), limit), 0);
	EXPECT_EQ(frame_total_bytes(), m.free_pages * PAGE_SIZE);
	while (alloc(0, true))
		high_seen |= live[nlive - 1].pa >= limit;
	EXPECT(!high_seen);
	release_all();
	frame_add_high();
	/* what is above the limit is all there now, or what fitted the slots */
	EXPECT(frame_total_bytes() > 0x100000 - PAGE_SIZE);
	EXPECT(frame_total_bytes() <= (0x100 - 1 + 80 * 3) * PAGE_SIZE);
	while (frame_alloc(0))
		;
	EXPECT_EQ(frame_free_bytes(), 0);
}

static void
init_failures(void)
{
	static const struct frame_range empty[] = {{0x500000, 0}};
	static const struct frame_range tiny[] = {{0x500000, 0x1000}, {0x1700000, 0x1000}};

	EXPECT_EQ(frame_init(direct, NULL, 0, UINT64_MAX), -ENOMEM);
	EXPECT_EQ(frame_init(direct, empty, 1, UINT64_MAX), -ENOMEM);
	/* the map (0x1201 frames: 2 pages) fits in neither range */
	EXPECT_EQ(frame_init(direct, tiny, 2, UINT64_MAX), -ENOMEM);
	/* a single page holds the map of a single page, and nothing is left */
	EXPECT_EQ(init(tiny, 1, UINT64_MAX), 0);
	EXPECT_EQ(frame_total_bytes(), 0);
	EXPECT_EQ(frame_alloc(0), 0);
}

struct bad_free {
	uint64_t pa;
	unsigned order;
};

static void
do_free(void *arg)
{
	struct bad_free *b = arg;

	frame_free(b->pa, b->order);
}

static void
panics(void)
{
	struct bad_free b;

	init(ranges, ARRAY_SIZE(ranges), UINT64_MAX);
	b = (struct bad_free){frame_alloc(0), 0};
	frame_free(b.pa, 0);
	EXPECT_PANIC(do_free, &b, "is not an allocated block");

	/* the lock is still held after that panic: start again each time */
	init(ranges, ARRAY_SIZE(ranges), UINT64_MAX);
	b = (struct bad_free){frame_alloc(1), 0};
	EXPECT_PANIC(do_free, &b, "is not an allocated block"); /* wrong order */

	init(ranges, ARRAY_SIZE(ranges), UINT64_MAX);
	b = (struct bad_free){frame_alloc(2) + PAGE_SIZE, 0};
	EXPECT_PANIC(do_free, &b, "is not an allocated block"); /* inside a block */

	init(ranges, ARRAY_SIZE(ranges), UINT64_MAX);
	b = (struct bad_free){0x800000, FRAME_MAX_ORDER}; /* free, never allocated */
	EXPECT_PANIC(do_free, &b, "is not an allocated block");

	init(ranges, ARRAY_SIZE(ranges), UINT64_MAX);
	b = (struct bad_free){0x1200000, 0}; /* in the map, not RAM */
	EXPECT_PANIC(do_free, &b, "is not an allocated block");

	init(ranges, ARRAY_SIZE(ranges), UINT64_MAX);
	b = (struct bad_free){frame_alloc(0) + 8, 0};
	EXPECT_PANIC(do_free, &b, "bad address");
	b = (struct bad_free){0x10000000, 0};
	EXPECT_PANIC(do_free, &b, "bad address");
	b = (struct bad_free){0x1000, 0};
	EXPECT_PANIC(do_free, &b, "bad address");
	b = (struct bad_free){0x800000, FRAME_MAX_ORDER + 1};
	EXPECT_PANIC(do_free, &b, "bad address");
}

int
main(void)
{
	arena = aligned_alloc(MAX_BLOCK, ARENA);
	direct = (uintptr_t)arena - FAKE_BASE;
	RUN(init_counts);
	RUN(exhaust_and_return);
	RUN(random_churn);
	RUN(limit_and_add_high);
	RUN(many_ranges);
	RUN(many_ranges_high);
	RUN(init_failures);
	RUN(panics);
	free(arena);
	return unit_done();
}

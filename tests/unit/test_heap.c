/* mm/heap.c on the host, over page ops backed by aligned_alloc (pages
 * given back are freed at once, so ASan catches the heap touching them
 * afterwards): sizes and alignment, kzalloc, random kmalloc/kfree with
 * pattern checks, what the statistics come back to, the limits, panics.
 * Run: make unit && build/tests/unit/test_heap */
#include "mm.h"
#include "unit.h"
#include <pthread.h>

#define NCLASS 8 /* 16 .. 2048, as heap.c */
#define HDR 64   /* heap.c's slab page header (large blocks have none) */

/* ---- page ops: count what is out, remember each block's order ---- */

static struct {
	void *blocks[4096];
	unsigned order[4096];
	int n;
	uint64_t pages_out;
	int fail_after; /* >= 0: that many more allocations succeed */
	int bad_frees;
} pg = {.fail_after = -1};

static void *
pg_alloc(unsigned order)
{
	void *p;

	if (pg.fail_after == 0 || pg.n == (int)ARRAY_SIZE(pg.blocks))
		return NULL;
	if (pg.fail_after > 0)
		pg.fail_after--;
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
	memset(p, 0xdb, PAGE_SIZE << order); /* not zeroed, as frames are not */
	pg.blocks[pg.n] = p;
	pg.order[pg.n++] = order;
	pg.pages_out += 1ull << order;
	return p;
}

static void
pg_free(void *p, unsigned order)
{
	for (int i = 0; i < pg.n; i++)
		if (pg.blocks[i] == p) {
			if (pg.order[i] != order)
				pg.bad_frees++;
			pg.pages_out -= 1ull << pg.order[i];
			pg.blocks[i] = pg.blocks[--pg.n];
			pg.order[i] = pg.order[pg.n];
			free(p);
			return;
		}
	pg.bad_frees++;
}

/* each host thread is a CPU of its own */
static __thread unsigned test_cpu;
static unsigned
pg_cpu(void)
{
	return test_cpu;
}

static const struct heap_page_ops ops = {.alloc = pg_alloc, .free = pg_free, .cpu = pg_cpu};

static void
reset(void)
{
	while (pg.n)
		free(pg.blocks[--pg.n]);
	pg.pages_out = 0;
	pg.fail_after = -1;
	pg.bad_frees = 0;
	heap_init(&ops);
}

/* after the caller's cached objects went back to their slabs */
static struct heap_stats
stats(void)
{
	struct heap_stats st;

	heap_flush();
	heap_stats(&st);
	return st;
}

/* the slab class of a size, -1 for a large block */
static int
class_of(size_t size)
{
	for (int c = 0; c < NCLASS; c++)
		if (size <= (16u << c))
			return c;
	return -1;
}

/* ---- cases ---- */

static void
basics(void)
{
	void *p, *q;
	struct heap_stats st;

	reset();
	p = kmalloc(1);
	q = kmalloc(0);
	EXPECT(p && q && p != q);
	EXPECT_EQ((uintptr_t)p % 16, 0);
	EXPECT_EQ((uintptr_t)q % 16, 0);
	kfree(p);
	kfree(q);
	st = stats();
	kfree(NULL);
	EXPECT_EQ(stats().frees, st.frees);
	EXPECT_EQ(st.allocs, 2);
	EXPECT_EQ(st.frees, 2);
	EXPECT_EQ(st.slab_pages, 1);
	EXPECT_EQ(st.large_pages, 0);
	EXPECT_EQ(pg.pages_out, 1);
	EXPECT_EQ(unit_rflags & RFLAGS_IF, RFLAGS_IF);
}

/* every size around each class boundary: aligned, usable to its size,
 * in a page of its own kind */
static void
sizes(void)
{
	static const size_t sz[] = {1,     8,
	                            15,    16,
	                            17,    31,
	                            32,    33,
	                            63,    64,
	                            65,    127,
	                            128,   129,
	                            255,   256,
	                            257,   511,
	                            512,   513,
	                            1023,  1024,
	                            1025,  2047,
	                            2048,  2049,
	                            4000,  4032,
	                            4033,  4096,
	                            8128,  8129,
	                            20000, PAGE_SIZE << FRAME_MAX_ORDER};
	void *p[ARRAY_SIZE(sz)];

	reset();
	for (size_t i = 0; i < ARRAY_SIZE(sz); i++) {
		p[i] = kmalloc(sz[i]);
		if (!p[i]) {
			unit_fail(__FILE__, __LINE__, "kmalloc(%zu) failed", sz[i]);
			continue;
		}
		EXPECT_EQ((uintptr_t)p[i] % 16, 0);
		if (class_of(sz[i]) >= 0) /* objects are aligned to their size */
			EXPECT_EQ((uintptr_t)p[i] % (16u << class_of(sz[i])), 0);
		else /* a large block: whole pages, no header */
			EXPECT_EQ((uintptr_t)p[i] % PAGE_SIZE, 0);
		memset(p[i], (int)i, sz[i]);
	}
	/* the large blocks took the fewest pages that hold size + header */
	/* 2049, 4000, 4032, 4033, 4096, 8128, 8129, 20000, the largest */
	EXPECT_EQ(stats().large_pages, 1 + 1 + 1 + 1 + 1 + 2 + 2 + 8 + 1024);
	for (size_t i = 0; i < ARRAY_SIZE(sz); i++) {
		if (!p[i])
			continue;
		for (size_t k = 0; k < sz[i]; k++)
			if (((unsigned char *)p[i])[k] != (unsigned char)i) {
				unit_fail(__FILE__, __LINE__, "kmalloc(%zu): byte %zu overwritten",
				          sz[i], k);
				break;
			}
		kfree(p[i]);
	}
	EXPECT_EQ(stats().large_pages, 0);
	EXPECT_EQ(pg.bad_frees, 0);
}

static void
zeroed(void)
{
	static const size_t sz[] = {1, 24, 100, 2048, 3000, 20000};

	reset();
	for (size_t i = 0; i < ARRAY_SIZE(sz); i++) {
		/* dirty an object, free it, and take one of the same size back */
		unsigned char *p = kmalloc(sz[i]), *q;
		memset(p, 0xff, sz[i]);
		kfree(p);
		q = kzalloc(sz[i]);
		EXPECT(q != NULL);
		for (size_t k = 0; q && k < sz[i]; k++)
			if (q[k]) {
				unit_fail(__FILE__, __LINE__, "kzalloc(%zu): byte %zu is %#x",
				          sz[i], k, q[k]);
				break;
			}
		kfree(q);
	}
}

/* slab capacity per class, as heap.c lays objects out */
static unsigned
capacity(int c)
{
	size_t osize = 16u << c;

	return (PAGE_SIZE - ALIGN_UP(HDR, MIN(osize, PAGE_SIZE))) / osize;
}

/* fill whole slabs of each class, free them in two orders: the slab
 * count follows, and one empty slab per class stays */
static void
slab_lifecycle(void)
{
	static void *objs[3 * 252];

	reset();
	for (int c = 0; c < NCLASS; c++) {
		size_t size = 16u << c;
		unsigned cap = capacity(c), n = 3 * cap;
		uint64_t before = stats().slab_pages;

		for (unsigned i = 0; i < n; i++)
			objs[i] = kmalloc(size);
		EXPECT_EQ(stats().slab_pages - before, 3);
		/* all distinct */
		for (unsigned i = 0; i < n; i++)
			for (unsigned j = i + 1; j < n; j++)
				if (objs[i] == objs[j])
					unit_fail(__FILE__, __LINE__,
					          "class %zu: object %u given twice", size, i);
		/* free every other one, then the rest backwards */
		for (unsigned i = 0; i < n; i += 2)
			kfree(objs[i]);
		for (unsigned i = n - (n % 2 ? 2 : 1); i < n; i -= 2)
			kfree(objs[i]);
		EXPECT_EQ(stats().slab_pages - before, 1);
		/* the kept slab serves the next allocation */
		objs[0] = kmalloc(size);
		EXPECT_EQ(stats().slab_pages - before, 1);
		kfree(objs[0]);
	}
	EXPECT_EQ(stats().slab_pages, NCLASS);
	EXPECT_EQ(pg.pages_out, NCLASS);
	EXPECT_EQ(pg.bad_frees, 0);
}

struct obj {
	unsigned char *p;
	size_t size;
	unsigned char tag;
};

static bool
intact(const struct obj *o)
{
	for (size_t k = 0; k < o->size; k++)
		if (o->p[k] != (unsigned char)(o->tag + k)) {
			unit_fail(__FILE__, __LINE__, "object %p (%zu bytes): byte %zu overwritten",
			          (void *)o->p, o->size, k);
			return false;
		}
	return true;
}

static void
random_churn(void)
{
	static struct obj live[3000];
	bool used[NCLASS] = {false};
	int nlive = 0, nused = 0;
	struct heap_stats st;

	reset();
	for (int step = 0; step < 150000 && !unit.case_failed; step++) {
		if (nlive && (nlive == (int)ARRAY_SIZE(live) || unit_rand_below(100) < 48)) {
			int i = (int)unit_rand_below(nlive);
			if (!intact(&live[i]))
				break;
			kfree(live[i].p);
			live[i] = live[--nlive];
		} else {
			/* sizes 1..20000, small ones far more often */
			size_t size = unit_rand_below(8)
			                  ? 1 + unit_rand_below(unit_rand_below(2) ? 64 : 2048)
			                  : 1 + unit_rand_below(20000);
			struct obj *o = &live[nlive];
			o->p = kmalloc(size);
			if (!o->p || (uintptr_t)o->p % 16) {
				unit_fail(__FILE__, __LINE__, "kmalloc(%zu) gave %p", size,
				          (void *)o->p);
				break;
			}
			o->size = size;
			o->tag = (unsigned char)unit_rand();
			for (size_t k = 0; k < size; k++)
				o->p[k] = (unsigned char)(o->tag + k);
			if (class_of(size) >= 0 && !used[class_of(size)]) {
				used[class_of(size)] = true;
				nused++;
			}
			nlive++;
		}
	}
	while (nlive) {
		intact(&live[nlive - 1]);
		kfree(live[--nlive].p);
	}
	/* all back: one slab kept per class ever used, no large pages */
	st = stats();
	EXPECT_EQ(st.large_pages, 0);
	EXPECT_EQ(st.slab_pages, nused);
	EXPECT_EQ(st.allocs, st.frees);
	EXPECT_EQ(pg.pages_out, nused);
	EXPECT_EQ(pg.bad_frees, 0);
	EXPECT_EQ(unit_rflags & RFLAGS_IF, RFLAGS_IF);
}

static void
limits(void)
{
	const size_t max = PAGE_SIZE << FRAME_MAX_ORDER;
	void *p;

	reset();
	p = kmalloc(max);
	EXPECT(p != NULL);
	kfree(p);
	EXPECT_EQ(kmalloc(max + 1), NULL);
	EXPECT_EQ(kzalloc(max + 1), NULL);
	/* sizes whose header would wrap around */
	EXPECT_EQ(kmalloc(SIZE_MAX), NULL);
	EXPECT_EQ(kmalloc(SIZE_MAX - HDR + 1), NULL);
	EXPECT_EQ(kmalloc((size_t)1 << 63), NULL);
	EXPECT_EQ(kmalloc(((size_t)1 << 63) + 1), NULL);
	EXPECT_EQ(stats().large_pages, 0);
	EXPECT_EQ(pg.pages_out, 1); /* the slab that held max's off-page header */
}

static void
out_of_pages(void)
{
	void *p;

	reset();
	pg.fail_after = 0;
	EXPECT_EQ(kmalloc(10), NULL);
	EXPECT_EQ(kmalloc(5000), NULL);
	EXPECT_EQ(kzalloc(100), NULL);
	EXPECT_EQ(stats().slab_pages, 0);
	EXPECT_EQ(stats().large_pages, 0);
	/* and it recovers */
	pg.fail_after = -1;
	p = kmalloc(10);
	EXPECT(p != NULL);
	kfree(p);
	EXPECT_EQ(unit_rflags & RFLAGS_IF, RFLAGS_IF);
}

static void
do_kfree(void *p)
{
	kfree(p);
}

static void
panics(void)
{
	void *raw = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	char *large;

	memset(raw, 0, PAGE_SIZE);
	reset();
	/* a page the heap never gave out, inside it and at its start */
	EXPECT_PANIC(do_kfree, (char *)raw + 128, "is not a heap pointer");
	reset();
	EXPECT_PANIC(do_kfree, raw, "is not a heap pointer");
	/* the lock is still held after a panic: start again each time */
	reset();
	large = kmalloc(10000);
	EXPECT_PANIC(do_kfree, large + 16, "is not a heap pointer"); /* inside a large block */
	reset();
	large = kmalloc(10000);
	EXPECT_PANIC(do_kfree, large + PAGE_SIZE, "is not a heap pointer"); /* its 2nd page */
	reset();
	free(raw);
}

/* a PATH_MAX buffer takes one page: N of them N pages, plus one slab
 * page for their off-page headers */
static void
page_sized_costs_one_page(void)
{
	enum { N = 100 };
	void *p[N];

	reset();
	for (int i = 0; i < N; i++) {
		p[i] = kmalloc(4096);
		EXPECT(p[i] && (uintptr_t)p[i] % PAGE_SIZE == 0);
	}
	EXPECT_EQ(stats().large_pages, N);
	EXPECT_EQ(pg.pages_out, N + 1);
	for (int i = 0; i < N; i++)
		kfree(p[i]);
	EXPECT_EQ(stats().large_pages, 0);
	EXPECT_EQ(pg.pages_out, 1);
	EXPECT_EQ(pg.bad_frees, 0);
}

/* threads as CPUs: each allocates, hands its objects to the next one,
 * which frees them from its own cache (cross-CPU kfree), all at once */
#define XTHREADS 4
#define XOBJS 1000
static void *xobjs[XTHREADS][XOBJS];
static pthread_barrier_t xbar;

static void *
cross_worker(void *arg)
{
	int me = (int)(intptr_t)arg, from = (me + XTHREADS - 1) % XTHREADS;

	test_cpu = (unsigned)me + 1;
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < XOBJS; i++) {
			size_t size =
			    1 + (size_t)((i * 37 + me * 11 + round) % 2600); /* mostly small */
			xobjs[me][i] = kmalloc(size);
			if (xobjs[me][i])
				memset(xobjs[me][i], me, MIN(size, 16));
		}
		pthread_barrier_wait(&xbar);
		for (int i = 0; i < XOBJS; i++) {
			unsigned char *o = xobjs[from][i];
			if (!o || o[0] != (unsigned char)from)
				__atomic_fetch_add(&pg.bad_frees, 1, __ATOMIC_RELAXED);
			kfree(o);
		}
		pthread_barrier_wait(&xbar);
	}
	heap_flush();
	return NULL;
}

static pthread_mutex_t pg_lock = PTHREAD_MUTEX_INITIALIZER;
static void *
locked_alloc(unsigned order)
{
	pthread_mutex_lock(&pg_lock);
	void *p = pg_alloc(order);
	pthread_mutex_unlock(&pg_lock);
	return p;
}
static void
locked_free(void *p, unsigned order)
{
	pthread_mutex_lock(&pg_lock);
	pg_free(p, order);
	pthread_mutex_unlock(&pg_lock);
}
static const struct heap_page_ops locked_ops = {
    .alloc = locked_alloc, .free = locked_free, .cpu = pg_cpu};

static void
cross_cpu_free(void)
{
	pthread_t t[XTHREADS];
	struct heap_stats st;

	reset();
	heap_init(&locked_ops);
	pthread_barrier_init(&xbar, NULL, XTHREADS);
	for (int i = 0; i < XTHREADS; i++)
		pthread_create(&t[i], NULL, cross_worker, (void *)(intptr_t)i);
	for (int i = 0; i < XTHREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&xbar);
	st = stats();
	EXPECT_EQ(st.allocs, XTHREADS * 20 * XOBJS);
	EXPECT_EQ(st.frees, st.allocs);
	EXPECT_EQ(st.large_pages, 0);
	EXPECT(st.slab_pages <= NCLASS); /* one kept per class at most */
	EXPECT_EQ(pg.pages_out, st.slab_pages);
	EXPECT_EQ(pg.bad_frees, 0);
	EXPECT_EQ(unit_rflags & RFLAGS_IF, RFLAGS_IF);
}

int
main(void)
{
	RUN(basics);
	RUN(sizes);
	RUN(zeroed);
	RUN(slab_lifecycle);
	RUN(random_churn);
	RUN(limits);
	RUN(out_of_pages);
	RUN(panics);
	RUN(page_sized_costs_one_page);
	RUN(cross_cpu_free);
	return unit_done();
}

/* In-guest tests of the frame allocator and heap on real memory. */
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "sched.h"

KTEST(frames_alloc_free_restore)
{
	uint64_t before = frame_free_bytes(), pa[64];

	for (int i = 0; i < 64; i++) {
		pa[i] = frame_alloc(i % 4);
		EXPECT(pa[i] && !(pa[i] & ((PAGE_SIZE << (i % 4)) - 1)));
		if (pa[i])
			memset(mm_p2v(pa[i]), i, PAGE_SIZE << (i % 4));
	}
	for (int i = 0; i < 64; i++) {
		if (!pa[i])
			continue;
		/* nobody else wrote into our blocks */
		EXPECT_EQ(*(uint8_t *)mm_p2v(pa[i] + (PAGE_SIZE << (i % 4)) - 1), i);
	}
	for (int i = 0; i < 64; i++)
		if (pa[i])
			frame_free(pa[i], i % 4);
	EXPECT_EQ(frame_free_bytes(), before);
	EXPECT(frame_alloc(FRAME_MAX_ORDER + 1) == 0);
}

KTEST(heap_sizes_and_reuse)
{
	struct heap_stats st0, st1;
	void *p[200];

	heap_stats(&st0);
	for (int i = 0; i < 200; i++) {
		size_t n = 1 + (i * 97) % 9000;
		p[i] = kmalloc(n);
		EXPECT(p[i] && !((uintptr_t)p[i] & 15));
		if (p[i])
			memset(p[i], i, n);
	}
	for (int i = 0; i < 200; i++) {
		size_t n = 1 + (i * 97) % 9000;
		if (p[i])
			EXPECT_EQ(((uint8_t *)p[i])[n - 1], (uint8_t)i);
		kfree(p[i]);
	}
	heap_flush(); /* this CPU's cached objects back to their slabs */
	heap_stats(&st1);
	EXPECT_EQ(st1.large_pages, st0.large_pages);
	EXPECT(st1.slab_pages <= st0.slab_pages + 8); /* one kept per class */
	uint8_t *z = kzalloc(300);
	EXPECT(z && z[0] == 0 && z[299] == 0);
	kfree(z);
	kfree(NULL);
}

KTEST(free_memory_reported_is_plausible)
{
	EXPECT(frame_free_bytes() > 0);
	EXPECT(frame_free_bytes() <= frame_total_bytes());
	ktest_note("free %lu KiB of %lu KiB", (unsigned long)(frame_free_bytes() >> 10),
	           (unsigned long)(frame_total_bytes() >> 10));
}

/* a PATH_MAX buffer costs one frame: large blocks carry no header */
KTEST(heap_page_sized_block_costs_one_frame)
{
	enum { N = 32 };
	void *p[N], *warm = kmalloc(4096); /* its off-page header's slab too */
	uint64_t before = frame_free_bytes(), after;

	for (int i = 0; i < N; i++) {
		p[i] = kmalloc(4096);
		EXPECT(p[i] && !((uintptr_t)p[i] & (PAGE_SIZE - 1)));
	}
	after = frame_free_bytes();
	/* N frames, and at most one more page for the headers' slab */
	EXPECT(before - after >= N * PAGE_SIZE && before - after <= (N + 1) * PAGE_SIZE);
	if (before - after > (N + 1) * PAGE_SIZE)
		ktest_note("%d blocks of 4096 bytes took %lu KiB", N,
		           (unsigned long)((before - after) >> 10));
	for (int i = 0; i < N; i++)
		kfree(p[i]);
	kfree(warm);
}

struct cross {
	void **objs;
	int n;
};

static void *
free_elsewhere(void *arg)
{
	struct cross *x = arg;

	sched_migrate_self(sched_cpu_count() - 1); /* pinned: one CPU's cache */
	for (int i = 0; i < x->n; i++)
		kfree(x->objs[i]);
	heap_flush();
	return NULL;
}

/* objects allocated on this CPU, freed on the last one: they go back to
 * their slabs, and the slab pages to the frame allocator */
KTEST(heap_free_on_another_cpu)
{
	enum { N = 600 };
	static void *objs[N];
	struct cross x = {objs, N};
	struct heap_stats st0, st1;
	struct thread *t;

	heap_flush();
	heap_stats(&st0);
	for (int i = 0; i < N; i++) {
		objs[i] = kmalloc(64 + (i % 4) * 64); /* three classes */
		EXPECT(objs[i] != NULL);
		if (objs[i])
			memset(objs[i], 0x5a, 64);
	}
	t = thread_create(free_elsewhere, &x, "kfree-remote", sched_cpu_count() - 1);
	EXPECT(!IS_ERR(t));
	if (IS_ERR(t))
		return;
	EXPECT_EQ(thread_join(t, NULL), 0);
	heap_flush();
	heap_stats(&st1);
	EXPECT(st1.allocs - st0.allocs >= N); /* others may allocate meanwhile */
	EXPECT(st1.frees - st0.frees >= N);
	EXPECT(st1.slab_pages <= st0.slab_pages + 3); /* at most one kept per class */
	if (st1.slab_pages > st0.slab_pages + 3)
		ktest_note("slab pages %lu before, %lu after", (unsigned long)st0.slab_pages,
		           (unsigned long)st1.slab_pages);
}

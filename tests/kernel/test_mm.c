/* In-guest tests of the frame allocator and heap on real memory. */
#include "ktest.h"
#include "lib.h"
#include "mm.h"

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

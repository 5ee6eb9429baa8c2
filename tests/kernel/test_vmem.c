/* In-guest tests of virtually contiguous kernel memory (mm/vmem.c) on
 * the real page tables: contents survive growth by remapping, frames come
 * back on free and shrink, a failed allocation leaves nothing behind. */
#include "ktest.h"
#include "lib.h"
#include "mm.h"

static void
fill(uint8_t *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i += 512)
		p[i] = (uint8_t)(i / 512 * 7 + 1);
}

/* the first bad offset, or 'to' when all hold the pattern */
static size_t
check(const uint8_t *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i += 512)
		if (p[i] != (uint8_t)(i / 512 * 7 + 1))
			return i;
	return to;
}

KTEST(vmem_alloc_free_restores_frames)
{
	uint64_t before = frame_free_bytes();
	uint8_t *p = vmem_alloc(MiB(6) + 100); /* more than the largest buddy block */

	EXPECT(p != NULL);
	if (!p)
		return;
	EXPECT((uintptr_t)p >= VMEM_BASE && (uintptr_t)p < VMEM_BASE + VMEM_SIZE);
	EXPECT(!((uintptr_t)p & (PAGE_SIZE - 1)));
	EXPECT(mm_query((uintptr_t)p) & PTE_NX);
	EXPECT(!(mm_query((uintptr_t)p) & PTE_U));
	fill(p, 0, MiB(6) + 100);
	EXPECT_EQ(check(p, 0, MiB(6) + 100), MiB(6) + 100);
	EXPECT(frame_free_bytes() <= before - MiB(6) - PAGE_SIZE);
	vmem_free(p, MiB(6) + 100);
	EXPECT(!(mm_query((uintptr_t)p) & PTE_P));
	/* page tables made for the range stay; at most a few pages */
	EXPECT(frame_free_bytes() + 8 * PAGE_SIZE >= before);
	/* the same range again: nothing more is needed */
	before = frame_free_bytes();
	p = vmem_alloc(MiB(6) + 100);
	EXPECT(p != NULL);
	vmem_free(p, MiB(6) + 100);
	EXPECT_EQ(frame_free_bytes(), before);
	EXPECT(vmem_alloc(0) == NULL);
}

KTEST(vmem_resize_keeps_contents)
{
	uint8_t *p = vmem_alloc(MiB(1)), *q, *blocker;
	uint64_t before;

	EXPECT(p != NULL);
	if (!p)
		return;
	fill(p, 0, MiB(1));
	/* a block right after p: growing must move, by remapping */
	blocker = vmem_alloc(PAGE_SIZE);
	EXPECT(blocker == p + MiB(1));
	q = vmem_resize(p, MiB(1), MiB(3));
	EXPECT(q != NULL && q != p);
	if (!q)
		return;
	EXPECT(!(mm_query((uintptr_t)p) & PTE_P)); /* the old range is gone */
	EXPECT_EQ(check(q, 0, MiB(1)), MiB(1));
	fill(q, MiB(1), MiB(3));
	/* the block after q is free: growing is in place */
	p = vmem_resize(q, MiB(3), MiB(5));
	EXPECT(p == q);
	EXPECT_EQ(check(p, 0, MiB(3)), MiB(3));
	fill(p, MiB(3), MiB(5));
	/* shrinking frees the tail's frames and keeps the head */
	before = frame_free_bytes();
	q = vmem_resize(p, MiB(5), MiB(2) + 1);
	EXPECT(q == p);
	EXPECT_EQ(frame_free_bytes() - before, MiB(3) - PAGE_SIZE);
	EXPECT(!(mm_query((uintptr_t)p + MiB(2) + PAGE_SIZE) & PTE_P));
	EXPECT_EQ(check(p, 0, MiB(2) + 1), MiB(2) + 1);
	/* the same size: the same block */
	EXPECT(vmem_resize(p, MiB(2) + 1, MiB(2) + 2) == p);
	vmem_free(p, MiB(2) + 1);
	vmem_free(blocker, PAGE_SIZE);
}

KTEST(vmem_failure_leaves_nothing)
{
	uint64_t before, total = frame_total_bytes();
	uint8_t *p, *q;

	/* warm up the page tables over the first part of the region */
	p = vmem_alloc(MiB(1));
	EXPECT(p != NULL);
	before = frame_free_bytes();
	/* more than all memory: fails after mapping what there was */
	EXPECT(vmem_alloc(total + MiB(1)) == NULL);
	EXPECT(vmem_alloc(VMEM_SIZE + PAGE_SIZE) == NULL);
	/* page tables built while trying may stay (a 4 KiB table per 2 MiB) */
	EXPECT(frame_free_bytes() + (total / MiB(2) + 16) * PAGE_SIZE >= before);
	before = frame_free_bytes();
	EXPECT(vmem_alloc(total + MiB(1)) == NULL);
	EXPECT_EQ(frame_free_bytes(), before); /* the second time, exactly */
	/* growing past memory fails and leaves the block as it was */
	if (p) {
		fill(p, 0, MiB(1));
		q = vmem_resize(p, MiB(1), total + MiB(1));
		EXPECT(q == NULL);
		EXPECT_EQ(check(p, 0, MiB(1)), MiB(1));
		EXPECT(mm_query((uintptr_t)p) & PTE_P);
		vmem_free(p, MiB(1));
	}
	ktest_note("vmem: %lu KiB free after the failures, of %lu KiB",
	           (unsigned long)(frame_free_bytes() >> 10), (unsigned long)(total >> 10));
}

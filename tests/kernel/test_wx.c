/* In-guest test of W^X across aliases (mm/paging.c): a walk of the whole
 * live page-table tree finds every mapping of the kernel image's frames
 * and checks its effective bits (W: writable at every level; NX: at any
 * level). Text and read-only data (rodata, the symbol table) are
 * read-only in every view, NX in every view but the higher-half one of
 * text; data is NX everywhere. Both the higher-half view and the
 * direct map's must be there for every page. */
#include "arch.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "sections.h"

struct wx_scan {
	uint64_t ro_pages;       /* text, rodata, ksyms: each page once */
	uint64_t higher, direct; /* views of those pages found where expected */
	uint64_t bad;            /* views with wrong bits */
	uintptr_t bad_va;        /* the first of them, and its bits */
	bool bad_w, bad_nx;
};

static uint64_t
pa_of(const char *p)
{
	return mm_v2p(p);
}

static bool
within(uint64_t pa, const char *s, const char *e)
{
	return pa >= pa_of(s) && pa < pa_of(e);
}

/* one page of a leaf mapping: va -> pa, with the effective bits */
static void
check_page(struct wx_scan *s, uintptr_t va, uint64_t pa, bool w, bool nx)
{
	bool text = within(pa, _text_start, _text_end);
	bool ro =
	    text || within(pa, _rodata_start, _rodata_end) || within(pa, _ksyms_start, _kernel_end);
	bool data = within(pa, _data_start, _data_end);
	uintptr_t kview = MM_KERNEL_VMA + pa; /* the image's link-time view (kernel.ld) */
	bool ok;

	if (!ro && !data)
		return;
	if (ro)
		ok = !w && (nx || (text && va == kview));
	else
		ok = nx;
	if (ro && va == kview)
		s->higher++;
	if (ro && va == MM_DIRECT_BASE + pa)
		s->direct++;
	if (!ok && !s->bad++) {
		s->bad_va = va;
		s->bad_w = w;
		s->bad_nx = nx;
	}
}

static void
walk(struct wx_scan *s, const uint64_t *t, int level, uintptr_t base, bool w, bool nx)
{
	uint64_t size = 1ul << (12 + 9 * (level - 1));
	uint64_t lo = pa_of(_text_start), hi = pa_of(_kernel_end);

	for (int i = 0; i < 512; i++) {
		uint64_t e = t[i];
		if (!(e & PTE_P))
			continue;
		uintptr_t va = base + i * size;
		if (level == 4 && i >= 256)
			va |= 0xffff000000000000ul; /* canonical: the kernel's half */
		bool ew = w && (e & PTE_W), enx = nx || (e & PTE_NX);
		if (level > 1 && !(e & PTE_PS)) {
			walk(s, mm_p2v(e & PTE_ADDR), level - 1, va, ew, enx);
			continue;
		}
		uint64_t pa = e & PTE_ADDR & ~(size - 1); /* bit 12 of a large page: PAT */
		if (pa + size <= lo || pa >= hi)
			continue; /* none of the image's frames */
		for (uint64_t off = 0; off < size; off += PAGE_SIZE)
			check_page(s, va + off, pa + off, ew, enx);
	}
}

KTEST(wx_every_alias_of_the_image)
{
	struct wx_scan s = {0};

	s.ro_pages = (uint64_t)(_rodata_end - _text_start + _kernel_end - _ksyms_start) / PAGE_SIZE;
	walk(&s, mm_p2v(read_cr3() & PTE_ADDR), 4, 0, true, false);
	if (s.bad)
		ktest_fail(__FILE__, __LINE__,
		           "%lu views of the image with wrong bits; the first at %#lx: %s, %s",
		           (unsigned long)s.bad, (unsigned long)s.bad_va,
		           s.bad_w ? "writable" : "read-only", s.bad_nx ? "NX" : "executable");
	EXPECT_EQ(s.higher, s.ro_pages);
	EXPECT_EQ(s.direct, s.ro_pages);
	/* the tree really holds what the walk reports: a direct-map write
	 * to text would fault (read-only at the leaf) */
	EXPECT(!(mm_query(MM_DIRECT_BASE + pa_of(_text_start)) & PTE_W));
	EXPECT(mm_query(MM_DIRECT_BASE + pa_of(_text_start)) & PTE_NX);
	EXPECT(mm_query(MM_DIRECT_BASE + pa_of(_data_start)) & PTE_W);
}

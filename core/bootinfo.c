/* The boot memory map, made usable: sorted, overlaps resolved so that a
 * byte is RAM only if no other entry claims it. Pure logic, host-tested. */
#include "boot.h"
#include "lib.h"

struct boot_info boot_info;

static void
sort_mem(struct boot_info *bi)
{
	for (int i = 1; i < bi->nmem; i++) {
		struct boot_mem m = bi->mem[i];
		int j = i - 1;
		while (j >= 0 && bi->mem[j].base > m.base) {
			bi->mem[j + 1] = bi->mem[j];
			j--;
		}
		bi->mem[j + 1] = m;
	}
}

static void
remove_at(struct boot_info *bi, int i)
{
	memmove(&bi->mem[i], &bi->mem[i + 1], (bi->nmem - i - 1) * sizeof(bi->mem[0]));
	bi->nmem--;
}

/* Cut the non-RAM entry r out of every RAM entry: a head stays in place,
 * a tail past r becomes a new entry (lost when the table is full: RAM
 * is dropped, never invented), a covered entry gets length 0. */
static void
cut_out(struct boot_info *bi, const struct boot_mem *r)
{
	uint64_t rend = r->base + r->len;

	for (int i = 0; i < bi->nmem; i++) {
		struct boot_mem *a = &bi->mem[i];
		uint64_t aend = a->base + a->len;

		if (a->type != MEM_RAM || aend <= r->base || a->base >= rend)
			continue;
		if (a->base < r->base) {
			if (aend > rend && bi->nmem < BOOT_MAX_MEM)
				bi->mem[bi->nmem++] = (struct boot_mem){rend, aend - rend, MEM_RAM};
			a->len = r->base - a->base;
		} else {
			a->base = MIN(rend, aend);
			a->len = aend - a->base;
		}
	}
}

uint64_t
boot_mem_normalize(struct boot_info *bi)
{
	uint64_t total = 0;
	int i;

	/* an entry running past the top of the address space ends there (its
	 * end would wrap, and every comparison below takes base + len) */
	for (i = 0; i < bi->nmem; i++)
		if (bi->mem[i].base + bi->mem[i].len < bi->mem[i].base)
			bi->mem[i].len = UINT64_MAX - bi->mem[i].base;
	for (i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type != MEM_RAM && bi->mem[i].len)
			cut_out(bi, &bi->mem[i]);
	for (i = 0; i < bi->nmem;)
		if (bi->mem[i].len == 0)
			remove_at(bi, i);
		else
			i++;
	sort_mem(bi);
	/* merge overlapping RAM; after the cuts only RAM starts inside RAM */
	for (i = 0; i + 1 < bi->nmem;) {
		struct boot_mem *a = &bi->mem[i], *b = &bi->mem[i + 1];
		uint64_t aend = a->base + a->len, bend = b->base + b->len;

		if (a->type == MEM_RAM && b->type == MEM_RAM && b->base < aend) {
			a->len = MAX(aend, bend) - a->base;
			remove_at(bi, i + 1);
		} else {
			i++;
		}
	}
	for (i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == MEM_RAM)
			total += bi->mem[i].len;
	return total;
}

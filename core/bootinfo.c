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

uint64_t
boot_mem_normalize(struct boot_info *bi)
{
	uint64_t total = 0;
	int i;

	for (i = 0; i < bi->nmem;)
		if (bi->mem[i].len == 0)
			remove_at(bi, i);
		else
			i++;
	sort_mem(bi);
	/* trim RAM entries that overlap a following non-RAM entry or RAM */
	for (i = 0; i + 1 < bi->nmem;) {
		struct boot_mem *a = &bi->mem[i], *b = &bi->mem[i + 1];
		uint64_t aend = a->base + a->len, bend = b->base + b->len;

		if (aend <= b->base) {
			i++;
			continue;
		}
		if (a->type == MEM_RAM && b->type == MEM_RAM) {
			a->len = MAX(aend, bend) - a->base;
			remove_at(bi, i + 1);
		} else if (a->type == MEM_RAM) {
			/* b wins; keep a's tail after b, if any, as a new entry */
			a->len = b->base - a->base;
			if (aend > bend && bi->nmem < BOOT_MAX_MEM) {
				struct boot_mem tail = { bend, aend - bend, MEM_RAM };
				memmove(&bi->mem[i + 3], &bi->mem[i + 2],
					(bi->nmem - i - 2) * sizeof(bi->mem[0]));
				bi->mem[i + 2] = tail;
				bi->nmem++;
			}
			if (a->len == 0)
				remove_at(bi, i);
			else
				i++;
		} else if (b->type == MEM_RAM) {
			/* a wins over b's head */
			if (bend <= aend) {
				remove_at(bi, i + 1);
			} else {
				b->len = bend - aend;
				b->base = aend;
				sort_mem(bi);
			}
		} else {
			i++;
		}
	}
	for (i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == MEM_RAM)
			total += bi->mem[i].len;
	return total;
}

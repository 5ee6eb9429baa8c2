/* Symbol lookup over the embedded table (include/ksym.h). Pure logic:
 * tests/unit/test_ksym.c checks it against tables built by mksyms.py. */
#include "ksym.h"
#include "lib.h"

const char *
ksym_lookup_in(const struct ksym_table *tab, uintptr_t addr, uintptr_t *offset)
{
	uint32_t lo = 0, hi;
	uint64_t off;

	if (!tab || tab->magic != KSYM_MAGIC || tab->count == 0 || addr < tab->base)
		return NULL;
	off = addr - tab->base;
	if (off > UINT32_MAX || off < tab->ent[0].off)
		return NULL;
	hi = tab->count;
	/* the last entry with ent.off <= off */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (tab->ent[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	/* the final entry is the end marker (_etext), not a function */
	if (lo == tab->count - 1)
		return NULL;
	if (offset)
		*offset = off - tab->ent[lo].off;
	return (const char *)tab + tab->names_off + tab->ent[lo].name;
}

uintptr_t
ksym_addr_in(const struct ksym_table *tab, const char *name)
{
	if (!tab || tab->magic != KSYM_MAGIC)
		return 0;
	for (uint32_t i = 0; i < tab->count; i++)
		if (!strcmp((const char *)tab + tab->names_off + tab->ent[i].name, name))
			return tab->base + tab->ent[i].off;
	return 0;
}

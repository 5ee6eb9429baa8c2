/* The kernel's embedded symbol table (section .ksyms, written at build
 * time by tools/mksyms.py from the first link's `nm -n`), for
 * symbolized backtraces. Layout: struct ksym_table, then 'count' entries
 * sorted by address, then the names. */
#ifndef UNUM_KSYM_H
#define UNUM_KSYM_H

#include "types.h"

#define KSYM_MAGIC 0x6d79736b /* "ksym" */

struct ksym_entry {
	uint32_t off;  /* address - base */
	uint32_t name; /* offset into the name area */
};

struct ksym_table {
	uint32_t magic, count;
	uint64_t base;
	uint32_t names_off, names_len; /* from the table's start */
	struct ksym_entry ent[];
};

/* The symbol containing addr (the last one at or below it) in 'tab':
 * its name and addr's offset from it; NULL when addr is outside the
 * table or tab has no valid magic. */
const char *ksym_lookup_in(const struct ksym_table *tab, uintptr_t addr, uintptr_t *offset);
/* The same over the kernel's own table */
const char *ksym_lookup(uintptr_t addr, uintptr_t *offset);
/* The address of a symbol by name, 0 when unknown */
uintptr_t ksym_addr_in(const struct ksym_table *tab, const char *name);

#endif

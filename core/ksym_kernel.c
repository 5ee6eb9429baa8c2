/* The kernel's own symbol table, as linked into section .ksyms. */
#include "ksym.h"
#include "sections.h"

const char *
ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
	return ksym_lookup_in((const struct ksym_table *)_ksyms_start, addr, offset);
}

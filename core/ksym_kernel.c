/* The kernel's own symbol table, as linked into section .ksyms. */
#include "ksym.h"

extern const struct ksym_table _ksyms_start[];

const char *
ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
	return ksym_lookup_in(_ksyms_start, addr, offset);
}

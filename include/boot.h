/* Boot information: one struct, filled from PVH start info or from
 * multiboot2 tags by the matching parser; everything after boot reads
 * only this. Parsers take a translate function from physical address to
 * a readable pointer so host unit tests can feed crafted inputs. */
#ifndef UNUM_BOOT_H
#define UNUM_BOOT_H

#include "types.h"

#define BOOT_MAX_MEM 64
#define BOOT_MAX_MODS 4
#define BOOT_CMDLINE_MAX 2048

enum mem_type { MEM_RAM = 1, MEM_RESERVED = 2, MEM_ACPI = 3, MEM_NVS = 4, MEM_BAD = 5 };

struct boot_mem {
	uint64_t base, len;
	uint32_t type; /* enum mem_type (e820 numbering) */
};

struct boot_module {
	uint64_t base, len;
	char name[64]; /* multiboot2 module string; "" for PVH */
};

struct boot_info {
	const char *path; /* "pvh" or "multiboot2" */
	char cmdline[BOOT_CMDLINE_MAX];
	struct boot_mem mem[BOOT_MAX_MEM];
	int nmem;
	struct boot_module mods[BOOT_MAX_MODS];
	int nmods;
	uint64_t rsdp;         /* physical address of the ACPI RSDP, 0 if none */
	uint8_t rsdp_copy[36]; /* multiboot2 hands a copy, not an address */
	bool has_rsdp_copy;
	bool cmdline_truncated;
	bool mem_truncated;
};

typedef const void *(*boot_p2v_t)(uint64_t pa, size_t len);

/* Fill *bi from the structure at physical address 'info'. Return 0, or
 * -EINVAL when the magic or layout is wrong (bi says nothing useful). */
int boot_parse_pvh(struct boot_info *bi, uint64_t info, boot_p2v_t p2v);
int boot_parse_mb2(struct boot_info *bi, uint64_t info, boot_p2v_t p2v);

/* Sort the memory map and drop overlaps (RAM loses to anything else).
 * Returns total bytes of RAM. */
uint64_t boot_mem_normalize(struct boot_info *bi);

extern struct boot_info boot_info;

#endif

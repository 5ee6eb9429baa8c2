/* PVH boot: struct hvm_start_info (Xen public/arch-x86/hvm/start_info.h,
 * version 1 adds the memory map) into struct boot_info. Host-tested by
 * tests/unit/test_bootinfo.c with crafted inputs. */
#include "boot.h"
#include "errno.h"
#include "lib.h"

#define PVH_MAGIC 0x336ec578

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries, reserved;
} __packed;

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
} __packed;

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
} __packed;

/* copy a NUL-terminated string from physical memory, page by page-safe */
static bool
copy_cstr(char *dst, size_t max, uint64_t pa, boot_p2v_t p2v)
{
	size_t i;

	for (i = 0; i + 1 < max; i++) {
		const char *c = p2v(pa + i, 1);
		if (!c || !*c)
			break;
		dst[i] = *c;
	}
	dst[i] = '\0';
	if (i + 1 < max)
		return true;
	const char *c = p2v(pa + i, 1);
	return !c || !*c;
}

int
boot_parse_pvh(struct boot_info *bi, uint64_t info, boot_p2v_t p2v)
{
	const struct hvm_start_info *si = p2v(info, sizeof(*si));
	uint32_t i;

	memset(bi, 0, sizeof(*bi));
	bi->path = "pvh";
	if (!si || si->magic != PVH_MAGIC || si->version < 1)
		return -EINVAL;
	if (si->cmdline_paddr)
		bi->cmdline_truncated =
		    !copy_cstr(bi->cmdline, sizeof(bi->cmdline), si->cmdline_paddr, p2v);
	bi->rsdp = si->rsdp_paddr;

	const struct hvm_memmap_entry *mm = p2v(si->memmap_paddr, si->memmap_entries * sizeof(*mm));
	if (!mm || si->memmap_entries == 0)
		return -EINVAL;
	for (i = 0; i < si->memmap_entries; i++) {
		if (bi->nmem == BOOT_MAX_MEM) {
			bi->mem_truncated = true;
			break;
		}
		bi->mem[bi->nmem++] = (struct boot_mem){mm[i].addr, mm[i].size, mm[i].type};
	}

	const struct hvm_modlist_entry *ml =
	    si->nr_modules ? p2v(si->modlist_paddr, si->nr_modules * sizeof(*ml)) : NULL;
	if (si->nr_modules && !ml)
		return -EINVAL;
	for (i = 0; i < si->nr_modules && i < BOOT_MAX_MODS; i++) {
		struct boot_module *m = &bi->mods[bi->nmods++];
		m->base = ml[i].paddr;
		m->len = ml[i].size;
		if (ml[i].cmdline_paddr)
			copy_cstr(m->name, sizeof(m->name), ml[i].cmdline_paddr, p2v);
	}
	return 0;
}

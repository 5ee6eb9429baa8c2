/* Multiboot2 boot information (Multiboot2 spec, section 3.6) into
 * struct boot_info: command line, memory map, modules, ACPI RSDP.
 * Host-tested by tests/unit/test_bootinfo.c with crafted tag lists. */
#include "boot.h"
#include "errno.h"
#include "lib.h"

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

struct mb2_tag {
	uint32_t type, size;
} __packed;

struct mb2_mmap_entry {
	uint64_t base, len;
	uint32_t type, reserved;
} __packed;

static void
copy_str(char *dst, size_t max, const char *src, size_t srclen, bool *truncated)
{
	size_t n = strnlen(src, srclen);

	if (n >= max) {
		n = max - 1;
		if (truncated)
			*truncated = true;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
parse_mmap(struct boot_info *bi, const uint8_t *t, uint32_t size)
{
	uint32_t esize = *(const uint32_t *)(t + 8);
	uint32_t off;

	if (esize < sizeof(struct mb2_mmap_entry))
		return;
	for (off = 16; off + esize <= size; off += esize) {
		const struct mb2_mmap_entry *e = (const void *)(t + off);
		if (bi->nmem == BOOT_MAX_MEM) {
			bi->mem_truncated = true;
			return;
		}
		bi->mem[bi->nmem++] = (struct boot_mem){e->base, e->len, e->type};
	}
}

int
boot_parse_mb2(struct boot_info *bi, uint64_t info, boot_p2v_t p2v)
{
	const uint32_t *hdr = p2v(info, 8);
	const uint8_t *base, *t, *end;

	memset(bi, 0, sizeof(*bi));
	bi->path = "multiboot2";
	if (!hdr || hdr[0] < 16)
		return -EINVAL;
	base = p2v(info, hdr[0]);
	if (!base)
		return -EINVAL;
	end = base + hdr[0];
	for (t = base + 8; t + 8 <= end; t += ALIGN_UP(((const struct mb2_tag *)t)->size, 8)) {
		const struct mb2_tag *tag = (const void *)t;
		if (tag->type == MB2_TAG_END)
			break;
		if (tag->size < 8 || t + tag->size > end)
			return -EINVAL;
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			copy_str(bi->cmdline, sizeof(bi->cmdline), (const char *)t + 8,
			         tag->size - 8, &bi->cmdline_truncated);
			break;
		case MB2_TAG_MODULE:
			if (tag->size < 16 || bi->nmods == BOOT_MAX_MODS)
				break;
			{
				const uint32_t *m = (const uint32_t *)(t + 8);
				struct boot_module *bm = &bi->mods[bi->nmods++];
				bm->base = m[0];
				bm->len = m[1] > m[0] ? m[1] - m[0] : 0;
				copy_str(bm->name, sizeof(bm->name), (const char *)t + 16,
				         tag->size - 16, NULL);
			}
			break;
		case MB2_TAG_MMAP:
			if (tag->size >= 16)
				parse_mmap(bi, t, tag->size);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* the new (XSDT) copy wins over the old one */
			if (tag->size < 8 + 20 ||
			    (bi->has_rsdp_copy && tag->type == MB2_TAG_ACPI_OLD))
				break;
			memset(bi->rsdp_copy, 0, sizeof(bi->rsdp_copy));
			memcpy(bi->rsdp_copy, t + 8, MIN(tag->size - 8, sizeof(bi->rsdp_copy)));
			bi->has_rsdp_copy = true;
			break;
		}
	}
	return bi->nmem ? 0 : -EINVAL;
}

/* Fuzz the boot-information parsers (arch/x86_64/bootinfo_pvh.c,
 * bootinfo_mb2.c) and the memory-map clean-up after them
 * (core/bootinfo.c), as arch_early_init runs them. The input: one byte
 * choosing the protocol (even: PVH start info, odd: multiboot2
 * information), then the guest-physical memory from PHYS_BASE, where the
 * structure starts (its pointers are guest-physical addresses, most of
 * them into this memory). p2v hands out an exact-size heap copy of what a
 * parser asks for, so a read past the length it asked for is caught.
 * Besides the sanitizers, the harness fails when the result breaks
 * include/boot.h's promises: counts within the arrays, strings
 * NUL-terminated, and after boot_mem_normalize RAM entries sorted, not
 * empty, not overlapping each other nor any reserved entry, the total
 * their sum. Seeds: start info and tag lists laid out as QEMU's PVH
 * option ROM and GRUB write them (tests/fuzz/seeds.py). */
#include "boot.h"
#include "errno.h"
#include "fuzz.h"
#include "lib.h"

#define PHYS_BASE 0x100000ul

static const uint8_t *phys;
static size_t phys_len;
static void *copies[1 << 12];
static size_t ncopies;

static const void *
p2v(uint64_t pa, size_t len)
{
	void *c;

	if (pa < PHYS_BASE || len > phys_len || pa - PHYS_BASE > phys_len - len)
		return NULL;
	if (ncopies == ARRAY_SIZE(copies))
		fuzz_fail("more than %zu p2v calls", ncopies);
	c = malloc(len ? len : 1);
	memcpy(c, phys + (pa - PHYS_BASE), len);
	return copies[ncopies++] = c;
}

static void
check_str(const char *s, size_t size, const char *what)
{
	if (!memchr(s, '\0', size))
		fuzz_fail("%s not NUL-terminated in its %zu bytes", what, size);
}

typedef unsigned __int128 u128;

static void
check_normalized(const struct boot_info *bi, uint64_t total)
{
	u128 sum = 0;

	if (bi->nmem < 0 || bi->nmem > BOOT_MAX_MEM)
		fuzz_fail("nmem %d after normalize", bi->nmem);
	for (int i = 0; i < bi->nmem; i++) {
		const struct boot_mem *a = &bi->mem[i];
		if (a->len == 0)
			fuzz_fail("entry %d empty after normalize", i);
		if (i && bi->mem[i - 1].base > a->base)
			fuzz_fail("entries %d and %d out of order", i - 1, i);
		if (a->type != MEM_RAM)
			continue;
		sum += a->len;
		for (int j = 0; j < bi->nmem; j++) {
			const struct boot_mem *b = &bi->mem[j];
			if (j == i)
				continue;
			u128 aend = (u128)a->base + a->len, bend = (u128)b->base + b->len;
			if (a->base < bend && b->base < aend)
				fuzz_fail(
				    "RAM entry %d [%#lx, +%#lx) overlaps %s entry %d [%#lx, +%#lx)",
				    i, (unsigned long)a->base, (unsigned long)a->len,
				    b->type == MEM_RAM ? "RAM" : "reserved", j,
				    (unsigned long)b->base, (unsigned long)b->len);
		}
	}
	if (sum != total)
		fuzz_fail("total %#lx, the RAM entries sum to %#lx", (unsigned long)total,
		          (unsigned long)(uint64_t)sum);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;

	if (size < 1)
		return 0;
	phys = data + 1;
	phys_len = size - 1;
	int err =
	    data[0] & 1 ? boot_parse_mb2(&bi, PHYS_BASE, p2v) : boot_parse_pvh(&bi, PHYS_BASE, p2v);
	while (ncopies)
		free(copies[--ncopies]);
	if (err && err != -EINVAL)
		fuzz_fail("parser returned %d (not 0 or -EINVAL)", err);
	if (err)
		return 0; /* arch_early_init stops the boot there */
	check_str(bi.cmdline, sizeof(bi.cmdline), "cmdline");
	if (bi.nmods < 0 || bi.nmods > BOOT_MAX_MODS)
		fuzz_fail("nmods %d", bi.nmods);
	for (int i = 0; i < bi.nmods; i++)
		check_str(bi.mods[i].name, sizeof(bi.mods[i].name), "module name");
	if (bi.nmem < 0 || bi.nmem > BOOT_MAX_MEM)
		fuzz_fail("nmem %d", bi.nmem);
	check_normalized(&bi, boot_mem_normalize(&bi));
	return 0;
}

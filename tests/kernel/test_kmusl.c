/* In-guest test of the musl the kernel carries (arch/x86_64/kmusl.S,
 * Makefile's MUSL_SO): an x86-64 shared object whose dynamic symbols
 * define musl's libc (getppid, printf, __libc_start_main, dlopen) and
 * import only the door, __unum_door, that loader/dynlink.c binds to
 * door2_entry. Read from the image's bytes, as the loader reads them. */
#include "ktest.h"
#include "lib.h"
#include "loader.h"
#include "uapi/elf.h"

/* the file offset of vaddr in the image, or 0 */
static uint64_t
file_off(const uint8_t *f, uint64_t vaddr)
{
	const struct elf64_ehdr *e = (const void *)f;
	const struct elf64_phdr *ph = (const void *)(f + e->phoff);

	for (int i = 0; i < e->phnum; i++)
		if (ph[i].type == PT_LOAD && vaddr >= ph[i].vaddr &&
		    vaddr - ph[i].vaddr < ph[i].filesz)
			return ph[i].offset + (vaddr - ph[i].vaddr);
	return 0;
}

/* 1 defined, 0 undefined, -1 absent */
static int
sym_state(const uint8_t *f, const char *name)
{
	const struct elf64_ehdr *e = (const void *)f;
	const struct elf64_phdr *ph = (const void *)(f + e->phoff);
	uint64_t symtab = 0, strtab = 0, hash = 0;

	for (int i = 0; i < e->phnum; i++) {
		if (ph[i].type != PT_DYNAMIC)
			continue;
		for (const struct elf64_dyn *d = (const void *)(f + ph[i].offset); d->tag; d++) {
			if (d->tag == DT_SYMTAB)
				symtab = file_off(f, d->val);
			if (d->tag == DT_STRTAB)
				strtab = file_off(f, d->val);
			if (d->tag == DT_HASH)
				hash = file_off(f, d->val);
		}
	}
	if (!symtab || !strtab || !hash)
		return -2;
	uint32_t nsyms = ((const uint32_t *)(f + hash))[1]; /* nchain */
	const struct elf64_sym *s = (const void *)(f + symtab);
	for (uint32_t i = 1; i < nsyms; i++)
		if (!strcmp((const char *)f + strtab + s[i].name, name))
			return s[i].shndx != SHN_UNDEF;
	return -1;
}

KTEST(kmusl_is_carried)
{
	size_t size;
	const uint8_t *f = kmusl(&size);
	const struct elf64_ehdr *e = (const void *)f;

	EXPECT(size > 100000);
	EXPECT(!memcmp(e->ident, "\177ELF", 4));
	EXPECT_EQ(e->type, ET_DYN);
	EXPECT_EQ(e->machine, 62);
	const char *defined[] = {"getppid", "printf", "__libc_start_main", "dlopen", "malloc"};
	for (size_t i = 0; i < ARRAY_SIZE(defined); i++)
		if (sym_state(f, defined[i]) != 1)
			ktest_fail(__FILE__, __LINE__, "musl: %s: got state %d, want 1 (defined)",
			           defined[i], sym_state(f, defined[i]));
	EXPECT_EQ(sym_state(f, "__unum_door"), 0);
}

/* ELF64 headers as the loader reads them (System V gABI chapter 5,
 * linux/elf.h): what an x86-64 executable or static-PIE needs. */
#ifndef UNUM_UAPI_ELF_H
#define UNUM_UAPI_ELF_H

#include "types.h"

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __packed;

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
} __packed;

/* e_type */
#define ET_EXEC 2
#define ET_DYN 3
/* p_type */
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
/* the dynamic section */
#define DT_FLAGS_1 0x6ffffffb
#define DF_1_PIE 0x08000000

#endif

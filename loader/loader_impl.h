/* Shared by loader/elf.c and loader/dynlink.c: the ELF checks and the
 * segment mapping, which the dynamic linker uses for every object. */
#ifndef UNUM_LOADER_IMPL_H
#define UNUM_LOADER_IMPL_H

#include "types.h"
#include "uapi/elf.h"

struct vnode;

/* the ELF header and program headers (Linux execve's checks): 0 or
 * -ENOEXEC with *why */
int elf_check(const uint8_t *f, size_t size, const char **why);
/* the PT_LOAD segments at bias inside the app's half, apart */
int elf_check_layout(const struct elf64_ehdr *e, const struct elf64_phdr *ph, uintptr_t bias,
                     const char **why);
/* map the segments writable, from file v's pages where it can be mapped
 * (NULL: copied from f); then their own protections */
int elf_map_segments(const uint8_t *f, struct vnode *v, const struct elf64_phdr *ph, int n,
                     uintptr_t bias, uintptr_t *brk);
int elf_protect_segments(const struct elf64_phdr *ph, int n, uintptr_t bias);
/* an ET_DYN object's bias where mmap would put it, or -errno */
long elf_room(const struct elf64_phdr *ph, int n);
/* its segments named after v in /proc/self/maps */
void elf_label_segments(struct vnode *v, const struct elf64_phdr *ph, int n, uintptr_t bias);

/* the PT_INTERP our dynamic linker serves itself */
#define DYNLINK_MUSL_INTERP "/lib/ld-musl-x86_64.so.1"

/* loader/dynlink.c: the program (file f of size bytes, vnode v, mapped
 * writable at bias by elf_map_segments) bound to the kernel's musl, its
 * other DT_NEEDED libraries loaded from the file system and everything
 * relocated, initialised and protected. *base: musl's bias (AT_BASE).
 * -ENOENT with *why for a missing library or symbol (127), -ENOEXEC with
 * *why for a bad one (126), -ENOMEM. */
int dynlink_musl(struct vnode *v, const uint8_t *f, size_t size, uintptr_t bias,
                 const char *const envp[], uintptr_t *base, const char **why);

#endif

/* Running the app (DESIGN.md, Loader): an ELF executable from the root
 * file system, loaded as Linux's execve would (static and static-PIE for
 * now), with the initial stack Linux builds: argc, argv, envp, auxv. */
#ifndef UNUM_LOADER_H
#define UNUM_LOADER_H

#include "types.h"

struct app_image {
	uintptr_t entry; /* where the app starts */
	uintptr_t sp;    /* its initial stack pointer */
	uintptr_t phdr, base, brk;
	size_t phnum;
};

/* Load 'path' with argv/envp (NULL-terminated arrays of kernel strings)
 * and the 16 AT_RANDOM bytes. 0, or -ENOENT, -ENOEXEC with *why saying
 * what is wrong with the file (truncated, not x86-64, a shared object,
 * needs an interpreter we lack), -ENOMEM. */
int elf_load(const char *path, char *const argv[], char *const envp[], const uint8_t random[16],
             struct app_image *img, const char **why);

/* Start the app on a new thread; never returns when it did start (the
 * VM ends with the app's exit status); returns when there is no /app. */
void app_run(void);

#endif

/* Running the app (DESIGN.md, Loader): an ELF executable from the root
 * file system, loaded as Linux's execve would (static, static-PIE, and
 * dynamic through its own PT_INTERP from the file system), with the
 * initial stack Linux builds: argc, argv, envp, auxv. */
#ifndef UNUM_LOADER_H
#define UNUM_LOADER_H

#include "types.h"

struct app_image {
	uintptr_t entry;           /* where the app starts: its interpreter's entry, if any */
	uintptr_t at_entry;        /* the program's own entry (AT_ENTRY) */
	uintptr_t sp;              /* its initial stack pointer */
	uintptr_t phdr, base, brk; /* base: the interpreter's bias (AT_BASE), or 0 */
	size_t phnum;
};

/* Load 'path' with argv/envp (NULL-terminated arrays of kernel strings)
 * and the 16 AT_RANDOM bytes. 0, or -ENOENT, -ENOEXEC with *why saying
 * what is wrong with the file (truncated, not x86-64, a shared object,
 * its interpreter bad: "interpreter PATH: WHY"), -ENOENT for a missing
 * interpreter too, -ENOMEM. */
int elf_load(const char *path, const char *const argv[], const char *const envp[],
             const uint8_t random[16], struct app_image *img, const char **why);

/* the musl the kernel carries (arch/x86_64/kmusl.S): the bytes of its
 * shared object, which loader/dynlink.c maps into the app's half */
const uint8_t *kmusl(size_t *size);

/* start-up (core/main.c, loader/args.c): the app's argv and environment
 * read from the initrd's /.unum/argv and /.unum/env (docs/host-guest.md);
 * then app_argv() and app_envp() give them, NULL-terminated (argv[0]
 * "/app/app" when the host gave none), NULL before */
void app_args_init(void);
const char *const *app_argv(void);
const char *const *app_envp(void);

/* Start the app (elf_load of argv[0]) on a new thread; never returns when
 * it did start (the VM ends with the app's exit status; one that cannot
 * load ends it with 127 or 126); returns when start-up read no argv (no
 * initrd). */
void app_run(void);

#endif

/* The Linux system-call table (DESIGN.md, The Linux system-call layer):
 * handlers `long sys_NAME(...)` by Linux x86-64 number, returning a value
 * or -errno. Each registers itself by its Linux name, numbered by
 * __NR_NAME (include/uapi/unistd.h):
 *   SYSCALL(getpid) { return 1; }   // long sys_getpid(a0..a5)
 * Unknown numbers return -ENOSYS, logged once each, by name; the kernel
 * argument `strace` prints every call with its arguments and result. */
#ifndef UNUM_SYSCALL_H
#define UNUM_SYSCALL_H

#include "types.h"
#include "uapi/unistd.h"

typedef long (*syscall_fn_t)(long, long, long, long, long, long);

struct syscall_def {
	int nr;
	const char *name;
	syscall_fn_t fn;
};

#define SYSCALL(name)                                                                              \
	static long sys_##name(long a0, long a1, long a2, long a3, long a4, long a5);              \
	static const struct syscall_def __sys_##name __used __section("syscalls")                  \
	    __aligned(8) = {__NR_##name, #name, sys_##name};                                       \
	static long sys_##name(long a0 __attribute__((unused)), long a1 __attribute__((unused)),   \
	                       long a2 __attribute__((unused)), long a3 __attribute__((unused)),   \
	                       long a4 __attribute__((unused)), long a5 __attribute__((unused)))

void syscall_init(void);
/* the door-2 entry: the same table by direct call */
long syscall_call(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

#endif

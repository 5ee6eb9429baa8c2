/* Two libraries of dyn_scope (tests/e2e/dyn-scope.sh) from this file:
 * libdynnext-a.so (-DA) needs libdynnext-b.so, and each defines
 * next_who. dlopen'ed RTLD_LOCAL, a's a_next finds b's next_who by
 * RTLD_NEXT: in a's dlopen tree, after a, as glibc's ld.so looks. */
#define _GNU_SOURCE
#include <dlfcn.h>

int next_who(void);

#ifdef A
int a_next(void);

int
next_who(void)
{
	return 'a';
}

int
a_next(void)
{
	int (*f)(void) = (int (*)(void))dlsym(RTLD_NEXT, "next_who");

	return f ? f() : 0;
}
#else
int
next_who(void)
{
	return 'b';
}
#endif

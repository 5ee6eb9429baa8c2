/* dlerror, and what a thread leaves to free when it exits, in the
 * kernel's musl in place of musl's src/ldso/dlerror.c (MUSL_REPLACED).
 * __pthread_exit calls __dl_thread_cleanup with the thread list lock held,
 * where free must not run (it may be the app's; fork takes malloc's lock
 * first): what is left waits on a lock-free list until the next message
 * or the next TLS block made (libc/musl/unum.c). tests/e2e/dyn-tlsexit.sh */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "atomic.h"
#include "dynlink.h"
#include "pthread_impl.h"

/* memory to free, pushed and taken without a lock: each block's first
 * word is the next one's address */
static void *volatile later;

hidden void __unum_free_later(void *p);
hidden void __unum_free_now(void);
hidden void __unum_tls_exit(pthread_t self);

/* p (at least a pointer's size, aligned for one) to be freed later:
 * callable with any lock of libc held */
void
__unum_free_later(void *p)
{
	void *next;

	do
		*(void **)p = next = later;
	while (a_cas_p(&later, next, p) != next);
}

/* what waited, freed; no lock of libc may be held */
void
__unum_free_now(void)
{
	void *p = later, *next;

	while (p && a_cas_p(&later, p, 0) != p)
		p = later;
	for (; p; p = next) {
		next = *(void **)p;
		free(p);
	}
}

/* the message out of memory leaves */
static char no_room[] = "Dynamic linker failed to allocate memory for error message";

char *
dlerror(void)
{
	pthread_t self = __pthread_self();

	if (!self->dlerror_flag)
		return 0;
	self->dlerror_flag = 0;
	return self->dlerror_buf ? self->dlerror_buf : no_room;
}

void
__dl_vseterr(const char *fmt, va_list ap)
{
	pthread_t self = __pthread_self();
	va_list again;
	int len;
	size_t size;
	char *m = 0;

	__unum_free_now();
	free(self->dlerror_buf);
	va_copy(again, ap);
	len = vsnprintf(0, 0, fmt, again);
	va_end(again);
	/* room for the link too, should the thread exit with it */
	size = len < 0 ? 0 : (size_t)len + 1;
	if (size && (m = malloc(size > sizeof(void *) ? size : sizeof(void *))))
		vsnprintf(m, size, fmt, ap);
	self->dlerror_buf = m;
	self->dlerror_flag = 1;
}

void
__dl_seterr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	__dl_vseterr(fmt, ap);
	va_end(ap);
}

/* from __pthread_exit, the thread list lock held: nothing freed here */
void
__dl_thread_cleanup(void)
{
	pthread_t self = __pthread_self();

	if (self->dlerror_buf)
		__unum_free_later(self->dlerror_buf);
	self->dlerror_buf = 0;
	__unum_tls_exit(self);
}

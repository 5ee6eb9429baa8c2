/* The kernel's musl, started by our dynamic linker (loader/dynlink.c)
 * instead of musl's own (ldso/dynlink.c is not linked in): these take the
 * place of the functions musl's ld.so gives libc. The linker tells us the
 * program's layout in struct unum_dyn (include/uapi/unum_dyn.h), which it
 * points __unum_dyn at before the program's first instruction. Compiled
 * with musl's internal headers, as part of its libc.so (Makefile's
 * MUSL_GLUE). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dynlink.h"

#include "../../include/uapi/unum_dyn.h"
#include "libc.h"
#include "lock.h"
#include "pthread_impl.h"
#include "syscall.h"

const struct unum_dyn *__unum_dyn;

_Static_assert(sizeof(struct unum_tls_module) == sizeof(struct tls_module), "tls_module");
_Static_assert(offsetof(struct tls_module, offset) == offsetof(struct unum_tls_module, offset),
               "tls_module offset");

/* room for the first thread's TLS when the static TLS is small */
static struct builtin_tls {
	char c;
	struct pthread pt;
	void *space[16];
} builtin_tls[1];
#define MIN_TLS_ALIGN offsetof(struct builtin_tls, pt)
#define ALIGN(x, y) (((x) + (y)-1) & -(y))

/* from __libc_start_main's __init_libc: the fixups the kernel could not
 * run (an IFUNC resolver is app code), then RELRO read-only, then the
 * first thread's TLS as musl's ld.so lays it out (update_tls_size) */
void
__init_tls(size_t *aux)
{
	const struct unum_dyn *d = __unum_dyn;
	const struct unum_fixup *fx = (const void *)d->fixup;
	const struct unum_range *rr = (const void *)d->relro;
	void *mem;
	size_t i;

	for (i = 0; i < d->nfixup; i++)
		*(unsigned long *)fx[i].where = ((unsigned long (*)(void))fx[i].resolver)();
	for (i = 0; i < d->nrelro; i++)
		__syscall(SYS_mprotect, rr[i].start, rr[i].len, PROT_READ);
	libc.tls_head = (struct tls_module *)d->tls_head;
	libc.tls_cnt = d->tls_cnt;
	libc.tls_align = d->tls_align > MIN_TLS_ALIGN ? d->tls_align : MIN_TLS_ALIGN;
	libc.tls_size = ALIGN((1 + libc.tls_cnt) * sizeof(void *) + d->tls_offset +
	                          sizeof(struct pthread) + libc.tls_align * 2,
	                      libc.tls_align);
	if (libc.tls_size > sizeof builtin_tls || libc.tls_align > MIN_TLS_ALIGN)
		mem = (void *)__syscall(SYS_mmap, 0, libc.tls_size, PROT_READ | PROT_WRITE,
		                        MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	else
		mem = builtin_tls;
	if (__init_tp(__copy_tls(mem)) < 0)
		a_crash();
}

/* constructors: every object's after those of the objects it needs, the
 * program's last (its DT_PREINIT_ARRAY first of all), as the linker
 * ordered them */
void
__libc_start_init(void)
{
	const unsigned long *f = (const void *)__unum_dyn->init;

	for (size_t i = 0; i < __unum_dyn->ninit; i++)
		((void (*)(void))f[i])();
}

long __unum_dlcall(long op, long a, long b, long c);

/* destructors at exit, in the reverse order: the dlopen'ed objects'
 * first (the linker's list), then the program's and its libraries' */
void
__libc_exit_fini(void)
{
	const unsigned long *f = (const void *)__unum_dyn->fini;
	unsigned long fn;

	for (long k = 0; (fn = __unum_dlcall(UNUM_DL_FINI, k, 0, 0)); k++)
		((void (*)(void))fn)();
	for (size_t i = 0; i < __unum_dyn->nfini; i++)
		((void (*)(void))f[i])();
}

/* dlopen and its kin: served by our linker through its door */

void *
dlopen(const char *file, int mode)
{
	char err[UNUM_DL_ERR];
	unsigned long fn, where;
	long h;

	if (!file)
		return (void *)1; /* the program, and the global scope */
	h = __unum_dlcall(UNUM_DL_OPEN, (long)file, mode, (long)err);
	if (!h) {
		__dl_seterr("%s", err);
		return 0;
	}
	while ((fn = __unum_dlcall(UNUM_DL_NEXT, (long)&where, 0, 0))) {
		if (fn == (unsigned long)-1) {
			__dl_seterr("Error loading shared library %s: RELRO not protected", file);
			return 0;
		}
		if (where)
			*(unsigned long *)where = ((unsigned long (*)(void))fn)();
		else
			((void (*)(void))fn)();
	}
	return (void *)h;
}

int
__dl_invalid_handle(void *h)
{
	struct unum_dso d;

	if ((unsigned long)h && __unum_dlcall(UNUM_DL_HANDLE, (long)h, (long)&d, 0))
		return 0;
	__dl_seterr("Invalid library handle %p", h);
	return 1;
}

static void link_maps_sync(void);
static void tls_forget(size_t id);

/* dlclose unloads, as glibc's does (musl's ld.so does not): when h's
 * last open is closed, the objects no one needs any more run their
 * destructors here, each thread's block of their TLS is freed, and the
 * linker unmaps them (UNUM_DL_CLOSE and what follows it) */
int
dlclose(void *h)
{
	char err[UNUM_DL_ERR];
	long t = __unum_dlcall(UNUM_DL_CLOSE, (long)h, (long)err, 0);
	unsigned long fn, id;

	if (t < 0) {
		__dl_seterr("%s", err);
		return 1;
	}
	while (t > 0) {
		for (long k = 0; (fn = __unum_dlcall(UNUM_DL_CLOSE_FINI, t, k, 0)); k++)
			((void (*)(void))fn)();
		for (long k = 0; (id = __unum_dlcall(UNUM_DL_CLOSE_TLS, t, k, 0)); k++)
			tls_forget(id);
		t = __unum_dlcall(UNUM_DL_UNLOAD, t, 0, 0);
		link_maps_sync();
	}
	return 0;
}

/* ra: dlsym's caller (musl's dlsym.s), for RTLD_NEXT; a TLS symbol's
 * address is the calling thread's */
void *
__dlsym(void *restrict h, const char *restrict s, void *restrict ra)
{
	struct unum_dl_sym io = {.ra = (unsigned long)ra};
	long a = __unum_dlcall(UNUM_DL_SYM, (long)h, (long)s, (long)&io);

	if (a)
		return (void *)a;
	if (io.tls_id)
		return __tls_get_addr((tls_mod_off_t[]){io.tls_id, io.tls_off});
	__dl_seterr("%s", io.err);
	return 0;
}

/* each object's struct link_map (dlinfo RTLD_DI_LINKMAP), made on the
 * first ask and kept while the object is loaded, chained in load order */
struct lm {
	struct link_map l;
	unsigned long handle; /* its object's */
	int seen;             /* in the latest walk (link_maps_walk) */
	struct lm *next;      /* the next one made */
};
static struct lm *lms;
static volatile int link_lock[1];

/* the loaded objects' link maps (made if missing) chained again in load
 * order, those of objects unloaded freed; the one of handle h (NULL:
 * none, or out of memory) */
static struct link_map *
link_maps_walk(unsigned long h)
{
	struct unum_dso d;
	struct link_map *want = 0, *prev = 0;
	struct lm *m, **pm;
	int make = h || lms; /* every object's, once one was asked for */

	for (m = lms; m; m = m->next)
		m->seen = 0;
	for (size_t k = 0; __unum_dlcall(UNUM_DL_DSO, k, (long)&d, 0); k++) {
		for (m = lms; m && m->handle != d.handle; m = m->next)
			;
		if (!m && make && (m = calloc(1, sizeof *m))) {
			m->handle = d.handle;
			m->next = lms;
			lms = m;
		}
		if (!m)
			continue;
		m->seen = 1;
		m->l.l_addr = d.base;
		m->l.l_name = (char *)d.name;
		m->l.l_ld = (void *)d.dynamic;
		m->l.l_prev = prev;
		m->l.l_next = 0;
		if (prev)
			prev->l_next = &m->l;
		prev = &m->l;
		if (d.handle == h)
			want = &m->l;
	}
	for (pm = &lms; (m = *pm);) {
		if (m->seen) {
			pm = &m->next;
			continue;
		}
		*pm = m->next;
		free(m);
	}
	return want;
}

static struct link_map *
link_map_of(unsigned long h)
{
	struct link_map *l;

	LOCK(link_lock);
	l = link_maps_walk(h);
	UNLOCK(link_lock);
	return l;
}

/* after an unload: the link maps of what went are freed */
static void
link_maps_sync(void)
{
	LOCK(link_lock);
	link_maps_walk(0);
	UNLOCK(link_lock);
}

#define DI_ORIGIN 6 /* glibc's RTLD_DI_ORIGIN (musl's dlfcn.h has none) */

/* dlinfo: RTLD_DI_LINKMAP, and glibc's RTLD_DI_ORIGIN (the folder the
 * object was loaded from) */
int
dlinfo(void *restrict h, int req, void *restrict res)
{
	struct link_map *l;
	const char *slash;

	if (__dl_invalid_handle(h))
		return -1;
	if (req != RTLD_DI_LINKMAP && req != DI_ORIGIN) {
		__dl_seterr("Unsupported request %d", req);
		return -1;
	}
	if (!(l = link_map_of((unsigned long)h))) {
		__dl_seterr("dlinfo: out of memory");
		return -1;
	}
	if (req == RTLD_DI_LINKMAP) {
		*(struct link_map **)res = l;
		return 0;
	}
	slash = strrchr(l->l_name, '/');
	if (!slash) {
		strcpy(res, ".");
		return 0;
	}
	memcpy(res, l->l_name, slash == l->l_name ? 1 : slash - l->l_name);
	((char *)res)[slash == l->l_name ? 1 : slash - l->l_name] = 0;
	return 0;
}

int
dladdr(const void *addr, Dl_info *info)
{
	unsigned long o[4];

	if (!__unum_dlcall(UNUM_DL_ADDR, (long)addr, (long)o, 0))
		return 0;
	info->dli_fname = (const char *)o[0];
	info->dli_fbase = (void *)o[1];
	info->dli_sname = (const char *)o[2];
	info->dli_saddr = (void *)o[3];
	return 1;
}

int
dl_iterate_phdr(int (*cb)(struct dl_phdr_info *info, size_t size, void *data), void *data)
{
	struct unum_dso d;
	struct dl_phdr_info info;
	int r;

	for (size_t i = 0; __unum_dlcall(UNUM_DL_DSO, i, (long)&d, 0); i++) {
		info.dlpi_addr = d.base;
		info.dlpi_name = (const char *)d.name;
		info.dlpi_phdr = (const void *)d.phdr;
		info.dlpi_phnum = d.phnum;
		info.dlpi_adds = d.adds; /* unwinders' caches see an unload */
		info.dlpi_subs = d.subs;
		info.dlpi_tls_modid = d.tls_id;
		info.dlpi_tls_data = d.tls_id ? __tls_get_addr((size_t[]){d.tls_id, 0}) : 0;
		if ((r = cb(&info, sizeof info, data)))
			return r;
	}
	return 0;
}

/* A thread's block of a module dlopen'ed after the thread's TLS was
 * made, on its first use: its dtv grown when the id is past its end and
 * the block made from the module's image; NULL for a module being
 * unloaded. The first dtv is in the thread's TLS area; a grown one, from
 * calloc, has that one's address in the word before it. tls_lock orders
 * this against tls_forget and __unum_tls_exit; each frees through
 * __unum_free_later (libc/musl/dlerror.c), so that no free runs under a
 * lock of libc. */
static volatile int tls_lock[1];

hidden void __unum_free_later(void *p);
hidden void __unum_free_now(void);

/* a dtv of ours (not the thread's first), from calloc */
static int
dtv_grown(const uintptr_t *dtv)
{
	return dtv[0] > libc.tls_cnt;
}

static void
dtv_grow(pthread_t self, size_t id)
{
	uintptr_t *old = self->dtv, *dtv = calloc(id + 2, sizeof(*dtv));

	if (!dtv)
		a_crash();
	dtv[0] = dtv_grown(old) ? old[-1] : (uintptr_t)old;
	dtv++;
	memcpy(dtv, old, (old[0] + 1) * sizeof(*dtv));
	dtv[0] = id;
	self->dtv = dtv;
	if (dtv_grown(old))
		__unum_free_later(old - 1);
}

static void *
tls_slow(pthread_t self, size_t id, size_t off)
{
	struct unum_tls_module m;
	void *r = 0;

	__unum_free_now();
	LOCK(tls_lock);
	if (id > self->dtv[0])
		dtv_grow(self, id);
	if (!self->dtv[id] && __unum_dlcall(UNUM_DL_TLS, id, (long)&m, 0) && m.size) {
		/* room and alignment for __unum_free_later's link */
		size_t align = m.align > sizeof(void *) ? m.align : sizeof(void *);
		size_t size = m.size > sizeof(void *) ? m.size : sizeof(void *);
		unsigned char *b = aligned_alloc(align, (size + align - 1) & -align);
		if (!b)
			a_crash();
		memcpy(b, (const void *)m.image, m.len);
		memset(b + m.len, 0, m.size - m.len);
		self->dtv[id] = (uintptr_t)b;
	}
	if (self->dtv[id])
		r = (char *)self->dtv[id] + off;
	UNLOCK(tls_lock);
	return r;
}

/* dlclose: every thread's block of module id freed (the linker makes no
 * new one any more), so the id can be another module's, fresh */
static void
tls_forget(size_t id)
{
	pthread_t self = __pthread_self(), td = self;

	__tl_lock();
	LOCK(tls_lock);
	do {
		if (id <= td->dtv[0] && td->dtv[id]) {
			__unum_free_later((void *)td->dtv[id]);
			td->dtv[id] = 0;
		}
	} while ((td = td->next) != self);
	UNLOCK(tls_lock);
	__tl_unlock();
	__unum_free_now();
}

/* a thread exits (libc/musl/dlerror.c's __dl_thread_cleanup, the thread
 * list lock held): its blocks of dynamic TLS and its grown dtv to be
 * freed, its first dtv back */
hidden void __unum_tls_exit(pthread_t self);

void
__unum_tls_exit(pthread_t self)
{
	uintptr_t *dtv = self->dtv;

	LOCK(tls_lock);
	for (size_t id = libc.tls_cnt + 1; id <= dtv[0]; id++)
		if (dtv[id])
			__unum_free_later((void *)dtv[id]);
	if (dtv_grown(dtv)) {
		self->dtv = (uintptr_t *)dtv[-1];
		__unum_free_later(dtv - 1);
	}
	UNLOCK(tls_lock);
}

/* the slow path of __unum_tlsdesc_dynamic (arch/x86_64/musl/tlsdesc.s),
 * which reads the thread's dtv itself at the place checked here */
_Static_assert(offsetof(struct pthread, self) == 0, "pthread self");
_Static_assert(offsetof(struct pthread, dtv) == 8, "pthread dtv");

hidden void *__unum_tls_slow(size_t id, size_t off);

void *
__unum_tls_slow(size_t id, size_t off)
{
	return tls_slow(__pthread_self(), id, off);
}

void *
__tls_get_addr(tls_mod_off_t *v)
{
	pthread_t self = __pthread_self();

	if (v[0] <= self->dtv[0] && self->dtv[v[0]])
		return (char *)self->dtv[v[0]] + v[1];
	return tls_slow(self, v[0], v[1]);
}

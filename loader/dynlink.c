/* Our dynamic linker (DESIGN.md, Loader: running the app), written here:
 * a program whose PT_INTERP is musl's /lib/ld-musl-x86_64.so.1 binds its
 * libc imports to the musl the kernel carries (arch/x86_64/kmusl.S, whose
 * system calls are calls of door 2), and its other DT_NEEDED libraries
 * load from the file system, searched as musl's ld.so searches them
 * (LD_LIBRARY_PATH, each needer's RPATH/RUNPATH with $ORIGIN, then /lib,
 * /usr/local/lib, /usr/lib). Everything is bound now (no lazy PLT), in
 * one global scope in load order (the program, then breadth-first its
 * libraries), relocated libraries first and the program last (so a COPY
 * reads final data), then protected, PT_GNU_RELRO read-only. What only
 * app code can do (IFUNC resolvers, constructors, the first thread's TLS)
 * the kernel's musl does from struct unum_dyn (libc/musl/unum.c), which
 * this file writes into the app's half: the static TLS laid out as musl's
 * ld.so lays it out (x86-64: below the thread pointer), constructors in
 * its order (each object's after those it needs; the program's
 * DT_PREINIT_ARRAY first, as glibc's), destructors in the reverse.
 * dlopen, dlsym, dladdr, dl_iterate_phdr and __tls_get_addr's slow path
 * (dynamic TLS of dlopen'ed objects) are musl's glue asking this file
 * through a second door (door2_dl_entry -> dynlink_service, below), which
 * no SYSCALL program can reach.
 * Symbol versions are bound as glibc's ld.so binds them (DT_VERSYM,
 * DT_VERNEED, DT_VERDEF; none for the kernel's musl, which has none): a
 * reference to foo@VER binds to that version, an unversioned one to the
 * default; a version a library lacks is a refusal at load. An object
 * dlopen'ed RTLD_LOCAL stays out of the global scope.
 * dlsym of a TLS symbol answers the calling thread's address (musl's
 * glue asks __tls_get_addr); RTLD_NEXT looks after the caller's object.
 * A TLSDESC descriptor (gcc -mtls-dialect=gnu2) of a module in the
 * static TLS gets the kernel's musl's static resolver, one of a module
 * dlopen'ed later its dynamic resolver (arch/x86_64/musl/tlsdesc.s),
 * which makes the thread's block on its first use, as __tls_get_addr.
 * dlclose unloads as glibc's does (musl's ld.so does not): each object
 * counts its dlopens; when the last is closed, every object no longer
 * needed (not loaded at start-up nor RTLD_NODELETE / DF_1_NODELETE, not
 * open, not a DT_NEEDED of one that is nor bound to by one that is
 * without a DT_NEEDED, by its relocations or its dlsym(RTLD_DEFAULT), as
 * glibc's l_reldeps; transitively) runs its destructors in the app (each
 * before those of what it needs or binds to), leaves every scope,
 * dl_iterate_phdr and dladdr, has each thread's block of its TLS freed
 * and is unmapped; its TLS module id is taken again by a later dlopen
 * (never while a thread could hold a block of it), its handle never: one
 * closed is refused.
 * The kernel's musl is named /lib/ld-musl-x86_64.so.1, its PT_INTERP, in
 * /proc/self/maps (no file: device and inode 0), dl_iterate_phdr and
 * dladdr, as musl's ld.so names itself. XXX: initial-exec TLS
 * (TPOFF64) of an object dlopen'ed is refused: there is no static TLS
 * to spare once threads run. */
#include "arch.h"
#include "errno.h"
#include "lib.h"
#include "loader.h"
#include "loader_impl.h"
#include "mm.h"
#include "printk.h"
#include "sync.h"
#include "uaccess.h"
#include "uapi/limits.h"
#include "uapi/mman.h"
#include "uapi/unum_dyn.h"
#include "vfs.h"
#include "vma.h"

extern const uint8_t kmusl_image[], kmusl_image_end[];

const uint8_t *
kmusl(size_t *size)
{
	*size = (size_t)(kmusl_image_end - kmusl_image);
	return kmusl_image;
}

#define MAX_DSOS 64
#define MAX_NEEDED 32

struct dso {
	const char *name; /* the path it was loaded from (the program's: /proc/self/exe's) */
	const uint8_t *f; /* its file's bytes */
	size_t size;
	const struct elf64_phdr *ph;
	int phnum;
	uintptr_t bias;
	/* from PT_DYNAMIC (unbiased addresses; 0: absent) */
	uint64_t strtab, strsz, symtab, hash, gnu_hash, versym, rela, relasz, jmprel, pltrelsz;
	uint64_t verdef, verdefnum, verneed, verneednum;
	uint64_t init, fini, init_array, init_arraysz, fini_array, fini_arraysz, preinit_array,
	    preinit_arraysz, rpath;
	const char *strs;
	const struct elf64_sym *syms;
	uint32_t nsyms;
	struct dso *needed_by;
	struct dso *deps[MAX_NEEDED];
	const char *dep_names[MAX_NEEDED]; /* deps[i]'s DT_NEEDED string */
	int ndeps;
	/* objects dlopen'ed that its relocations or its dlsym(RTLD_DEFAULT)
	 * bound to and it does not reach by DT_NEEDED, kept while it is
	 * (glibc's l_reldeps; reldep), under dl_lock */
	struct dso *reldeps[MAX_DSOS];
	int nreldeps;
	/* PT_TLS */
	uint64_t tls_image, tls_len, tls_size, tls_align, tls_offset;
	int tls_id;
	bool musl, visited, fixups;
	bool global;      /* in the global scope: loaded with the program, or RTLD_GLOBAL */
	bool mapped;      /* its segments (maybe some) are in the app's half */
	struct vnode *vn; /* its file, held while it is mapped (NULL: the kernel's musl) */
	struct dso *root; /* the object dlopen'ed that brought it in (NULL: at start-up) */
	uintptr_t name_u; /* its name in the app's half */
	/* dlopen's and dlclose's bookkeeping, under dl_lock */
	uint64_t handle; /* what dlopen answers: a serial never reused (the program's: 1) */
	int opens;       /* dlopen calls of it not yet dlclosed */
	bool nodelete;   /* never unloaded: loaded at start-up, RTLD_NODELETE, DF_1_NODELETE */
	bool marked;     /* reachable, in a sweep (sweep) */
	bool tls_gone;   /* its threads' TLS blocks are being freed: no new ones */
	uint64_t dying;  /* the dlclose unloading it (its ticket; 0: none) */
};

/* the loaded objects in load order (the program first), which is the
 * order of the global scope; dlclose closes the gap an unloaded one
 * leaves (drop) */
static struct dso dsos[MAX_DSOS];
static int ndsos;
static uint64_t next_handle;      /* the next dlopen'ed object's handle */
static uint64_t dl_adds, dl_subs; /* objects loaded and unloaded (dl_iterate_phdr) */

/* the reason of a refusal: one app loads, once */
static char reason[PATH_MAX + 160];

static int
fail(int err, const char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	*why = reason;
	return err;
}

/* the file's bytes behind [vaddr, vaddr + len) of d, or NULL */
static const void *
fptr(const struct dso *d, uint64_t vaddr, uint64_t len)
{
	for (int i = 0; i < d->phnum; i++) {
		const struct elf64_phdr *p = &d->ph[i];
		if (p->type == PT_LOAD && vaddr >= p->vaddr && vaddr - p->vaddr <= p->filesz &&
		    len <= p->filesz - (vaddr - p->vaddr))
			return d->f + p->offset + (vaddr - p->vaddr);
	}
	return NULL;
}

/* a string of d's string table, or NULL when it runs off it */
static const char *
dstr(const struct dso *d, uint64_t off)
{
	if (off >= d->strsz || strnlen(d->strs + off, d->strsz - off) == d->strsz - off)
		return NULL;
	return d->strs + off;
}

static uint32_t
sysv_hash(const char *s)
{
	uint32_t h = 0;

	for (; *s; s++) {
		h = (h << 4) + (uint8_t)*s;
		h ^= (h >> 24) & 0xf0;
	}
	return h & 0x0fffffff;
}

static uint32_t
gnu_hash(const char *s)
{
	uint32_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (uint8_t)*s;
	return h;
}

/* PT_DYNAMIC's entries and PT_TLS; the symbol count from a hash table */
static int
parse(struct dso *d, const char **why)
{
	const struct elf64_dyn *dyn = NULL;
	size_t ndyn = 0;

	for (int i = 0; i < d->phnum; i++) {
		const struct elf64_phdr *p = &d->ph[i];
		if (p->type == PT_DYNAMIC && !dyn) {
			dyn = (const void *)(d->f + p->offset); /* elf_check: inside the file */
			ndyn = p->filesz / sizeof(*dyn);
		}
		if (p->type == PT_TLS && p->memsz) {
			if (p->filesz > p->memsz || !fptr(d, p->vaddr, p->filesz))
				return fail(-ENOEXEC, why, "%s: bad ELF (PT_TLS)", d->name);
			d->tls_image = p->vaddr;
			d->tls_len = p->filesz;
			d->tls_size = p->memsz;
			d->tls_align = p->align > 1 ? p->align : 1;
			if (d->tls_align & (d->tls_align - 1))
				return fail(-ENOEXEC, why, "%s: bad ELF (PT_TLS p_align)", d->name);
		}
	}
	if (!dyn)
		return fail(-ENOEXEC, why, "%s: bad ELF (no PT_DYNAMIC)", d->name);
	for (size_t i = 0; i < ndyn && dyn[i].tag != DT_NULL; i++) {
		uint64_t v = dyn[i].val;
		switch (dyn[i].tag) {
		case DT_STRTAB:
			d->strtab = v;
			break;
		case DT_STRSZ:
			d->strsz = v;
			break;
		case DT_SYMTAB:
			d->symtab = v;
			break;
		case DT_HASH:
			d->hash = v;
			break;
		case DT_GNU_HASH:
			d->gnu_hash = v;
			break;
		case DT_VERSYM:
			d->versym = v;
			break;
		case DT_VERDEF:
			d->verdef = v;
			break;
		case DT_VERDEFNUM:
			d->verdefnum = v;
			break;
		case DT_VERNEED:
			d->verneed = v;
			break;
		case DT_VERNEEDNUM:
			d->verneednum = v;
			break;
		case DT_RELA:
			d->rela = v;
			break;
		case DT_RELASZ:
			d->relasz = v;
			break;
		case DT_JMPREL:
			d->jmprel = v;
			break;
		case DT_PLTRELSZ:
			d->pltrelsz = v;
			break;
		case DT_INIT:
			d->init = v;
			break;
		case DT_FINI:
			d->fini = v;
			break;
		case DT_INIT_ARRAY:
			d->init_array = v;
			break;
		case DT_INIT_ARRAYSZ:
			d->init_arraysz = v;
			break;
		case DT_FINI_ARRAY:
			d->fini_array = v;
			break;
		case DT_FINI_ARRAYSZ:
			d->fini_arraysz = v;
			break;
		case DT_PREINIT_ARRAY:
			d->preinit_array = v;
			break;
		case DT_PREINIT_ARRAYSZ:
			d->preinit_arraysz = v;
			break;
		case DT_FLAGS_1:
			d->nodelete |= (v & DF_1_NODELETE) != 0;
			break;
		case DT_RPATH:
		case DT_RUNPATH:
			d->rpath = v + 1;
			break; /* +1: 0 is none */
		case DT_REL:
			return fail(-ENOEXEC, why, "%s: bad ELF (DT_REL: x86-64 takes RELA)",
			            d->name);
		case DT_TEXTREL:
			return fail(-ENOEXEC, why, "%s: text relocations (DT_TEXTREL) are refused",
			            d->name);
		}
	}
	d->strs = fptr(d, d->strtab, d->strsz);
	if (!d->strs || !d->strsz || d->strs[d->strsz - 1])
		return fail(-ENOEXEC, why, "%s: bad ELF (DT_STRTAB, DT_STRSZ)", d->name);
	if (d->hash) {
		const uint32_t *h = fptr(d, d->hash, 8);
		if (!h || !fptr(d, d->hash, 8 + 4 * ((uint64_t)h[0] + h[1])))
			return fail(-ENOEXEC, why, "%s: bad ELF (DT_HASH)", d->name);
		d->nsyms = h[1];
	} else if (d->gnu_hash) {
		const uint32_t *h = fptr(d, d->gnu_hash, 16);
		uint64_t nb, bloom, end;
		if (!h || !(nb = h[0]) ||
		    !fptr(d, d->gnu_hash, end = 16 + 8 * (uint64_t)h[2] + 4 * nb))
			return fail(-ENOEXEC, why, "%s: bad ELF (DT_GNU_HASH)", d->name);
		bloom = h[2];
		const uint32_t *buckets = (const void *)(h + 4 + 2 * bloom);
		uint32_t last = 0;
		for (uint64_t i = 0; i < nb; i++)
			last = MAX(last, buckets[i]);
		if (last >= h[1]) { /* walk the last chain to its end */
			for (;; last++) {
				const uint32_t *c =
				    fptr(d, d->gnu_hash + end + 4 * (uint64_t)(last - h[1]), 4);
				if (!c)
					return fail(-ENOEXEC, why,
					            "%s: bad ELF (DT_GNU_HASH chain)", d->name);
				if (*c & 1)
					break;
			}
			d->nsyms = last + 1;
		} else
			d->nsyms = h[1];
	}
	d->syms = fptr(d, d->symtab, (uint64_t)d->nsyms * sizeof(struct elf64_sym));
	if (d->nsyms && !d->syms)
		return fail(-ENOEXEC, why, "%s: bad ELF (DT_SYMTAB)", d->name);
	if (d->versym && !fptr(d, d->versym, 2ull * d->nsyms))
		d->versym = 0;
	return 0;
}

/* the name of version ndx in d's DT_VERDEF (ndx 0: of the first whose
 * name is have), or NULL */
static const char *
verdef_find(const struct dso *d, uint16_t ndx, const char *have)
{
	uint64_t at = d->verdef;

	for (uint64_t k = 0; at && k < d->verdefnum; k++) {
		const struct elf64_verdef *v = fptr(d, at, sizeof(*v));
		if (!v)
			return NULL;
		if (!ndx && !(v->vd_flags & VER_FLG_BASE)) {
			const struct elf64_verdaux *a = fptr(d, at + v->vd_aux, sizeof(*a));
			const char *n = a ? dstr(d, a->vda_name) : NULL;
			if (n && !strcmp(n, have))
				return n;
		} else if (ndx && v->vd_ndx == ndx) {
			const struct elf64_verdaux *a = fptr(d, at + v->vd_aux, sizeof(*a));
			return a ? dstr(d, a->vda_name) : NULL;
		}
		if (!v->vd_next)
			break;
		at += v->vd_next;
	}
	return NULL;
}

static const char *
verdef_name(const struct dso *d, uint16_t ndx)
{
	return verdef_find(d, ndx, NULL);
}

/* d's DT_VERNEED entries in turn: fn(d, file, version, flags, ndx, arg)
 * for each, until it returns nonzero (that value), or 0; -1 when the
 * table runs off the file */
static int
each_verneed(const struct dso *d,
             int (*fn)(const struct dso *, const char *, const char *, uint16_t, uint16_t, void *),
             void *arg)
{
	uint64_t at = d->verneed;

	for (uint64_t k = 0; at && k < d->verneednum; k++) {
		const struct elf64_verneed *n = fptr(d, at, sizeof(*n));
		if (!n || !dstr(d, n->vn_file))
			return -1;
		uint64_t aat = at + n->vn_aux;
		for (uint16_t j = 0; j < n->vn_cnt; j++) {
			const struct elf64_vernaux *a = fptr(d, aat, sizeof(*a));
			int r;
			if (!a || !dstr(d, a->vna_name))
				return -1;
			if ((r = fn(d, dstr(d, n->vn_file), dstr(d, a->vna_name), a->vna_flags,
			            a->vna_other, arg)))
				return r;
			if (!a->vna_next)
				break;
			aat += a->vna_next;
		}
		if (!n->vn_next)
			break;
		at += n->vn_next;
	}
	return 0;
}

struct want {
	uint16_t ndx;
	const char *file, *name;
};

static int
want_ndx(const struct dso *d, const char *file, const char *name, uint16_t flags, uint16_t ndx,
         void *arg)
{
	struct want *w = arg;

	if (ndx != w->ndx)
		return 0;
	w->file = file, w->name = name;
	return 1;
}

static bool names_libc(const char *n);

/* the version d's symbol si asks for (NULL: none), as glibc's ld.so
 * reads it: a symbol d defines names one of its DT_VERDEF, an undefined
 * one one of its DT_VERNEED; not for the kernel's musl, which has none */
static const char *
ref_version(const struct dso *d, uint32_t si, bool *hidden)
{
	const uint16_t *vs = d->versym ? fptr(d, d->versym, 2ull * d->nsyms) : NULL;
	struct want w = {0};

	*hidden = false;
	if (!vs || si >= d->nsyms || (vs[si] & ~VERSYM_HIDDEN) < 2)
		return NULL;
	w.ndx = vs[si] & ~VERSYM_HIDDEN;
	if (d->syms[si].shndx != SHN_UNDEF) {
		*hidden = vs[si] & VERSYM_HIDDEN;
		return verdef_name(d, w.ndx);
	}
	if (each_verneed(d, want_ndx, &w) != 1 || names_libc(w.file))
		return NULL;
	return w.name;
}

/* symbol i of d, a definition of name another object may bind to; of
 * version ver when ver is not NULL (glibc's ld.so's check_match: an
 * unversioned definition of a versioned library does too, unless the
 * reference is hidden), else of the default version (not hidden) */
static bool
defines(const struct dso *d, uint32_t i, const char *name, const char *ver, bool hidden)
{
	const uint16_t *vs = d->versym ? fptr(d, d->versym, 2ull * d->nsyms) : NULL;
	const struct elf64_sym *s = &d->syms[i];
	int b = ELF64_ST_BIND(s->info), t = ELF64_ST_TYPE(s->info);
	const char *n = dstr(d, s->name);

	if (!n || s->shndx == SHN_UNDEF ||
	    !(b == STB_GLOBAL || b == STB_WEAK || b == STB_GNU_UNIQUE) ||
	    !(t <= STT_FUNC || t == STT_COMMON || t == STT_TLS || t == STT_GNU_IFUNC) ||
	    !(s->value || t == STT_TLS) || strcmp(n, name))
		return false;
	if (!vs)
		return true;
	if (!ver)
		return !(vs[i] & VERSYM_HIDDEN);
	uint16_t ndx = vs[i] & ~VERSYM_HIDDEN;
	const char *have = ndx >= 2 ? verdef_name(d, ndx) : NULL;
	if (have && !strcmp(have, ver))
		return true;
	return ndx < 2 && !hidden && !(vs[i] & VERSYM_HIDDEN);
}

/* a definition of name (of version ver, or the default) in d */
static const struct elf64_sym *
lookup_in(const struct dso *d, const char *name, const char *ver, bool hidden, uint32_t sh,
          uint32_t gh)
{
	if (d->gnu_hash) {
		const uint32_t *h = fptr(d, d->gnu_hash, 16);
		uint32_t nb = h[0], off = h[1], bsize = h[2], shift = h[3];
		const uint64_t *bloom = (const void *)(h + 4);
		const uint32_t *buckets = (const void *)(bloom + bsize);
		const uint32_t *chain = buckets + nb;
		uint64_t w = bsize ? bloom[(gh / 64) % bsize] : ~0ull;
		if (!((w >> (gh % 64)) & (w >> ((gh >> shift) % 64)) & 1))
			return NULL;
		for (uint32_t i = buckets[gh % nb]; i >= off && i < d->nsyms; i++) {
			uint32_t c = chain[i - off];
			if ((c | 1) == (gh | 1) && defines(d, i, name, ver, hidden))
				return &d->syms[i];
			if (c & 1)
				break;
		}
		return NULL;
	}
	if (d->hash) {
		const uint32_t *h = fptr(d, d->hash, 8);
		uint32_t nb = h[0];
		const uint32_t *chain = h + 2 + nb;
		int guard = 0;
		for (uint32_t i = nb ? h[2 + sh % nb] : 0;
		     i && i < d->nsyms && guard < (int)d->nsyms; i = chain[i], guard++)
			if (defines(d, i, name, ver, hidden))
				return &d->syms[i];
	}
	return NULL;
}

struct def {
	const struct dso *dso;
	const struct elf64_sym *sym;
};

/* root and what it needs, breadth-first, into q (MAX_DSOS); their count */
static int
tree(struct dso *root, struct dso **q)
{
	int qn = 0;

	q[qn++] = root;
	for (int i = 0; i < qn; i++)
		for (int k = 0; k < q[i]->ndeps && qn < MAX_DSOS; k++) {
			bool seen = false;
			for (int j = 0; j < qn; j++)
				seen |= q[j] == q[i]->deps[k];
			if (!seen)
				q[qn++] = q[i]->deps[k];
		}
	return qn;
}

/* name (of version ver) in a lookup's scope: the global scope (the
 * program, its libraries, objects dlopen'ed RTLD_GLOBAL, in load order)
 * from dsos[from] on, then the tree of local (an object dlopen'ed and
 * not global: itself and what it needs), as glibc's ld.so searches.
 * Objects a dlclose is unloading are skipped (glibc's l_removed), but
 * for those of ticket, the dying caller's own unload (0: none) */
static bool
lookup(const char *name, const char *ver, bool hidden, int from, struct dso *local, uint64_t ticket,
       struct def *out)
{
	uint32_t sh = sysv_hash(name), gh = gnu_hash(name);
	struct dso *q[MAX_DSOS];
	int qn = local ? tree(local, q) : 0;

	for (int i = from; i < ndsos; i++) {
		bool gone = dsos[i].dying && dsos[i].dying != ticket;
		const struct elf64_sym *s =
		    dsos[i].global && !gone ? lookup_in(&dsos[i], name, ver, hidden, sh, gh) : NULL;
		if (s) {
			out->dso = &dsos[i];
			out->sym = s;
			return true;
		}
	}
	for (int i = 0; i < qn; i++) {
		const struct elf64_sym *s =
		    q[i]->global ? NULL : lookup_in(q[i], name, ver, hidden, sh, gh);
		if (s) {
			out->dso = q[i];
			out->sym = s;
			return true;
		}
	}
	return false;
}

/* a version an object needs from one of its libraries that the library
 * does not define: glibc's ld.so's "version not found" (one that has no
 * DT_VERDEF at all is let through, as there) */
static int
need_version(const struct dso *d, const char *file, const char *name, uint16_t flags, uint16_t ndx,
             void *arg)
{
	const struct dso *lib = NULL;
	const char **out = arg;

	for (int k = 0; k < d->ndeps; k++)
		if (!strcmp(d->dep_names[k], file))
			lib = d->deps[k];
	if (!lib || lib->musl || !lib->verdef || (flags & VER_FLG_WEAK) ||
	    verdef_find(lib, 0, name))
		return 0;
	out[0] = name, out[1] = lib->name;
	return 2;
}

/* every version the objects from dsos[from] on need is there */
static int
check_versions(int from, const char **why)
{
	for (int i = from; i < ndsos; i++) {
		const char *miss[2] = {NULL, NULL}; /* the version, the library */
		int r = dsos[i].musl ? 0 : each_verneed(&dsos[i], need_version, miss);
		if (r == -1)
			return fail(-ENOEXEC, why, "%s: bad ELF (DT_VERNEED)", dsos[i].name);
		if (r == 2)
			return fail(-ENOENT, why, "%s: version %s not found (needed by %s)",
			            miss[1], miss[0], dsos[i].name);
	}
	return 0;
}

/* musl's ld.so takes these names for libc itself (its "reserved" list):
 * libc.so and the libraries musl folds into it */
static bool
names_libc(const char *n)
{
	static const char *const folded[] = {"c", "pthread", "rt", "m", "dl", "util", "xnet"};

	if (!strcmp(n, "ld-musl-x86_64.so.1") || !strcmp(n, "libc.musl-x86_64.so.1"))
		return true;
	if (strncmp(n, "lib", 3))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(folded); i++) {
		size_t l = strlen(folded[i]);
		if (!strncmp(n + 3, folded[i], l) && !strncmp(n + 3 + l, ".so", 3) &&
		    (!n[6 + l] || n[6 + l] == '.'))
			return true;
	}
	return false;
}

/* an object's segments mapped: musl from the kernel's image, the others
 * from their file */
static int
map_object(struct dso *d, struct vnode *v, const char **why)
{
	const struct elf64_ehdr *e = (const void *)d->f;
	const char *what;
	uintptr_t brk = 0;
	int err;

	if ((err = elf_check(d->f, d->size, &what)))
		return fail(-ENOEXEC, why, "%s: %s", d->name, what);
	if (e->type != ET_DYN)
		return fail(-ENOEXEC, why, "%s: not a shared object (ELF type)", d->name);
	d->ph = (const void *)(d->f + e->phoff);
	d->phnum = e->phnum;
	long b = elf_room(d->ph, d->phnum);
	if (b == -ENOEXEC)
		return fail(-ENOEXEC, why, "%s: bad ELF (no PT_LOAD segment with a size)", d->name);
	if (b < 0)
		return (int)b;
	d->bias = (uintptr_t)b;
	if ((err = elf_check_layout(e, d->ph, d->bias, &what)))
		return fail(-ENOEXEC, why, "%s: %s", d->name, what);
	d->mapped = true;
	if ((err = elf_map_segments(d->f, v, d->ph, d->phnum, d->bias, &brk)))
		return err;
	if (v)
		elf_label_segments(v, d->ph, d->phnum, d->bias);
	for (int i = 0; !v && i < d->phnum; i++) {
		const struct elf64_phdr *p = &d->ph[i];
		uintptr_t s = ALIGN_DOWN(d->bias + p->vaddr, PAGE_SIZE);
		if (p->type == PT_LOAD && p->memsz) /* the kernel's musl: named as its PT_INTERP */
			vma_name(s, ALIGN_UP(d->bias + p->vaddr + p->memsz, PAGE_SIZE) - s,
			         DYNLINK_MUSL_INTERP, ALIGN_DOWN(p->offset, PAGE_SIZE));
	}
	return parse(d, why);
}

static char path_buf[PATH_MAX];

/* dir (len bytes, $ORIGIN expanded with origin) + "/" + name into
 * path_buf; looked up; true with *v held when a regular file is there */
static bool
try_dir(const char *dir, size_t len, const char *origin, const char *name, struct vnode **v)
{
	size_t n = 0, ol = strlen(origin), nl = strlen(name);

	for (size_t i = 0; i < len; i++) {
		if (!strncmp(dir + i, "$ORIGIN", 7) || !strncmp(dir + i, "${ORIGIN}", 9)) {
			if (n + ol >= sizeof(path_buf))
				return false;
			memcpy(path_buf + n, origin, ol);
			n += ol;
			i += dir[i + 1] == '{' ? 8 : 6;
			continue;
		}
		if (n + 1 >= sizeof(path_buf))
			return false;
		path_buf[n++] = dir[i];
	}
	if (n + 1 + nl + 1 > sizeof(path_buf))
		return false;
	path_buf[n++] = '/';
	memcpy(path_buf + n, name, nl + 1);
	if (vfs_lookup(NULL, path_buf, true, v))
		return false;
	if ((v[0]->v_mode & S_IFMT) != S_IFREG) {
		vfs_put(*v);
		return false;
	}
	return true;
}

/* each directory of a colon-separated list */
static bool
try_list(const char *list, const char *origin, const char *name, struct vnode **v)
{
	while (list && *list) {
		const char *c = strchr(list, ':');
		size_t len = c ? (size_t)(c - list) : strlen(list);
		if (len && try_dir(list, len, origin, name, v))
			return true;
		list = c ? c + 1 : NULL;
	}
	return false;
}

/* the directory of path, into buf */
static void
dir_of(const char *path, char *buf, size_t size)
{
	const char *s = strrchr(path, '/');
	size_t n = s ? (size_t)(s - path) : 0;

	if (!s) {
		fmt_snprintf(buf, size, ".");
		return;
	}
	n = MIN(n, size - 1);
	memcpy(buf, path, n);
	buf[n] = 0;
	if (!n)
		fmt_snprintf(buf, size, "/");
}

static char origin_buf[PATH_MAX];

/* DT_NEEDED name of needer: found as musl's ld.so finds it; *v held */
static bool
find_library(const char *name, struct dso *needer, const char *ld_path, struct vnode **v)
{
	if (strchr(name, '/')) {
		if (vfs_lookup(NULL, name, true, v))
			return false;
		fmt_snprintf(path_buf, sizeof(path_buf), "%s", name);
		return true;
	}
	if (try_list(ld_path, "", name, v))
		return true;
	for (struct dso *p = needer; p; p = p->needed_by) {
		const char *rp = p->rpath ? dstr(p, p->rpath - 1) : NULL;
		if (!rp)
			continue;
		dir_of(p->name, origin_buf, sizeof(origin_buf));
		if (try_list(rp, origin_buf, name, v))
			return true;
	}
	return try_list("/lib:/usr/local/lib:/usr/lib", "", name, v);
}

static char *
kstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = kmalloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

/* every DT_NEEDED of every object, breadth-first from the program */
static int
load_needed(int from, const char *ld_path, const char **why)
{
	for (int i = from; i < ndsos; i++) {
		struct dso *d = &dsos[i];
		const struct elf64_dyn *dyn = NULL;
		size_t ndyn = 0;
		if (d->musl)
			continue; /* the kernel's musl needs nothing */
		for (int k = 0; k < d->phnum && !dyn; k++)
			if (d->ph[k].type == PT_DYNAMIC) {
				dyn = (const void *)(d->f + d->ph[k].offset);
				ndyn = d->ph[k].filesz / sizeof(*dyn);
			}
		for (size_t k = 0; k < ndyn && dyn[k].tag != DT_NULL; k++) {
			if (dyn[k].tag != DT_NEEDED)
				continue;
			const char *name = dstr(d, dyn[k].val);
			struct dso *dep = NULL;
			struct vnode *v = NULL;
			if (!name)
				return fail(-ENOEXEC, why, "%s: bad ELF (DT_NEEDED)", d->name);
			bool libc = names_libc(name);
			if (!libc && !find_library(name, d, ld_path, &v))
				return fail(-ENOENT, why, "%s: not found (needed by %s)", name,
				            d->name);
			for (int j = 0; j < ndsos && !dep; j++)
				if (libc ? dsos[j].musl
				         : !dsos[j].dying && !strcmp(dsos[j].name, path_buf))
					dep = &dsos[j]; /* not one a dlclose is unloading */
			if (!dep && ndsos == MAX_DSOS)
				return fail(-ENOEXEC, why, "%s: over %d shared objects", name,
				            MAX_DSOS);
			if (!dep) {
				dep = &dsos[ndsos++];
				memset(dep, 0, sizeof(*dep));
				dep->needed_by = d;
				dep->musl = libc;
				if (libc) {
					dep->name = DYNLINK_MUSL_INTERP;
					dep->f = kmusl(&dep->size);
				} else {
					dep->vn = v;
					dep->name = kstrdup(path_buf);
					dep->f = dep->name ? vfs_bytes(v, &dep->size) : NULL;
					if (!dep->name)
						return -ENOMEM;
					if (!dep->f)
						return fail(
						    -ENOEXEC, why,
						    "%s: not on a file system the loader can map",
						    dep->name);
				}
				int err = map_object(dep, libc ? NULL : v, why);
				if (err)
					return err;
				/* v's hold is kept: mapped for good */
			} else if (v)
				vfs_put(v);
			if (d->ndeps == MAX_NEEDED)
				return fail(-ENOEXEC, why, "%s: over %d DT_NEEDED", d->name,
				            MAX_NEEDED);
			d->dep_names[d->ndeps] = name;
			d->deps[d->ndeps++] = dep;
		}
	}
	return 0;
}

/* the static TLS, as musl's ld.so lays it out below the thread pointer:
 * the program's block first, then each library's in load order */
static uint64_t tls_offset, tls_align = 1;
static int tls_cnt, static_tls_cnt;

static void
layout_tls(void)
{
	for (int i = 0; i < ndsos; i++) {
		struct dso *d = &dsos[i];
		uint64_t image = d->bias + d->tls_image;
		if (!d->tls_size)
			continue;
		if (i == 0) {
			d->tls_offset = d->tls_size + (-(image + d->tls_size) & (d->tls_align - 1));
			tls_offset = d->tls_offset;
		} else {
			tls_offset += d->tls_size + d->tls_align - 1;
			tls_offset -= (tls_offset + image) & (d->tls_align - 1);
			d->tls_offset = tls_offset;
		}
		d->tls_id = ++tls_cnt;
		tls_align = MAX(tls_align, d->tls_align);
	}
}

/* growable lists of what goes into struct unum_dyn */
struct ulist {
	uint64_t *v;
	size_t n, cap; /* in uint64_t */
};

static int
push(struct ulist *l, uint64_t a, uint64_t b, int words)
{
	if (l->n + words > l->cap) {
		size_t cap = MAX(l->cap * 2, 64);
		uint64_t *v = kmalloc(cap * sizeof(uint64_t));
		if (!v)
			return -ENOMEM;
		if (l->n)
			memcpy(v, l->v, l->n * sizeof(uint64_t));
		kfree(l->v);
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = a;
	if (words == 2)
		l->v[l->n++] = b;
	return 0;
}

static struct ulist inits, finis, fixups, relros;

/* a relocation's target must be inside d's segments */
static bool
in_object(const struct dso *d, uint64_t vaddr, uint64_t len)
{
	for (int i = 0; i < d->phnum; i++)
		if (d->ph[i].type == PT_LOAD && vaddr >= d->ph[i].vaddr &&
		    vaddr - d->ph[i].vaddr <= d->ph[i].memsz &&
		    len <= d->ph[i].memsz - (vaddr - d->ph[i].vaddr))
			return true;
	return false;
}

static int
put64(uintptr_t at, uint64_t v)
{
	return copy_to_user((void *)at, &v, 8) ? -EFAULT : 0;
}

/* R_X86_64_COPY: the library's bytes into the program's copy */
static int
copy_data(uintptr_t to, uintptr_t from, uint64_t len)
{
	uint8_t buf[256];

	while (len) {
		size_t n = MIN(len, sizeof(buf));
		if (copy_from_user(buf, (const void *)from, n) || copy_to_user((void *)to, buf, n))
			return -EFAULT;
		to += n, from += n, len -= n;
	}
	return 0;
}

/* the kernel's musl's TLSDESC resolvers (arch/x86_64/musl/tlsdesc.s) */
static uintptr_t tlsdesc_static, tlsdesc_dynamic;
static const char *ld_path; /* LD_LIBRARY_PATH at start-up */

/* what the kernel's musl imports from the kernel: its two doors */
static uintptr_t
kernel_export(const char *name)
{
	if (!strcmp(name, "__unum_door"))
		return (uintptr_t)door2_entry;
	if (!strcmp(name, "__unum_dl"))
		return (uintptr_t)door2_dl_entry;
	return 0;
}

static const char *const rel_names[] = {
    [R_X86_64_NONE] = "NONE",           [R_X86_64_64] = "64",
    [R_X86_64_COPY] = "COPY",           [R_X86_64_GLOB_DAT] = "GLOB_DAT",
    [R_X86_64_JUMP_SLOT] = "JUMP_SLOT", [R_X86_64_RELATIVE] = "RELATIVE",
    [R_X86_64_DTPMOD64] = "DTPMOD64",   [R_X86_64_DTPOFF64] = "DTPOFF64",
    [R_X86_64_TPOFF64] = "TPOFF64",     [R_X86_64_TLSDESC] = "TLSDESC",
    [R_X86_64_IRELATIVE] = "IRELATIVE",
};

/* R_X86_64_TLSDESC at at, of d, for offset off of m's TLS: a module in
 * the static TLS gets the static resolver and its offset from the thread
 * pointer; one dlopen'ed after start-up the dynamic resolver, which makes
 * each thread's block on its first use, and its argument packed into the
 * descriptor's second word (arch/x86_64/musl/tlsdesc.s) */
static int
tlsdesc(const struct dso *d, uintptr_t at, const struct dso *m, uint64_t off, const char **why)
{
	uint64_t fn = m->tls_id > static_tls_cnt ? tlsdesc_dynamic : tlsdesc_static;
	uint64_t arg;

	if (!fn)
		return fail(-ENOEXEC, why, "the kernel's musl has no TLSDESC resolver");
	if (m->tls_id <= static_tls_cnt)
		arg = off - m->tls_offset;
	else if (off > m->tls_size || off >> 48 || (uint64_t)m->tls_id >> 16)
		return fail(-ENOEXEC, why, "%s: bad ELF (TLSDESC past the TLS of %s)", d->name,
		            m->name);
	else
		arg = (uint64_t)m->tls_id << 48 | off;
	int err = put64(at, fn);
	return err ? err : put64(at + 8, arg);
}

/* x bound to a symbol of y: y kept while x is, when y could go before
 * it (dlopen'ed, not RTLD_NODELETE) and x does not need it already
 * (DT_NEEDED, transitively), as glibc's ld.so's add_dependency. x loaded
 * at start-up or kept keeps y for good (glibc makes y NODELETE) */
static void
reldep(struct dso *x, const struct dso *y)
{
	struct dso *q[MAX_DSOS];
	int qn;

	if (y == x || y->nodelete)
		return;
	for (int k = 0; k < x->nreldeps; k++)
		if (x->reldeps[k] == y)
			return;
	qn = tree(x, q);
	for (int k = 0; k < qn; k++)
		if (q[k] == y)
			return;
	if (x->nreldeps == MAX_DSOS)
		panic("dynlink: %s binds to over %d objects", x->name, MAX_DSOS);
	x->reldeps[x->nreldeps++] = &dsos[y - dsos];
}

static int
relocate_table(struct dso *d, uint64_t table, uint64_t size, struct dso *local, const char **why)
{
	const struct elf64_rela *r = table ? fptr(d, table, size) : NULL;
	int self = (int)(d - dsos);

	if (table && !r)
		return fail(-ENOEXEC, why, "%s: bad ELF (relocation table outside the file)",
		            d->name);
	for (uint64_t i = 0; r && i < size / sizeof(*r); i++) {
		uint32_t type = ELF64_R_TYPE(r[i].info), si = ELF64_R_SYM(r[i].info);
		uintptr_t at = d->bias + r[i].offset;
		uint64_t S = 0, val;
		struct def def = {d, NULL};
		bool ifunc = false;
		int err = 0;
		if (type == R_X86_64_NONE)
			continue;
		if (!in_object(d, r[i].offset, type == R_X86_64_TLSDESC ? 16 : 8))
			return fail(-ENOEXEC, why,
			            "%s: bad ELF (a relocation outside its segments)", d->name);
		if (si) {
			if (si >= d->nsyms)
				return fail(-ENOEXEC, why, "%s: bad ELF (a relocation's symbol)",
				            d->name);
			const struct elf64_sym *s = &d->syms[si];
			const char *name = dstr(d, s->name);
			bool hidden;
			const char *ver = ref_version(d, si, &hidden);
			if (!name)
				return fail(-ENOEXEC, why, "%s: bad ELF (a symbol's name)",
				            d->name);
			if (ELF64_ST_BIND(s->info) == STB_LOCAL) {
				def.sym = s;
			} else if (s->shndx == SHN_UNDEF && kernel_export(name)) {
				def.dso = NULL; /* one of the kernel's doors */
			} else if (!lookup(name, ver, hidden, type == R_X86_64_COPY ? self + 1 : 0,
			                   local, 0, &def)) {
				if (ELF64_ST_BIND(s->info) == STB_WEAK) {
					def.dso = NULL;
				} else
					return fail(-ENOENT, why,
					            "%s%s%s: symbol not found (needed by %s)", name,
					            ver ? "@" : "", ver ? ver : "", d->name);
			}
			if (!def.dso)
				S = kernel_export(name);
			else {
				reldep(d, def.dso);
				S = def.dso->bias + def.sym->value;
				ifunc = ELF64_ST_TYPE(def.sym->info) == STT_GNU_IFUNC;
			}
			if (type == R_X86_64_COPY && def.sym && def.sym->size != s->size)
				return fail(-ENOEXEC, why, "%s: COPY of %s: sizes differ", d->name,
				            name);
		}
		int64_t A = r[i].addend;
		switch (type) {
		case R_X86_64_RELATIVE:
			err = put64(at, d->bias + A);
			break;
		case R_X86_64_64:
		case R_X86_64_GLOB_DAT:
		case R_X86_64_JUMP_SLOT:
			val = type == R_X86_64_64 ? S + A : S;
			if (ifunc) {
				d->fixups = true;
				err = push(&fixups, at, S, 2);
			} else
				err = put64(at, val);
			break;
		case R_X86_64_IRELATIVE:
			d->fixups = true;
			err = push(&fixups, at, d->bias + A, 2);
			break;
		case R_X86_64_COPY:
			if (def.sym)
				err = copy_data(at, S, def.sym->size);
			break;
		case R_X86_64_DTPMOD64:
			err = put64(at, def.dso ? (uint64_t)def.dso->tls_id : 0);
			break;
		case R_X86_64_DTPOFF64:
			err = put64(at, (def.sym ? def.sym->value : 0) + A);
			break;
		case R_X86_64_TPOFF64:
		case R_X86_64_TLSDESC:
			if (!def.dso || !def.dso->tls_id)
				return fail(-ENOEXEC, why,
				            "%s: a TLS relocation against an object "
				            "without TLS",
				            d->name);
			val = (def.sym ? def.sym->value : 0) + A;
			if (type == R_X86_64_TLSDESC)
				err = tlsdesc(d, at, def.dso, val, why);
			else if (def.dso->tls_id > static_tls_cnt)
				return fail(-ENOEXEC, why,
				            "%s: static TLS (initial-exec) of %s, loaded "
				            "by dlopen",
				            d->name, def.dso->name);
			else
				err = put64(at, val - def.dso->tls_offset);
			break;
		default:
			return fail(-ENOEXEC, why, "%s: relocation type %u (%s) not supported",
			            d->name, type,
			            type < ARRAY_SIZE(rel_names) && rel_names[type]
			                ? rel_names[type]
			                : "unknown");
		}
		if (err)
			return err;
	}
	return 0;
}

/* an init or fini array's entries, read from the app's (relocated) memory */
static int
push_array(struct ulist *l, const struct dso *d, uint64_t arr, uint64_t sz, bool reverse)
{
	for (uint64_t k = 0; k < sz / 8; k++) {
		uint64_t i = reverse ? sz / 8 - 1 - k : k, fn;
		if (!in_object(d, arr + 8 * i, 8) ||
		    copy_from_user(&fn, (const void *)(d->bias + arr + 8 * i), 8))
			return -EFAULT;
		if (fn && fn != (uint64_t)-1 && push(l, fn, 0, 1))
			return -ENOMEM;
	}
	return 0;
}

/* constructors depth-first, each object after what it needs */
static int
order_init(struct dso *d, struct dso **order, int *n)
{
	d->visited = true;
	for (int i = 0; i < d->ndeps; i++)
		if (!d->deps[i]->visited)
			order_init(d->deps[i], order, n);
	order[(*n)++] = d;
	return 0;
}

/* musl's exported symbol's address, or 0 */
static uintptr_t
musl_sym(const char *name)
{
	for (int i = 0; i < ndsos; i++)
		if (dsos[i].musl) {
			const struct elf64_sym *s =
			    lookup_in(&dsos[i], name, NULL, false, sysv_hash(name), gnu_hash(name));
			return s ? dsos[i].bias + s->value : 0;
		}
	return 0;
}

/* d as dl_iterate_phdr and dlinfo report it */
static void
dso_info(const struct dso *d, struct unum_dso *u)
{
	const struct elf64_ehdr *e = (const void *)d->f;

	*u = (struct unum_dso){
	    .base = d->bias,
	    .name = d->name_u,
	    .phnum = d->phnum,
	    .tls_id = d->tls_id,
	    .tls_image = d->tls_id ? d->bias + d->tls_image : 0,
	    .handle = d->handle,
	    .adds = dl_adds,
	    .subs = dl_subs,
	};
	for (int k = 0; k < d->phnum; k++) {
		const struct elf64_phdr *p = &d->ph[k];
		if (p->type == PT_LOAD && p->offset <= e->phoff && e->phoff < p->offset + p->filesz)
			u->phdr = d->bias + p->vaddr + (e->phoff - p->offset);
		if (p->type == PT_DYNAMIC)
			u->dynamic = d->bias + p->vaddr;
	}
}

/* struct unum_dyn and what it points at, in one read-only mapping */
static int
write_info(struct dso **order, int n, uintptr_t *where)
{
	size_t names = 0;
	for (int i = 0; i < ndsos; i++)
		names += strlen(dsos[i].name) + 1;
	size_t o_tls = sizeof(struct unum_dyn);
	size_t o_init = o_tls + tls_cnt * sizeof(struct unum_tls_module);
	size_t o_fini = o_init + inits.n * 8, o_fix = o_fini + finis.n * 8;
	size_t o_relro = o_fix + fixups.n * 8, o_dso = o_relro + relros.n * 8;
	size_t o_names = o_dso + ndsos * sizeof(struct unum_dso), total = o_names + names;
	uint8_t *b = kzalloc(total);
	long r;

	if (!b)
		return -ENOMEM;
	r = vma_map(0, ALIGN_UP(total, PAGE_SIZE), PROT_READ | PROT_WRITE,
	            MAP_PRIVATE | MAP_ANONYMOUS);
	if (r < 0) {
		kfree(b);
		return (int)r;
	}
	uintptr_t u = (uintptr_t)r;
	struct unum_dyn *h = (void *)b;
	*h = (struct unum_dyn){
	    .version = UNUM_DYN_VERSION,
	    .tls_head = tls_cnt ? u + o_tls : 0,
	    .tls_cnt = tls_cnt,
	    .tls_align = tls_align,
	    .tls_offset = tls_offset,
	    .init = u + o_init,
	    .ninit = inits.n,
	    .fini = u + o_fini,
	    .nfini = finis.n,
	    .fixup = u + o_fix,
	    .nfixup = fixups.n / 2,
	    .relro = u + o_relro,
	    .nrelro = relros.n / 2,
	    .dso = u + o_dso,
	    .ndso = ndsos,
	};
	struct unum_tls_module *tm = (void *)(b + o_tls);
	for (int i = 0, k = 0; i < ndsos; i++) {
		const struct dso *d = &dsos[i];
		if (!d->tls_id)
			continue;
		tm[k] = (struct unum_tls_module){
		    .next = k + 1 < tls_cnt ? u + o_tls + (k + 1) * sizeof(*tm) : 0,
		    .image = d->bias + d->tls_image,
		    .len = d->tls_len,
		    .size = d->tls_size,
		    .align = d->tls_align,
		    .offset = d->tls_offset,
		};
		k++;
	}
	memcpy(b + o_init, inits.v, inits.n * 8);
	memcpy(b + o_fini, finis.v, finis.n * 8);
	memcpy(b + o_fix, fixups.v, fixups.n * 8);
	memcpy(b + o_relro, relros.v, relros.n * 8);
	struct unum_dso *ud = (void *)(b + o_dso);
	char *nm = (char *)b + o_names;
	for (int i = 0; i < ndsos; i++) {
		size_t l = strlen(dsos[i].name) + 1;
		dso_info(&dsos[i], &ud[i]);
		ud[i].name = u + (uintptr_t)(nm - (char *)b);
		memcpy(nm, dsos[i].name, l);
		dsos[i].name_u = ud[i].name;
		nm += l;
	}
	int err = copy_to_user((void *)u, b, total) ? -EFAULT : 0;
	kfree(b);
	(void)order;
	(void)n;
	if (!err)
		err = vma_protect(u, ALIGN_UP(total, PAGE_SIZE), PROT_READ);
	*where = u;
	return err;
}

/* objects from dsos[from] on protected as their segments say, RELRO
 * read-only now, or by musl once its fixups ran */
static int
protect_from(int from)
{
	int err;

	for (int i = from; i < ndsos; i++) {
		struct dso *d = &dsos[i];
		if ((err = elf_protect_segments(d->ph, d->phnum, d->bias)))
			return err;
		for (int k = 0; k < d->phnum; k++) {
			const struct elf64_phdr *ph = &d->ph[k];
			uintptr_t s = ALIGN_DOWN(d->bias + ph->vaddr, PAGE_SIZE);
			uintptr_t end = ALIGN_DOWN(d->bias + ph->vaddr + ph->memsz, PAGE_SIZE);
			if (ph->type != PT_GNU_RELRO || end <= s)
				continue;
			if (d->fixups)
				err = push(&relros, s, end - s, 2);
			else
				err = vma_protect(s, end - s, PROT_READ);
			if (err)
				return err;
		}
	}
	return 0;
}

int
dynlink_musl(struct vnode *v, const uint8_t *f, size_t size, uintptr_t bias,
             const char *const envp[], uintptr_t *base, const char **why)
{
	const struct elf64_ehdr *e = (const void *)f;
	struct dso *order[MAX_DSOS];
	int err, n = 0;
	static char exe_path[PATH_MAX];

	for (const char *const *s = envp; *s; s++)
		if (!strncmp(*s, "LD_LIBRARY_PATH=", 16))
			ld_path = *s + 16; /* the app's environment stays */
	tls_offset = 0, tls_align = 1, tls_cnt = static_tls_cnt = 0; /* one program, once */
	inits.n = finis.n = fixups.n = relros.n = 0;
	if (vfs_path(v, exe_path, sizeof(exe_path)) < 0)
		fmt_snprintf(exe_path, sizeof(exe_path), "/app/app");
	ndsos = 1;
	dsos[0] = (struct dso){
	    .name = exe_path,
	    .f = f,
	    .size = size,
	    .ph = (const void *)(f + e->phoff),
	    .phnum = e->phnum,
	    .bias = bias,
	};
	if ((err = parse(&dsos[0], why)) || (err = load_needed(0, ld_path, why)))
		return err;
	/* a program that needs no libc still gets it: its start-up is musl's */
	bool have_musl = false;
	for (int i = 0; i < ndsos; i++)
		have_musl |= dsos[i].musl;
	if (!have_musl) {
		struct dso *m = &dsos[ndsos++];
		memset(m, 0, sizeof(*m));
		m->musl = true;
		m->name = DYNLINK_MUSL_INTERP;
		m->f = kmusl(&m->size);
		m->needed_by = &dsos[0];
		if ((err = map_object(m, NULL, why)))
			return err;
	}
	for (int i = 0; i < ndsos; i++) {
		dsos[i].global = dsos[i].nodelete = true;
		dsos[i].handle = (uint64_t)i + 1;
	}
	next_handle = (uint64_t)ndsos + 1;
	dl_adds = (uint64_t)ndsos, dl_subs = 0;
	if ((err = check_versions(0, why)))
		return err;
	layout_tls();
	static_tls_cnt = tls_cnt;
	tlsdesc_static = musl_sym("__unum_tlsdesc_static");
	tlsdesc_dynamic = musl_sym("__unum_tlsdesc_dynamic");
	/* libraries last-loaded first, the program last */
	for (int i = ndsos - 1; i >= 0; i--) {
		struct dso *d = &dsos[i];
		if ((err = relocate_table(d, d->rela, d->relasz, NULL, why)) ||
		    (err = relocate_table(d, d->jmprel, d->pltrelsz, NULL, why)))
			return err;
	}
	/* constructors and destructors */
	struct dso *p = &dsos[0];
	if ((err = push_array(&inits, p, p->preinit_array, p->preinit_arraysz, false)))
		return err;
	order_init(p, order, &n);
	for (int i = 0; i < ndsos; i++)
		if (!dsos[i].visited) /* the musl added above */
			order[n++] = &dsos[i];
	for (int i = 0; i < n; i++) {
		struct dso *d = order[i];
		if ((d->init && push(&inits, d->bias + d->init, 0, 1)) ||
		    (err = push_array(&inits, d, d->init_array, d->init_arraysz, false)))
			return err ? err : -ENOMEM;
	}
	for (int i = n - 1; i >= 0; i--) {
		struct dso *d = order[i];
		if ((err = push_array(&finis, d, d->fini_array, d->fini_arraysz, true)) ||
		    (d->fini && push(&finis, d->bias + d->fini, 0, 1)))
			return err ? err : -ENOMEM;
	}
	if ((err = protect_from(0)))
		return err;
	uintptr_t info = 0, slot = musl_sym("__unum_dyn");
	if (!slot)
		return fail(-ENOEXEC, why, "the kernel's musl has no __unum_dyn");
	if ((err = write_info(order, n, &info)) || (err = put64(slot, info)))
		return err;
	for (int i = 0; i < ndsos; i++)
		if (dsos[i].musl)
			*base = dsos[i].bias;
	return 0;
}

/* --- dlopen and its kin, for the kernel's musl (door2_dl_entry) --- */

static struct mutex dl_lock = MUTEX_INIT;
static struct ulist pending; /* (function, where) pairs after an open */
/* the destructors of dlopen'ed objects, each object's DT_FINI then its
 * DT_FINI_ARRAY, in the order of their constructors: at exit, run from
 * the end (UNUM_DL_FINI), before those of the program's objects */
static struct ulist dl_finis;            /* (function, its object's handle) pairs */
static size_t pending_at, pending_fixed; /* pending[0, pending_fixed): the fixups */

static long
dl_err(uintptr_t err, const char *msg)
{
	char buf[UNUM_DL_ERR];

	fmt_snprintf(buf, sizeof(buf), "%s", msg);
	copy_to_user((void *)err, buf, strlen(buf) + 1);
	return 0;
}

/* once an open's fixups ran (the app asks for what follows them), its
 * objects' RELRO read-only, before their constructors run */
static int
relro_after_fixups(void)
{
	int err = 0;

	for (size_t k = 0; k + 1 < relros.n && !err; k += 2)
		err = vma_protect(relros.v[k], relros.v[k + 1], PROT_READ);
	relros.n = 0;
	return err;
}

/* the name of an object loaded by dlopen, in the app's half */
static int
name_to_app(struct dso *d)
{
	size_t l = strlen(d->name) + 1;
	long r =
	    vma_map(0, ALIGN_UP(l, PAGE_SIZE), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);

	if (r < 0)
		return (int)r;
	d->name_u = (uintptr_t)r;
	if (copy_to_user((void *)d->name_u, d->name, l))
		return -EFAULT;
	return vma_protect(d->name_u, ALIGN_UP(l, PAGE_SIZE), PROT_READ);
}

/* what d holds let go: its mappings, its file and its name (never the
 * kernel's musl nor the program: loaded at start-up, they stay) */
static void
release(struct dso *d)
{
	for (int k = 0; d->mapped && k < d->phnum; k++) {
		const struct elf64_phdr *p = &d->ph[k];
		uintptr_t s = ALIGN_DOWN(d->bias + p->vaddr, PAGE_SIZE);
		if (p->type == PT_LOAD && p->memsz)
			vma_unmap(s, ALIGN_UP(d->bias + p->vaddr + p->memsz, PAGE_SIZE) - s);
	}
	if (d->name_u)
		vma_unmap(d->name_u, ALIGN_UP(strlen(d->name) + 1, PAGE_SIZE));
	if (d->vn)
		vfs_put(d->vn);
	if (!d->musl)
		kfree((char *)d->name);
}

/* a failed open's objects gone again: their mappings, files and names */
static void
unload_from(int from)
{
	for (int i = from; i < ndsos; i++)
		release(&dsos[i]);
	ndsos = from;
}

/* the lowest dynamic TLS module id no object has: an unloaded object's
 * is taken again once the glue freed every thread's block of it
 * (UNUM_DL_CLOSE_TLS before UNUM_DL_UNLOAD) */
static int
free_tls_id(void)
{
	for (int id = static_tls_cnt + 1;; id++) {
		bool used = false;
		for (int i = 0; i < ndsos && !used; i++)
			used = dsos[i].tls_id == id;
		if (!used)
			return id;
	}
}

/* dlopen's modes (the same in musl's and glibc's dlfcn.h) */
#define DL_RTLD_NOLOAD 4
#define DL_RTLD_GLOBAL 0x100
#define DL_RTLD_NODELETE 0x1000

/* d and what it needs into the global scope (dlopen RTLD_GLOBAL) */
static void
make_global(struct dso *d)
{
	struct dso *q[MAX_DSOS];
	int qn = tree(d, q);

	for (int i = 0; i < qn; i++)
		q[i]->global = true;
}

/* one more dlopen of d: its handle */
static long
opened(struct dso *d, long mode)
{
	d->opens++;
	if (mode & DL_RTLD_NODELETE)
		d->nodelete = true;
	if (mode & DL_RTLD_GLOBAL)
		make_global(d);
	return (long)d->handle;
}

/* dlopen(path, mode): the object and what it needs loaded, relocated
 * and protected; its fixups and constructors queued for the caller.
 * RTLD_LOCAL (no RTLD_GLOBAL): its objects stay out of the global scope,
 * seen only by lookups from their own tree; RTLD_NOLOAD: only one already
 * loaded; RTLD_NODELETE: never unloaded. Each open of an object counts
 * (dlclose); one a dlclose is unloading is loaded afresh. A failed open
 * unmaps what it mapped. XXX: RTLD_LAZY is RTLD_NOW. */
static long
dl_open(uintptr_t upath, long mode, uintptr_t uerr)
{
	static char path[PATH_MAX];
	struct dso *order[MAX_DSOS];
	const char *why = "";
	struct vnode *v = NULL;
	int from = ndsos, n = 0, err;
	size_t finis_before = dl_finis.n;

	if (strncpy_from_user(path, (const char *)upath, sizeof(path)) < 0)
		return dl_err(uerr, "dlopen: bad path");
	if (names_libc(path) || !strcmp(path, DYNLINK_MUSL_INTERP)) {
		for (int i = 0; i < ndsos; i++)
			if (dsos[i].musl)
				return opened(&dsos[i], mode);
	}
	if (!find_library(path, strchr(path, '/') ? NULL : &dsos[0], ld_path, &v))
		return fmt_snprintf(reason, sizeof(reason),
		                    "Error loading shared library %s: "
		                    "No such file or directory",
		                    path),
		       dl_err(uerr, reason);
	for (int i = 0; i < ndsos; i++)
		if (!dsos[i].dying && !strcmp(dsos[i].name, path_buf)) {
			vfs_put(v);
			return opened(&dsos[i], mode);
		}
	if (mode & DL_RTLD_NOLOAD) {
		vfs_put(v);
		fmt_snprintf(reason, sizeof(reason), "Library %s is not already loaded", path);
		return dl_err(uerr, reason);
	}
	if (ndsos == MAX_DSOS) {
		vfs_put(v);
		return dl_err(uerr, "dlopen: too many shared objects");
	}
	struct dso *d = &dsos[ndsos++];
	memset(d, 0, sizeof(*d));
	d->vn = v;
	d->name = kstrdup(path_buf);
	d->f = d->name ? vfs_bytes(v, &d->size) : NULL;
	if (!d->f) {
		why = d->name ? "not on a file system the loader can map" : "";
		err = -ENOMEM;
		goto bad;
	}
	if ((err = map_object(d, v, &why)) || (err = load_needed(from, ld_path, &why)))
		goto bad;
	if ((err = check_versions(from, &why)))
		goto bad;
	for (int i = from; i < ndsos; i++) {
		dsos[i].root = d;
		if (dsos[i].tls_size)
			dsos[i].tls_id = free_tls_id(); /* dynamic TLS: __tls_get_addr */
	}
	for (int i = ndsos - 1; i >= from; i--)
		if ((err = relocate_table(&dsos[i], dsos[i].rela, dsos[i].relasz, d, &why)) ||
		    (err = relocate_table(&dsos[i], dsos[i].jmprel, dsos[i].pltrelsz, d, &why)))
			goto bad;
	/* fixups first, then the constructors, each object after its needs */
	pending.n = pending_at = 0;
	for (size_t k = 0; k + 1 < fixups.n; k += 2)
		if ((err = push(&pending, fixups.v[k + 1], fixups.v[k], 2)))
			goto bad;
	fixups.n = 0;
	pending_fixed = pending.n;
	order_init(d, order, &n);
	for (int i = 0; i < n; i++) {
		struct dso *o = order[i];
		struct ulist l = {0};
		err = (o->init && push(&l, o->bias + o->init, 0, 1)) ||
		              push_array(&l, o, o->init_array, o->init_arraysz, false)
		          ? -ENOMEM
		          : 0;
		for (size_t k = 0; !err && k < l.n; k++)
			err = push(&pending, l.v[k], 0, 2);
		kfree(l.v);
		if (err)
			goto bad;
	}
	relros.n = 0; /* the program's went to musl at start-up */
	if ((err = protect_from(from)))
		goto bad;
	for (int i = from; i < ndsos; i++)
		if ((err = name_to_app(&dsos[i])))
			goto bad;
	/* their destructors at exit: dl_finis is served from its end */
	for (int i = from; i < ndsos; i++)
		dsos[i].handle = next_handle++;
	for (int i = 0; i < n; i++) {
		struct dso *o = order[i];
		struct ulist l = {0};
		err = (o->fini && push(&l, o->bias + o->fini, 0, 1)) ||
		              push_array(&l, o, o->fini_array, o->fini_arraysz, false)
		          ? -ENOMEM
		          : 0;
		for (size_t k = 0; !err && k < l.n; k++)
			err = push(&dl_finis, l.v[k], o->handle, 2);
		kfree(l.v);
		if (err) {
			dl_finis.n = finis_before;
			goto bad;
		}
	}
	dl_adds += (uint64_t)(ndsos - from);
	return opened(d, mode);
bad:
	if (err == -ENOMEM && why[0] == 0)
		why = "out of memory";
	fmt_snprintf(path_buf, sizeof(path_buf), "%s", why[0] ? why : "cannot be loaded");
	unload_from(from);
	fixups.n = pending.n = pending_at = pending_fixed = 0;
	return dl_err(uerr, path_buf);
}

/* --- dlclose: reference counts, a sweep, a ticket for the glue --- */

/* the object whose handle is h, or NULL */
static struct dso *
by_handle(long h)
{
	for (int i = 0; i < ndsos; i++)
		if (dsos[i].handle == (uint64_t)h)
			return &dsos[i];
	return NULL;
}

/* d and what it needs or binds to (reldep), transitively: still needed */
static void
mark(struct dso *d)
{
	if (d->marked)
		return;
	d->marked = true;
	for (int k = 0; k < d->ndeps; k++)
		mark(d->deps[k]);
	for (int k = 0; k < d->nreldeps; k++)
		mark(d->reldeps[k]);
}

static uint64_t last_ticket; /* the latest dlclose ticket given */

/* every object no longer needed gets a new ticket, and its destructors
 * leave the exit list: needed are those loaded at start-up or kept
 * (nodelete), those still opened, those a ticket is unloading, and what
 * each of them needs (DT_NEEDED) or binds to (reldep), as glibc's
 * dlclose finds them; cycles
 * of DT_NEEDED go too. The ticket, or 0 when nothing is to go */
static uint64_t
sweep(void)
{
	uint64_t t = 0;
	size_t w = 0;

	for (int i = 0; i < ndsos; i++)
		dsos[i].marked = false;
	for (int i = 0; i < ndsos; i++)
		if (dsos[i].nodelete || dsos[i].opens || dsos[i].dying)
			mark(&dsos[i]);
	for (int i = 0; i < ndsos; i++)
		if (!dsos[i].marked)
			dsos[i].dying = t ? t : (t = ++last_ticket);
	for (size_t k = 0; t && k + 1 < dl_finis.n; k += 2) {
		const struct dso *o = by_handle((long)dl_finis.v[k + 1]);
		if (o && o->dying == t)
			continue;
		dl_finis.v[w++] = dl_finis.v[k];
		dl_finis.v[w++] = dl_finis.v[k + 1];
	}
	if (t)
		dl_finis.n = w;
	return t;
}

/* dlclose(h): one open fewer (a handle not open is refused, as glibc's
 * "shared object not open"; the program's and start-up libraries' are
 * let be); a ticket when that leaves objects unneeded (sweep), 0 when
 * not, -1 with err. While another dlclose unloads (a destructor's
 * dlclose, or another thread's) it only counts, as glibc's defers one in
 * a destructor: that one's UNUM_DL_UNLOAD finds what it left */
static long
dl_close(long h, uintptr_t uerr)
{
	struct dso *d = h > 0 ? by_handle(h) : NULL;

	if (!d || d->dying) {
		fmt_snprintf(reason, sizeof(reason), "Invalid library handle %p", (void *)h);
		dl_err(uerr, reason);
		return -1;
	}
	if (!d->opens && !d->nodelete) {
		fmt_snprintf(reason, sizeof(reason), "%s: shared object not open", d->name);
		dl_err(uerr, reason);
		return -1;
	}
	if (d->opens)
		d->opens--;
	for (int i = 0; i < ndsos; i++)
		if (dsos[i].dying)
			return 0;
	return d->opens || d->nodelete ? 0 : (long)sweep();
}

/* o, and before it the objects of ticket t it needs or binds to
 * (reldep) not seen yet, placed from q[*head] down */
static void
fini_place(struct dso *o, uint64_t t, bool *seen, struct dso **q, int *head)
{
	seen[o - dsos] = true;
	for (int k = 0; k < o->ndeps; k++)
		if (o->deps[k]->dying == t && !seen[o->deps[k] - dsos])
			fini_place(o->deps[k], t, seen, q, head);
	for (int k = 0; k < o->nreldeps; k++)
		if (o->reldeps[k]->dying == t && !seen[o->reldeps[k] - dsos])
			fini_place(o->reldeps[k], t, seen, q, head);
	q[--*head] = o;
}

/* ticket t's objects into q in the order of their destructors, as
 * glibc's dlclose sorts them (_dl_sort_maps): from the last loaded back,
 * each placed before what it needs and what it binds to, so an object
 * goes before any it uses; their count */
static int
ticket_objects(uint64_t t, struct dso **q)
{
	bool seen[MAX_DSOS] = {false};
	int n = 0, head;

	for (int i = 0; t && i < ndsos; i++)
		n += dsos[i].dying == t;
	head = n;
	for (int i = ndsos - 1; t && i >= 0; i--)
		if (dsos[i].dying == t && !seen[i])
			fini_place(&dsos[i], t, seen, q, &head);
	if (head)
		panic("dynlink: ticket %lu's objects miscounted", (unsigned long)t);
	return n;
}

/* the k-th destructor of ticket t's objects, or 0 after the last: in
 * ticket_objects' order, each object's DT_FINI_ARRAY from the end, then
 * its DT_FINI (read from the app's memory, still mapped) */
static long
close_fini(uint64_t t, uint64_t k)
{
	struct dso *q[MAX_DSOS];
	int n = ticket_objects(t, q);

	for (int i = 0; i < n; i++) {
		const struct dso *o = q[i];
		uint64_t na = o->fini_arraysz / 8, fn;
		for (uint64_t j = 0; j < na; j++) {
			uint64_t at = o->fini_array + 8 * (na - 1 - j);
			if (!in_object(o, at, 8) ||
			    copy_from_user(&fn, (const void *)(o->bias + at), 8))
				break; /* not in its segments: as at open (push_array) */
			if (fn && fn != (uint64_t)-1 && !k--)
				return (long)fn;
		}
		if (o->fini && !k--)
			return (long)(o->bias + o->fini);
	}
	return 0;
}

/* the k-th dynamic TLS module id of ticket t's objects, or 0 after the
 * last; from the first ask on, no thread gets a new block of them
 * (UNUM_DL_TLS), so once the glue freed each thread's, none is left */
static long
close_tls(uint64_t t, uint64_t k)
{
	for (int i = 0; t && i < ndsos; i++)
		if (dsos[i].dying == t)
			dsos[i].tls_gone = true;
	for (int i = 0; t && i < ndsos; i++)
		if (dsos[i].dying == t && dsos[i].tls_id && !k--)
			return dsos[i].tls_id;
	return 0;
}

static void
shift(struct dso **p, const struct dso *gone)
{
	if (*p > gone)
		(*p)--;
}

/* dsos[i] unloaded (release) and its slot closed up: the objects after
 * it move down one, and what points at them with them */
static void
drop(int i)
{
	struct dso *gone = &dsos[i];

	release(gone);
	for (int j = 0; j < ndsos; j++) {
		struct dso *o = &dsos[j];
		if (j == i)
			continue;
		if (o->needed_by == gone)
			o->needed_by = NULL; /* its libraries were found already */
		if (o->root == gone)
			o->root = o; /* RTLD_NEXT: its own tree now */
		shift(&o->needed_by, gone);
		shift(&o->root, gone);
		for (int k = 0; k < o->ndeps; k++) {
			if (o->deps[k] == gone && o->dying != gone->dying)
				panic("dynlink: unloading %s, which %s needs", gone->name, o->name);
			if (o->deps[k] == gone)
				o->deps[k] = o; /* o goes too, in this unload */
			shift(&o->deps[k], gone);
		}
		for (int k = 0; k < o->nreldeps; k++) {
			if (o->reldeps[k] == gone && o->dying != gone->dying)
				panic("dynlink: unloading %s, which %s binds to", gone->name,
				      o->name);
			if (o->reldeps[k] == gone) {
				memmove(&o->reldeps[k], &o->reldeps[k + 1],
				        (size_t)(--o->nreldeps - k) * sizeof(o->reldeps[0]));
				k--;
			} else
				shift(&o->reldeps[k], gone);
		}
	}
	memmove(gone, gone + 1, (size_t)(ndsos - i - 1) * sizeof(*gone));
	ndsos--;
	dl_subs++;
}

/* ticket t's objects unmapped, out of every scope, their TLS module ids
 * free again and their bookkeeping freed; a new ticket when more are
 * unneeded now (closed while these were unloaded), else 0 */
static long
dl_unload(uint64_t t)
{
	for (int i = ndsos - 1; t && i >= 0; i--)
		if (dsos[i].dying == t)
			drop(i);
	return (long)sweep();
}

/* the object holding addr, or -1 */
static int
dso_at(uintptr_t addr)
{
	for (int i = 0; i < ndsos; i++)
		if (addr >= dsos[i].bias && in_object(&dsos[i], addr - dsos[i].bias, 1))
			return i;
	return -1;
}

/* dlsym(h, name): RTLD_DEFAULT (0) and the program's handle (1) the
 * global scope, and RTLD_DEFAULT's caller keeps what it found (reldep,
 * as glibc's); RTLD_NEXT (-1) what follows the caller's object in its
 * scope (glibc's: the global scope, or for an object dlopen'ed
 * RTLD_LOCAL the tree of its dlopen root); a handle its object's tree. A
 * TLS symbol is answered with its module and offset, for the caller's
 * __tls_get_addr: the calling thread's. */
static long
dl_sym(long h, uintptr_t uname, uintptr_t uio)
{
	char name[256];
	struct def def;
	bool found = false;
	uintptr_t uerr = uio + offsetof(struct unum_dl_sym, err);
	uint64_t ra;

	if (strncpy_from_user(name, (const char *)uname, sizeof(name)) < 0 ||
	    copy_from_user(&ra, (const void *)uio, sizeof(ra)))
		return dl_err(uerr, "dlsym: bad name");
	if (h == -1) {
		int c = dso_at(ra);
		if (c < 0)
			return dl_err(uerr, "RTLD_NEXT used in code not dynamically loaded");
		if (dsos[c].global || !dsos[c].root) {
			found = lookup(name, NULL, false, c + 1, NULL, dsos[c].dying, &def);
		} else { /* its dlopen root's tree, after it */
			struct dso *q[MAX_DSOS];
			int qn = tree(dsos[c].root, q), at = 0;
			while (at < qn && q[at] != &dsos[c])
				at++;
			for (int i = at + 1; i < qn && !found; i++) {
				const struct elf64_sym *s = lookup_in(
				    q[i], name, NULL, false, sysv_hash(name), gnu_hash(name));
				if (s)
					def.dso = q[i], def.sym = s, found = true;
			}
		}
	} else if (h == 0 || h == 1) {
		int c = dso_at(ra);
		found = lookup(name, NULL, false, 0, NULL, c < 0 ? 0 : dsos[c].dying, &def);
		if (found && h == 0 && c >= 0)
			reldep(&dsos[c], def.dso); /* as glibc's, not for the program's handle */
	} else if (h > 1 && by_handle(h)) {
		/* the object, then what it needs, breadth-first (one being
		 * unloaded too: its destructors may ask) */
		struct dso *q[MAX_DSOS];
		int qn = tree(by_handle(h), q);
		for (int i = 0; i < qn && !found; i++) {
			const struct elf64_sym *s =
			    lookup_in(q[i], name, NULL, false, sysv_hash(name), gnu_hash(name));
			if (s)
				def.dso = q[i], def.sym = s, found = true;
		}
	} else
		return dl_err(uerr, "Invalid library handle");
	if (!found) {
		fmt_snprintf(reason, sizeof(reason), "Symbol not found: %s", name);
		return dl_err(uerr, reason);
	}
	if (ELF64_ST_TYPE(def.sym->info) == STT_TLS) {
		uint64_t tls[2] = {(uint64_t)def.dso->tls_id, def.sym->value};
		if (!tls[0])
			return dl_err(uerr, "dlsym: a TLS symbol of an object without TLS");
		copy_to_user((void *)(uio + offsetof(struct unum_dl_sym, tls_id)), tls,
		             sizeof(tls)); /* a fault: 0 and no answer, as the app's */
		return 0;
	}
	return (long)(def.dso->bias + def.sym->value);
}

/* the object holding addr and its nearest symbol at or below it */
static long
dl_addr(uintptr_t addr, uintptr_t uout)
{
	int i = dso_at(addr);

	if (i < 0)
		return 0;
	const struct dso *d = &dsos[i];
	uint64_t out[4] = {d->name_u, d->bias, 0, 0}, best = 0;
	for (uint32_t k = 1; k < d->nsyms; k++) {
		const struct elf64_sym *s = &d->syms[k];
		uint64_t a = d->bias + s->value;
		if (s->shndx == SHN_UNDEF || ELF64_ST_TYPE(s->info) == STT_TLS || !s->value ||
		    a > addr || a < best || !dstr(d, s->name))
			continue;
		if (s->size && addr >= a + s->size && a + s->size > a)
			continue;
		best = a;
		out[2] = d->bias + d->strtab + s->name;
		out[3] = a;
	}
	return copy_to_user((void *)uout, out, sizeof(out)) ? 0 : 1;
}

long
dynlink_service(struct syscall_frame *f)
{
	long op = (long)f->rdi, r = 0;
	uint64_t a = f->rsi, b = f->rdx, c = f->r10;

	mutex_lock(&dl_lock);
	switch (op) {
	case UNUM_DL_OPEN:
		r = dl_open(a, (long)b, c);
		break;
	case UNUM_DL_NEXT:
		if (pending_at == pending_fixed && relro_after_fixups()) {
			r = -1; /* the open fails */
			break;
		}
		if (pending_at + 1 < pending.n) {
			uint64_t where = pending.v[pending_at + 1];
			r = (long)pending.v[pending_at];
			pending_at += 2;
			if (copy_to_user((void *)a, &where, 8))
				r = 0;
		}
		break;
	case UNUM_DL_SYM:
		r = dl_sym((long)a, b, c);
		break;
	case UNUM_DL_ADDR:
		r = dl_addr(a, b);
		break;
	case UNUM_DL_DSO:
		if (a < (uint64_t)ndsos) {
			struct unum_dso u;
			dso_info(&dsos[a], &u);
			r = copy_to_user((void *)b, &u, sizeof(u)) ? 0 : 1;
		}
		break;
	case UNUM_DL_HANDLE: {
		struct dso *d = (long)a > 0 ? by_handle((long)a) : NULL;
		if (d && !d->dying) {
			struct unum_dso u;
			dso_info(d, &u);
			r = copy_to_user((void *)b, &u, sizeof(u)) ? 0 : 1;
		}
		break;
	}
	case UNUM_DL_CLOSE:
		r = dl_close((long)a, b);
		break;
	case UNUM_DL_CLOSE_FINI:
		r = close_fini(a, b);
		break;
	case UNUM_DL_CLOSE_TLS:
		r = close_tls(a, b);
		break;
	case UNUM_DL_UNLOAD:
		r = dl_unload(a);
		break;
	case UNUM_DL_FINI:
		r = a < dl_finis.n / 2 ? (long)dl_finis.v[dl_finis.n - 2 - 2 * a] : 0;
		break;
	case UNUM_DL_TLS:
		for (int i = 0; i < ndsos; i++)
			if (dsos[i].tls_id && (uint64_t)dsos[i].tls_id == a && !dsos[i].tls_gone) {
				const struct dso *d = &dsos[i];
				struct unum_tls_module m = {
				    0,           d->bias + d->tls_image, d->tls_len,
				    d->tls_size, d->tls_align,           0};
				r = copy_to_user((void *)b, &m, sizeof(m)) ? 0 : 1;
			}
		break;
	}
	mutex_unlock(&dl_lock);
	f->rax = (uint64_t)r;
	return r;
}

/* What our dynamic linker (loader/dynlink.c) tells the kernel's musl
 * (libc/musl/unum.c) about the program it loaded: one block in the app's
 * half, read-only, whose address it writes into musl's __unum_dyn before
 * the program starts. Every address is an app address. Shared by the
 * kernel and the musl glue, so it includes nothing: unsigned long is 64
 * bits on x86-64. */
#ifndef UNUM_UAPI_UNUM_DYN_H
#define UNUM_UAPI_UNUM_DYN_H

/* musl's struct tls_module (src/internal/libc.h), as its __copy_tls walks
 * it: a module's initial image and its place below the thread pointer */
struct unum_tls_module {
	unsigned long next; /* the next module, 0 at the end */
	unsigned long image, len, size, align, offset;
};

/* a loaded object, as dl_iterate_phdr reports it */
struct unum_dso {
	unsigned long base, name, phdr, phnum;
	unsigned long tls_id, tls_image; /* 0, 0 without PT_TLS */
	unsigned long dynamic;           /* its PT_DYNAMIC (link_map's l_ld) */
	unsigned long handle;            /* dlopen's for it: never another's */
	unsigned long adds, subs;        /* objects loaded and unloaded so far, of all */
};

/* dlsym's question and answer (UNUM_DL_SYM) */
struct unum_dl_sym {
	unsigned long ra;              /* in: the caller's return address (RTLD_NEXT) */
	unsigned long tls_id, tls_off; /* out: a TLS symbol's module and offset */
	char err[256];                 /* out: why not (UNUM_DL_ERR) */
};

/* *where = resolver(): an IRELATIVE relocation or a GNU IFUNC symbol, run
 * in the app before its first constructor */
struct unum_fixup {
	unsigned long where, resolver;
};

/* a PT_GNU_RELRO range made read-only after the fixups in it */
struct unum_range {
	unsigned long start, len;
};

/* the operations of the linker's door (__unum_dlcall(op, a, b, c)) */
#define UNUM_DL_OPEN 1 /* (path, mode, char err[UNUM_DL_ERR]): a handle or 0 */
/* (unsigned long *where): the next function to run after an open, or 0
 * (-1: the open failed after all); *where: 0 to call it, else where its
 * result goes */
#define UNUM_DL_NEXT 2
#define UNUM_DL_SYM                                                                                \
	3 /* (handle, name, struct unum_dl_sym *): the address, or 0 with                          \
	   * tls_id (a TLS symbol: __tls_get_addr's) or err */
#define UNUM_DL_ADDR                                                                               \
	4             /* (addr, unsigned long out[4]): 1 with fname, fbase, sname,                 \
	               * saddr, or 0 */
#define UNUM_DL_DSO 5 /* (i, struct unum_dso *): 1 for the i-th object, else 0 */
#define UNUM_DL_TLS 6 /* (id, struct unum_tls_module *): 1 for a module, else 0 */
/* (k): the k-th destructor of the dlopen'ed objects to run at exit, or 0 */
#define UNUM_DL_FINI 7
/* (handle, struct unum_dso *): 1 for an object loaded and not being
 * unloaded, else 0 */
#define UNUM_DL_HANDLE 8
/* dlclose, in turn: (handle, char err[UNUM_DL_ERR]): a ticket when
 * objects are to be unloaded, 0 when none, -1 with err; then (ticket, k):
 * the k-th destructor to run, or 0; then (ticket, k): the k-th TLS module
 * id whose blocks each thread frees, or 0 (no new block of them from the
 * first ask on); then (ticket): they are unloaded, their ids free again:
 * another ticket when that left more to unload, else 0 */
#define UNUM_DL_CLOSE 9
#define UNUM_DL_CLOSE_FINI 10
#define UNUM_DL_CLOSE_TLS 11
#define UNUM_DL_UNLOAD 12
#define UNUM_DL_ERR 256

#define UNUM_DYN_VERSION 1

struct unum_dyn {
	unsigned long version;
	unsigned long tls_head, tls_cnt, tls_align, tls_offset; /* the static TLS */
	unsigned long init, ninit; /* functions, in the order to call them */
	unsigned long fini, nfini; /* likewise, at exit */
	unsigned long fixup, nfixup;
	unsigned long relro, nrelro;
	unsigned long dso, ndso; /* the program first */
};

#endif

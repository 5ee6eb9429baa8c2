/* The app's address space (the lower half; DESIGN.md, Memory): a sorted
 * list of regions with their protection. Anonymous memory is demand-
 * paged: a region costs nothing until touched, so reserving 64 GiB with
 * PROT_NONE or MAP_NORESERVE is free. App pages are mapped supervisor
 * (the app runs in ring 0); PROT_NONE and read-only really fault. */
#ifndef UNUM_VMA_H
#define UNUM_VMA_H

#include "types.h"
#include "uapi/mman.h"

/* the fixed layout (norandmaps); vma_layout() gives this boot's */
#define APP_STACK_TOP 0x7ffffffff000ul
#define APP_STACK_SIZE (8ul << 20)
#define APP_MMAP_TOP (APP_STACK_TOP - APP_STACK_SIZE - (1ul << 30))
#define APP_MMAP_BOTTOM 0x10000ul
#define APP_PIE_BASE 0x555555554000ul /* Linux's ELF_ET_DYN_BASE */

/* This boot's layout (mm/layout.c): Linux's ASLR unless the kernel
 * argument norandmaps. The stack's top up to 16 GiB below APP_STACK_TOP
 * and the stack pointer up to 8 KiB below the strings at its top; the
 * mmap area's top up to 1 TiB below APP_MMAP_TOP less the stack's range;
 * a PIE's base up to 1 TiB above APP_PIE_BASE; the break's start up to
 * 32 MiB above the image. Fixed until vma_layout_init draws it (the
 * loader's start, core/main.c), and after. */
struct app_layout {
	uintptr_t stack_top; /* above the initial stack; page-aligned */
	uintptr_t sp_shift;  /* bytes between the strings and the rest, < 8 KiB */
	uintptr_t mmap_top;  /* mmap without an address searches down from here */
	uintptr_t pie_base;  /* an ET_DYN program's bias, before its alignment */
	uintptr_t brk_shift; /* the break's start above the image's end; pages */
};
const struct app_layout *vma_layout(void);
/* draw it from the random generator (seeded); before any region exists */
void vma_layout_init(void);

/* Map [addr, addr+len): with MAP_FIXED exactly there (replacing what is
 * there), else at addr when free, else where there is room below
 * vma_layout()->mmap_top. The address, or -ENOMEM / -EINVAL / -EEXIST. */
long vma_map(uintptr_t addr, size_t len, int prot, int flags);
/* the same for a file region of node from offset off: MAP_SHARED maps the
 * file's own frames (one copy: writes through the mapping are the file's
 * bytes, read() and write() see them at once); MAP_PRIVATE pages are
 * demand-paged: a read maps the file's own frame, borrowed (read-only,
 * shared by every mapping of that page, and seeing the file's changes),
 * and the first write copies it into a frame of the region's own, so
 * mapping a large file costs nothing until touched and a page read by
 * many mappings is held once. A hole of a sparse file reads the zero
 * frame. A touch past the file's last page faults (SIGBUS). */
struct vnode;
long vma_map_file(uintptr_t addr, size_t len, int prot, int flags, struct vnode *node,
                  uint64_t off);
/* mmap of a file asks the file how (its file_ops.mmap, include/vfs.h):
 * the call's length, protection, flags and offset in, and the op's
 * answer: the file whose pages the region maps (vma_map_file above: the
 * page cache for MAP_SHARED, a copy at the first touch for MAP_PRIVATE),
 * or NULL for anonymous memory (/dev/zero; MAP_SHARED too, as Linux's
 * fresh shmem object per mmap call: each call's region is its own) */
struct vma_map {
	size_t len;
	int prot, flags;
	uint64_t off;
	struct vnode *node; /* the op's; borrowed: the region takes its own hold */
};
/* msync: nothing to write back (a shared region maps the file's own
 * frames); 0 or -ENOMEM when part of the range is not mapped */
int vma_sync(uintptr_t addr, size_t len);
/* a file system changed node's pages under its regions (filemap_mapped),
 * called holding no v_lock: cut to 'size' (every page from the one after
 * the end on leaves the regions, private copies too, as Linux's
 * truncate: touching one is SIGBUS; then the file may free its frames),
 * or the holes of [off, off+len) got frames (the zero frame borrowed
 * there leaves, so the next touch maps the file's frame) */
void vma_file_cut(struct vnode *node, uint64_t size);
void vma_file_filled(struct vnode *node, uint64_t off, uint64_t len);
/* the loader's segments: name [addr, addr+len) after the file they came
 * from (for /proc/self/maps) */
void vma_label(uintptr_t addr, size_t len, struct vnode *node, uint64_t off);
/* the same for segments of no file (the kernel's musl): name (a static
 * string), off their offset in the image they came from */
void vma_name(uintptr_t addr, size_t len, const char *name, uint64_t off);
/* /proc/self/maps, as Linux prints it; the length written */
size_t vma_describe(char *buf, size_t size);
/* bytes the regions span, and bytes of them present in memory (private
 * frames and a file's frames that shared regions map) */
size_t vma_total(void);
size_t vma_resident(void);
/* the app's memory for /proc/self/status, statm, smaps_rollup and
 * /proc/meminfo, bytes */
struct vma_usage {
	size_t total, peak;      /* the regions' span; the most it was (VmSize, VmPeak) */
	size_t rss, hwm;         /* present; the most it was (VmRSS, VmHWM) */
	size_t anon, file;       /* of rss: private frames (RssAnon), a file's (RssFile) */
	size_t data, stack, exe; /* spans: private writable, the stack, file text */
	uintptr_t lo, hi;        /* the first region's start, the last's end */
};
void vma_usage(struct vma_usage *u);
/* a fault at addr is past the end of a file region: SIGBUS, not SIGSEGV */
bool vma_bus(uintptr_t addr);
int vma_unmap(uintptr_t addr, size_t len);
/* mremap: [old, old+olen) to nlen bytes, in place when it shrinks or the
 * room after it is free, else (may_move) moved, to 'want' when 'fixed'.
 * Each part keeps its file, offset and protection (a grown tail continues
 * the last part); private frames move, shared ones stay the file's. The
 * new address, or -EFAULT (old range not all mapped), -ENOMEM, -EINVAL. */
long vma_remap(uintptr_t old, size_t olen, size_t nlen, bool may_move, bool fixed, uintptr_t want);
int vma_protect(uintptr_t addr, size_t len, int prot);
/* brk: set the break (0 asks); returns the break, unchanged on failure */
uintptr_t vma_brk(uintptr_t want);
void vma_set_brk_base(uintptr_t base);
/* A fault at addr ('write', 'exec' access): map the page when a region
 * allows it. 0, or -EFAULT (no region, or the protection forbids it), or
 * -EIO (past a file region's end: SIGBUS). Out of memory does not return:
 * the app is killed (mm_oom_kill, include/mm.h). */
int vma_fault(uintptr_t addr, bool write, bool exec);
/* Fault the app page under addr in as the app's own access would
 * ('write': for writing), for a caller whose access failed under a
 * spinlock (the fault path does not page in there) and that dropped the
 * lock before calling this; it then retries. 0 once the page is mapped
 * so, -EFAULT when no region allows the access. May sleep. */
int vma_fault_in(uintptr_t addr, bool write);
/* copy into app memory at load time (pages faulted in as needed) */
int vma_fill(uintptr_t addr, const void *src, size_t len);
/* len bytes at addr zeroed through the app's mapping (a borrowed page is
 * copied first, as any write): 0 or -EFAULT */
int vma_zero(uintptr_t addr, size_t len);
/* a region covers addr (a fault there is SEGV_ACCERR, not SEGV_MAPERR) */
bool vma_covers(uintptr_t addr);
/* every page of [addr, addr+len) is in some region (mincore, madvise) */
bool vma_mapped(uintptr_t addr, size_t len);
/* MADV_DONTNEED: drop pages, so anonymous ones read back as zeros and
 * file ones as the file's bytes; -ENOMEM when part of the range is not
 * mapped (then nothing is dropped) */
int vma_discard(uintptr_t addr, size_t len);

#endif

/* Memory system calls over the app's address space (include/vma.h). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "syscall.h"
#include "uaccess.h"
#include "vfs.h"
#include "vma.h"

/* a file region, as the file's mmap op says (vma.h, struct vma_map): its
 * pages (MAP_SHARED: the file's own, MAP_PRIVATE: copied at the first
 * touch) or anonymous memory. Linux's order: the open mode against the
 * protection (EACCES), then the op (none: ENODEV) */
/* Linux's do_mmap, after the fd: the length (0: EINVAL, wrapping when
 * rounded to pages: ENOMEM), the offset's pages plus the length's
 * (EOVERFLOW), the type (MAP_SHARED_VALIDATE for files only) */
static long
map_checks(size_t len, int flags, uint64_t off, bool file)
{
	size_t pages = ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE;
	int type = flags & MAP_TYPE;

	if (!len)
		return -EINVAL;
	if (!pages)
		return -ENOMEM;
	if (off / PAGE_SIZE + pages < off / PAGE_SIZE)
		return -EOVERFLOW;
	if (type != MAP_SHARED && type != MAP_PRIVATE && !(file && type == MAP_SHARED_VALIDATE))
		return -EINVAL;
	return 0;
}

static long
map_file(uintptr_t addr, size_t len, int prot, int flags, int fd, uint64_t off)
{
	struct file *f = fd_get(fd);
	struct vma_map m = {.len = len, .prot = prot, .flags = flags, .off = off};
	int acc;
	long r;

	if (!f)
		return -EBADF;
	acc = f->f_flags & O_ACCMODE;
	if ((r = map_checks(len, flags, off, true)))
		;
	else if (off > (uint64_t)INT64_MAX - ALIGN_UP(len, PAGE_SIZE))
		r = -EOVERFLOW; /* Linux's file_mmap_ok: past the largest file */
	else if (f->f_flags & O_PATH)
		r = -EBADF;
	else if (acc == O_WRONLY || ((flags & MAP_SHARED) && (prot & PROT_WRITE) && acc != O_RDWR))
		r = -EACCES;
	else if (!f->f_ops->mmap)
		r = -ENODEV;
	else if (!(r = f->f_ops->mmap(f, &m)))
		r = m.node ? vma_map_file(addr, len, prot, flags, m.node, off)
		           : vma_map(addr, len, prot, flags);
	file_put(f);
	return r;
}

SYSCALL(mmap)
{
	uintptr_t addr = (uintptr_t)a0;
	size_t len = (size_t)a1;
	int prot = (int)a2, flags = (int)a3, fd = (int)a4;
	int64_t off = a5;

	long r;

	if (off & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return map_file(addr, len, prot, flags, fd, (uint64_t)off);
	if ((r = map_checks(len, flags, (uint64_t)off, false)))
		return r;
	return vma_map(addr, len, prot, flags);
}

SYSCALL(munmap)
{
	uintptr_t addr = (uintptr_t)a0;

	if (addr > USER_TOP || (size_t)a1 > USER_TOP - addr)
		return -EINVAL; /* Linux: a range past the app's half, or wrapping */
	return vma_unmap(addr, (size_t)a1);
}
/* Linux's do_mprotect_pkey: alignment, nothing to do for length 0, a
 * wrapping range (ENOMEM), then the protection bits (EINVAL for unknown
 * ones; PROT_SEM means nothing on x86) before the regions (ENOMEM for a
 * hole). XXX: PROT_GROWSDOWN/GROWSUP are EINVAL (no region grows here;
 * Linux takes GROWSDOWN on a stack that does) */
SYSCALL(mprotect)
{
	uintptr_t addr = (uintptr_t)a0;
	size_t len = ALIGN_UP((size_t)a1, PAGE_SIZE);
	int prot = (int)a2;

	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!a1)
		return 0;
	if (!len || addr + len <= addr)
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	return vma_protect(addr, len, prot & ~PROT_SEM);
}
SYSCALL(brk)
{
	return (long)vma_brk((uintptr_t)a0);
}
/* Linux's checks in its order: alignment, the advice, then the range.
 * DONTNEED and FREE drop the pages (FREE at once: Linux may keep them
 * until memory is short, and either is allowed); the rest are hints
 * with nothing to do here (one app, no fork, no swap, no huge pages,
 * no core dumps). Other advice (MERGEABLE without KSM, REMOVE, ...) is
 * EINVAL, as Linux without those features. */
SYSCALL(madvise)
{
	uintptr_t addr = (uintptr_t)a0;
	size_t len = (size_t)a1;

	if ((addr & (PAGE_SIZE - 1)) || addr + ALIGN_UP(len, PAGE_SIZE) < addr)
		return -EINVAL;
	switch (a2) {
	case MADV_DONTNEED:
	case MADV_FREE:
		return len ? vma_discard(addr, len) : 0;
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_COLD:
	case MADV_PAGEOUT:
		return !len || vma_mapped(addr, len) ? 0 : -ENOMEM;
	default:
		return -EINVAL;
	}
}

/* in place when it shrinks or the room is there, else moved when
 * MREMAP_MAYMOVE allows; file regions stay file regions (vma_remap) */
SYSCALL(mremap)
{
	int flags = (int)a3;

	if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)))
		return -EINVAL;
	return vma_remap((uintptr_t)a0, (size_t)a1, (size_t)a2, flags & MREMAP_MAYMOVE,
	                 flags & MREMAP_FIXED, (uintptr_t)a4);
}

/* shared file pages are the file's already (read() sees them); msync
 * copies them into the file's bytes all the same, and checks as Linux */
SYSCALL(msync)
{
	if ((a0 & (PAGE_SIZE - 1)) || (a2 & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((a2 & MS_ASYNC) && (a2 & MS_SYNC)))
		return -EINVAL;
	return vma_sync((uintptr_t)a0, (size_t)a1);
}

SYSCALL(mincore)
{
	size_t pages = ALIGN_UP((size_t)a1, PAGE_SIZE) / PAGE_SIZE;
	uint8_t v;

	if (a0 & (PAGE_SIZE - 1) || a0 + pages * PAGE_SIZE < (uintptr_t)a0)
		return -EINVAL;
	if (!vma_mapped((uintptr_t)a0, (size_t)a1))
		return -ENOMEM; /* Linux: part of the range is not mapped */
	for (size_t i = 0; i < pages; i++) {
		v = mm_query((uintptr_t)a0 + i * PAGE_SIZE) & PTE_P ? 1 : 0;
		if (copy_to_user((uint8_t *)a2 + i, &v, 1))
			return -EFAULT;
	}
	return 0;
}

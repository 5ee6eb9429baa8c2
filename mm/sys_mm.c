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
	if (f->f_flags & O_PATH)
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

	if (!len || (off & (PAGE_SIZE - 1)) || !(flags & (MAP_PRIVATE | MAP_SHARED)))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return map_file(addr, len, prot, flags, fd, (uint64_t)off);
	return vma_map(addr, len, prot, flags);
}

SYSCALL(munmap)
{
	return vma_unmap((uintptr_t)a0, (size_t)a1);
}
SYSCALL(mprotect)
{
	return vma_protect((uintptr_t)a0, (size_t)a1, (int)a2);
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

/* Memory system calls over the app's address space (include/vma.h). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "syscall.h"
#include "uaccess.h"
#include "vfs.h"
#include "vma.h"

#define MADV_DONTNEED 4

/* a file region: MAP_SHARED maps the file's pages (vma.h); MAP_PRIVATE
 * is a copy of the file's bytes as they are now */
static long
map_file(uintptr_t addr, size_t len, int prot, int flags, int fd, uint64_t off)
{
	struct file *f = fd_get(fd);
	struct vnode *v;
	int acc;
	long r;

	if (!f)
		return -EBADF;
	v = f->f_node;
	acc = f->f_flags & O_ACCMODE;
	if (f->f_flags & O_PATH)
		r = -EBADF;
	else if (!v || (v->v_mode & S_IFMT) != S_IFREG || v->v_dev)
		r = -ENODEV;
	else if (acc == O_WRONLY || ((flags & MAP_SHARED) && (prot & PROT_WRITE) && acc != O_RDWR))
		r = -EACCES;
	else if (flags & MAP_SHARED)
		r = vma_map_file(addr, len, prot, flags, v, off);
	else
		r = vma_map_file(addr, len, PROT_READ | PROT_WRITE, flags, v, off);
	if (r >= 0 && !(flags & MAP_SHARED)) {
		/* the file's current bytes, copied out under v_lock, filled in
		 * after it (a fault takes the region lock, then v_lock) */
		mutex_lock(&v->v_lock);
		size_t n = off < v->v_size ? MIN(len, v->v_size - off) : 0;
		uint8_t *tmp = n ? kmalloc(n) : NULL;
		if (tmp) {
			filemap_sync(v, off, n);
			memcpy(tmp, v->v_data + off, n);
		}
		mutex_unlock(&v->v_lock);
		if (n && (!tmp || vma_fill((uintptr_t)r, tmp, n))) {
			vma_unmap((uintptr_t)r, len);
			r = -ENOMEM;
		}
		kfree(tmp);
		if (r >= 0 && prot != (PROT_READ | PROT_WRITE))
			vma_protect((uintptr_t)r, ALIGN_UP(len, PAGE_SIZE), prot);
	}
	file_put(f);
	return r;
}

SYSCALL(9, mmap)
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

SYSCALL(11, munmap) { return vma_unmap((uintptr_t)a0, (size_t)a1); }
SYSCALL(10, mprotect) { return vma_protect((uintptr_t)a0, (size_t)a1, (int)a2); }
SYSCALL(12, brk) { return (long)vma_brk((uintptr_t)a0); }
SYSCALL(28, madvise)
{
	if (a0 & (PAGE_SIZE - 1))
		return -EINVAL;
	if (a2 == MADV_DONTNEED)
		return vma_discard((uintptr_t)a0, (size_t)a1);
	return 0; /* advice only */
}

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2

/* grow or shrink in place when the room is there, else move (copying the
 * pages' contents through the kernel) when MREMAP_MAYMOVE allows */
SYSCALL(25, mremap)
{
	uintptr_t old = (uintptr_t)a0, want = (uintptr_t)a4;
	size_t olen = ALIGN_UP((size_t)a1, PAGE_SIZE), nlen = ALIGN_UP((size_t)a2, PAGE_SIZE);
	int flags = (int)a3;
	long r;

	if ((old & (PAGE_SIZE - 1)) || !nlen || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)))
		return -EINVAL;
	if (nlen <= olen && !(flags & MREMAP_FIXED)) {
		if (nlen < olen)
			vma_unmap(old + nlen, olen - nlen);
		return (long)old;
	}
	if (!(flags & MREMAP_FIXED) &&
	    vma_map(old + olen, nlen - olen, PROT_READ | PROT_WRITE,
		    MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS) >= 0)
		return (long)old; /* XXX: the grown part takes read/write, not the old protection */
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	r = vma_map(flags & MREMAP_FIXED ? want : 0, nlen, PROT_READ | PROT_WRITE,
		    (flags & MREMAP_FIXED ? MAP_FIXED : 0) | MAP_PRIVATE | MAP_ANONYMOUS);
	if (r < 0)
		return r;
	uint8_t *tmp = kmalloc(PAGE_SIZE);
	if (!tmp) {
		vma_unmap((uintptr_t)r, nlen);
		return -ENOMEM;
	}
	for (size_t off = 0; off < MIN(olen, nlen); off += PAGE_SIZE)
		if (!copy_from_user(tmp, (void *)(old + off), PAGE_SIZE))
			vma_fill((uintptr_t)r + off, tmp, PAGE_SIZE);
	kfree(tmp);
	vma_unmap(old, olen);
	return r;
}

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

/* shared file pages are the file's already (read() sees them); msync
 * copies them into the file's bytes all the same, and checks as Linux */
SYSCALL(26, msync)
{
	if ((a0 & (PAGE_SIZE - 1)) || (a2 & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((a2 & MS_ASYNC) && (a2 & MS_SYNC)))
		return -EINVAL;
	return vma_sync((uintptr_t)a0, (size_t)a1);
}

SYSCALL(27, mincore)
{
	size_t pages = ALIGN_UP((size_t)a1, PAGE_SIZE) / PAGE_SIZE;
	uint8_t v;

	if (a0 & (PAGE_SIZE - 1))
		return -EINVAL;
	for (size_t i = 0; i < pages; i++) {
		v = mm_query((uintptr_t)a0 + i * PAGE_SIZE) & PTE_P ? 1 : 0;
		if (copy_to_user((uint8_t *)a2 + i, &v, 1))
			return -EFAULT;
	}
	return 0;
}

/* Memory system calls over the app's address space (include/vma.h). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "syscall.h"
#include "uaccess.h"
#include "vfs.h"
#include "vma.h"

#define MADV_DONTNEED 4

SYSCALL(9, mmap)
{
	uintptr_t addr = (uintptr_t)a0;
	size_t len = (size_t)a1;
	int prot = (int)a2, flags = (int)a3, fd = (int)a4;
	int64_t off = a5;
	long r;

	if (!len || (off & (PAGE_SIZE - 1)) || !(flags & (MAP_PRIVATE | MAP_SHARED)))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		/* a private copy of the file's bytes; XXX: MAP_SHARED of a file
		 * is a copy too (writes do not reach the file) */
		struct file *f = fd_get(fd);
		if (!f)
			return -EBADF;
		if (!f->f_node || (f->f_node->v_mode & S_IFMT) != S_IFREG) {
			file_put(f);
			return -ENODEV;
		}
		r = vma_map(addr, len, PROT_READ | PROT_WRITE, flags);
		if (r >= 0 && (uint64_t)off < f->f_node->v_size) {
			size_t n = MIN(len, f->f_node->v_size - (uint64_t)off);
			if (vma_fill((uintptr_t)r, f->f_node->v_data + off, n)) {
				vma_unmap((uintptr_t)r, len);
				r = -ENOMEM;
			}
		}
		file_put(f);
		if (r >= 0 && prot != (PROT_READ | PROT_WRITE))
			vma_protect((uintptr_t)r, ALIGN_UP(len, PAGE_SIZE), prot);
		return r;
	}
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

/* private memory has nothing to write back */
SYSCALL(26, msync) { return (a0 & (PAGE_SIZE - 1)) ? -EINVAL : 0; }

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

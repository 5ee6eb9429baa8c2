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

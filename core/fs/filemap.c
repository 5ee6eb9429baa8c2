/* The page cache (include/vfs.h, "the page cache"), a VFS service: mm/vma.c
 * asks for a file's frames and tells when regions come and go; the file
 * system keeps the frames (its page op, include/vfs_fs.h), and they are
 * what every mapping maps: a MAP_SHARED region maps them writable, a
 * MAP_PRIVATE one borrows them until it writes. So there is one copy of
 * each page, read() and write() see the mappings' stores at once, and
 * msync has nothing to do. v_map counts the regions that map the file
 * (under v_lock), so the file system knows when it must tell mm/vma.c
 * that pages changed under them (vma_file_cut, vma_file_filled).
 * XXX: only file systems whose bytes are in kernel memory (ramfs, tmpfs)
 * have the page op; others cannot be mapped (vfs_mappable). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "vfs_fs.h"

struct filemap {
	int fm_regions; /* region pieces that map the file's pages */
};

int
filemap_ref(struct vnode *v, int delta)
{
	struct filemap *m;

	mutex_lock(&v->v_lock);
	if (!(m = v->v_map) && delta > 0) {
		if (!(m = kzalloc(sizeof(*m)))) {
			mutex_unlock(&v->v_lock);
			return -ENOMEM;
		}
		v->v_map = m;
	}
	m->fm_regions += delta;
	if (m->fm_regions == 0) {
		kfree(m);
		v->v_map = NULL;
	}
	mutex_unlock(&v->v_lock);
	return 0;
}

bool
filemap_mapped(struct vnode *v)
{
	return __atomic_load_n(&v->v_map, __ATOMIC_RELAXED) != NULL;
}

int
filemap_page(struct vnode *v, uint64_t pg, bool make, uint64_t *pa)
{
	int err;

	*pa = 0;
	if (!vfs_mappable(v))
		return -ENXIO;
	mutex_lock(&v->v_lock);
	err = v->v_ops->page(v, pg, make ? VFS_PAGE_MAKE_APP : VFS_PAGE_FIND, pa);
	mutex_unlock(&v->v_lock);
	return err;
}

void
filemap_copy(struct vnode *v, uint64_t at, void *dst)
{
	uint64_t pa = 0;

	mutex_lock(&v->v_lock);
	if (vfs_mappable(v) && at < v->v_size)
		v->v_ops->page(v, at / PAGE_SIZE, VFS_PAGE_FIND, &pa);
	if (pa)
		memcpy(dst, mm_p2v(pa), PAGE_SIZE);
	else
		memset(dst, 0, PAGE_SIZE);
	/* a frame's bytes past the end are the file's tail: zeros */
	if (at + PAGE_SIZE > v->v_size)
		memset((uint8_t *)dst + (at < v->v_size ? v->v_size - at : 0), 0,
		       at < v->v_size ? at + PAGE_SIZE - v->v_size : PAGE_SIZE);
	mutex_unlock(&v->v_lock);
}

bool
vfs_mappable(const struct vnode *v)
{
	return (v->v_mode & S_IFMT) == S_IFREG && !v->v_dev && v->v_ops && v->v_ops->page &&
	       v->v_ops->bytes;
}

const void *
vfs_bytes(struct vnode *v, size_t *size)
{
	const void *p;

	*size = 0;
	if (!vfs_mappable(v))
		return NULL;
	mutex_lock(&v->v_lock);
	p = v->v_ops->bytes(v, size);
	mutex_unlock(&v->v_lock);
	return p;
}

uint64_t
vfs_size(const struct vnode *v)
{
	return __atomic_load_n(&v->v_size, __ATOMIC_RELAXED);
}

int64_t
vfs_seek_data(struct vnode *v, uint64_t off, uint64_t size, bool hole)
{
	if (v && !v->v_dev && v->v_ops && v->v_ops->seek)
		return v->v_ops->seek(v, off, hole);
	return hole ? (int64_t)size : (int64_t)off;
}

/* The page cache of MAP_SHARED file regions (include/vfs.h, "the page
 * cache"), a VFS service: mm/vma.c asks for a file's pages and tells when
 * regions come and go; the file system's bytes are reached through its
 * bytes op (include/vfs_fs.h).
 * While a file has MAP_SHARED regions, its pages that were touched live
 * in frames here, and those frames are the truth for their bytes: a
 * write() copies into them too (filemap_update), a read() first copies
 * them back into the file system's bytes (filemap_sync). When the last
 * region goes, they are copied back and freed. v_map is set and cleared
 * under both the region lock and v_lock; its frames change under v_lock.
 * XXX: only file systems whose bytes are in kernel memory (ramfs, tmpfs)
 * have the bytes op; others cannot be mapped (vfs_mappable). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "vfs_fs.h"

struct filemap {
	int fm_regions;   /* region pieces that map the file shared */
	size_t fm_npages; /* entries in fm_pa */
	uint64_t *fm_pa;  /* frame per file page, 0: not touched */
};

/* the file system's bytes at off, up to the end of the file (v_lock
 * held): their address and, in *n, how many; NULL past the end */
static uint8_t *
bytes_at(struct vnode *v, uint64_t off, size_t *n)
{
	*n = 0;
	return v->v_ops && v->v_ops->bytes ? v->v_ops->bytes(v, off, n) : NULL;
}

/* copy [off, off+len) of the file into the frames that hold those pages */
void
filemap_update(struct vnode *v, uint64_t off, size_t len)
{
	struct filemap *m = v->v_map;

	for (uint64_t p = off; m && p < off + len;) {
		size_t pg = p / PAGE_SIZE, k = MIN(off + len - p, (pg + 1) * PAGE_SIZE - p), n;
		uint8_t *b = bytes_at(v, p, &n);
		if (b && pg < m->fm_npages && m->fm_pa[pg])
			memcpy((uint8_t *)mm_p2v(m->fm_pa[pg]) + p % PAGE_SIZE, b, MIN(k, n));
		p += k;
	}
}

/* the frames' bytes of [off, off+len), below the file's end, into the
 * file system's */
void
filemap_sync(struct vnode *v, uint64_t off, size_t len)
{
	struct filemap *m = v->v_map;
	uint64_t end = MIN(off + len, v->v_size);

	for (uint64_t p = off; m && p < end;) {
		size_t pg = p / PAGE_SIZE, k = MIN(end - p, (pg + 1) * PAGE_SIZE - p), n;
		uint8_t *b = bytes_at(v, p, &n);
		if (b && pg < m->fm_npages && m->fm_pa[pg])
			memcpy(b, (uint8_t *)mm_p2v(m->fm_pa[pg]) + p % PAGE_SIZE, MIN(k, n));
		p += k;
	}
}

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
	if (m->fm_regions == 0) { /* the last one: the bytes go home */
		filemap_sync(v, 0, v->v_size);
		for (size_t i = 0; i < m->fm_npages; i++)
			if (m->fm_pa[i]) {
				frame_free(m->fm_pa[i], 0);
				mm_count_file(-(int64_t)PAGE_SIZE);
			}
		kfree(m->fm_pa);
		kfree(m);
		v->v_map = NULL;
	}
	mutex_unlock(&v->v_lock);
	return 0;
}

uint64_t
filemap_page(struct vnode *v, uint64_t pg)
{
	struct filemap *m;
	uint64_t r = 0;

	mutex_lock(&v->v_lock);
	if (!(m = v->v_map))
		goto out;
	if (pg >= m->fm_npages) {
		size_t n = MAX(pg + 1, m->fm_npages * 2);
		uint64_t *pa = kzalloc(n * sizeof(*pa));
		if (!pa)
			goto out;
		if (m->fm_npages)
			memcpy(pa, m->fm_pa, m->fm_npages * sizeof(*pa));
		kfree(m->fm_pa);
		m->fm_pa = pa;
		m->fm_npages = n;
	}
	if (!m->fm_pa[pg]) {
		uint64_t pa = frame_alloc(0), at = pg * PAGE_SIZE;
		size_t n;
		if (!pa)
			goto out;
		memset(mm_p2v(pa), 0, PAGE_SIZE);
		uint8_t *b = bytes_at(v, at, &n);
		if (b)
			memcpy(mm_p2v(pa), b, MIN((size_t)PAGE_SIZE, n));
		m->fm_pa[pg] = pa;
		mm_count_file(PAGE_SIZE);
	}
	r = m->fm_pa[pg];
out:
	mutex_unlock(&v->v_lock);
	return r;
}

void
filemap_copy(struct vnode *v, uint64_t at, void *dst)
{
	size_t pg = at / PAGE_SIZE, n;

	mutex_lock(&v->v_lock);
	struct filemap *m = v->v_map;
	uint8_t *b;
	if (m && pg < m->fm_npages && m->fm_pa[pg])
		memcpy(dst, mm_p2v(m->fm_pa[pg]), PAGE_SIZE);
	else if ((b = bytes_at(v, at, &n)))
		memcpy(dst, b, MIN((size_t)PAGE_SIZE, n));
	/* a shared frame's bytes past the end are the file's tail: zeros */
	if (at + PAGE_SIZE > v->v_size)
		memset((uint8_t *)dst + (at < v->v_size ? v->v_size - at : 0), 0,
		       at < v->v_size ? at + PAGE_SIZE - v->v_size : PAGE_SIZE);
	mutex_unlock(&v->v_lock);
}

void
filemap_msync(struct vnode *v, uint64_t off, size_t len)
{
	mutex_lock(&v->v_lock);
	filemap_sync(v, off, len);
	mutex_unlock(&v->v_lock);
}

bool
vfs_mappable(const struct vnode *v)
{
	return (v->v_mode & S_IFMT) == S_IFREG && !v->v_dev && v->v_ops && v->v_ops->bytes;
}

const void *
vfs_bytes(struct vnode *v, size_t *size)
{
	const void *p;

	*size = 0;
	if (!vfs_mappable(v))
		return NULL;
	mutex_lock(&v->v_lock);
	p = v->v_ops->bytes(v, 0, size);
	mutex_unlock(&v->v_lock);
	return p ? p : "";
}

uint64_t
vfs_size(const struct vnode *v)
{
	return __atomic_load_n(&v->v_size, __ATOMIC_RELAXED);
}

/* ramfs and tmpfs (include/vfs_fs.h): files in memory. A directory keeps
 * its children in creation order (listings) and in a hash table by name
 * (lookups, so a folder of 20,000 files is not a list walk per name);
 * hard links are entries pointing at the node that holds the data;
 * tmpfs is ramfs with a limit on its files' bytes (size=, half the
 * memory by default: past it writes are -ENOSPC, not the kernel's last
 * frames). devfs, procfs and sysfs build their trees from these nodes. */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "vfs_fs.h"
#include "vma.h"

/* a node of these file systems: the VFS's vnode, and what ramfs keeps */
struct ramfs_node {
	struct vnode vn; /* first: the VFS frees the node as its vnode */
	size_t cap;      /* bytes allocated in data */
	uint8_t *data;   /* a symlink's target, or a small file's bytes
	                  * (kmalloc, at most RAMFS_SMALL) */
	/* a larger regular file (paged: from its first byte past
	 * RAMFS_SMALL, or its first mmap, on): its frames by page, dir[i]
	 * a table of LEAF_PAGES frames (0: a hole, never written) for pages
	 * i * LEAF_PAGES on; nframes: how many it holds. view: the frames
	 * mapped side by side (vfs_bytes), view_pages of them */
	bool paged;
	uint64_t **dir;
	size_t ndir, nframes;
	void *view;
	size_t view_pages;
	/* directories: the children in creation order (listings), and a
	 * hash table of them by name (lookups); ndirs: how many are
	 * directories (st_nlink) */
	struct list_node children;
	struct list_node sibling;
	struct vnode **hash;
	struct vnode *hnext;
	size_t nbuckets, count, ndirs;
	/* hard links (under the namespace lock): a second name is an entry
	 * whose v_inode is the node holding the data; the node lists its
	 * entries here (an entry: its place in that list) */
	struct list_node links;
};

/* every node with ramfs's operations (or procfs's and devfs's, built on
 * them) was made by rnode_alloc */
static struct ramfs_node *
R(struct vnode *v)
{
	return container_of(v, struct ramfs_node, vn);
}

static struct vnode *
rnode_alloc(struct mount *m, const struct vnode_ops *ops, const char *name, size_t len,
            uint32_t mode)
{
	struct vnode *v = vfs_node_alloc(sizeof(struct ramfs_node), m, ops, name, len, mode);

	if (v) {
		list_init(&R(v)->children);
		list_init(&R(v)->sibling);
		list_init(&R(v)->links);
	}
	return v;
}

static bool
is_dir(const struct vnode *v)
{
	return (v->v_mode & S_IFMT) == S_IFDIR;
}

/* --- directories: a list in creation order and a hash table by name --- */
static uint32_t
name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

/* one pass that stops at the first difference (most names differ in
 * their first byte), not a strlen of each name compared */
static bool
name_is(const struct vnode *e, const char *name, size_t len)
{
	const char *a = e->v_name;

	for (size_t i = 0; i < len; i++)
		if (a[i] != name[i] || !a[i])
			return false;
	return a[len] == '\0';
}

static struct vnode *
child(struct vnode *dir, const char *name, size_t len)
{
	struct list_node *n;

	if (R(dir)->nbuckets) {
		struct vnode *e = R(dir)->hash[name_hash(name, len) & (R(dir)->nbuckets - 1)];
		for (; e; e = R(e)->hnext)
			if (name_is(e, name, len))
				return e;
		return NULL;
	}
	list_for_each(n, &R(dir)->children)
	{
		struct vnode *c = (&list_entry(n, struct ramfs_node, sibling)->vn);
		if (name_is(c, name, len))
			return c;
	}
	return NULL;
}

static void
hash_insert(struct vnode **tab, size_t nb, struct vnode *e)
{
	struct vnode **b = &tab[name_hash(e->v_name, strlen(e->v_name)) & (nb - 1)];

	R(e)->hnext = *b;
	*b = e;
}

/* the table doubles at two entries a bucket (from 16 buckets at 8
 * entries); when memory is short it stays as it is, only slower */
static void
hash_grow(struct vnode *dir)
{
	size_t nb = R(dir)->nbuckets ? R(dir)->nbuckets * 2 : 16;
	struct vnode **tab = kzalloc(nb * sizeof(*tab));
	struct list_node *n;

	if (!tab)
		return;
	list_for_each(n, &R(dir)->children)
	    hash_insert(tab, nb, (&list_entry(n, struct ramfs_node, sibling)->vn));
	kfree(R(dir)->hash);
	R(dir)->hash = tab;
	R(dir)->nbuckets = nb;
}

static void
dir_add(struct vnode *dir, struct vnode *e)
{
	list_add_tail(&R(dir)->children, &R(e)->sibling);
	R(dir)->count++;
	R(dir)->ndirs += is_dir(vfs_node(e));
	if (R(dir)->nbuckets)
		hash_insert(R(dir)->hash, R(dir)->nbuckets, e);
	if (R(dir)->count >= (R(dir)->nbuckets ? 2 * R(dir)->nbuckets : 8))
		hash_grow(dir);
}

static void
dir_del(struct vnode *dir, struct vnode *e)
{
	list_del(&R(e)->sibling);
	R(dir)->count--;
	R(dir)->ndirs -= is_dir(vfs_node(e));
	if (!R(dir)->nbuckets)
		return;
	struct vnode **p =
	    &R(dir)->hash[name_hash(e->v_name, strlen(e->v_name)) & (R(dir)->nbuckets - 1)];
	while (*p && *p != e)
		p = &R(*p)->hnext;
	if (*p)
		*p = R(e)->hnext;
	R(e)->hnext = NULL;
}

/* --- file bytes --- */
#define LEAF_PAGES (PAGE_SIZE / sizeof(uint64_t))

/* bytes taken (>0) or given back (<0) by the node's contents: the mount's
 * limit (tmpfs size=) and /proc/meminfo's Shmem. false when over it */
static bool
account(struct vnode *v, int64_t delta)
{
	struct mount *m = v->v_mount;

	if (delta > 0 && m &&
	    __atomic_add_fetch(&m->mnt_used, (uint64_t)delta, __ATOMIC_SEQ_CST) > m->mnt_size_max &&
	    m->mnt_size_max) {
		__atomic_sub_fetch(&m->mnt_used, (uint64_t)delta, __ATOMIC_SEQ_CST);
		return false;
	}
	if (delta < 0 && m)
		__atomic_sub_fetch(&m->mnt_used, (uint64_t)-delta, __ATOMIC_SEQ_CST);
	mm_count_file(delta);
	return true;
}

/* the small bytes at capacity cap (kmalloc; v_lock held): 0, or -ENOSPC
 * over the limit, -ENOMEM out of memory (v untouched) */
static int
data_realloc(struct vnode *v, size_t cap)
{
	uint8_t *d = NULL;

	if (cap == R(v)->cap)
		return 0;
	if (!account(v, (int64_t)cap - (int64_t)R(v)->cap))
		return -ENOSPC;
	if (cap && !(d = kmalloc(cap))) {
		account(v, (int64_t)R(v)->cap - (int64_t)cap);
		return -ENOMEM;
	}
	if (d && v->v_size)
		memcpy(d, R(v)->data, MIN(v->v_size, cap));
	kfree(R(v)->data);
	R(v)->data = d;
	R(v)->cap = cap;
	return 0;
}

/* the entry of page pg in the table (make: its leaf made when missing),
 * or NULL */
static uint64_t *
slot(struct vnode *v, uint64_t pg, bool make)
{
	struct ramfs_node *r = R(v);
	size_t i = pg / LEAF_PAGES;

	if (i >= r->ndir) {
		if (!make)
			return NULL;
		size_t n = MAX(i + 1, r->ndir * 2);
		uint64_t **d = kzalloc(n * sizeof(*d));
		if (!d)
			return NULL;
		if (r->ndir)
			memcpy(d, r->dir, r->ndir * sizeof(*d));
		kfree(r->dir);
		r->dir = d;
		r->ndir = n;
	}
	if (!r->dir[i] && (!make || !(r->dir[i] = kpage_alloc(0))))
		return NULL;
	return &r->dir[i][pg % LEAF_PAGES];
}

static uint64_t
frame_of(struct vnode *v, uint64_t pg)
{
	uint64_t *e = slot(v, pg, false);

	return e ? *e : 0;
}

/* the frame of page pg, made (zeroed) for a hole (v_lock held) */
static int
make_frame(struct vnode *v, uint64_t pg, bool app, uint64_t *pa)
{
	uint64_t *e = slot(v, pg, true);

	if (!e)
		return -ENOMEM;
	if (!*e) {
		if (!account(v, PAGE_SIZE))
			return -ENOSPC;
		if (!(*e = app ? frame_alloc_app() : frame_alloc(0))) {
			account(v, -(int64_t)PAGE_SIZE);
			return -ENOMEM;
		}
		memset(mm_p2v(*e), 0, PAGE_SIZE);
		R(v)->nframes++;
	}
	*pa = *e;
	return 0;
}

/* the view (vfs_bytes) goes: its addresses only, the frames stay */
static void
drop_view(struct vnode *v)
{
	if (R(v)->view)
		vmem_unmap(R(v)->view, R(v)->view_pages * PAGE_SIZE);
	R(v)->view = NULL;
	R(v)->view_pages = 0;
}

/* every frame of pages pg and after goes (v_lock held; no region maps
 * them any more: vma_file_cut) */
static void
free_from(struct vnode *v, uint64_t pg)
{
	struct ramfs_node *r = R(v);

	if (r->view_pages > pg)
		drop_view(v);
	for (size_t i = pg / LEAF_PAGES; i < r->ndir; i++) {
		if (!r->dir[i])
			continue;
		size_t j0 = i == pg / LEAF_PAGES ? pg % LEAF_PAGES : 0;
		for (size_t j = j0; j < LEAF_PAGES; j++)
			if (r->dir[i][j]) {
				frame_free(r->dir[i][j], 0);
				r->dir[i][j] = 0;
				r->nframes--;
				account(v, -(int64_t)PAGE_SIZE);
			}
		if (!j0) {
			kpage_free(r->dir[i], 0);
			r->dir[i] = NULL;
		}
	}
}

/* a small file's bytes into a frame of its own: from now on it is paged
 * (v_lock held) */
static int
to_paged(struct vnode *v)
{
	uint64_t pa;
	int err;

	if (R(v)->paged)
		return 0;
	R(v)->paged = true;
	if (!v->v_size) {
		data_realloc(v, 0);
		return 0;
	}
	if ((err = make_frame(v, 0, false, &pa))) {
		R(v)->paged = false;
		return err;
	}
	memcpy(mm_p2v(pa), R(v)->data, v->v_size);
	data_realloc(v, 0);
	return 0;
}

/* zeros from byte 'from' to the end of its page, when it has a frame:
 * the bytes past the end of a file stay zero (a shared mapping may have
 * stored there) */
static void
zero_tail(struct vnode *v, uint64_t from)
{
	uint64_t pa;

	if (R(v)->paged && (from % PAGE_SIZE) && (pa = frame_of(v, from / PAGE_SIZE)))
		memset((uint8_t *)mm_p2v(pa) + from % PAGE_SIZE, 0, PAGE_SIZE - from % PAGE_SIZE);
}

static int
ramfs_write(struct vnode *v, uint64_t off, const void *buf, size_t n)
{
	uint64_t first = 0, last = 0; /* the holes that got frames: [first, last) */
	int err = 0;

	if (off + n < off || off + n > GiB(64))
		return -EFBIG;
	mutex_lock(&v->v_lock);
	if (!R(v)->paged && (off + n > RAMFS_SMALL && (v->v_mode & S_IFMT) == S_IFREG))
		err = to_paged(v);
	if (err) { /* -ENOMEM, or -ENOSPC over the mount's limit, as Linux's tmpfs */
		mutex_unlock(&v->v_lock);
		return err;
	}
	if (!R(v)->paged) { /* small: doubling, at most RAMFS_SMALL for a file */
		size_t want = off + n;
		if (want > R(v)->cap &&
		    data_realloc(v, MAX(want, MIN(R(v)->cap * 2, RAMFS_SMALL))) &&
		    (err = data_realloc(v, want))) {
			mutex_unlock(&v->v_lock);
			return err;
		}
		if (off > v->v_size)
			memset(R(v)->data + v->v_size, 0, off - v->v_size);
		memcpy(R(v)->data + off, buf, n);
	} else {
		if (off > v->v_size)
			zero_tail(v, v->v_size);
		for (uint64_t p = off; p < off + n;) {
			uint64_t pg = p / PAGE_SIZE, pa;
			size_t k = MIN(off + n - p, (pg + 1) * PAGE_SIZE - p);
			bool hole = !frame_of(v, pg);
			if ((err = make_frame(v, pg, false, &pa)))
				break;
			if (hole) {
				first = last ? first : pg;
				last = pg + 1;
			}
			memcpy((uint8_t *)mm_p2v(pa) + p % PAGE_SIZE,
			       (const uint8_t *)buf + (p - off), k);
			p += k;
		}
		if (err) { /* nothing written: frames past the end go again */
			free_from(v, ALIGN_UP(v->v_size, PAGE_SIZE) / PAGE_SIZE);
			mutex_unlock(&v->v_lock);
			return err;
		}
	}
	if (off + n > v->v_size)
		v->v_size = off + n;
	v->v_ctime_ns = v->v_mtime_ns = clock_realtime_ns();
	mutex_unlock(&v->v_lock);
	/* a mapping that borrowed the zero frame for those holes sees them now */
	if (last && filemap_mapped(v))
		vma_file_filled(v, first * PAGE_SIZE, (last - first) * PAGE_SIZE);
	return 0;
}

static long
ramfs_read(struct vnode *v, uint64_t off, void *buf, size_t n)
{
	size_t k = 0;

	mutex_lock(&v->v_lock);
	if (off < v->v_size) {
		k = MIN(n, v->v_size - off);
		if (!R(v)->paged)
			memcpy(buf, R(v)->data + off, k);
		for (uint64_t p = off; R(v)->paged && p < off + k;) {
			uint64_t pg = p / PAGE_SIZE, pa = frame_of(v, pg);
			size_t c = MIN(off + k - p, (pg + 1) * PAGE_SIZE - p);
			uint8_t *d = (uint8_t *)buf + (p - off);
			if (pa)
				memcpy(d, (uint8_t *)mm_p2v(pa) + p % PAGE_SIZE, c);
			else
				memset(d, 0, c); /* a hole */
			p += c;
		}
	}
	mutex_unlock(&v->v_lock);
	return (long)k;
}

static int
ramfs_page(struct vnode *v, uint64_t pg, int how, uint64_t *pa)
{
	int err;

	*pa = 0;
	if (pg >= ALIGN_UP(v->v_size, PAGE_SIZE) / PAGE_SIZE)
		return -ENXIO;
	if ((err = to_paged(v)))
		return err;
	if (how == VFS_PAGE_FIND) {
		*pa = frame_of(v, pg);
		return 0;
	}
	return make_frame(v, pg, how == VFS_PAGE_MAKE_APP, pa);
}

/* the whole file as one block: its frames mapped side by side (holes get
 * frames first), kept until the file is cut. A small file is paged first:
 * its kmalloc'ed bytes would go at its first mmap (to_paged), under a
 * holder that maps the file and reads on (the loader does) */
static const uint8_t *
ramfs_bytes(struct vnode *v, size_t *n)
{
	size_t pages = ALIGN_UP(v->v_size, PAGE_SIZE) / PAGE_SIZE;
	uint64_t *pas;

	*n = v->v_size;
	if (!v->v_size)
		return (const uint8_t *)"";
	if (to_paged(v))
		return NULL;
	if (R(v)->view && R(v)->view_pages == pages)
		return R(v)->view;
	if (!(pas = kmalloc(pages * sizeof(*pas))))
		return NULL;
	for (size_t i = 0; i < pages; i++)
		if (make_frame(v, i, false, &pas[i])) {
			kfree(pas);
			return NULL;
		}
	/* XXX: a view made before the file grew is left mapped (a holder may
	 * still read it) until the file is cut or goes; only one is kept */
	void *view = vmem_map_frames(pas, pages);
	kfree(pas);
	if (!view)
		return NULL;
	if (R(v)->view)
		drop_view(v);
	R(v)->view = view;
	R(v)->view_pages = pages;
	return view;
}

static int64_t
ramfs_seek(struct vnode *v, uint64_t off, bool hole)
{
	int64_t r = -ENXIO;

	mutex_lock(&v->v_lock);
	if (off >= v->v_size) {
		r = -ENXIO;
	} else if (!R(v)->paged) {
		r = hole ? (int64_t)v->v_size : (int64_t)off; /* all data */
	} else {
		uint64_t end = ALIGN_UP(v->v_size, PAGE_SIZE) / PAGE_SIZE;
		for (uint64_t pg = off / PAGE_SIZE; pg < end; pg++) {
			if (!hole && pg / LEAF_PAGES >= R(v)->ndir)
				break; /* no frames after here */
			if (!hole && !R(v)->dir[pg / LEAF_PAGES]) {
				pg = ALIGN_UP(pg + 1, LEAF_PAGES) - 1; /* a leaf of holes */
				continue;
			}
			if ((frame_of(v, pg) != 0) != hole) {
				r = (int64_t)MAX(off, pg * PAGE_SIZE);
				break;
			}
		}
		if (hole && r < 0)
			r = (int64_t)v->v_size; /* the end is a hole */
		if (r > (int64_t)v->v_size)
			r = hole ? (int64_t)v->v_size : -ENXIO;
	}
	mutex_unlock(&v->v_lock);
	return r;
}

static int
ramfs_truncate(struct vnode *v, uint64_t size)
{
	if (size > GiB(64))
		return -EFBIG;
	mutex_lock(&v->v_lock);
	if (size >= v->v_size) { /* growing: a hole, nothing taken */
		int err = !R(v)->paged && size > RAMFS_SMALL ? to_paged(v) : 0;
		if (!err && !R(v)->paged && size > R(v)->cap)
			err = data_realloc(v, size);
		if (err) {
			mutex_unlock(&v->v_lock);
			return err;
		}
		if (!R(v)->paged)
			memset(R(v)->data + v->v_size, 0, size - v->v_size);
		zero_tail(v, v->v_size);
		if (size > v->v_size)
			v->v_ctime_ns = v->v_mtime_ns = clock_realtime_ns();
		v->v_size = size;
		mutex_unlock(&v->v_lock);
		return 0;
	}
	v->v_size = size;
	zero_tail(v, size);
	v->v_ctime_ns = v->v_mtime_ns = clock_realtime_ns();
	mutex_unlock(&v->v_lock);
	/* the regions let go of the pages past the end, then they go */
	if (R(v)->paged && filemap_mapped(v))
		vma_file_cut(v, size);
	mutex_lock(&v->v_lock);
	if (R(v)->paged)
		free_from(v, ALIGN_UP(v->v_size, PAGE_SIZE) / PAGE_SIZE);
	else if (R(v)->cap > 2 * v->v_size)
		data_realloc(v, v->v_size); /* if that fails, the block stays */
	mutex_unlock(&v->v_lock);
	return 0;
}

/* no name, no user: the bytes, the hash table, the link's target go */
static void
ramfs_release(struct vnode *v)
{
	if (!v->v_dev) {
		if (R(v)->paged)
			free_from(v, 0);
		kfree(R(v)->dir);
		v->v_size = 0;
		data_realloc(v, 0);
	}
	kfree(R(v)->hash);
	if (v->v_magic)
		vfs_unref(v->v_magic);
}

/* --- names --- */
static struct vnode *
make(struct vnode *dir, const char *name, size_t len, uint32_t mode, const struct vnode_ops *ops)
{
	struct vnode *v = rnode_alloc(dir->v_mount, ops ? ops : &ramfs_ops, name, len, mode);

	if (!v)
		return NULL;
	v->v_parent = dir; /* directories: ".."; others: where their first name is */
	vfs_ref(dir);      /* a node holds its directory */
	dir_add(dir, v);
	dir->v_ctime_ns = dir->v_mtime_ns = v->v_mtime_ns;
	return v;
}

static int
ramfs_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct vnode *c = child(dir, name, len);

	if (!c)
		return -ENOENT;
	*out = vfs_node(c);
	return 0;
}

static int
ramfs_create(struct vnode *dir, const char *name, size_t len, uint32_t mode, struct vnode **out)
{
	return (*out = make(dir, name, len, mode, NULL)) ? 0 : -ENOMEM;
}

static int
ramfs_mknod(struct vnode *dir, const char *name, size_t len, uint32_t mode, uint32_t rdev,
            struct vnode **out)
{
	if (!(*out = make(dir, name, len, mode, NULL)))
		return -ENOMEM;
	(*out)->v_rdev = rdev;
	return 0;
}

static int
ramfs_symlink(struct vnode *dir, const char *name, size_t len, const char *target,
              struct vnode **out)
{
	int err;

	if (!(*out = make(dir, name, len, S_IFLNK | 0777, NULL)))
		return -ENOMEM;
	if ((err = ramfs_write(*out, 0, target, strlen(target))))
		return err; /* XXX: the empty link stays */
	return 0;
}

/* a name goes, and its reference: the node is freed with its last
 * reference (vfs_unref), when no open file, file region or lookup holds
 * it. A hard link's entry goes at once. When a node loses its first name
 * while hard links remain, one of them takes its place, so the node
 * keeps a name, a parent and a path; an unlinked node keeps its last
 * directory (and holds it) for its path's " (deleted)". */
static void
drop_name(struct vnode *dir, struct vnode *e)
{
	struct vnode *n = vfs_node(e);

	dir_del(dir, e);
	__atomic_sub_fetch(&n->v_nlink, 1, __ATOMIC_SEQ_CST);
	if (e != n) {
		list_del(&R(e)->links);
		vfs_unref(e); /* the entry, and its hold on dir */
		vfs_unref(n); /* the name's reference */
		return;
	}
	if (!list_empty(&R(n)->links)) {
		/* the first hard link becomes the node's name: the node takes
		 * its name and its hold on its directory */
		struct vnode *e2 = (&list_first_entry(&R(n)->links, struct ramfs_node, links)->vn);
		struct vnode *d2 = e2->v_parent;
		char *name = n->v_name;
		list_del(&R(e2)->links);
		dir_del(d2, e2);
		n->v_name = e2->v_name;
		e2->v_name = name;
		n->v_parent = d2;
		dir_add(d2, n);
		e2->v_parent = NULL;
		vfs_unref(e2);
		vfs_unref(dir); /* n's hold on its old directory */
	}
	vfs_unref(n);
}

static int
remove(struct vnode *dir, const char *name, size_t len, bool dir_wanted)
{
	struct vnode *v = child(dir, name, len);

	if (!v)
		return -ENOENT;
	if (is_dir(vfs_node(v)) != dir_wanted)
		return dir_wanted ? -ENOTDIR : -EISDIR;
	if (dir_wanted && R(v)->count)
		return -ENOTEMPTY;
	drop_name(dir, v);
	dir->v_ctime_ns = dir->v_mtime_ns = clock_realtime_ns();
	return 0;
}

static int
ramfs_unlink(struct vnode *dir, const char *name, size_t len)
{
	return remove(dir, name, len, false);
}

static int
ramfs_rmdir(struct vnode *dir, const char *name, size_t len)
{
	return remove(dir, name, len, true);
}

static int
ramfs_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
             const char *nname, size_t nlen, bool noreplace)
{
	struct vnode *v = child(odir, oname, olen), *t;
	char *newname;

	if (!v)
		return -ENOENT;
	/* a directory may not move below itself */
	for (struct vnode *a = ndir; is_dir(vfs_node(v)); a = a->v_parent) {
		if (a == v)
			return -EINVAL;
		if (a == a->v_parent)
			break;
	}
	t = child(ndir, nname, nlen);
	if (t && vfs_node(t) == vfs_node(v))
		return 0; /* the same node (or two links to it): nothing to do */
	if (t && noreplace)
		return -EEXIST;
	if (t && is_dir(v) && !is_dir(vfs_node(t)))
		return -ENOTDIR;
	if (t && !is_dir(vfs_node(v)) && is_dir(t))
		return -EISDIR;
	if (t && is_dir(t) && R(t)->count)
		return -ENOTEMPTY;
	if (t && t->v_covered)
		return -EBUSY; /* a mount point */
	if (!(newname = kmalloc(nlen + 1)))
		return -ENOMEM;
	memcpy(newname, nname, nlen);
	newname[nlen] = '\0';
	if (t)
		drop_name(ndir, t);
	dir_del(odir, v);
	kfree(v->v_name);
	v->v_name = newname;
	dir_add(ndir, v);
	if (v->v_parent != ndir) { /* its hold moves with it */
		vfs_ref(ndir);
		vfs_unref(v->v_parent);
		v->v_parent = ndir;
	}
	odir->v_mtime_ns = ndir->v_mtime_ns = clock_realtime_ns();
	odir->v_ctime_ns = ndir->v_ctime_ns = vfs_node(v)->v_ctime_ns = odir->v_mtime_ns;
	return 0;
}

static int
ramfs_link(struct vnode *v, struct vnode *dir, const char *name, size_t len)
{
	struct vnode *e;

	if (v->v_nlink == 0) /* linkat of an unlinked open file (no O_TMPFILE here) */
		return -ENOENT;
	if (!(e = rnode_alloc(dir->v_mount, &ramfs_ops, name, len, v->v_mode)))
		return -ENOMEM;
	e->v_inode = v;
	e->v_parent = dir;
	vfs_ref(dir); /* the entry holds its directory */
	vfs_ref(v);   /* and the name its node */
	list_add_tail(&R(v)->links, &R(e)->links);
	dir_add(dir, e);
	v->v_nlink++;
	v->v_ctime_ns = dir->v_ctime_ns = dir->v_mtime_ns = clock_realtime_ns();
	return 0;
}

/* f_off counts entries: 0 ".", 1 "..", then the children in order */
static int
ramfs_readdir(struct vnode *dir, uint64_t *pos, vfs_emit_fn emit, void *ctx)
{
	struct list_node *c = R(dir)->children.next;
	uint64_t idx = 0;

	for (;; idx++) {
		struct vnode *v;
		const char *name;
		if (idx == 0)
			v = dir, name = ".";
		else if (idx == 1)
			v = dir->v_parent, name = "..";
		else if (c == &R(dir)->children)
			break;
		else {
			v = (&list_entry(c, struct ramfs_node, sibling)->vn);
			name = v->v_name;
			v = vfs_node(v); /* a hard link: its node's inode and type */
			c = c->next;
		}
		if (idx < *pos)
			continue;
		if (!emit(ctx, name, strlen(name), v->v_ino, (v->v_mode & S_IFMT) >> 12))
			break;
		*pos = idx + 1;
	}
	return 0;
}

static int
ramfs_readlink(struct vnode *v, char *buf, size_t size)
{
	size_t n;

	mutex_lock(&v->v_lock);
	n = MIN(size, v->v_size);
	memcpy(buf, R(v)->data, n);
	mutex_unlock(&v->v_lock);
	return (int)n;
}

static void
ramfs_getattr(struct vnode *v, struct linux_stat *st)
{
	vfs_generic_getattr(v, st);
	if (is_dir(v)) /* ".", its name, each subfolder's ".." */
		st->st_nlink = 2 + R(v)->ndirs;
	st->st_size = (int64_t)v->v_size;
	/* what is allocated, as Linux's tmpfs counts it: pages (a small
	 * file's bytes count as the page Linux would give them) */
	st->st_blocks = R(v)->paged ? (int64_t)(R(v)->nframes * (PAGE_SIZE / 512))
	                            : (int64_t)(ALIGN_UP(v->v_size, PAGE_SIZE) / 512);
}

static void
ramfs_setattr(struct vnode *v, const struct vattr *a)
{
	if (a->mask & VA_MODE)
		v->v_mode = (v->v_mode & S_IFMT) | (a->mode & 07777);
	if (a->mask & VA_UID)
		v->v_uid = a->uid;
	if (a->mask & VA_GID)
		v->v_gid = a->gid;
	if (a->mask & VA_ATIME)
		v->v_atime_ns = a->atime_ns;
	if (a->mask & VA_MTIME)
		v->v_mtime_ns = a->mtime_ns;
}

const struct vnode_ops ramfs_ops = {
    .lookup = ramfs_lookup,
    .create = ramfs_create,
    .mkdir = ramfs_create,
    .mknod = ramfs_mknod,
    .symlink = ramfs_symlink,
    .unlink = ramfs_unlink,
    .rmdir = ramfs_rmdir,
    .rename = ramfs_rename,
    .link = ramfs_link,
    .readdir = ramfs_readdir,
    .readlink = ramfs_readlink,
    .getattr = ramfs_getattr,
    .setattr = ramfs_setattr,
    .truncate = ramfs_truncate,
    .read = ramfs_read,
    .write = ramfs_write,
    .page = ramfs_page,
    .bytes = ramfs_bytes,
    .seek = ramfs_seek,
    .release = ramfs_release,
};

struct vnode *
ramfs_add(struct vnode *dir, const char *name, uint32_t mode, const struct vnode_ops *ops)
{
	size_t len = strlen(name);

	if (child(dir, name, len))
		return NULL;
	return make(dir, name, len, mode, ops);
}

int
ramfs_fill_root(struct mount *m, uint32_t mode)
{
	struct vnode *r = rnode_alloc(m, &ramfs_ops, "", 0, S_IFDIR | (mode & 07777));

	if (!r)
		return -ENOMEM;
	r->v_parent = r;
	m->mnt_root = r;
	return 0;
}

/* umount: every name of the tree goes, children first, then the mount's
 * reference to its root; what no one holds is freed. Iterative: a deep
 * tree must not run the stack out. */
void
ramfs_kill(struct mount *m)
{
	struct vnode *d = m->mnt_root;

	for (;;) {
		if (list_empty(&R(d)->children)) {
			if (d == m->mnt_root)
				break;
			d = d->v_parent; /* d, empty now, goes on the next turn */
			continue;
		}
		struct vnode *e =
		    (&list_first_entry(&R(d)->children, struct ramfs_node, sibling)->vn);
		if (e == vfs_node(e) && is_dir(e) && R(e)->count) {
			d = e;
			continue;
		}
		drop_name(d, e);
	}
	vfs_unref(m->mnt_root);
}

/* --- dynamic directories (/proc/self/fd) --- */
/* stale children carry v_nlink 0 between begin and end (ns lock held) */
void
ramfs_fill_begin(struct vnode *dir)
{
	struct list_node *n;

	list_for_each(n, &R(dir)->children)(&list_entry(n, struct ramfs_node, sibling)->vn)
	    ->v_nlink = 0;
}

void
ramfs_fill_symlink(struct vnode *dir, const char *name, const char *target, struct vnode *magic)
{
	struct vnode *v = child(dir, name, strlen(name));
	size_t len = strlen(target);

	if (!v && !(v = make(dir, name, strlen(name), S_IFLNK | 0777, NULL)))
		return; /* out of memory: the entry is missing from the listing */
	v->v_nlink = 1;
	if (v->v_magic != magic) { /* the link holds what it leads to */
		if (magic)
			vfs_ref(magic);
		if (v->v_magic)
			vfs_unref(v->v_magic);
		v->v_magic = magic;
	}
	if (len <= R(v)->cap) {
		memcpy(R(v)->data, target, len);
		v->v_size = len;
	} else if (ramfs_write(v, 0, target, len)) {
		v->v_size = 0;
	}
}

void
ramfs_fill_end(struct vnode *dir)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &R(dir)->children)
	{
		struct vnode *v = (&list_entry(n, struct ramfs_node, sibling)->vn);
		if (!v->v_nlink) {
			dir_del(dir, v);
			vfs_unref(v); /* its name's reference: a lookup may still hold it */
		}
	}
}

/* --- the types --- */
static int
ramfs_type_fill(struct mount *m, const char *opts)
{
	return ramfs_fill_root(m, 0755); /* as Linux's ramfs: options are ignored */
}

const struct fs_type ramfs_type = {
    .name = "ramfs", .magic = 0x858458f6, .fill = ramfs_type_fill, .kill = ramfs_kill};

static int
tmpfs_fill(struct mount *m, const char *opts)
{
	int err = ramfs_fill_root(m, 01777);

	return err ? err : tmpfs_options(m, opts, false);
}

int
tmpfs_remount(struct mount *m, const char *opts)
{
	return tmpfs_options(m, opts, true);
}

size_t
tmpfs_show(struct mount *m, char *buf, size_t size)
{
	if (!m->mnt_size_max)
		return 0; /* no limit */
	return (size_t)fmt_snprintf(buf, size, ",size=%luk",
	                            (unsigned long)(m->mnt_size_max >> 10));
}

const struct fs_type tmpfs_type = {.name = "tmpfs",
                                   .magic = 0x01021994,
                                   .fill = tmpfs_fill,
                                   .remount = tmpfs_remount,
                                   .kill = ramfs_kill,
                                   .show = tmpfs_show};

/* a number with an optional k, m, g suffix, or % of the memory */
static bool
parse_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t n = 0;
	size_t i = 0;

	if (!len)
		return false;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0 || i + 1 < len)
		return false;
	if (i < len) {
		switch (s[i] | 0x20) {
		case 'k':
			n <<= 10;
			break;
		case 'm':
			n <<= 20;
			break;
		case 'g':
			n <<= 30;
			break;
		case '%' | 0x20:
			n = frame_total_bytes() / 100 * n;
			break;
		default:
			return false;
		}
	}
	*out = ALIGN_UP(n, PAGE_SIZE);
	return true;
}

static bool
parse_num(const char *s, size_t len, int base, uint32_t *out)
{
	uint64_t n = 0;

	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] >= '0' + base || n > 0xffffffffu)
			return false;
		n = n * (uint64_t)base + (uint64_t)(s[i] - '0');
	}
	if (n > 0xffffffffu)
		return false;
	*out = (uint32_t)n;
	return true;
}

int
tmpfs_options(struct mount *m, const char *opts, bool remount)
{
	uint64_t size = remount ? m->mnt_size_max : ALIGN_UP(frame_total_bytes() / 2, PAGE_SIZE);
	struct vnode *r = m->mnt_root;
	const char *p = opts ? opts : "";

	while (*p) {
		const char *e = p;
		while (*e && *e != ',')
			e++;
		const char *eq = p;
		while (eq < e && *eq != '=')
			eq++;
		size_t klen = (size_t)(eq - p), vlen = eq < e ? (size_t)(e - eq - 1) : 0;
		const char *val = eq + 1;
		uint32_t n;
		if (klen == 4 && !memcmp(p, "size", 4)) {
			if (!parse_size(val, vlen, &size))
				return -EINVAL;
		} else if (klen == 4 && !memcmp(p, "mode", 4) && !remount) {
			if (!parse_num(val, vlen, 8, &n))
				return -EINVAL;
			r->v_mode = S_IFDIR | (n & 07777);
		} else if (klen == 3 && !memcmp(p, "uid", 3) && !remount) {
			if (!parse_num(val, vlen, 10, &r->v_uid))
				return -EINVAL;
		} else if (klen == 3 && !memcmp(p, "gid", 3) && !remount) {
			if (!parse_num(val, vlen, 10, &r->v_gid))
				return -EINVAL;
		} else if (klen) {
			return -EINVAL; /* as Linux's tmpfs: an unknown option */
		}
		p = *e ? e + 1 : e;
	}
	/* size=0 is no limit, as on Linux; a remount may not go below what
	 * the files hold */
	if (remount && size && size < __atomic_load_n(&m->mnt_used, __ATOMIC_SEQ_CST))
		return -EINVAL;
	m->mnt_size_max = size;
	return 0;
}

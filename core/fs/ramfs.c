/* The ramfs tree: the root file system, filled from the initrd (DESIGN.md,
 * Files). Path resolution with ".", "..", symlinks and loop detection;
 * hard links (a second name is an entry pointing at the node that holds
 * the data); directories that fill themselves (/proc/self/fd). */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "uapi/limits.h"
#include "vfs.h"
#include "vma.h"

#define MAX_LINKS 40

static struct vnode *root;
static uint64_t next_ino = 1;
static struct mutex tree_lock = MUTEX_INIT; /* the shape of the tree */

static struct vnode *
node_new(const char *name, size_t len, uint32_t mode)
{
	struct vnode *v = kzalloc(sizeof(*v));

	if (!v)
		return NULL;
	v->v_name = kmalloc(len + 1);
	if (!v->v_name) {
		kfree(v);
		return NULL;
	}
	memcpy(v->v_name, name, len);
	v->v_name[len] = '\0';
	v->v_mode = mode;
	v->v_ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	v->v_nlink = 1;
	v->v_atime_ns = v->v_ctime_ns = v->v_mtime_ns = clock_realtime_ns();
	list_init(&v->v_children);
	list_init(&v->v_sibling);
	list_init(&v->v_links);
	return v;
}

void
vfs_init(void)
{
	root = node_new("", 0, S_IFDIR | 0755);
	if (!root)
		panic("out of memory: the root directory");
	root->v_parent = root;
}

struct vnode *
vfs_root(void)
{
	return root;
}

static struct vnode *
child(struct vnode *dir, const char *name, size_t len)
{
	struct list_node *n;

	list_for_each(n, &dir->v_children)
	{
		struct vnode *c = list_entry(n, struct vnode, v_sibling);
		if (strlen(c->v_name) == len && !memcmp(c->v_name, name, len))
			return c;
	}
	return NULL;
}

/* walk components of path from 'at'; stops before the last component
 * when 'parent' (then last and lastlen name it) */
static int
walk(struct vnode *at, const char *path, bool follow, bool parent, struct vnode **out,
     const char **last, size_t *lastlen, int *links)
{
	struct vnode *cur = path[0] == '/' ? root : at;
	const char *p = path;

	if (!path[0])
		return -ENOENT;
	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	for (;;) {
		while (*p == '/')
			p++;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t len = p - s;
		const char *rest = p;
		while (*rest == '/')
			rest++;
		bool final = *rest == '\0';
		if (len == 0) { /* "/" or trailing slashes */
			*out = cur;
			if (parent && last) {
				*last = s;
				*lastlen = 0;
			}
			return 0;
		}
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		if ((cur->v_mode & S_IFMT) != S_IFDIR)
			return -ENOTDIR;
		if (final && parent) {
			*out = cur;
			*last = s;
			*lastlen = len;
			return 0;
		}
		struct vnode *next;
		if (cur->v_fill)
			cur->v_fill(cur);
		if (len == 1 && s[0] == '.')
			next = cur;
		else if (len == 2 && s[0] == '.' && s[1] == '.')
			next = cur->v_parent;
		else
			next = child(cur, s, len);
		if (!next)
			return -ENOENT;
		next = vfs_node(next);
		if ((next->v_mode & S_IFMT) == S_IFLNK && (!final || follow || *p == '/')) {
			struct vnode *target;
			int err;
			if (++*links > MAX_LINKS)
				return -ELOOP;
			if (next->v_magic) { /* /proc/self/fd/N: the open file itself */
				next = next->v_magic;
				goto step;
			}
			char *t = kmalloc(next->v_size + 1);
			if (!t)
				return -ENOMEM;
			memcpy(t, next->v_data, next->v_size);
			t[next->v_size] = '\0';
			err = walk(cur, t, true, false, &target, NULL, NULL, links);
			kfree(t);
			if (err)
				return err;
			next = target;
		}
	step:
		cur = next;
		if (final) {
			/* "file/": a trailing slash names a directory */
			if (*p == '/' && (cur->v_mode & S_IFMT) != S_IFDIR)
				return -ENOTDIR;
			*out = cur;
			return 0;
		}
	}
}

int
vfs_lookup(struct vnode *cwd, const char *path, bool follow, struct vnode **out)
{
	int links = 0, err;

	mutex_lock(&tree_lock);
	err = walk(cwd ? cwd : root, path, follow, false, out, NULL, NULL, &links);
	mutex_unlock(&tree_lock);
	return err;
}

int
vfs_create(struct vnode *cwd, const char *path, uint32_t mode, struct vnode **out)
{
	struct vnode *dir, *v;
	const char *name;
	size_t len;
	int links = 0, err;

	mutex_lock(&tree_lock);
	err = walk(cwd ? cwd : root, path, true, true, &dir, &name, &len, &links);
	if (err)
		goto out;
	if (len == 0 || (len == 1 && name[0] == '.') || (len == 2 && !memcmp(name, "..", 2))) {
		err = -EEXIST;
		goto out;
	}
	if ((v = child(dir, name, len))) {
		*out = vfs_node(v);
		err = -EEXIST;
		goto out;
	}
	v = node_new(name, len, mode);
	if (!v) {
		err = -ENOMEM;
		goto out;
	}
	v->v_parent = dir; /* directories: ".."; others: where their first name is */
	list_add_tail(&dir->v_children, &v->v_sibling);
	dir->v_ctime_ns = dir->v_mtime_ns = v->v_mtime_ns;
	*out = v;
out:
	mutex_unlock(&tree_lock);
	return err;
}

/* the bytes' memory at capacity cap (v_lock held; cap >= v_size): kmalloc
 * up to RAMFS_SMALL, vmem beyond (page multiples, resized in place or by
 * remapping its frames: no copy). false when out of memory, v untouched */
static bool
data_realloc(struct vnode *v, size_t cap)
{
	uint8_t *d;

	if (cap > RAMFS_SMALL)
		cap = ALIGN_UP(cap, PAGE_SIZE);
	if (cap == v->v_cap)
		return true;
	if (cap > RAMFS_SMALL && v->v_cap > RAMFS_SMALL) {
		if (!(d = vmem_resize(v->v_data, v->v_cap, cap)))
			return false;
	} else {
		d = cap > RAMFS_SMALL ? vmem_alloc(cap) : cap ? kmalloc(cap) : NULL;
		if (cap && !d)
			return false;
		if (d && v->v_size)
			memcpy(d, v->v_data, MIN(v->v_size, cap));
		if (v->v_cap > RAMFS_SMALL)
			vmem_free(v->v_data, v->v_cap);
		else
			kfree(v->v_data);
	}
	v->v_data = d;
	v->v_cap = cap;
	return true;
}

int
vfs_write_data(struct vnode *v, uint64_t off, const void *buf, size_t n)
{
	if (off + n < off || off + n > GiB(64))
		return -EFBIG;
	if (v->v_dev)
		return -EINVAL; /* devices and /proc files keep no bytes here */
	mutex_lock(&v->v_lock);
	/* doubling up to 8 MiB steps (vmem grows without a copy, so
	 * the steps need not be larger, and a 48 MiB file then holds at
	 * most 8 MiB more); when that much is not there, what is needed */
	size_t grow = v->v_cap < MiB(8) ? v->v_cap * 2 : v->v_cap + MiB(8);
	if (off + n > v->v_cap && !data_realloc(v, MAX(off + n, grow)) &&
	    !data_realloc(v, off + n)) {
		mutex_unlock(&v->v_lock);
		return -ENOSPC;
	}
	uint64_t from = MIN(off, (uint64_t)v->v_size);
	if (off > v->v_size)
		memset(v->v_data + v->v_size, 0, off - v->v_size);
	memcpy(v->v_data + off, buf, n);
	if (off + n > v->v_size)
		v->v_size = off + n;
	filemap_update(v, from, off + n - from); /* MAP_SHARED pages see it */
	v->v_ctime_ns = v->v_mtime_ns = clock_realtime_ns();
	mutex_unlock(&v->v_lock);
	return 0;
}

int
vfs_truncate(struct vnode *v, uint64_t size)
{
	if (v->v_dev)
		return 0; /* a device: O_TRUNC means nothing */
	if (size < v->v_size) {
		mutex_lock(&v->v_lock);
		v->v_size = size;
		/* vmem pages past the new end go; a file that fits in
		 * RAMFS_SMALL moves back to kmalloc (if that fails, the vmem
		 * block shrinks to just above RAMFS_SMALL) */
		if (v->v_cap > RAMFS_SMALL && !data_realloc(v, size))
			data_realloc(v, RAMFS_SMALL + PAGE_SIZE);
		mutex_unlock(&v->v_lock);
		return 0;
	}
	return size > v->v_size ? vfs_write_data(v, size, "", 0) : 0;
}

/* a regular file with no name and no user: its bytes go (the node stays,
 * as drop_name explains). Safe to call twice: the second finds nothing. */
static void
data_release(struct vnode *v)
{
	if ((v->v_mode & S_IFMT) != S_IFREG || v->v_dev)
		return;
	mutex_lock(&v->v_lock);
	if (!__atomic_load_n(&v->v_nlink, __ATOMIC_SEQ_CST) &&
	    !__atomic_load_n(&v->v_refs, __ATOMIC_SEQ_CST)) {
		v->v_size = 0;
		data_realloc(v, 0);
	}
	mutex_unlock(&v->v_lock);
}

void
vfs_node_hold(struct vnode *v)
{
	__atomic_fetch_add(&v->v_refs, 1, __ATOMIC_SEQ_CST);
}

void
vfs_node_release(struct vnode *v)
{
	int left = __atomic_sub_fetch(&v->v_refs, 1, __ATOMIC_SEQ_CST);

	assert(left >= 0);
	if (!left && !__atomic_load_n(&v->v_nlink, __ATOMIC_SEQ_CST))
		data_release(v);
}

static bool
is_dir(const struct vnode *v)
{
	return (v->v_mode & S_IFMT) == S_IFDIR;
}

/* a name goes (lock held). XXX: nodes and entries are kept allocated
 * (open files and lookups in progress may use them); a regular file's
 * bytes are freed with its last name when no open file or file region
 * holds it (v_refs), else on the last release. When a node loses
 * its first name while hard links remain, one of them takes its place,
 * so the node keeps a name, a parent and a path. */
static void
drop_name(struct vnode *e)
{
	struct vnode *n = vfs_node(e);

	list_del(&e->v_sibling);
	if (__atomic_sub_fetch(&n->v_nlink, 1, __ATOMIC_SEQ_CST) == 0 &&
	    !__atomic_load_n(&n->v_refs, __ATOMIC_SEQ_CST))
		data_release(n);
	if (e != n) {
		list_del(&e->v_links);
		return;
	}
	if (list_empty(&n->v_links))
		return;
	struct vnode *e2 = list_first_entry(&n->v_links, struct vnode, v_links);
	char *name = n->v_name;
	list_del(&e2->v_links);
	list_add_before(&e2->v_sibling, &n->v_sibling);
	list_del(&e2->v_sibling);
	n->v_name = e2->v_name;
	e2->v_name = name;
	n->v_parent = e2->v_parent;
}

/* unlink (dir false) or rmdir (dir true) */
int
vfs_remove(struct vnode *cwd, const char *path, bool dir_wanted)
{
	struct vnode *dir, *v = NULL;
	const char *name;
	size_t len;
	int links = 0, err;

	mutex_lock(&tree_lock);
	err = walk(cwd ? cwd : root, path, true, true, &dir, &name, &len, &links);
	if (!err && len == 1 && name[0] == '.')
		err = -EINVAL;
	else if (!err && (len == 0 || (len == 2 && !memcmp(name, "..", 2))))
		err = dir_wanted ? -ENOTEMPTY : -EISDIR;
	if (!err && !(v = child(dir, name, len)))
		err = -ENOENT;
	if (!err && is_dir(vfs_node(v)) != dir_wanted)
		err = dir_wanted ? -ENOTDIR : -EISDIR;
	if (!err && dir_wanted && !list_empty(&v->v_children))
		err = -ENOTEMPTY;
	if (!err) {
		drop_name(v);
		dir->v_ctime_ns = dir->v_mtime_ns = clock_realtime_ns();
	}
	mutex_unlock(&tree_lock);
	return err;
}

int
vfs_rename(struct vnode *ocwd, const char *opath, struct vnode *ncwd, const char *npath,
           bool noreplace)
{
	struct vnode *odir, *ndir, *v = NULL, *t;
	const char *oname, *nname;
	size_t olen, nlen;
	int links = 0, err;
	char *newname = NULL;

	mutex_lock(&tree_lock);
	err = walk(ocwd ? ocwd : root, opath, true, true, &odir, &oname, &olen, &links);
	if (!err)
		err = walk(ncwd ? ncwd : root, npath, true, true, &ndir, &nname, &nlen, &links);
	if (!err && (!olen || !nlen || (olen <= 2 && !memcmp(oname, "..", olen)) ||
	             (nlen <= 2 && !memcmp(nname, "..", nlen))))
		err = -EBUSY;
	if (!err && !(v = child(odir, oname, olen)))
		err = -ENOENT;
	if (!err && (ndir->v_mode & S_IFMT) != S_IFDIR)
		err = -ENOTDIR;
	/* a directory may not move below itself */
	for (struct vnode *a = ndir; !err && is_dir(vfs_node(v)); a = a->v_parent) {
		if (a == v)
			err = -EINVAL;
		if (a == root)
			break;
	}
	t = err ? NULL : child(ndir, nname, nlen);
	if (t && vfs_node(t) == vfs_node(v))
		goto out; /* the same node (or two links to it): nothing to do */
	if (t && noreplace)
		err = -EEXIST;
	else if (t && is_dir(v) && !is_dir(vfs_node(t)))
		err = -ENOTDIR;
	else if (t && !is_dir(vfs_node(v)) && is_dir(t))
		err = -EISDIR;
	else if (t && is_dir(t) && !list_empty(&t->v_children))
		err = -ENOTEMPTY;
	if (!err && !(newname = kmalloc(nlen + 1)))
		err = -ENOMEM;
	if (err)
		goto out;
	memcpy(newname, nname, nlen);
	newname[nlen] = '\0';
	if (t)
		drop_name(t);
	list_del(&v->v_sibling);
	kfree(v->v_name);
	v->v_name = newname;
	list_add_tail(&ndir->v_children, &v->v_sibling);
	v->v_parent = ndir;
	odir->v_mtime_ns = ndir->v_mtime_ns = clock_realtime_ns();
	odir->v_ctime_ns = ndir->v_ctime_ns = vfs_node(v)->v_ctime_ns = odir->v_mtime_ns;
out:
	mutex_unlock(&tree_lock);
	return err;
}

void
vfs_stat_node(struct vnode *v, void *statbuf)
{
	struct linux_stat *st = statbuf;

	memset(st, 0, sizeof(*st));
	st->st_dev = 1;
	st->st_ino = v->v_ino;
	st->st_nlink = v->v_nlink;
	if ((v->v_mode & S_IFMT) == S_IFDIR) { /* ".", its name, each subfolder's ".." */
		struct list_node *n;
		st->st_nlink = 2;
		list_for_each(n, &v->v_children) st->st_nlink +=
		    is_dir(list_entry(n, struct vnode, v_sibling));
	}
	st->st_mode = v->v_mode;
	st->st_uid = v->v_uid;
	st->st_gid = v->v_gid;
	st->st_size = (int64_t)v->v_size;
	st->st_blksize = 4096;
	st->st_blocks = (int64_t)((v->v_size + 511) / 512);
	st->st_mtime = v->v_mtime_ns / 1000000000u;
	st->st_mtime_nsec = v->v_mtime_ns % 1000000000u;
	st->st_atime = v->v_atime_ns / 1000000000u;
	st->st_atime_nsec = v->v_atime_ns % 1000000000u;
	st->st_ctime = v->v_ctime_ns / 1000000000u;
	st->st_ctime_nsec = v->v_ctime_ns % 1000000000u;
	st->st_rdev = v->v_rdev;
}

int
vfs_link(struct vnode *v, struct vnode *cwd, const char *path)
{
	struct vnode *dir, *e;
	const char *name;
	size_t len;
	int links = 0, err;

	if (is_dir(v))
		return -EPERM;
	mutex_lock(&tree_lock);
	err = walk(cwd ? cwd : root, path, true, true, &dir, &name, &len, &links);
	if (err)
		goto out;
	if (len == 0 || (len <= 2 && !memcmp(name, "..", len)) || child(dir, name, len)) {
		err = -EEXIST;
		goto out;
	}
	if (v->v_nlink == 0) { /* linkat of an unlinked open file (no O_TMPFILE here) */
		err = -ENOENT;
		goto out;
	}
	if (!(e = node_new(name, len, v->v_mode))) {
		err = -ENOMEM;
		goto out;
	}
	e->v_inode = v;
	e->v_parent = dir;
	list_add_tail(&v->v_links, &e->v_links);
	list_add_tail(&dir->v_children, &e->v_sibling);
	v->v_nlink++;
	v->v_ctime_ns = dir->v_ctime_ns = dir->v_mtime_ns = clock_realtime_ns();
out:
	mutex_unlock(&tree_lock);
	return err;
}

int
vfs_path(struct vnode *v, char *buf, size_t size)
{
	int r;

	mutex_lock(&tree_lock);
	r = vfs_path_locked(v, buf, size);
	mutex_unlock(&tree_lock);
	return r;
}

int
vfs_path_locked(struct vnode *v, char *buf, size_t size)
{
	size_t len = 0;
	bool gone = v->v_nlink == 0 && !is_dir(v);

	if (size < 2)
		return -ENAMETOOLONG;
	/* from the leaf up, each name put in front */
	buf[0] = '\0';
	for (struct vnode *a = v; a != root && a; a = a->v_parent) {
		size_t n = strlen(a->v_name);
		if (len + n + 2 > size)
			return -ENAMETOOLONG;
		memmove(buf + n + 1, buf, len + 1);
		buf[0] = '/';
		memcpy(buf + 1, a->v_name, n);
		len += n + 1;
		if (is_dir(a) && a->v_parent == a)
			break;
	}
	if (!len) {
		memcpy(buf, "/", 2);
		len = 1;
	}
	if (gone) {
		if (len + 11 > size)
			return -ENAMETOOLONG;
		memcpy(buf + len, " (deleted)", 11);
		len += 10;
	}
	return (int)len;
}

/* stale children carry v_nlink 0 between begin and end */
void
vfs_fill_begin(struct vnode *dir)
{
	struct list_node *n;

	list_for_each(n, &dir->v_children) list_entry(n, struct vnode, v_sibling)->v_nlink = 0;
}

void
vfs_fill_symlink(struct vnode *dir, const char *name, const char *target, struct vnode *magic)
{
	struct vnode *v = child(dir, name, strlen(name));
	size_t len = strlen(target);

	if (!v) {
		if (!(v = node_new(name, strlen(name), S_IFLNK | 0777)))
			return; /* out of memory: the entry is missing from the listing */
		v->v_parent = dir;
		list_add_tail(&dir->v_children, &v->v_sibling);
	}
	v->v_nlink = 1;
	v->v_magic = magic;
	if (len <= v->v_cap) {
		memcpy(v->v_data, target, len);
		v->v_size = len;
	} else if (vfs_write_data(v, 0, target, len)) {
		v->v_size = 0;
	}
}

void
vfs_fill_end(struct vnode *dir)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &dir->v_children)
	{
		struct vnode *v = list_entry(n, struct vnode, v_sibling);
		if (!v->v_nlink)
			list_del(&v->v_sibling); /* kept allocated, as drop_name */
	}
}

void
vfs_refill(struct vnode *dir)
{
	mutex_lock(&tree_lock);
	if (dir->v_fill)
		dir->v_fill(dir);
	mutex_unlock(&tree_lock);
}

struct vnode *
vfs_node_new(const char *name, uint32_t mode)
{
	return node_new(name, strlen(name), mode);
}

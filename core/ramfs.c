/* The ramfs tree: the root file system, filled from the initrd (DESIGN.md,
 * Files). Path resolution with ".", "..", symlinks and loop detection. */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "vfs.h"

#define NAME_MAX 255
#define PATH_MAX 4096
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
	v->v_mtime_ns = clock_realtime_ns();
	list_init(&v->v_children);
	list_init(&v->v_sibling);
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

	list_for_each(n, &dir->v_children) {
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
		if (len == 1 && s[0] == '.')
			next = cur;
		else if (len == 2 && s[0] == '.' && s[1] == '.')
			next = cur->v_parent;
		else
			next = child(cur, s, len);
		if (!next)
			return -ENOENT;
		if ((next->v_mode & S_IFMT) == S_IFLNK && (!final || follow || *p == '/')) {
			struct vnode *target;
			int err;
			if (++*links > MAX_LINKS)
				return -ELOOP;
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
		cur = next;
		if (final) {
			*out = cur;
			return 0;
		}
	}
}

int
vfs_lookup(struct vnode *cwd, const char *path, bool follow, struct vnode **out)
{
	int links = 0, err;

	if (!path[0])
		return -ENOENT;
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
		*out = v;
		err = -EEXIST;
		goto out;
	}
	v = node_new(name, len, mode);
	if (!v) {
		err = -ENOMEM;
		goto out;
	}
	v->v_parent = (mode & S_IFMT) == S_IFDIR ? dir : NULL;
	list_add_tail(&dir->v_children, &v->v_sibling);
	dir->v_mtime_ns = v->v_mtime_ns;
	*out = v;
out:
	mutex_unlock(&tree_lock);
	return err;
}

int
vfs_write_data(struct vnode *v, uint64_t off, const void *buf, size_t n)
{
	if (off + n < off || off + n > GiB(64))
		return -EFBIG;
	if (v->v_dev)
		return -EINVAL; /* devices and /proc files keep no bytes here */
	mutex_lock(&v->v_lock);
	if (off + n > v->v_cap) {
		size_t cap = MAX(off + n, v->v_cap * 2);
		uint8_t *d = kmalloc(cap);
		if (!d) {
			mutex_unlock(&v->v_lock);
			return -ENOSPC;
		}
		memcpy(d, v->v_data, v->v_size);
		kfree(v->v_data);
		v->v_data = d;
		v->v_cap = cap;
	}
	if (off > v->v_size)
		memset(v->v_data + v->v_size, 0, off - v->v_size);
	memcpy(v->v_data + off, buf, n);
	if (off + n > v->v_size)
		v->v_size = off + n;
	v->v_mtime_ns = clock_realtime_ns();
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
		mutex_unlock(&v->v_lock);
		return 0;
	}
	return size > v->v_size ? vfs_write_data(v, size, "", 0) : 0;
}

static bool
is_dir(const struct vnode *v)
{
	return (v->v_mode & S_IFMT) == S_IFDIR;
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
	if (!err && is_dir(v) != dir_wanted)
		err = dir_wanted ? -ENOTDIR : -EISDIR;
	if (!err && dir_wanted && !list_empty(&v->v_children))
		err = -ENOTEMPTY;
	if (!err) {
		list_del(&v->v_sibling); /* XXX: the node is kept (open files may use it) */
		v->v_nlink = 0;
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
	for (struct vnode *a = ndir; !err && is_dir(v); a = a->v_parent) {
		if (a == v)
			err = -EINVAL;
		if (a == root)
			break;
	}
	t = err ? NULL : child(ndir, nname, nlen);
	if (t == v)
		goto out; /* the same node: nothing to do */
	if (t && noreplace)
		err = -EEXIST;
	else if (t && is_dir(v) && !is_dir(t))
		err = -ENOTDIR;
	else if (t && !is_dir(v) && is_dir(t))
		err = -EISDIR;
	else if (t && is_dir(t) && !list_empty(&t->v_children))
		err = -ENOTEMPTY;
	if (!err && !(newname = kmalloc(nlen + 1)))
		err = -ENOMEM;
	if (err)
		goto out;
	memcpy(newname, nname, nlen);
	newname[nlen] = '\0';
	if (t) {
		list_del(&t->v_sibling);
		t->v_nlink = 0;
	}
	list_del(&v->v_sibling);
	kfree(v->v_name);
	v->v_name = newname;
	list_add_tail(&ndir->v_children, &v->v_sibling);
	if (is_dir(v))
		v->v_parent = ndir;
	odir->v_mtime_ns = ndir->v_mtime_ns = clock_realtime_ns();
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
		list_for_each(n, &v->v_children)
			st->st_nlink += (list_entry(n, struct vnode, v_sibling)->v_mode & S_IFMT) == S_IFDIR;
	}
	st->st_mode = v->v_mode;
	st->st_uid = v->v_uid;
	st->st_gid = v->v_gid;
	st->st_size = (int64_t)v->v_size;
	st->st_blksize = 4096;
	st->st_blocks = (int64_t)((v->v_size + 511) / 512);
	st->st_atime = st->st_mtime = st->st_ctime = v->v_mtime_ns / 1000000000u;
	st->st_atime_nsec = st->st_mtime_nsec = st->st_ctime_nsec = v->v_mtime_ns % 1000000000u;
}

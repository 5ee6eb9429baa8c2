/* The namespace (include/vfs.h): the one path walk, with ".", "..",
 * symlinks (40 hops: -ELOOP) and mount points (a mounted directory leads
 * to the mount's root, ".." of a mount's root to the directory it
 * covers), and the checks every file system shares (names, read-only
 * mounts, mount points, another mount) before the node's operations
 * (include/vfs_fs.h) are called. One lock, the namespace lock, holds the
 * shape of every tree and the mount table. */
#include "clock.h"
#include "cred.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "uapi/limits.h"
#include "vfs_fs.h"

#define MAX_LINKS 40

static struct vnode *root;
static struct vnode *cwd; /* held; NULL: the root */
/* the ids the walk's search checks go by: the file-system ones, or for
 * access(2) without AT_EACCESS the real ones (Linux's faccessat walks
 * with them too); set and read under the namespace lock */
static bool walk_real;
static uint64_t next_ino = 1;
static struct mutex ns_lock = MUTEX_INIT;

void
vfs_ns_lock(void)
{
	mutex_lock(&ns_lock);
}

void
vfs_ns_unlock(void)
{
	mutex_unlock(&ns_lock);
}

void
vfs_set_root(struct vnode *r)
{
	root = r;
}

struct vnode *
vfs_root(void)
{
	return root;
}

struct vnode *
vfs_node_alloc(size_t size, struct mount *m, const struct vnode_ops *ops, const char *name,
               size_t len, uint32_t mode)
{
	struct vnode *v = kzalloc(MAX(size, sizeof(*v)));

	if (!v)
		return NULL;
	v->v_name = kmalloc(len + 1);
	if (!v->v_name) {
		kfree(v);
		return NULL;
	}
	memcpy(v->v_name, name, len);
	v->v_name[len] = '\0';
	v->v_ops = ops;
	v->v_mount = m;
	v->v_mode = mode;
	v->v_ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	v->v_nlink = 1;
	v->v_refs = 1; /* its name (or, for a mount's root, the mount) */
	v->v_atime_ns = v->v_ctime_ns = v->v_mtime_ns = clock_realtime_ns();
	return v;
}

void
vfs_ref(struct vnode *v)
{
	__atomic_fetch_add(&v->v_refs, 1, __ATOMIC_SEQ_CST);
}

/* the last reference: the file system frees what the node holds, then
 * the node goes, and with it its reference to its directory */
void
vfs_unref(struct vnode *v)
{
	while (v) {
		int left = __atomic_sub_fetch(&v->v_refs, 1, __ATOMIC_SEQ_CST);
		assert(left >= 0);
		if (left)
			return;
		struct vnode *dir = v->v_parent != v ? v->v_parent : NULL;
		if (v->v_ops && v->v_ops->release)
			v->v_ops->release(v);
		kfree(v->v_name);
		kfree(v);
		v = dir;
	}
}

struct vnode *
vfs_cwd_get(void)
{
	struct vnode *v;

	mutex_lock(&ns_lock);
	vfs_node_hold(v = cwd ? cwd : root);
	mutex_unlock(&ns_lock);
	return v;
}

void
vfs_set_cwd(struct vnode *v)
{
	struct vnode *old;

	vfs_node_hold(v);
	mutex_lock(&ns_lock);
	old = cwd;
	cwd = v;
	mutex_unlock(&ns_lock);
	if (old)
		vfs_put(old);
}

struct vnode *
vfs_node_new(const char *name, uint32_t mode)
{
	return vfs_node_alloc(sizeof(struct vnode), NULL, NULL, name, strlen(name), mode);
}

static bool
is_dir(const struct vnode *v)
{
	return (v->v_mode & S_IFMT) == S_IFDIR;
}

static int
writable(const struct vnode *v)
{
	return v->v_mount && (v->v_mount->mnt_flags & MS_RDONLY) ? -EROFS : 0;
}

/* a mount point leads to what is mounted on it (the topmost mount) */
static struct vnode *
cross(struct vnode *v)
{
	while (v->v_covered)
		v = v->v_covered->mnt_root;
	return v;
}

/* ".." of a directory: out of mount roots to the directories they cover */
static struct vnode *
up(struct vnode *v)
{
	while (v->v_mount && v == v->v_mount->mnt_root && v->v_mount->mnt_point)
		v = v->v_mount->mnt_point;
	return v->v_parent ? v->v_parent : v;
}

/* may the app search (X_OK), or also change (W_OK), directory 'dir' */
static int
may(struct vnode *dir, int mode)
{
	return vfs_may_access(dir, mode, !walk_real);
}

/* root with its powers (by the ids the walk goes by) searches every
 * directory: vfs_may_access allows X_OK on a directory to it, and the
 * one permission op (/proc/self/fd) allows everything */
static bool
may_search_all(void)
{
	if (walk_real)
		return cred_uid(CRED_R) == 0 && (cred_uid(CRED_E) == 0 || cred_capable());
	return cred_uid(CRED_FS) == 0 && cred_capable();
}

/* Linux's may_delete: may the app take v's name out of dir (unlink,
 * rmdir, rename from or over it)? write and search on dir (-EACCES), and
 * in a sticky directory (S_ISVTX: /tmp, 01777) only the owner of v or of
 * dir, or root (-EPERM) */
static int
may_delete(struct vnode *dir, struct vnode *v)
{
	uint32_t fsuid = cred_uid(CRED_FS);
	int err = may(dir, W_OK | X_OK);

	if (err)
		return err;
	if (!(dir->v_mode & S_ISVTX) || (fsuid == 0 && cred_capable()) || fsuid == v->v_uid ||
	    fsuid == dir->v_uid)
		return 0;
	return -EPERM;
}

/* a node the app made is its own, as Linux's inode_init_owner: the
 * file-system uid, and the file-system gid or, in a set-group-ID
 * directory, the directory's (a directory made there is set-group-ID
 * too) */
static void
own(struct vnode *dir, struct vnode *v)
{
	v->v_uid = cred_uid(CRED_FS);
	if (dir->v_mode & S_ISGID) {
		v->v_gid = dir->v_gid;
		if (is_dir(v))
			v->v_mode |= S_ISGID;
	} else {
		v->v_gid = cred_gid(CRED_FS);
	}
}

static int
child_of(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	if (!dir->v_ops || !dir->v_ops->lookup)
		return -ENOTDIR;
	return dir->v_ops->lookup(dir, name, len, out);
}

/* walk components of path from 'at'; stops before the last component
 * when 'parent' (then last and lastlen name it) */
static int
walk(struct vnode *at, const char *path, bool follow, bool parent, struct vnode **out,
     const char **last, size_t *lastlen, int *links)
{
	struct vnode *cur = path[0] == '/' ? root : at;
	const char *p = path;
	bool search_all = may_search_all();
	int err;

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
		if (!is_dir(cur))
			return -ENOTDIR;
		/* as Linux's may_lookup: every directory a name is looked up
		 * in, the last one's too (root searches any: no check) */
		if (!search_all && (err = may(cur, X_OK)))
			return err;
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
			next = up(cur);
		else if ((err = child_of(cur, s, len, &next)))
			return err;
		if ((next->v_mode & S_IFMT) == S_IFLNK && (!final || follow || *p == '/')) {
			struct vnode *target;
			if (++*links > MAX_LINKS)
				return -ELOOP;
			if (next->v_magic) { /* /proc/self/fd/N: the open file itself */
				next = next->v_magic;
				goto step;
			}
			/* a link whose target is made when read (procfs's exe)
			 * has no size of its own */
			size_t tl = next->v_size ? MIN(next->v_size, (size_t)PATH_MAX) : PATH_MAX;
			char *t = kmalloc(tl + 1);
			if (!t)
				return -ENOMEM;
			int n = next->v_ops && next->v_ops->readlink
			            ? next->v_ops->readlink(next, t, tl)
			            : -EINVAL;
			if (n < 0) {
				kfree(t);
				return n;
			}
			t[n] = '\0';
			err = walk(cur, t, true, false, &target, NULL, NULL, links);
			kfree(t);
			if (err)
				return err;
			next = target;
		}
	step:
		cur = cross(next);
		if (final) {
			/* "file/": a trailing slash names a directory */
			if (*p == '/' && !is_dir(cur))
				return -ENOTDIR;
			*out = cur;
			return 0;
		}
	}
}

static int
lookup(struct vnode *cwd, const char *path, bool follow, bool real, struct vnode **out)
{
	int links = 0, err;

	mutex_lock(&ns_lock);
	walk_real = real;
	err = walk(cwd ? cwd : root, path, follow, false, out, NULL, NULL, &links);
	walk_real = false;
	if (!err)
		vfs_node_hold(*out);
	mutex_unlock(&ns_lock);
	return err;
}

int
vfs_lookup(struct vnode *cwd, const char *path, bool follow, struct vnode **out)
{
	return lookup(cwd, path, follow, false, out);
}

int
vfs_lookup_real(struct vnode *cwd, const char *path, bool follow, struct vnode **out)
{
	return lookup(cwd, path, follow, true, out);
}

/* the directory and last name of a path that is to be made (ns lock
 * held): -EEXIST for "/", ".", ".." or a name that is there (*there: what
 * it names) */
static int
new_name(struct vnode *cwd, const char *path, struct vnode **dir, const char **name, size_t *len,
         struct vnode **there)
{
	int links = 0, err;
	struct vnode *v;

	*there = NULL;
	if ((err = walk(cwd ? cwd : root, path, true, true, dir, name, len, &links)))
		return err;
	if (*len == 0 || (*len == 1 && (*name)[0] == '.') || (*len == 2 && !memcmp(*name, "..", 2)))
		return -EEXIST;
	if (!(err = child_of(*dir, *name, *len, &v))) {
		*there = cross(v);
		return -EEXIST;
	}
	if (err != -ENOENT)
		return err;
	if ((err = writable(*dir)))
		return err;
	return may(*dir, W_OK | X_OK); /* Linux's may_create, after -EEXIST */
}

int
vfs_create(struct vnode *cwd, const char *path, uint32_t mode, struct vnode **out)
{
	const struct vnode_ops *ops;
	struct vnode *dir, *there;
	const char *name;
	size_t len;
	int err;

	*out = NULL;
	mutex_lock(&ns_lock);
	err = new_name(cwd, path, &dir, &name, &len, &there);
	if (err == -EEXIST && there)
		vfs_node_hold(*out = there);
	if (err)
		goto out;
	ops = dir->v_ops;
	switch (mode & S_IFMT) {
	case S_IFDIR:
		err = ops->mkdir ? ops->mkdir(dir, name, len, mode, out) : -EPERM;
		break;
	case S_IFREG:
		err = ops->create ? ops->create(dir, name, len, mode, out) : -EPERM;
		break;
	case S_IFLNK: /* its target written after (the initrd) */
		err = ops->symlink ? ops->symlink(dir, name, len, "", out) : -EPERM;
		break;
	default:
		err = ops->mknod ? ops->mknod(dir, name, len, mode, 0, out) : -EPERM;
	}
	if (err) {
		*out = NULL;
	} else {
		own(dir, *out);
		vfs_node_hold(*out);
	}
out:
	mutex_unlock(&ns_lock);
	return err;
}

int
vfs_symlink(struct vnode *cwd, const char *path, const char *target)
{
	struct vnode *dir, *there, *v;
	const char *name;
	size_t len;
	int err;

	if (!target[0])
		return -ENOENT; /* as Linux: an empty target */
	mutex_lock(&ns_lock);
	err = new_name(cwd, path, &dir, &name, &len, &there);
	if (!err)
		err =
		    dir->v_ops->symlink ? dir->v_ops->symlink(dir, name, len, target, &v) : -EPERM;
	if (!err)
		own(dir, v);
	mutex_unlock(&ns_lock);
	return err;
}

/* a readlink op runs under the namespace lock, as it does in walk() when
 * a path goes through the link (procfs's links name files with it) */
int
vfs_readlink(struct vnode *v, char *buf, size_t size)
{
	int n;

	if ((v->v_mode & S_IFMT) != S_IFLNK || !v->v_ops || !v->v_ops->readlink)
		return -EINVAL;
	mutex_lock(&ns_lock);
	n = v->v_ops->readlink(v, buf, size);
	mutex_unlock(&ns_lock);
	return n;
}

int
vfs_write_data(struct vnode *v, uint64_t off, const void *buf, size_t n)
{
	int err;

	if (v->v_dev || !v->v_ops || !v->v_ops->write)
		return -EINVAL; /* devices and /proc files keep no bytes here */
	if ((err = writable(v)))
		return err;
	return v->v_ops->write(v, off, buf, n);
}

long
vfs_read_data(struct vnode *v, uint64_t off, void *buf, size_t n)
{
	if (v->v_dev || !v->v_ops || !v->v_ops->read)
		return -EINVAL;
	return v->v_ops->read(v, off, buf, n);
}

int
vfs_truncate(struct vnode *v, uint64_t size)
{
	int err;

	if (v->v_dev)
		return 0; /* a device: O_TRUNC means nothing */
	if ((err = writable(v)))
		return err;
	return v->v_ops && v->v_ops->truncate ? v->v_ops->truncate(v, size) : -EINVAL;
}

void
vfs_node_hold(struct vnode *v)
{
	vfs_ref(v);
	if (v->v_mount)
		__atomic_fetch_add(&v->v_mount->mnt_busy, 1, __ATOMIC_SEQ_CST);
}

void
vfs_put(struct vnode *v)
{
	if (v->v_mount)
		__atomic_sub_fetch(&v->v_mount->mnt_busy, 1, __ATOMIC_SEQ_CST);
	vfs_unref(v);
}

int
vfs_remove(struct vnode *cwd, const char *path, bool dir_wanted)
{
	struct vnode *dir, *v;
	const char *name;
	size_t len;
	int links = 0, err;

	mutex_lock(&ns_lock);
	err = walk(cwd ? cwd : root, path, true, true, &dir, &name, &len, &links);
	if (!err && len == 1 && name[0] == '.')
		err = -EINVAL;
	else if (!err && (len == 0 || (len == 2 && !memcmp(name, "..", 2))))
		err = dir_wanted ? -ENOTEMPTY : -EISDIR;
	if (!err)
		err = child_of(dir, name, len, &v);
	if (!err)
		err = writable(dir);
	if (!err)
		err = may_delete(dir, v);
	if (!err && v->v_covered)
		err = -EBUSY;
	if (!err) {
		const struct vnode_ops *ops = dir->v_ops;
		if (dir_wanted)
			err = ops->rmdir ? ops->rmdir(dir, name, len) : -EPERM;
		else
			err = ops->unlink ? ops->unlink(dir, name, len) : -EPERM;
	}
	mutex_unlock(&ns_lock);
	return err;
}

/* Linux's vfs_rename checks, in its order: v's name may go from odir, the
 * new name may be made in ndir (or what it names may go), and a directory
 * moving to another parent must be writable itself (its ".." changes).
 * A rename to the same file, and RENAME_NOREPLACE onto a name that is
 * there (-EEXIST), are the file system's to answer first. */
static int
may_rename(struct vnode *odir, struct vnode *v, struct vnode *ndir, const char *nname, size_t nlen,
           bool noreplace)
{
	struct vnode *t;
	int err, there = child_of(ndir, nname, nlen, &t);

	if (!there && (t == v || noreplace))
		return 0;
	if ((err = may_delete(odir, v)))
		return err;
	if ((err = !there ? may_delete(ndir, t) : may(ndir, W_OK | X_OK)))
		return err;
	return is_dir(v) && odir != ndir ? may(v, W_OK) : 0;
}

int
vfs_rename(struct vnode *ocwd, const char *opath, struct vnode *ncwd, const char *npath,
           bool noreplace)
{
	struct vnode *odir, *ndir, *v;
	const char *oname, *nname;
	size_t olen, nlen;
	int links = 0, err;

	mutex_lock(&ns_lock);
	err = walk(ocwd ? ocwd : root, opath, true, true, &odir, &oname, &olen, &links);
	if (!err)
		err = walk(ncwd ? ncwd : root, npath, true, true, &ndir, &nname, &nlen, &links);
	if (!err && (!olen || !nlen || (olen <= 2 && !memcmp(oname, "..", olen)) ||
	             (nlen <= 2 && !memcmp(nname, "..", nlen))))
		err = -EBUSY;
	if (!err)
		err = child_of(odir, oname, olen, &v);
	if (!err && !is_dir(ndir))
		err = -ENOTDIR;
	if (!err && v->v_covered)
		err = -EBUSY; /* a mount point */
	if (!err && odir->v_mount != ndir->v_mount)
		err = -EXDEV;
	if (!err)
		err = writable(odir);
	if (!err)
		err = may_rename(odir, v, ndir, nname, nlen, noreplace);
	if (!err)
		err = odir->v_ops->rename
		          ? odir->v_ops->rename(odir, oname, olen, ndir, nname, nlen, noreplace)
		          : -EPERM;
	mutex_unlock(&ns_lock);
	return err;
}

void
vfs_generic_getattr(struct vnode *v, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = v->v_ino;
	st->st_nlink = v->v_nlink;
	st->st_mode = v->v_mode;
	st->st_uid = v->v_uid;
	st->st_gid = v->v_gid;
	st->st_blksize = 4096;
	st->st_mtime = v->v_mtime_ns / 1000000000u;
	st->st_mtime_nsec = v->v_mtime_ns % 1000000000u;
	st->st_atime = v->v_atime_ns / 1000000000u;
	st->st_atime_nsec = v->v_atime_ns % 1000000000u;
	st->st_ctime = v->v_ctime_ns / 1000000000u;
	st->st_ctime_nsec = v->v_ctime_ns % 1000000000u;
	st->st_rdev = v->v_rdev;
}

/* st_dev: the mount's; files of no file system (pipes, the console) 1 */
void
vfs_stat_node(struct vnode *v, void *statbuf)
{
	struct linux_stat *st = statbuf;

	if (v->v_ops && v->v_ops->getattr)
		v->v_ops->getattr(v, st);
	else
		vfs_generic_getattr(v, st);
	st->st_dev = v->v_mount ? v->v_mount->mnt_dev : 1;
}

int
vfs_setattr(struct vnode *v, const struct vattr *a)
{
	int err = writable(v);

	if (err)
		return err;
	mutex_lock(&v->v_lock);
	if (v->v_ops && v->v_ops->setattr)
		v->v_ops->setattr(v, a);
	v->v_ctime_ns = clock_realtime_ns();
	mutex_unlock(&v->v_lock);
	return 0;
}

int
vfs_readdir(struct vnode *dir, uint64_t *pos, vfs_emit_fn emit, void *ctx)
{
	int err;

	if (!is_dir(dir) || !dir->v_ops || !dir->v_ops->readdir)
		return -ENOTDIR;
	mutex_lock(&ns_lock);
	err = dir->v_ops->readdir(dir, pos, emit, ctx);
	mutex_unlock(&ns_lock);
	return err;
}

int
vfs_link(struct vnode *v, struct vnode *cwd, const char *path)
{
	struct vnode *dir, *there;
	const char *name;
	size_t len;
	int err;

	if (is_dir(v))
		return -EPERM;
	mutex_lock(&ns_lock);
	err = new_name(cwd, path, &dir, &name, &len, &there);
	if (!err && dir->v_mount != v->v_mount)
		err = -EXDEV;
	if (!err)
		err = dir->v_ops->link ? dir->v_ops->link(v, dir, name, len) : -EPERM;
	mutex_unlock(&ns_lock);
	return err;
}

int
vfs_path(struct vnode *v, char *buf, size_t size)
{
	int r;

	mutex_lock(&ns_lock);
	r = vfs_path_locked(v, buf, size);
	mutex_unlock(&ns_lock);
	return r;
}

int
vfs_path_locked(struct vnode *v, char *buf, size_t size)
{
	size_t len = 0;
	bool gone = v->v_nlink == 0 && !is_dir(v);

	if (size < 2)
		return -ENAMETOOLONG;
	/* from the leaf up, each name put in front; a mount's root is the
	 * directory it covers */
	buf[0] = '\0';
	for (struct vnode *a = v; a;) {
		if (a->v_mount && a == a->v_mount->mnt_root) {
			a = a->v_mount->mnt_point;
			continue;
		}
		if (a == root)
			break;
		size_t n = strlen(a->v_name);
		if (len + n + 2 > size)
			return -ENAMETOOLONG;
		memmove(buf + n + 1, buf, len + 1);
		buf[0] = '/';
		memcpy(buf + 1, a->v_name, n);
		len += n + 1;
		if (a->v_parent == a)
			break;
		a = a->v_parent;
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

/* Root may read and write anything (on a read-write mount) and execute
 * what has an x bit, or a directory. The path walk checks search (x) on
 * every directory it passes (vfs_lookup, vfs_lookup_real). */
int
vfs_may_access(struct vnode *v, int mode, bool effective)
{
	uint32_t uid = cred_uid(effective ? CRED_FS : CRED_R);
	uint32_t gid = cred_gid(effective ? CRED_FS : CRED_R);
	uint32_t m = v->v_mode, bits;

	if ((mode & W_OK) && !v->v_dev && writable(v))
		return -EROFS;
	if (v->v_ops && v->v_ops->permission)
		return v->v_ops->permission(v, mode);
	if (uid == 0 && (effective ? cred_capable() : cred_uid(CRED_E) == 0 || cred_capable())) {
		if ((mode & X_OK) && (m & S_IFMT) != S_IFDIR && !(m & 0111))
			return -EACCES;
		return 0;
	}
	if (uid == v->v_uid)
		bits = m >> 6;
	else if (gid == v->v_gid || cred_in_group(v->v_gid))
		bits = m >> 3;
	else
		bits = m;
	return (mode & ~bits & 7) ? -EACCES : 0;
}

/* The mount table (include/vfs_fs.h): the root ramfs and what is mounted
 * on it. At start-up: / (ramfs, filled from the initrd), /dev (devtmpfs),
 * /proc (proc), /sys (sysfs), then /tmp (tmpfs) when the initrd brought
 * nothing under /tmp. mount(2) makes tmpfs, ramfs, proc, devtmpfs and
 * sysfs mounts, MS_REMOUNT changes a mount's flags and tmpfs's size=,
 * umount2(2) takes one off when nothing uses it. /proc/mounts and
 * /proc/self/mountinfo are this table. */
#include "cred.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "syscall.h"
#include "uaccess.h"
#include "vfs_fs.h"

static struct list_node mounts = LIST_HEAD_INIT(mounts);
static struct mount *root_mount;
static int next_id = 1;

static const struct fs_type *const types[] = {&tmpfs_type, &ramfs_type, &proc_type, &devtmpfs_type,
                                              &sysfs_type};

/* a new mount of type t on 'point' (a directory, NULL for the root; ns
 * lock held): 0 or the type's error */
static int
mount_at(const struct fs_type *t, const char *source, struct vnode *point, unsigned long flags,
         const char *opts, struct mount **out)
{
	struct mount *m = kzalloc(sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	m->mnt_id = next_id++;
	m->mnt_dev = (uint64_t)m->mnt_id; /* Linux's anonymous devices: major 0 */
	m->mnt_type = t;
	m->mnt_flags = flags;
	fmt_snprintf(m->mnt_source, sizeof(m->mnt_source), "%s", source ? source : "none");
	if ((err = t->fill(m, opts))) {
		if (m->mnt_root && t->kill)
			t->kill(m); /* XXX: the root node stays allocated */
		kfree(m);
		return err;
	}
	if (point) {
		while (point->v_covered) /* one mounted meanwhile: this goes on top */
			point = point->v_covered->mnt_root;
		vfs_ref(point); /* the mount holds the directory it covers */
		m->mnt_point = point;
		m->mnt_parent = point->v_mount;
		point->v_covered = m;
	}
	list_add_tail(&mounts, &m->mnt_link);
	if (out)
		*out = m;
	return 0;
}

/* a kernel mount at start-up on a directory of the root */
static void
mount_kernel(const struct fs_type *t, const char *source, const char *path, unsigned long flags)
{
	struct vnode *dir;
	int err = vfs_create(NULL, path, S_IFDIR | 0755, &dir);

	if (err && err != -EEXIST)
		panic("%s: cannot make the mount point (error %d)", path, -err);
	vfs_ns_lock();
	err = mount_at(t, source, dir, flags, NULL, NULL);
	vfs_ns_unlock();
	vfs_put(dir);
	if (err)
		panic("%s: cannot mount %s (error %d)", path, t->name, -err);
}

void
vfs_init(void)
{
	vfs_ns_lock();
	if (mount_at(&ramfs_type, "rootfs", NULL, 0, NULL, &root_mount))
		panic("out of memory: the root directory");
	vfs_set_root(root_mount->mnt_root);
	vfs_ns_unlock();
	mount_kernel(&devtmpfs_type, "devtmpfs", "/dev", MS_NOSUID);
	mount_kernel(&proc_type, "proc", "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_kernel(&sysfs_type, "sysfs", "/sys", MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

static bool
count_entry(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type)
{
	++*(int *)ctx;
	return true;
}

void
vfs_mount_tmp(void)
{
	struct vnode *v;
	uint64_t pos = 0;
	int n = 0, err;

	err = vfs_lookup(NULL, "/tmp", false, &v);
	if (err == -ENOENT)
		err = vfs_create(NULL, "/tmp", S_IFDIR | 01777, &v);
	if (err)
		return;
	if ((v->v_mode & S_IFMT) != S_IFDIR || v->v_mount != root_mount) {
		vfs_put(v); /* the initrd's /tmp is not a directory of the root: it stays */
		return;
	}
	vfs_readdir(v, &pos, count_entry, &n);
	vfs_ns_lock();
	/* the initrd's files under /tmp stay, on the root */
	err = n > 2 || v->v_covered
	          ? 0
	          : mount_at(&tmpfs_type, "tmpfs", v, MS_NOSUID | MS_NODEV, NULL, NULL);
	vfs_ns_unlock();
	vfs_put(v);
	if (err)
		printk(KERN_WARN "/tmp: no tmpfs (error %d): the root's directory serves", -err);
}

/* --- /proc/mounts, /proc/self/mountinfo --- */
/* s with space, tab, newline and backslash as \ooo, as Linux shows them */
static size_t
put_escaped(char *b, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s && n + 4 < size; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
			n += (size_t)fmt_snprintf(b + n, size - n, "\\%03o", (unsigned)(uint8_t)*s);
		else
			b[n++] = *s;
	}
	if (n < size)
		b[n] = '\0';
	return n;
}

static size_t
put_flags(char *b, size_t size, unsigned long f)
{
	return (size_t)fmt_snprintf(b, size, "%s%s%s%s%s", f & MS_RDONLY ? "ro" : "rw",
	                            f & MS_NOSUID ? ",nosuid" : "", f & MS_NODEV ? ",nodev" : "",
	                            f & MS_NOEXEC ? ",noexec" : "",
	                            f & MS_NOATIME ? ",noatime" : "");
}

size_t
vfs_mounts_describe(char *b, size_t size, bool info)
{
	struct list_node *l;
	char *path = kmalloc(PAGE_SIZE);
	size_t n = 0;

	if (!path)
		return 0;
	vfs_ns_lock();
	list_for_each(l, &mounts)
	{
		struct mount *m = list_entry(l, struct mount, mnt_link);
		if (n + 512 + PAGE_SIZE > size)
			break; /* XXX: a table past the snapshot's size is cut */
		if (!m->mnt_point || vfs_path_locked(m->mnt_point, path, PAGE_SIZE) < 0)
			memcpy(path, "/", 2);
		if (info) {
			n += (size_t)fmt_snprintf(b + n, size - n, "%d %d 0:%lu / ", m->mnt_id,
			                          m->mnt_parent ? m->mnt_parent->mnt_id : 0,
			                          (unsigned long)m->mnt_dev);
			n += put_escaped(b + n, size - n, path);
			b[n++] = ' ';
			n += put_flags(b + n, size - n, m->mnt_flags);
			n += (size_t)fmt_snprintf(b + n, size - n, " - %s ", m->mnt_type->name);
			n += put_escaped(b + n, size - n, m->mnt_source);
			n += (size_t)fmt_snprintf(b + n, size - n, " %s",
			                          m->mnt_flags & MS_RDONLY ? "ro" : "rw");
		} else {
			n += put_escaped(b + n, size - n, m->mnt_source);
			b[n++] = ' ';
			n += put_escaped(b + n, size - n, path);
			n += (size_t)fmt_snprintf(b + n, size - n, " %s ", m->mnt_type->name);
			n += put_flags(b + n, size - n, m->mnt_flags);
		}
		if (m->mnt_type->show)
			n += m->mnt_type->show(m, b + n, size - n);
		n += (size_t)fmt_snprintf(b + n, size - n, info ? "\n" : " 0 0\n");
	}
	vfs_ns_unlock();
	kfree(path);
	return MIN(n, size);
}

void
vfs_statfs(struct vnode *v, struct linux_statfs *st)
{
	struct mount *m = v && v->v_mount ? v->v_mount : root_mount;
	uint64_t total = frame_total_bytes(), free = frame_free_bytes();

	if (m->mnt_size_max) {
		uint64_t used = __atomic_load_n(&m->mnt_used, __ATOMIC_SEQ_CST);
		total = m->mnt_size_max;
		free = MIN(free, total > used ? total - used : 0);
	}
	memset(st, 0, sizeof(*st));
	st->f_type = m->mnt_type->magic;
	st->f_bsize = 4096;
	st->f_blocks = total / 4096;
	st->f_bfree = st->f_bavail = free / 4096;
	st->f_fsid[0] = (int32_t)m->mnt_dev;
	st->f_namelen = 255;
	st->f_frsize = 4096;
	/* ST_RDONLY, ST_NOSUID, ST_NODEV, ST_NOEXEC are the MS_ bits; ST_VALID */
	st->f_flags =
	    (int64_t)(m->mnt_flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)) | 0x20;
	if (m->mnt_flags & MS_NOATIME)
		st->f_flags |= 1024;
}

/* --- mount(2), umount2(2) --- */
#define MS_PROPAGATION (MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED)
/* flags that mean nothing more here: every write is in memory already */
#define MS_IGNORED                                                                                 \
	(MS_SYNCHRONOUS | MS_MANDLOCK | MS_DIRSYNC | MS_NODIRATIME | MS_SILENT | MS_RELATIME |     \
	 MS_STRICTATIME | MS_LAZYTIME)
#define MS_KEPT (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME)

static long
user_string(const char *u, size_t max, char **out)
{
	char *s;
	long n;

	*out = NULL;
	if (!u)
		return 0;
	if (!(s = kmalloc(max)))
		return -ENOMEM;
	if ((n = strncpy_from_user(s, u, max)) < 0) {
		kfree(s);
		return n;
	}
	*out = s;
	return 0;
}

static long mount_on(struct vnode *v, const char *fstype, const char *source, unsigned long flags,
                     const char *opts);

static long
do_mount(const char *target, const char *source, const char *fstype, unsigned long flags,
         const char *opts)
{
	struct vnode *v;
	long err;

	struct vnode *cwd = vfs_cwd_get();
	err = vfs_lookup(cwd, target, true, &v);
	vfs_put(cwd);
	if (err)
		return err;
	err = mount_on(v, fstype, source, flags, opts);
	vfs_put(v);
	return err;
}

/* mount(2) on v, a held node */
static long
mount_on(struct vnode *v, const char *fstype, const char *source, unsigned long flags,
         const char *opts)
{
	const struct fs_type *t = NULL;
	long err;

	if (flags & (MS_BIND | MS_MOVE))
		return -EINVAL; /* XXX: bind and move mounts are not done */
	if (flags & MS_REMOUNT) {
		struct mount *m = v->v_mount;
		if (!m || v != m->mnt_root)
			return -EINVAL;
		vfs_ns_lock();
		err = opts && opts[0] && m->mnt_type->remount ? m->mnt_type->remount(m, opts) : 0;
		if (!err) /* as Linux: the flags given are the mount's flags now */
			m->mnt_flags = flags & MS_KEPT;
		vfs_ns_unlock();
		return err;
	}
	if (flags & MS_PROPAGATION)
		return 0; /* every mount is private: nothing propagates, so nothing changes */
	if (!fstype)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(types[i]->name, fstype))
			t = types[i];
	if (!t)
		return -ENODEV;
	if ((v->v_mode & S_IFMT) != S_IFDIR)
		return -ENOTDIR;
	vfs_ns_lock();
	err = mount_at(t, source, v, flags & MS_KEPT, opts, NULL);
	vfs_ns_unlock();
	return err;
}

SYSCALL(mount)
{
	char *source = NULL, *target, *fstype = NULL, *data;
	unsigned long flags = (unsigned long)a3;
	long err;

	if (!cred_capable())
		return -EPERM;
	if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
		flags &= ~MS_MGC_MSK;
	flags &= ~(MS_IGNORED | MS_REC);
	if ((err = user_string((const char *)a1, PAGE_SIZE, &target)))
		return err;
	if (!target)
		return -EFAULT;
	if (!(err = user_string((const char *)a0, 64, &source)) &&
	    !(err = user_string((const char *)a2, 64, &fstype))) {
		if (!(err = user_string((const char *)a4, PAGE_SIZE, &data)))
			err = do_mount(target, source, fstype, flags, data);
		kfree(data);
	}
	kfree(fstype);
	kfree(source);
	kfree(target);
	return err;
}

static long
do_umount(const char *target, int flags)
{
	struct vnode *v;
	struct mount *m;
	struct list_node *l;
	long err;

	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	if (flags & (MNT_DETACH | MNT_EXPIRE))
		return -EINVAL; /* XXX: lazy and expiring unmounts are not done */
	struct vnode *cwd = vfs_cwd_get();
	err = vfs_lookup(cwd, target, !(flags & UMOUNT_NOFOLLOW), &v);
	vfs_put(cwd);
	if (err)
		return err;
	vfs_ns_lock();
	m = v->v_mount;
	if (!m || v != m->mnt_root || !m->mnt_point)
		err =
		    m == root_mount && v == m->mnt_root ? -EBUSY : -EINVAL; /* not a mount's root */
	else if (__atomic_load_n(&m->mnt_busy, __ATOMIC_SEQ_CST) > 1)
		err = -EBUSY; /* beside this lookup's: an open file, a file region,
		               * the working directory, a lookup in progress */
	list_for_each(l, &mounts) if (!err && list_entry(l, struct mount, mnt_link)->mnt_parent ==
	                                          m) err = -EBUSY; /* a mount below */
	if (!err) {
		m->mnt_point->v_covered = NULL;
		vfs_unref(m->mnt_point);
		list_del(&m->mnt_link);
		/* the tree goes (its nodes as their last holds go); XXX: the
		 * struct mount stays allocated, for those nodes' v_mount */
		if (m->mnt_type->kill)
			m->mnt_type->kill(m);
	}
	vfs_ns_unlock();
	vfs_put(v);
	return err;
}

SYSCALL(umount2)
{
	char *target;
	long err;

	if (!cred_capable())
		return -EPERM;
	if ((err = user_string((const char *)a0, PAGE_SIZE, &target)))
		return err;
	if (!target)
		return -EFAULT;
	err = do_umount(target, (int)a1);
	kfree(target);
	return err;
}

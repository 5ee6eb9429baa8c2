/* File system calls over the VFS and fd table (include/vfs.h), with
 * Linux's semantics and errno values. Every app pointer goes through
 * uaccess: a bad one gives -EFAULT. */
#include "clock.h"
#include "cred.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "pipe.h"
#include "syscall.h"
#include "uaccess.h"
#include "uapi/ioctls.h"
#include "uapi/limits.h"
#include "uapi/uio.h"
#include "vfs.h"

static uint32_t umask_bits = 022; /* the app's umask */

/* Linux's cap on one read or write (INT_MAX rounded down to a page) */
#define MAX_RW_COUNT (0x7fffffffl & ~(long)(PAGE_SIZE - 1))

/* most paths are short: a small buffer (a slab object) first, the
 * PATH_MAX one (a page from the frame allocator) only for a longer one */
#define SHORT_PATH 256

static long
get_path(const char *upath, char **out)
{
	char *p = kmalloc(SHORT_PATH);
	long n;

	if (!p)
		return -ENOMEM;
	n = strncpy_from_user(p, upath, SHORT_PATH);
	if (n == -ENAMETOOLONG) {
		kfree(p);
		if (!(p = kmalloc(PATH_MAX)))
			return -ENOMEM;
		n = strncpy_from_user(p, upath, PATH_MAX);
	}
	if (n < 0) {
		kfree(p);
		return n;
	}
	*out = p;
	return 0;
}

/* the directory a *at() call resolves from, held (put_dir when done);
 * NULL for an absolute path (the walk starts at the root whatever it is
 * given; the VFS's calls take NULL for the root): no cwd to take */
static long
dir_of(int dirfd, const char *path, struct vnode **dir)
{
	struct file *f;

	if (path[0] == '/') {
		*dir = NULL;
		return 0;
	}
	if (dirfd == AT_FDCWD) {
		*dir = vfs_cwd_get();
		return 0;
	}
	if (!(f = fd_get(dirfd)))
		return -EBADF;
	*dir = f->f_node;
	if (*dir)
		vfs_node_hold(*dir);
	file_put(f);
	if (!*dir)
		return -ENOTDIR;
	if (((*dir)->v_mode & S_IFMT) != S_IFDIR) {
		vfs_put(*dir);
		return -ENOTDIR;
	}
	return 0;
}

static void
put_dir(struct vnode *dir)
{
	if (dir)
		put_dir(dir);
}

/* resolve an app path relative to dirfd: a held node (vfs_put); 'real':
 * the directories' search rights by the real ids (access(2)) */
static long
lookup_at_ids(int dirfd, const char *upath, bool follow, bool real, struct vnode **v)
{
	struct vnode *dir;
	char *path;
	long err;

	if ((err = get_path(upath, &path)))
		return err;
	if (!(err = dir_of(dirfd, path, &dir))) {
		err =
		    real ? vfs_lookup_real(dir, path, follow, v) : vfs_lookup(dir, path, follow, v);
		put_dir(dir);
	}
	kfree(path);
	return err;
}

static long
lookup_at(int dirfd, const char *upath, bool follow, struct vnode **v)
{
	return lookup_at_ids(dirfd, upath, follow, false, v);
}

/* r, once v is put: for "return op(v)" */
static long
put(struct vnode *v, long r)
{
	vfs_put(v);
	return r;
}

static long
do_openat(int dirfd, const char *upath, int flags, uint32_t mode)
{
	struct vnode *dir;
	struct file *f;
	char *path;
	long err;
	int e, fd;

	if ((err = get_path(upath, &path)))
		return err;
	if ((err = dir_of(dirfd, path, &dir))) {
		kfree(path);
		return err;
	}
	f = file_open(dir, path, flags, mode & ~umask_bits, &e);
	put_dir(dir);
	kfree(path);
	if (!f)
		return e;
	fd = fd_install(f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL(openat)
{
	return do_openat((int)a0, (const char *)a1, (int)a2, (uint32_t)a3);
}
SYSCALL(open)
{
	return do_openat(AT_FDCWD, (const char *)a0, (int)a1, (uint32_t)a2);
}
SYSCALL(creat)
{
	return do_openat(AT_FDCWD, (const char *)a0, O_CREAT | O_WRONLY | O_TRUNC, (uint32_t)a1);
}
SYSCALL(close)
{
	return fd_close((int)a0);
}

static long
rw(int fd, void *buf, size_t n, bool write, int64_t pos)
{
	struct file *f = fd_get(fd);
	long r;

	/* Linux's order: the fd, ESPIPE for pread/pwrite, the access mode,
	 * the operation, the whole buffer in the app's half, then the range
	 * (the count and the offset plus it as signed numbers); a count past
	 * MAX_RW_COUNT is cut to it */
	if (!f)
		return -EBADF;
	if (pos >= 0 && !f->f_ops->seekable)
		r = -ESPIPE;
	else if (write ? (f->f_flags & O_ACCMODE) == O_RDONLY
	               : (f->f_flags & O_ACCMODE) == O_WRONLY)
		r = -EBADF;
	else if (!(write ? f->f_ops->write != NULL : f->f_ops->read != NULL))
		r = -EINVAL;
	else if (!user_range_ok(buf, n))
		r = -EFAULT;
	else if (pos >= 0 && (int64_t)((uint64_t)pos + n) < 0)
		r = -EINVAL;
	else
		r = 0;
	if (r) {
		file_put(f);
		return r;
	}
	n = MIN(n, MAX_RW_COUNT);
	/* As Linux's f_pos_lock: only a call that moves a seekable file's
	 * position serialises on it. pread/pwrite run side by side (32 of them
	 * on one disk are 32 requests in flight), and a blocking read of a
	 * pipe or the console holds nothing another thread could need. */
	bool pos_lock = pos < 0 && f->f_ops->seekable;
	if (pos_lock)
		mutex_lock(&f->f_lock);
	uint64_t off = pos >= 0 ? (uint64_t)pos : pos_lock ? f->f_off : 0;
	if (pos_lock && (int64_t)(off + n) < 0)
		r = -EINVAL; /* at the position: read(2) at LONG_MAX */
	else
		r = write ? f->f_ops->write(f, buf, n, &off) : f->f_ops->read(f, buf, n, &off);
	if (pos_lock) {
		f->f_off = off;
		mutex_unlock(&f->f_lock);
	}
	file_put(f);
	return r;
}

SYSCALL(read)
{
	return rw((int)a0, (void *)a1, (size_t)a2, false, -1);
}
SYSCALL(write)
{
	return rw((int)a0, (void *)a1, (size_t)a2, true, -1);
}
SYSCALL(pread64)
{
	return a3 < 0 ? -EINVAL : rw((int)a0, (void *)a1, (size_t)a2, false, a3);
}
SYSCALL(pwrite64)
{
	return a3 < 0 ? -EINVAL : rw((int)a0, (void *)a1, (size_t)a2, true, a3);
}

/* As Linux's import_iovec: every vector is checked before any byte moves
 * (a count past 1024, a length negative as a signed number: EINVAL; a
 * vector outside the app's half: EFAULT), and the total is cut at
 * MAX_RW_COUNT */
static long
check_iov(const struct linux_iovec *uiov, int cnt)
{
	if (cnt < 0 || cnt > 1024)
		return -EINVAL;
	for (int i = 0; i < cnt; i++) {
		struct linux_iovec v;
		if (copy_from_user(&v, &uiov[i], sizeof(v)))
			return -EFAULT;
		if ((long)v.len < 0)
			return -EINVAL;
		if (!user_range_ok(v.base, v.len))
			return -EFAULT;
	}
	return 0;
}

static long
rwv(int fd, const struct linux_iovec *uiov, int cnt, bool write, int64_t pos)
{
	struct file *f = fd_get(fd);
	long total = 0, err;

	if (!f)
		return -EBADF;
	if ((err = check_iov(uiov, cnt)) || (f->f_ops->rwv && pos < 0)) {
		err = err ? err
		          : f->f_ops->rwv(f, uiov, cnt, write); /* one call: a socket's message */
		file_put(f);
		return err;
	}
	file_put(f);
	for (int i = 0; i < cnt && total < MAX_RW_COUNT; i++) {
		struct linux_iovec v;
		long r;
		if (copy_from_user(&v, &uiov[i], sizeof(v)))
			return total ? total : -EFAULT;
		v.len = MIN(v.len, (size_t)(MAX_RW_COUNT - total));
		if (!v.len)
			continue;
		r = rw(fd, v.base, v.len, write, pos < 0 ? -1 : pos + total);
		if (r < 0)
			return total ? total : r;
		total += r;
		if ((size_t)r < v.len)
			break;
	}
	return total;
}

SYSCALL(readv)
{
	return rwv((int)a0, (const struct linux_iovec *)a1, (int)a2, false, -1);
}
SYSCALL(writev)
{
	return rwv((int)a0, (const struct linux_iovec *)a1, (int)a2, true, -1);
}

/* preadv/pwritev: on x86-64 the whole offset is a3 (a4, the high half for
 * 32-bit callers, is unused). The v2 forms take -1 for "the file
 * position" and RWF_* flags, of which only 0 and RWF_HIPRI (a hint) mean
 * anything to a ramfs. */
static long
rwv_at(long fd, long iov, long cnt, long pos, bool write, bool v2, long flags)
{
	if (v2 && (flags & ~1l))
		return -EOPNOTSUPP;
	if (pos < 0 && !(v2 && pos == -1))
		return -EINVAL;
	return rwv((int)fd, (const struct linux_iovec *)iov, (int)cnt, write, pos);
}

SYSCALL(preadv)
{
	return rwv_at(a0, a1, a2, a3, false, false, 0);
}
SYSCALL(pwritev)
{
	return rwv_at(a0, a1, a2, a3, true, false, 0);
}
SYSCALL(preadv2)
{
	return rwv_at(a0, a1, a2, a3, false, true, a5);
}
SYSCALL(pwritev2)
{
	return rwv_at(a0, a1, a2, a3, true, true, a5);
}

SYSCALL(lseek)
{
	struct file *f = fd_get((int)a0);
	int64_t base, off = a1;
	long r;

	if (!f)
		return -EBADF;
	if (!f->f_ops->seekable) {
		file_put(f);
		return -ESPIPE;
	}
	mutex_lock(&f->f_lock);
	switch (a2) {
	case 0:
		base = 0;
		break;
	case 1:
		base = (int64_t)f->f_off;
		break;
	case 2:
		base = f->f_ops->size ? f->f_ops->size(f)
		       : f->f_node    ? (int64_t)f->f_node->v_size
		                      : 0;
		break;
	case 3: /* SEEK_DATA, SEEK_HOLE: as Linux, ENXIO at or past the end; a
	         * file system that knows its holes (ramfs) says where they are,
	         * else the whole file is data and its end the hole */
	case 4:
		base = -2;
		break;
	default:
		base = -1;
		break;
	}
	if (base == -2) {
		struct vnode *v = f->f_node;
		int64_t size = f->f_ops->size ? f->f_ops->size(f) : v ? (int64_t)v->v_size : 0;
		if (off < 0 || off >= size)
			r = -ENXIO;
		else
			r = (long)vfs_seek_data(v, (uint64_t)off, (uint64_t)size, a2 == 4);
		if (r >= 0)
			f->f_off = (uint64_t)r;
	} else if (base < 0 || base + off < 0)
		r = -EINVAL;
	else
		r = (long)(f->f_off = (uint64_t)(base + off));
	mutex_unlock(&f->f_lock);
	file_put(f);
	return r;
}

static long
stat_fd(int fd, void *ubuf)
{
	struct file *f = fd_get(fd);
	struct linux_stat st;
	int err;

	if (!f)
		return -EBADF;
	err = f->f_ops->stat(f, &st);
	file_put(f);
	if (!err && copy_to_user(ubuf, &st, sizeof(st)))
		err = -EFAULT;
	return err;
}

/* Linux's vfs_fstatat and statx, in its order: the path (an empty one
 * without AT_EMPTY_PATH: ENOENT), then the flags (AT_SYMLINK_NOFOLLOW,
 * AT_NO_AUTOMOUNT, AT_EMPTY_PATH, one AT_STATX_SYNC_TYPE: else EINVAL) */
#define AT_NO_AUTOMOUNT 0x800
#define AT_STATX_SYNC_TYPE 0x6000
static long
stat_checks(const char *upath, int flags, char *first)
{
	if (copy_from_user(first, upath, 1))
		return -EFAULT;
	if (!*first && !(flags & AT_EMPTY_PATH))
		return -ENOENT;
	if ((flags &
	     ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) ||
	    (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	return 0;
}

static long
stat_path(int dirfd, const char *upath, void *ubuf, int flags)
{
	struct vnode *v;
	struct linux_stat st;
	char first;
	long err;

	if ((err = stat_checks(upath, flags, &first)))
		return err;
	if ((flags & AT_EMPTY_PATH) && !first)
		return dirfd == AT_FDCWD ? -EINVAL : stat_fd(dirfd, ubuf);
	if ((err = lookup_at(dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW), &v)))
		return err;
	vfs_stat_node(v, &st);
	vfs_put(v);
	return copy_to_user(ubuf, &st, sizeof(st)) ? -EFAULT : 0;
}

SYSCALL(fstat)
{
	return stat_fd((int)a0, (void *)a1);
}
SYSCALL(stat)
{
	return stat_path(AT_FDCWD, (const char *)a0, (void *)a1, 0);
}
SYSCALL(lstat)
{
	return stat_path(AT_FDCWD, (const char *)a0, (void *)a1, AT_SYMLINK_NOFOLLOW);
}
SYSCALL(newfstatat)
{
	return stat_path((int)a0, (const char *)a1, (void *)a2, (int)a3);
}

static long node_of_fd(int fd, struct vnode **v);

static long
access_at(int dirfd, const char *upath, long mode, long flags)
{
	struct vnode *v;
	char first;
	long err;

	if (mode & ~7l)
		return -EINVAL;
	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH))
		return -EINVAL;
	if (flags & AT_EMPTY_PATH) {
		if (copy_from_user(&first, upath, 1))
			return -EFAULT;
		if (!first) {
			if (dirfd == AT_FDCWD)
				v = vfs_cwd_get();
			else if ((err = node_of_fd(dirfd, &v)))
				return err;
			return put(v, vfs_may_access(vfs_node(v), (int)mode, flags & AT_EACCESS));
		}
	}
	if ((err = lookup_at_ids(dirfd, upath, !(flags & AT_SYMLINK_NOFOLLOW),
	                         !(flags & AT_EACCESS), &v)))
		return err;
	return put(v, vfs_may_access(vfs_node(v), (int)mode, flags & AT_EACCESS));
}

SYSCALL(access)
{
	return access_at(AT_FDCWD, (const char *)a0, a1, 0);
}
SYSCALL(faccessat)
{
	return access_at((int)a0, (const char *)a1, a2, 0);
}
SYSCALL(faccessat2)
{
	return access_at((int)a0, (const char *)a1, a2, a3);
}

SYSCALL(getdents64)
{
	struct file *f = fd_get((int)a0);
	long r;

	if (!f)
		return -EBADF;
	if (!f->f_ops->getdents) {
		file_put(f);
		return -ENOTDIR;
	}
	mutex_lock(&f->f_lock);
	r = f->f_ops->getdents(f, (void *)a1, (size_t)a2);
	mutex_unlock(&f->f_lock);
	file_put(f);
	return r;
}

SYSCALL(ioctl)
{
	struct file *f = fd_get((int)a0);
	long r = -ENOTTY;

	if (!f)
		return -EBADF;
	if (a1 == FIONBIO) {
		int on;
		r = copy_from_user(&on, (void *)a2, sizeof(on)) ? -EFAULT : 0;
		if (!r)
			f->f_flags = on ? f->f_flags | O_NONBLOCK : f->f_flags & ~O_NONBLOCK;
	} else if (a1 == FIOCLEX || a1 == FIONCLEX) {
		r = fd_cloexec((int)a0, a1 == FIOCLEX);
		r = r < 0 ? r : 0;
	} else if (f->f_ops->ioctl) {
		r = f->f_ops->ioctl(f, (unsigned long)a1, (void *)a2);
	} else if (a1 == FIONREAD && f->f_node && (f->f_node->v_mode & S_IFMT) == S_IFREG) {
		/* a regular file: the bytes between the position and the end */
		int n = f->f_off < f->f_node->v_size
		            ? (int)MIN(f->f_node->v_size - f->f_off, 0x7fffffffu)
		            : 0;
		r = copy_to_user((void *)a2, &n, sizeof(n)) ? -EFAULT : 0;
	}
	file_put(f);
	return r;
}

SYSCALL(dup)
{
	return fd_dup((int)a0, -1, 0, false);
}
SYSCALL(dup2)
{
	struct file *f = fd_get((int)a0);

	if (!f)
		return -EBADF;
	file_put(f);
	if ((int)a0 == (int)a1)
		return (int)a1;
	/* Linux takes newfd unsigned: a negative one is past any limit */
	return (int)a1 < 0 ? -EBADF : fd_dup((int)a0, (int)a1, 0, false);
}
SYSCALL(dup3)
{
	if ((int)a0 == (int)a1 || (a2 & ~O_CLOEXEC))
		return -EINVAL;
	return (int)a1 < 0 ? -EBADF : fd_dup((int)a0, (int)a1, 0, a2 & O_CLOEXEC);
}

SYSCALL(fcntl)
{
	struct file *f = fd_get((int)a0);
	long r = 0;

	if (!f)
		return -EBADF;
	switch (a1) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		file_put(f);
		return fd_dup((int)a0, -1, (int)a2, a1 == F_DUPFD_CLOEXEC);
	case F_GETFD:
		r = fd_cloexec((int)a0, -1) > 0 ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		r = fd_cloexec((int)a0, (a2 & FD_CLOEXEC) != 0);
		r = r < 0 ? r : 0;
		break;
	case F_GETFL:
		r = f->f_flags & ~O_CLOEXEC;
		break;
	case F_SETFL:
		f->f_flags =
		    (f->f_flags & ~(O_APPEND | O_NONBLOCK)) | (a2 & (O_APPEND | O_NONBLOCK));
		break;
	case 1032: /* F_GETPIPE_SZ (include/pipe.h) */
		r = pipe_size(f);
		break;
	case 1031:                                    /* F_SETPIPE_SZ */
		r = pipe_resize(f, (unsigned int)a2); /* Linux: an unsigned int */
		break;
	case 5:
	case 6:
	case 7: /* F_GETLK, F_SETLK, F_SETLKW */
	case 36:
	case 37:
	case 38: /* F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW */
		r = flock_fcntl(f, (int)a1, (void *)a2);
		break;
	default:
		r = -EINVAL;
	}
	file_put(f);
	return r;
}

SYSCALL(getcwd)
{
	char *buf = kmalloc(PATH_MAX);
	long len;

	if (!buf)
		return -ENOMEM;
	struct vnode *cwd = vfs_cwd_get();
	len = vfs_path(cwd, buf, PATH_MAX);
	vfs_put(cwd);
	if (len >= 0 && (size_t)a1 < (size_t)len + 1)
		len = -ERANGE;
	else if (len >= 0)
		len = copy_to_user((void *)a0, buf, (size_t)len + 1) ? -EFAULT : len + 1;
	kfree(buf);
	return len;
}

SYSCALL(chdir)
{
	struct vnode *v;
	char *path;
	long err;

	if ((err = get_path((const char *)a0, &path)))
		return err;
	struct vnode *cwd = vfs_cwd_get();
	err = vfs_lookup(cwd, path, true, &v);
	vfs_put(cwd);
	kfree(path);
	if (err)
		return err;
	if ((v->v_mode & S_IFMT) != S_IFDIR)
		err = -ENOTDIR;
	else if (!(err = vfs_may_access(v, X_OK, true))) /* Linux: MAY_EXEC | MAY_CHDIR */
		vfs_set_cwd(v);
	return put(v, err);
}

SYSCALL(fchdir)
{
	struct file *f = fd_get((int)a0);
	struct vnode *v;
	long err;

	if (!f)
		return -EBADF;
	v = f->f_node; /* O_PATH descriptors have one too */
	if (!v || (vfs_node(v)->v_mode & S_IFMT) != S_IFDIR)
		err = -ENOTDIR;
	else if (!(err = vfs_may_access(vfs_node(v), X_OK, true)))
		vfs_set_cwd(v); /* with its own hold */
	file_put(f);
	return err;
}

static long
mkdir_at(int dirfd, const char *upath, uint32_t mode)
{
	struct vnode *dir, *v;
	char *path;
	long err;

	if ((err = get_path(upath, &path)))
		return err;
	if (!(err = dir_of(dirfd, path, &dir))) {
		err = vfs_create(dir, path, S_IFDIR | (mode & 07777 & ~umask_bits), &v);
		if (v)
			vfs_put(v);
		put_dir(dir);
	}
	kfree(path);
	return err;
}

SYSCALL(mkdir)
{
	return mkdir_at(AT_FDCWD, (const char *)a0, (uint32_t)a1);
}
SYSCALL(mkdirat)
{
	return mkdir_at((int)a0, (const char *)a1, (uint32_t)a2);
}

static long
remove_at(int dirfd, const char *upath, bool dir_wanted)
{
	struct vnode *dir;
	char *path;
	long err;

	if ((err = get_path(upath, &path)))
		return err;
	if (!(err = dir_of(dirfd, path, &dir))) {
		err = vfs_remove(dir, path, dir_wanted);
		put_dir(dir);
	}
	kfree(path);
	return err;
}

SYSCALL(unlink)
{
	return remove_at(AT_FDCWD, (const char *)a0, false);
}
SYSCALL(rmdir)
{
	return remove_at(AT_FDCWD, (const char *)a0, true);
}
SYSCALL(unlinkat)
{
	if (a2 & ~AT_REMOVEDIR)
		return -EINVAL;
	return remove_at((int)a0, (const char *)a1, a2 & AT_REMOVEDIR);
}

static long
rename_at(int odirfd, const char *uold, int ndirfd, const char *unew, unsigned flags)
{
	struct vnode *odir, *ndir;
	char *oldp, *newp;
	long err;

	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL; /* RENAME_EXCHANGE, RENAME_WHITEOUT: not supported */
	if ((err = get_path(uold, &oldp)))
		return err;
	if ((err = get_path(unew, &newp))) {
		kfree(oldp);
		return err;
	}
	if (!(err = dir_of(odirfd, oldp, &odir))) {
		if (!(err = dir_of(ndirfd, newp, &ndir))) {
			err = vfs_rename(odir, oldp, ndir, newp, flags & RENAME_NOREPLACE);
			put_dir(ndir);
		}
		put_dir(odir);
	}
	kfree(oldp);
	kfree(newp);
	return err;
}

SYSCALL(rename)
{
	return rename_at(AT_FDCWD, (const char *)a0, AT_FDCWD, (const char *)a1, 0);
}
SYSCALL(renameat)
{
	return rename_at((int)a0, (const char *)a1, (int)a2, (const char *)a3, 0);
}
SYSCALL(renameat2)
{
	return rename_at((int)a0, (const char *)a1, (int)a2, (const char *)a3, (unsigned)a4);
}

static long
symlink_at(const char *utarget, int dirfd, const char *upath)
{
	struct vnode *dir;
	char *target, *path;
	long err;

	if ((err = get_path(utarget, &target)))
		return err;
	if (!(err = get_path(upath, &path))) {
		if (!(err = dir_of(dirfd, path, &dir))) {
			err = vfs_symlink(dir, path, target);
			put_dir(dir);
		}
		kfree(path);
	}
	kfree(target);
	return err;
}

SYSCALL(symlink)
{
	return symlink_at((const char *)a0, AT_FDCWD, (const char *)a1);
}
SYSCALL(symlinkat)
{
	return symlink_at((const char *)a0, (int)a1, (const char *)a2);
}

static long node_of_fd(int fd, struct vnode **v);

/* a hard link: link() does not follow a symlink (it links the link);
 * linkat follows with AT_SYMLINK_FOLLOW and links dirfd's own file with
 * AT_EMPTY_PATH. Directories: EPERM; /dev and /proc nodes: EXDEV (other
 * file systems on Linux) */
static long
link_at(int odirfd, const char *uold, int ndirfd, const char *unew, int flags)
{
	struct vnode *v, *ndir;
	char *newp, first;
	long err;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (copy_from_user(&first, uold, 1))
		return -EFAULT;
	if (!first && (flags & AT_EMPTY_PATH))
		err = odirfd == AT_FDCWD ? -ENOENT : node_of_fd(odirfd, &v);
	else
		err = lookup_at(odirfd, uold, flags & AT_SYMLINK_FOLLOW, &v);
	if (err)
		return err == -EINVAL ? -ENOENT : err; /* a pipe or the console */
	if (v->v_dev || v->v_magic)
		return put(v, -EXDEV);
	if ((err = get_path(unew, &newp)))
		return put(v, err);
	if (!(err = dir_of(ndirfd, newp, &ndir))) {
		err = vfs_link(v, ndir, newp);
		put_dir(ndir);
	}
	kfree(newp);
	return put(v, err);
}

SYSCALL(link)
{
	return link_at(AT_FDCWD, (const char *)a0, AT_FDCWD, (const char *)a1, 0);
}
SYSCALL(linkat)
{
	return link_at((int)a0, (const char *)a1, (int)a2, (const char *)a3, (int)a4);
}

/* the node of an open file, held (vfs_put) */
static long
node_of_fd(int fd, struct vnode **v)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	if ((*v = f->f_node))
		vfs_node_hold(*v);
	file_put(f);
	return *v ? 0 : -EINVAL;
}

SYSCALL(truncate)
{
	struct vnode *v;
	long err = lookup_at(AT_FDCWD, (const char *)a0, true, &v);

	if (err)
		return err;
	if ((v->v_mode & S_IFMT) == S_IFDIR)
		return put(v, -EISDIR);
	return put(v, a1 < 0 ? -EINVAL : vfs_truncate(v, (uint64_t)a1));
}

SYSCALL(ftruncate)
{
	struct vnode *v;
	long err = node_of_fd((int)a0, &v);

	if (err)
		return err;
	if ((v->v_mode & S_IFMT) != S_IFREG)
		return put(v, -EINVAL);
	return put(v, a1 < 0 ? -EINVAL : vfs_truncate(v, (uint64_t)a1));
}

/* fallocate on the ramfs: space is memory taken when written, so mode 0
 * (and KEEP_SIZE) only has to extend the size; PUNCH_HOLE and ZERO_RANGE
 * write zeros. Other modes (COLLAPSE, INSERT, UNSHARE) are -EOPNOTSUPP. */

static long
zero_range(struct vnode *v, uint64_t off, uint64_t end)
{
	static const uint8_t zeros[512];

	while (off < end) {
		size_t k = MIN(end - off, sizeof(zeros));
		int err = vfs_write_data(v, off, zeros, k);
		if (err)
			return err;
		off += k;
	}
	return 0;
}

SYSCALL(fallocate)
{
	struct file *f = fd_get((int)a0);
	int mode = (int)a1;
	int64_t off = a2, len = a3;
	struct vnode *v;
	long err = 0;

	if (!f)
		return -EBADF;
	v = f->f_node;
	if ((f->f_flags & O_ACCMODE) == O_RDONLY)
		err = -EBADF;
	else if (!v || !f->f_ops->seekable)
		err = -ESPIPE;
	else if ((v->v_mode & S_IFMT) == S_IFDIR)
		err = -EISDIR;
	else if ((v->v_mode & S_IFMT) != S_IFREG)
		err = -ENODEV;
	else if (off < 0 || len <= 0)
		err = -EINVAL;
	else if ((uint64_t)off + (uint64_t)len < (uint64_t)off || off + len < 0)
		err = -EFBIG;
	else if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
		err = -EOPNOTSUPP;
	else if ((mode & FALLOC_FL_PUNCH_HOLE) &&
	         (!(mode & FALLOC_FL_KEEP_SIZE) || (mode & FALLOC_FL_ZERO_RANGE)))
		err = -EOPNOTSUPP; /* as Linux: a hole never grows the file */
	if (err) {
		file_put(f);
		return err;
	}
	mutex_lock(&f->f_lock);
	uint64_t end = (uint64_t)off + (uint64_t)len, size = v->v_size;
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
		err = zero_range(v, (uint64_t)off, MIN(end, size));
	if (!err && end > size && !(mode & FALLOC_FL_KEEP_SIZE))
		err = vfs_truncate(v, end);
	mutex_unlock(&f->f_lock);
	file_put(f);
	return err;
}

/* files with no fsync op are the ramfs's: memory, as durable as it gets */
static long
do_fsync(int fd)
{
	struct file *f = fd_get(fd);
	long r;

	if (!f)
		return -EBADF;
	r = f->f_ops->fsync ? f->f_ops->fsync(f) : 0;
	file_put(f);
	return r;
}

SYSCALL(fsync)
{
	return do_fsync((int)a0);
}
SYSCALL(fdatasync)
{
	return do_fsync((int)a0);
}
SYSCALL(sync)
{
	return 0;
}

uint32_t
vfs_umask(void)
{
	return umask_bits;
}

SYSCALL(umask)
{
	uint32_t old = umask_bits;

	umask_bits = (uint32_t)a0 & 0777;
	return old;
}

static long
set_mode(struct vnode *v, uint32_t mode)
{
	struct vattr a = {.mask = VA_MODE, .mode = mode};

	return vfs_setattr(vfs_node(v), &a);
}

SYSCALL(chmod)
{
	struct vnode *v;
	long err = lookup_at(AT_FDCWD, (const char *)a0, true, &v);

	return err ? err : put(v, set_mode(v, (uint32_t)a1));
}
SYSCALL(fchmodat)
{
	struct vnode *v;
	long err = lookup_at((int)a0, (const char *)a1, true, &v);

	return err ? err : put(v, set_mode(v, (uint32_t)a2));
}
SYSCALL(fchmod)
{
	struct vnode *v;
	long err = node_of_fd((int)a0, &v);

	return err ? err : put(v, set_mode(v, (uint32_t)a1));
}

static long
set_owner(struct vnode *v, long uid, long gid)
{
	struct vattr a = {.uid = (uint32_t)uid, .gid = (uint32_t)gid};

	a.mask = (uid != -1 ? VA_UID : 0) | (gid != -1 ? VA_GID : 0);
	return vfs_setattr(vfs_node(v), &a);
}

SYSCALL(chown)
{
	struct vnode *v;
	long err = lookup_at(AT_FDCWD, (const char *)a0, true, &v);

	return err ? err : put(v, set_owner(v, (int)a1, (int)a2));
}
SYSCALL(lchown)
{
	struct vnode *v;
	long err = lookup_at(AT_FDCWD, (const char *)a0, false, &v);

	return err ? err : put(v, set_owner(v, (int)a1, (int)a2));
}
SYSCALL(fchown)
{
	struct vnode *v;
	long err = node_of_fd((int)a0, &v);

	return err ? err : put(v, set_owner(v, (int)a1, (int)a2));
}
SYSCALL(fchownat)
{
	struct vnode *v;
	long err = lookup_at((int)a0, (const char *)a1, !(a4 & AT_SYMLINK_NOFOLLOW), &v);

	return err ? err : put(v, set_owner(v, (int)a2, (int)a3));
}

/* one of utimensat's times: UTIME_OMIT leaves it, UTIME_NOW takes now */
static void
set_time(struct vattr *a, unsigned bit, uint64_t *t, const int64_t *ts, uint64_t now)
{
	if (ts[1] == UTIME_OMIT)
		return;
	a->mask |= bit;
	*t = ts[1] == UTIME_NOW ? now : (uint64_t)ts[0] * 1000000000u + (uint64_t)ts[1];
}

static bool
time_ok(const int64_t *ts)
{
	if (ts[1] == UTIME_NOW || ts[1] == UTIME_OMIT)
		return true;
	return ts[1] >= 0 && ts[1] < 1000000000 && ts[0] >= 0; /* XXX: no times before 1970 */
}

/* utimensat, and futimens (path NULL: the fd itself) */
SYSCALL(utimensat)
{
	int64_t ts[4] = {0, UTIME_NOW, 0, UTIME_NOW}; /* atime, mtime */
	struct vnode *v;
	uint64_t now;
	long err;

	if (a3 & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (a2 && copy_from_user(ts, (void *)a2, sizeof(ts)))
		return -EFAULT;
	if (!time_ok(ts) || !time_ok(ts + 2))
		return -EINVAL;
	if (ts[1] == UTIME_OMIT && ts[3] == UTIME_OMIT)
		return 0; /* as Linux: nothing to do, not even a lookup */
	if (a1)
		err = lookup_at((int)a0, (const char *)a1, !(a3 & AT_SYMLINK_NOFOLLOW), &v);
	else if ((int)a0 == AT_FDCWD)
		err = -EFAULT;
	else
		err = a3 ? -EINVAL : node_of_fd((int)a0, &v);
	if (err)
		return err;
	struct vattr va = {0};
	now = clock_realtime_ns();
	set_time(&va, VA_ATIME, &va.atime_ns, ts, now);
	set_time(&va, VA_MTIME, &va.mtime_ns, ts + 2, now);
	return put(v, vfs_setattr(vfs_node(v), &va));
}

static long
statfs_out(struct vnode *v, void *ubuf)
{
	struct linux_statfs st;

	vfs_statfs(v, &st);
	return copy_to_user(ubuf, &st, sizeof(st)) ? -EFAULT : 0;
}

SYSCALL(statfs)
{
	struct vnode *v;
	long err = lookup_at(AT_FDCWD, (const char *)a0, true, &v);

	return err ? err : put(v, statfs_out(v, (void *)a1));
}
SYSCALL(fstatfs)
{
	struct vnode *v = NULL;
	long err = node_of_fd((int)a0, &v);

	if (err == -EBADF)
		return err;
	return err ? statfs_out(NULL, (void *)a1) : put(v, statfs_out(v, (void *)a1));
}

static long
readlink_at(int dirfd, const char *upath, char *ubuf, size_t size)
{
	struct vnode *v;
	char *buf;
	long err;
	int n;

	if ((err = lookup_at(dirfd, upath, false, &v)))
		return err;
	if ((v->v_mode & S_IFMT) != S_IFLNK)
		return put(v, -EINVAL);
	if (!(buf = kmalloc(PATH_MAX)))
		return put(v, -ENOMEM);
	n = vfs_readlink(v, buf, MIN(size, (size_t)PATH_MAX));
	vfs_put(v);
	err = n < 0 ? n : copy_to_user(ubuf, buf, (size_t)n) ? -EFAULT : n;
	kfree(buf);
	return err;
}

SYSCALL(readlink)
{
	return readlink_at(AT_FDCWD, (const char *)a0, (char *)a1, (size_t)a2);
}
SYSCALL(readlinkat)
{
	return readlink_at((int)a0, (const char *)a1, (char *)a2, (size_t)a3);
}

/* statx from the same facts as stat */
SYSCALL(statx)
{
	struct linux_stat st;
	uint8_t sx[256];
	struct vnode *v;
	long err;

	char first;
	if ((err = stat_checks((const char *)a1, (int)a2, &first)))
		return err;
	if ((uint32_t)a3 & 0x80000000u) /* STATX__RESERVED */
		return -EINVAL;
	if (a2 & AT_EMPTY_PATH) {
		if (!first) {
			struct file *f = fd_get((int)a0);
			if (!f)
				return -EBADF;
			err = f->f_ops->stat(f, &st);
			file_put(f);
			if (err)
				return err;
			goto fill;
		}
	}
	if ((err = lookup_at((int)a0, (const char *)a1, !(a2 & AT_SYMLINK_NOFOLLOW), &v)))
		return err;
	vfs_stat_node(v, &st);
	vfs_put(v);
fill:
	memset(sx, 0, sizeof(sx));
#define PUT(off, type, val) (*(type *)(sx + (off)) = (type)(val))
	PUT(0x00, uint32_t, 0x7ff); /* STATX_BASIC_STATS */
	PUT(0x04, uint32_t, st.st_blksize);
	PUT(0x10, uint32_t, st.st_nlink);
	PUT(0x14, uint32_t, st.st_uid);
	PUT(0x18, uint32_t, st.st_gid);
	PUT(0x1c, uint16_t, st.st_mode);
	PUT(0x20, uint64_t, st.st_ino);
	PUT(0x28, uint64_t, st.st_size);
	PUT(0x30, uint64_t, st.st_blocks);
	PUT(0x40, int64_t, st.st_atime);
	PUT(0x48, uint32_t, st.st_atime_nsec);
	PUT(0x60, int64_t, st.st_ctime);
	PUT(0x68, uint32_t, st.st_ctime_nsec);
	PUT(0x70, int64_t, st.st_mtime);
	PUT(0x78, uint32_t, st.st_mtime_nsec);
	PUT(0x80, uint32_t, st.st_rdev >> 8 & 0xfff); /* rdev major, minor */
	PUT(0x84, uint32_t, (st.st_rdev & 0xff) | (st.st_rdev >> 12 & ~0xffu));
	PUT(0x88, uint32_t, 0); /* dev major */
	PUT(0x8c, uint32_t, st.st_dev);
#undef PUT
	return copy_to_user((void *)a4, sx, sizeof(sx)) ? -EFAULT : 0;
}

/* Extended attributes (xattr(7)). No file system here keeps any, as
 * Linux's ramfs keeps none: once the file and the name are checked
 * (fs/xattr.c's order: the path or fd, the flags, the name: empty or over
 * XATTR_NAME_MAX is -ERANGE, the value), get, set and remove answer
 * -EOPNOTSUPP (so ls -l finds no ACL), and list an empty list. user.* on
 * what is neither a file nor a folder is -ENODATA to read and -EPERM to
 * write (xattr_permission). XXX: Linux's tmpfs keeps security.* and
 * trusted.* (and user.* since 6.6); ours keeps nothing. */
#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_CREATE 1
#define XATTR_REPLACE 2

enum xattr_at { XATTR_PATH, XATTR_LPATH, XATTR_FD };

/* the node the call names (NULL for an fd without one: a pipe, a socket) */
static long
xattr_node(enum xattr_at at, long a0, struct vnode **v)
{
	long err;

	if (at != XATTR_FD)
		return lookup_at(AT_FDCWD, (const char *)a0, at == XATTR_PATH, v);
	err = node_of_fd((int)a0, v);
	if (err == -EINVAL) {
		*v = NULL;
		return 0;
	}
	return err;
}

static long
xattr_answer(enum xattr_at at, long a0, const char *uname, bool write, int flags, const void *uval,
             size_t size)
{
	char name[XATTR_NAME_MAX + 1];
	struct vnode *v;
	long err = xattr_node(at, a0, &v), n;

	if (err)
		return err;
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		err = -EINVAL;
	else if ((n = strncpy_from_user(name, uname, sizeof(name))) == 0 || n == -ENAMETOOLONG)
		err = -ERANGE;
	else if (n < 0)
		err = n;
	else if (write && size > XATTR_SIZE_MAX)
		err = -E2BIG;
	if (!err && write && size) {
		void *val = kmalloc(size);
		if (!val)
			err = -ENOMEM;
		else if (copy_from_user(val, uval, size))
			err = -EFAULT;
		kfree(val);
	}
	if (!err && !strncmp(name, "user.", 5) && v && (v->v_mode & S_IFMT) != S_IFREG &&
	    (v->v_mode & S_IFMT) != S_IFDIR)
		err = write ? -EPERM : -ENODATA;
	if (v)
		vfs_put(v);
	return err ? err : -EOPNOTSUPP;
}

static long
xattr_list(enum xattr_at at, long a0)
{
	struct vnode *v;
	long err = xattr_node(at, a0, &v);

	if (!err && v)
		vfs_put(v);
	return err; /* 0: the list is empty */
}

SYSCALL(getxattr)
{
	return xattr_answer(XATTR_PATH, a0, (const char *)a1, false, 0, NULL, 0);
}
SYSCALL(lgetxattr)
{
	return xattr_answer(XATTR_LPATH, a0, (const char *)a1, false, 0, NULL, 0);
}
SYSCALL(fgetxattr)
{
	return xattr_answer(XATTR_FD, a0, (const char *)a1, false, 0, NULL, 0);
}
SYSCALL(setxattr)
{
	return xattr_answer(XATTR_PATH, a0, (const char *)a1, true, (int)a4, (const void *)a2,
	                    (size_t)a3);
}
SYSCALL(lsetxattr)
{
	return xattr_answer(XATTR_LPATH, a0, (const char *)a1, true, (int)a4, (const void *)a2,
	                    (size_t)a3);
}
SYSCALL(fsetxattr)
{
	return xattr_answer(XATTR_FD, a0, (const char *)a1, true, (int)a4, (const void *)a2,
	                    (size_t)a3);
}
SYSCALL(removexattr)
{
	return xattr_answer(XATTR_PATH, a0, (const char *)a1, true, 0, NULL, 0);
}
SYSCALL(lremovexattr)
{
	return xattr_answer(XATTR_LPATH, a0, (const char *)a1, true, 0, NULL, 0);
}
SYSCALL(fremovexattr)
{
	return xattr_answer(XATTR_FD, a0, (const char *)a1, true, 0, NULL, 0);
}
SYSCALL(listxattr)
{
	return xattr_list(XATTR_PATH, a0);
}
SYSCALL(llistxattr)
{
	return xattr_list(XATTR_LPATH, a0);
}
SYSCALL(flistxattr)
{
	return xattr_list(XATTR_FD, a0);
}

/* Open files and the console streams (include/vfs.h); the fd table is
 * core/fs/fdtable.c. */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "poll.h"
#include "printk.h"
#include "tty.h"
#include "uaccess.h"
#include "uapi/ioctls.h"
#include "vfs_fs.h"
#include "vma.h"

/* --- files and directories of a file system --- */
/* through a bounce buffer: the app's buffer may be a MAP_SHARED page not
 * yet touched, whose fault takes the region lock and a v_lock, so no
 * v_lock may be held while copying out */
static long
node_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	struct vnode *v = f->f_node;
	size_t chunk = MIN(n, (size_t)65536);
	uint8_t *tmp;
	long got = 0;

	if ((v->v_mode & S_IFMT) == S_IFDIR)
		return -EISDIR;
	if (!(tmp = kmalloc(chunk ? chunk : 1)))
		return -ENOMEM;
	while ((size_t)got < n) {
		long k = vfs_read_data(v, *off, tmp, MIN(n - (size_t)got, chunk));
		if (k <= 0) {
			if (!got)
				got = k;
			break;
		}
		/* a buffer running into unmapped memory: the bytes before it
		 * count (a short read, as Linux), EFAULT only for none */
		size_t c = copy_to_user_partial((uint8_t *)buf + got, tmp, (size_t)k);
		*off += c;
		got += (long)c;
		if (c < (size_t)k) {
			if (!got)
				got = -EFAULT;
			break;
		}
	}
	kfree(tmp);
	return got;
}

/* through a bounce buffer of at most 1 MiB at a time (kmalloc's blocks
 * are at most 4 MiB): a large write is several, and a failure after some
 * bytes went in is a short write, as Linux reports it */
static long
node_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	struct vnode *v = f->f_node;
	size_t chunk = MIN(n, (size_t)MiB(1));
	uint8_t *tmp;
	long done = 0;
	int err = 0;

	if ((v->v_mode & S_IFMT) == S_IFDIR)
		return -EISDIR;
	if (f->f_flags & O_APPEND)
		*off = v->v_size;
	tmp = kmalloc(chunk ? chunk : 1);
	if (!tmp)
		return -ENOMEM;
	do {
		size_t k = MIN(n - (size_t)done, chunk);
		if (copy_from_user(tmp, (const uint8_t *)buf + done, k)) {
			err = -EFAULT;
			break;
		}
		if ((err = vfs_write_data(v, *off, tmp, k)))
			break;
		*off += k;
		done += (long)k;
	} while ((size_t)done < n);
	kfree(tmp);
	return done ? done : err;
}

static int
node_stat(struct file *f, void *statbuf)
{
	vfs_stat_node(f->f_node, statbuf);
	return 0;
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
} __packed;

struct dents {
	uint8_t *buf; /* a bounce buffer: no copy to the app under the namespace lock */
	size_t used, size;
	uint64_t pos; /* of the entry being given */
	int err;
};

static bool
emit_dent(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type)
{
	struct dents *d = ctx;
	uint8_t rec[300];
	struct linux_dirent64 *e = (void *)rec;
	size_t reclen = ALIGN_UP(sizeof(struct linux_dirent64) + len + 1, 8);

	if (d->used + reclen > d->size) {
		if (!d->used)
			d->err = -EINVAL; /* buffer too small for the next entry */
		return false;
	}
	memset(rec, 0, reclen);
	e->d_ino = ino;
	e->d_off = (int64_t)++d->pos;
	e->d_reclen = (uint16_t)reclen;
	e->d_type = (uint8_t)type;
	memcpy(e->d_name, name, len);
	memcpy(d->buf + d->used, rec, reclen);
	d->used += reclen;
	return true;
}

/* f_off: the file system's position (ramfs: entries given). The entries
 * go through a bounce buffer of at most 64 KiB (a page fault on the app's
 * buffer takes the region lock, which /proc/self/maps holds while it asks
 * the namespace for paths) */
static long
node_getdents(struct file *f, void *buf, size_t n)
{
	uint64_t start = f->f_off;
	struct dents d = {.size = MIN(n, (size_t)65536), .pos = f->f_off};
	int err;

	if (!(d.buf = kmalloc(d.size ? d.size : 1)))
		return -ENOMEM;
	err = vfs_readdir(f->f_node, &f->f_off, emit_dent, &d);
	if (!err && d.err && !d.used)
		err = d.err;
	if (!err && copy_to_user(buf, d.buf, d.used)) {
		err = -EFAULT;
		f->f_off = start; /* nothing was given */
	}
	kfree(d.buf);
	return err ? err : (long)d.used;
}

/* a file of a file system maps its own pages (the page cache,
 * core/fs/filemap.c) when its bytes are in memory; a directory, or a
 * file system's file without the page op, cannot be mapped (Linux's
 * directories have no mmap op either) */
static int
node_mmap(struct file *f, struct vma_map *m)
{
	struct vnode *v = f->f_node;

	if (!vfs_mappable(v))
		return -ENODEV;
	if ((m->prot & PROT_EXEC) && v->v_mount && (v->v_mount->mnt_flags & MS_NOEXEC))
		return -EPERM; /* Linux: path_noexec */
	m->node = v;
	return 0;
}

static const struct file_ops node_ops = {
    .read = node_read,
    .write = node_write,
    .stat = node_stat,
    .getdents = node_getdents,
    .mmap = node_mmap,
    .seekable = true,
};

/* O_PATH: a place in the tree, good for fstat, fchdir, *at() and
 * /proc/self/fd, not for I/O (Linux: EBADF) */
static long
path_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	return -EBADF;
}

static long
path_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	return -EBADF;
}

static long
path_getdents(struct file *f, void *buf, size_t n)
{
	return -EBADF;
}

static int
path_ioctl(struct file *f, unsigned long cmd, void *arg)
{
	return -EBADF;
}

static const struct file_ops path_ops = {
    .read = path_read,
    .write = path_write,
    .stat = node_stat,
    .getdents = path_getdents,
    .ioctl = path_ioctl,
};

static struct file *
file_new(const struct file_ops *ops, struct vnode *v, int flags)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->f_ops = ops;
	f->f_node = v;
	if (v)
		vfs_node_hold(v); /* an unlinked file stays while it is open */
	f->f_flags = flags;
	f->f_refs = 1;
	return f;
}

struct file *
file_open(struct vnode *cwd, const char *path, int flags, uint32_t mode, int *err)
{
	struct vnode *v = NULL; /* held */
	struct file *f = NULL;
	size_t plen = strlen(path);
	int e;

	/* Linux's build_open_flags: O_TMPFILE takes O_DIRECTORY, no O_CREAT,
	 * and write access. XXX: no file system here makes unnamed files, so
	 * a well-formed O_TMPFILE is EOPNOTSUPP (Linux's answer for those) */
	if (flags & __O_TMPFILE) {
		if ((flags & (O_TMPFILE | O_CREAT)) != O_TMPFILE || (flags & O_ACCMODE) == O_RDONLY)
			*err = -EINVAL;
		else
			*err = -EOPNOTSUPP;
		return NULL;
	}
	e = vfs_lookup(cwd, path, !(flags & O_NOFOLLOW), &v);

	if (flags & O_PATH) { /* only these flags mean anything with O_PATH */
		flags &= O_PATH | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW;
		if (!e && (flags & O_DIRECTORY) && (v->v_mode & S_IFMT) != S_IFDIR)
			e = -ENOTDIR;
		if (!e && !(f = file_new(&path_ops, v, flags)))
			e = -ENOMEM;
		goto out;
	}
	bool made = false;
	if (e == -ENOENT && (flags & O_CREAT) && plen && path[plen - 1] == '/')
		e = -EISDIR; /* Linux: O_CREAT of "name/" */
	else if (e == -ENOENT && (flags & O_CREAT))
		made = !(e = vfs_create(cwd, path, S_IFREG | (mode & 07777), &v));
	else if (!e && (flags & O_CREAT) && (flags & O_EXCL))
		e = -EEXIST;
	else if (!e && (flags & O_CREAT) && (v->v_mode & S_IFMT) == S_IFDIR)
		e = -EISDIR; /* Linux's do_open */
	if (!e && (v->v_mode & S_IFMT) == S_IFLNK)
		e = -ELOOP; /* O_NOFOLLOW on a symlink */
	if (!e && (flags & O_DIRECTORY) && (v->v_mode & S_IFMT) != S_IFDIR)
		e = -ENOTDIR;
	if (!e && (v->v_mode & S_IFMT) == S_IFDIR && (flags & O_ACCMODE) != O_RDONLY)
		e = -EISDIR;
	/* the mode bits, by the file-system ids (a file this call made is
	 * the caller's whatever its mode, as on Linux); a read-only mount:
	 * EROFS. The console's streams (in no file system) are the app's
	 * own terminal. Creating checked the directory (vfs_create) */
	int want = ((flags & O_ACCMODE) != O_WRONLY ? R_OK : 0) |
	           ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) ? W_OK : 0);
	if (!e && !made && (v->v_mode & S_IFMT) != S_IFLNK && v->v_mount)
		e = vfs_may_access(v, want, true);
	if (!e && (flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY)
		e = vfs_truncate(v, 0);
	if (!e && !(f = file_new(v->v_dev ? v->v_dev : &node_ops, v, flags)))
		e = -ENOMEM;
out:
	if (v)
		vfs_put(v); /* the file holds its own */
	*err = e;
	return f;
}

void
file_get(struct file *f)
{
	__atomic_fetch_add(&f->f_refs, 1, __ATOMIC_RELAXED);
}

void
file_put(struct file *f)
{
	if (__atomic_sub_fetch(&f->f_refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (__atomic_load_n(&f->f_ep, __ATOMIC_ACQUIRE))
		epoll_file_release(f); /* Linux's eventpoll_release: before release */
	if (f->f_node)
		flock_release(f); /* the open file description's flock() goes with it */
	if (f->f_ops->release)
		f->f_ops->release(f);
	if (f->f_node)
		vfs_put(f->f_node);
	kfree(f);
}

/* --- the console streams (the terminal behind them: core/fs/tty.c) --- */
static struct {
	const uint8_t *data;
	size_t len, pos;
} in;

/* Reads of the stdin bytes and whole writes to a stream take turns, as
 * a Linux tty's do: the calls hold no per-file lock (core/fs/sys_file.c),
 * and one thread's line must not be cut into by another's. */
static struct mutex stream_lock = MUTEX_INIT;

static long
stdin_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	size_t k;
	long r;

	if (tty_stdin())
		return tty_read(f, buf, n);
	mutex_lock(&stream_lock);
	k = MIN(n, in.len - in.pos);
	r = copy_to_user(buf, in.data + in.pos, k) ? -EFAULT : (long)k; /* 0: end of file */
	if (r > 0)
		in.pos += k;
	mutex_unlock(&stream_lock);
	return r;
}

/* write through a bounce buffer: the source may be a bad app pointer */
static long
stream_write(const void *buf, size_t n, void (*out)(const char *, size_t))
{
	char tmp[256];
	size_t done = 0;

	mutex_lock(&stream_lock);
	while (done < n) {
		size_t k = MIN(n - done, sizeof(tmp));
		if (copy_from_user(tmp, (const char *)buf + done, k))
			break;
		out(tmp, k);
		done += k;
	}
	mutex_unlock(&stream_lock);
	return done < n && !done ? -EFAULT : (long)done;
}

static int
stdin_poll(struct file *f, struct poll_table *pt)
{
	return tty_stdin() ? tty_poll(pt) : POLLIN; /* the initrd's bytes: never blocks */
}

/* a terminal's output processing (OPOST: \n becomes \r\n...) */
static void
tty_out(const char *b, size_t n)
{
	tty_write(console_write, b, n);
}

static void
tty_err(const char *b, size_t n)
{
	tty_write(errstream_write, b, n);
}

static long
stdout_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	return stream_write(buf, n, tty_stdout() ? tty_out : console_write);
}

static long
stderr_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	return stream_write(buf, n, tty_stderr() ? tty_err : errstream_write);
}

/* which of fds 0, 1, 2 is a terminal */
static bool
stream_tty(struct file *f)
{
	uintptr_t i = (uintptr_t)f->f_priv;

	return i == 0 ? tty_stdin() : i == 1 ? tty_stdout() : tty_stderr();
}

static int
stream_stat(struct file *f, void *statbuf)
{
	struct vnode v = {.v_mode = (stream_tty(f) ? S_IFCHR : 0010000 /* FIFO */) | 0620,
	                  .v_ino = 0x10 + (uint64_t)(uintptr_t)f->f_priv};

	vfs_stat_node(&v, statbuf);
	return 0;
}

static int
stream_ioctl(struct file *f, unsigned long cmd, void *arg)
{
	if (stream_tty(f))
		return tty_ioctl(cmd, arg);
	if (cmd == FIONREAD && f->f_priv == 0) { /* stdin from the initrd */
		int k = (int)(in.len - in.pos);
		return copy_to_user(arg, &k, sizeof(k)) ? -EFAULT : 0;
	}
	return -ENOTTY;
}

static struct file *console[3]; /* set once at start-up */

struct file *
console_file(int i)
{
	if (i < 0 || i > 2 || !console[i])
		return NULL;
	file_get(console[i]);
	return console[i];
}

static const struct file_ops stdin_ops = {
    .read = stdin_read, .stat = stream_stat, .ioctl = stream_ioctl, .poll = stdin_poll};
static const struct file_ops stdout_ops = {
    .write = stdout_write, .stat = stream_stat, .ioctl = stream_ioctl};
static const struct file_ops stderr_ops = {
    .write = stderr_write, .stat = stream_stat, .ioctl = stream_ioctl};

void
console_files_init(const void *stdin_data, size_t stdin_len)
{
	const struct file_ops *ops[3] = {&stdin_ops, &stdout_ops, &stderr_ops};
	int modes[3] = {O_RDONLY, O_WRONLY, O_WRONLY};

	in.data = stdin_data;
	in.len = stdin_len;
	tty_init();
	for (int i = 0; i < 3; i++) {
		struct file *f = file_new(ops[i], NULL, modes[i]);
		if (!f || fd_install(f, i, false) != i)
			panic("out of memory: the console files");
		f->f_priv = (void *)(uintptr_t)i;
		file_get(console[i] = f);
	}
}

void
console_init(void)
{
	struct vnode *v;
	const void *data = "";
	size_t len = 0;

	if (!vfs_lookup(NULL, "/.unum/stdin", true, &v)) {
		/* the lookup's hold is kept: the console reads it after /.unum goes */
		if (!(data = vfs_bytes(v, &len)))
			data = "";
	}
	console_files_init(data, len);
}

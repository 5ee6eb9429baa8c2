/* sendfile and copy_file_range (Linux semantics and errno values).
 * sendfile moves bytes between any readable and writable files (files,
 * pipes, the console) through a bounce buffer in the app's half, since
 * every file's read and write take app pointers; copy_file_range copies
 * between regular ramfs files directly. */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "syscall.h"
#include "uaccess.h"
#include "vfs.h"
#include "vma.h"

#define CHUNK (64 * 1024)

static bool
readable(struct file *f)
{
	return !(f->f_flags & O_PATH) && (f->f_flags & O_ACCMODE) != O_WRONLY && f->f_ops->read;
}

static bool
writable(struct file *f)
{
	return !(f->f_flags & O_PATH) && (f->f_flags & O_ACCMODE) != O_RDONLY && f->f_ops->write;
}

static bool
is_dir_file(struct file *f)
{
	return f->f_node && (f->f_node->v_mode & S_IFMT) == S_IFDIR;
}

/* in's bytes from *pos (in's own position when pos is NULL) to out, at
 * most count; the bytes moved or -errno when none */
static long
move(struct file *in, uint64_t *pos, struct file *out, size_t count)
{
	long buf = vma_map(0, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	long total = 0, r = 0;

	if (buf < 0)
		return buf;
	while ((size_t)total < count) {
		size_t k = MIN(count - (size_t)total, (size_t)CHUNK);
		mutex_lock(&in->f_lock);
		uint64_t at = pos ? *pos : in->f_off;
		r = in->f_ops->read(in, (void *)buf, k, &at);
		mutex_unlock(&in->f_lock);
		if (r <= 0)
			break;
		mutex_lock(&out->f_lock);
		uint64_t oat = out->f_off;
		long w = out->f_ops->write(out, (void *)buf, (size_t)r, &oat);
		if (w > 0)
			out->f_off = oat;
		mutex_unlock(&out->f_lock);
		if (w < 0) {
			r = w;
			break;
		}
		/* what was read and not written is read again next time */
		mutex_lock(&in->f_lock);
		if (pos)
			*pos += (uint64_t)w;
		else
			in->f_off += (uint64_t)w;
		mutex_unlock(&in->f_lock);
		total += w;
		if (w < r)
			break;
	}
	vma_unmap((uintptr_t)buf, CHUNK);
	return total ? total : r;
}

SYSCALL(sendfile)
{
	struct file *out = fd_get((int)a0), *in = fd_get((int)a1);
	int64_t uoff;
	uint64_t pos;
	long r;

	if (!out || !in)
		r = -EBADF;
	else if (!readable(in) || !writable(out))
		r = -EBADF;
	else if (is_dir_file(in) || (out->f_flags & O_APPEND))
		r = -EINVAL;
	else if (a2 && !in->f_ops->seekable)
		r = -ESPIPE;
	else if (a2 && copy_from_user(&uoff, (void *)a2, sizeof(uoff)))
		r = -EFAULT;
	else if (a2 && uoff < 0)
		r = -EINVAL;
	else {
		pos = a2 ? (uint64_t)uoff : 0;
		r = move(in, a2 ? &pos : NULL, out, (size_t)a3);
		if (a2 && copy_to_user((void *)a2, &pos, sizeof(pos)))
			r = -EFAULT;
	}
	if (out)
		file_put(out);
	if (in)
		file_put(in);
	return r;
}

/* -errno when in and out cannot be copied between, else 0 */
static long
cfr_check(struct file *in, struct file *out)
{
	if (!readable(in) || !writable(out) || (out->f_flags & O_APPEND))
		return -EBADF;
	if (is_dir_file(in) || is_dir_file(out))
		return -EISDIR;
	if (!in->f_node || !out->f_node || (in->f_node->v_mode & S_IFMT) != S_IFREG ||
	    (out->f_node->v_mode & S_IFMT) != S_IFREG)
		return -EINVAL;
	if (in->f_node->v_dev || out->f_node->v_dev)
		return -EXDEV; /* /proc files: another file system on Linux */
	return 0;
}

SYSCALL(copy_file_range)
{
	struct file *in = fd_get((int)a0), *out = fd_get((int)a2);
	int64_t ioff = 0, ooff = 0;
	size_t len = (size_t)a4;
	long r = 0, total = 0;
	uint8_t *tmp = NULL;

	if (!in || !out)
		r = -EBADF;
	else if (a5)
		r = -EINVAL; /* no flags are defined */
	else
		r = cfr_check(in, out);
	if (!r && a1 && copy_from_user(&ioff, (void *)a1, 8))
		r = -EFAULT;
	if (!r && a3 && copy_from_user(&ooff, (void *)a3, 8))
		r = -EFAULT;
	if (r)
		goto out;
	struct vnode *vi = in->f_node, *vo = out->f_node;
	mutex_lock(&in->f_lock);
	uint64_t ip = a1 ? (uint64_t)ioff : in->f_off;
	mutex_unlock(&in->f_lock);
	mutex_lock(&out->f_lock);
	uint64_t op = a3 ? (uint64_t)ooff : out->f_off;
	mutex_unlock(&out->f_lock);
	if ((a1 && ioff < 0) || (a3 && ooff < 0) || ip + len < ip || op + len < op) {
		r = -EINVAL;
		goto out;
	}
	if (vi == vo && ip < op + len && op < ip + len) {
		r = -EINVAL; /* overlapping ranges of one file */
		goto out;
	}
	if (!(tmp = kmalloc(CHUNK))) {
		r = -ENOMEM;
		goto out;
	}
	while ((size_t)total < len) {
		long got = vfs_read_data(vi, ip, tmp, MIN(len - (size_t)total, (size_t)CHUNK));
		if (got <= 0) {
			if (got < 0 && !total)
				r = got;
			break;
		}
		size_t k = (size_t)got;
		if ((r = vfs_write_data(vo, op, tmp, k)))
			break;
		ip += k;
		op += k;
		total += (long)k;
	}
	if (total)
		r = total;
	if (a1 ? copy_to_user((void *)a1, &ip, 8) != 0 : false)
		r = -EFAULT;
	else if (!a1) {
		mutex_lock(&in->f_lock);
		in->f_off = ip;
		mutex_unlock(&in->f_lock);
	}
	if (a3 ? copy_to_user((void *)a3, &op, 8) != 0 : false)
		r = -EFAULT;
	else if (!a3) {
		mutex_lock(&out->f_lock);
		out->f_off = op;
		mutex_unlock(&out->f_lock);
	}
out:
	kfree(tmp);
	if (in)
		file_put(in);
	if (out)
		file_put(out);
	return r;
}

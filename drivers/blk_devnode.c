/* /dev/NAME for each block device (include/blkdev.h): the app reads and
 * writes the disk as on Linux: read/write/pread/pwrite at any byte
 * offset and length (partial blocks by read-modify-write), lseek with
 * SEEK_END at the capacity, fsync/fdatasync as a device flush, fstat as
 * a block device (S_IFBLK, st_size 0, st_rdev), ioctl BLKGETSIZE64 and
 * friends. Unbuffered: every call reaches the device (no page cache),
 * through a bounce buffer since app pages are not pinned.
 * At the end of the disk, as Linux: a read returns what is left (0 at
 * the end), a write what fits (-ENOSPC at the end).
 * Exercised by tests/guest-disk/blk_disk.c (tests/e2e/blk-disk.sh). */
#include "blkdev.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "uaccess.h"
#include "uapi/ioctls.h"
#include "vfs.h"

#define CHUNK MiB(1) /* bytes per device request, at most */

/* ioctl numbers of linux/fs.h */

static struct blkdev *
dev_of(struct file *f)
{
	for (int i = 0; i < blk_count(); i++) {
		struct blkdev *d = blk_at(i);
		if (d && d->bd_node == f->f_node)
			return d;
	}
	return NULL;
}

/* Linux's dev_t encoding (new_encode_dev) of major 254, minor 16 * index */
static uint64_t
blk_rdev(const struct blkdev *d)
{
	uint64_t major = BLK_MAJOR, minor = 16 * (uint64_t)d->bd_index;

	return ((major & 0xfffff000) << 32) | ((major & 0xfff) << 8) |
	       ((minor & 0xffffff00) << 12) | (minor & 0xff);
}

/* One device request covering [pos, pos + k) rounded out to whole
 * blocks, at most CHUNK: *k is cut to fit. Returns the aligned start. */
static uint64_t
span(struct blkdev *d, uint64_t pos, size_t *k, size_t *alen)
{
	uint64_t bs = d->bd_block_size, start = ALIGN_DOWN(pos, bs);

	*k = MIN(*k, CHUNK - (pos - start));
	*alen = ALIGN_UP(pos + *k, bs) - start;
	return start;
}

static long
devnode_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	struct blkdev *d = dev_of(f);
	uint64_t size, pos = *off;
	size_t done = 0, bsz;
	uint8_t *bounce;
	long err = 0;

	if (!d)
		return -ENODEV;
	size = blk_size_bytes(d);
	if (pos >= size || !n)
		return 0;
	n = MIN(n, size - pos);
	bsz = MIN(CHUNK, ALIGN_UP(pos % d->bd_block_size + n, d->bd_block_size));
	if (!(bounce = kmalloc(bsz)))
		return -ENOMEM;
	while (done < n) {
		size_t k = n - done, alen;
		uint64_t start = span(d, pos, &k, &alen);
		if ((err = blk_read(d, start / BLK_SECTOR_SIZE, bounce, alen)))
			break;
		if (copy_to_user((uint8_t *)buf + done, bounce + (pos - start), k)) {
			err = -EFAULT;
			break;
		}
		done += k;
		pos += k;
	}
	kfree(bounce);
	*off = pos;
	return done ? (long)done : err;
}

/* one chunk of a write: the partial blocks at either end are read first,
 * under the device's lock so two partial writes to one block do not lose
 * each other's bytes */
static long
write_chunk(struct blkdev *d, const uint8_t *ubuf, uint64_t pos, size_t k, uint8_t *bounce)
{
	size_t alen, bs = d->bd_block_size;
	uint64_t start = span(d, pos, &k, &alen);
	bool head = pos != start, tail = (pos + k) % bs != 0;
	long err = 0;

	if (head || tail)
		mutex_lock(&d->bd_rmw_lock);
	if (head)
		err = blk_read(d, start / BLK_SECTOR_SIZE, bounce, bs);
	if (!err && tail && (!head || alen > bs))
		err = blk_read(d, (start + alen - bs) / BLK_SECTOR_SIZE, bounce + alen - bs, bs);
	if (!err && copy_from_user(bounce + (pos - start), ubuf, k))
		err = -EFAULT;
	if (!err)
		err = blk_write(d, start / BLK_SECTOR_SIZE, bounce, alen);
	if (head || tail)
		mutex_unlock(&d->bd_rmw_lock);
	return err ? err : (long)k;
}

static long
devnode_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	struct blkdev *d = dev_of(f);
	uint64_t size, pos = *off;
	size_t done = 0, bsz;
	uint8_t *bounce;
	long r = 0;

	if (!d)
		return -ENODEV;
	if (d->bd_readonly)
		return -EROFS;
	if (!n)
		return 0;
	size = blk_size_bytes(d);
	if (pos >= size)
		return -ENOSPC;
	n = MIN(n, size - pos);
	bsz = MIN(CHUNK, ALIGN_UP(pos % d->bd_block_size + n, d->bd_block_size));
	if (!(bounce = kmalloc(bsz)))
		return -ENOMEM;
	while (done < n) {
		r = write_chunk(d, (const uint8_t *)buf + done, pos, n - done, bounce);
		if (r < 0)
			break;
		done += (size_t)r;
		pos += (size_t)r;
	}
	kfree(bounce);
	*off = pos;
	return done ? (long)done : r;
}

static int
devnode_stat(struct file *f, void *statbuf)
{
	struct linux_stat *st = statbuf;
	struct blkdev *d = dev_of(f);

	vfs_stat_node(f->f_node, statbuf);
	st->st_size = 0; /* as Linux: the size is BLKGETSIZE64's */
	st->st_blocks = 0;
	if (d)
		st->st_rdev = blk_rdev(d);
	return 0;
}

static int
put_u64(void *arg, uint64_t v)
{
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static int
put_int(void *arg, uint32_t v)
{
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

static int
devnode_ioctl(struct file *f, unsigned long cmd, void *arg)
{
	struct blkdev *d = dev_of(f);

	if (!d)
		return -ENODEV;
	switch ((uint32_t)cmd) { /* Linux's cmd is an unsigned int: musl sign-extends it */
	case BLKGETSIZE64:
		return put_u64(arg, blk_size_bytes(d));
	case BLKGETSIZE:
		return put_u64(arg, READ_ONCE(d->bd_sectors));
	case BLKSSZGET:
	case BLKPBSZGET:
		return put_int(arg, d->bd_block_size);
	case BLKBSZGET:
		return put_int(arg, MAX(d->bd_block_size, 4096u));
	case BLKROGET:
		return put_int(arg, d->bd_readonly);
	case BLKFLSBUF:
		return 0; /* no buffers to drop */
	default:
		return -ENOTTY;
	}
}

static int
devnode_fsync(struct file *f)
{
	struct blkdev *d = dev_of(f);

	return d ? blk_flush(d) : -ENODEV;
}

static int64_t
devnode_size(struct file *f)
{
	struct blkdev *d = dev_of(f);

	return d ? (int64_t)blk_size_bytes(d) : 0;
}

/* XXX: no mmap op, so mmap of a disk is -ENODEV; Linux maps block
 * devices through their page cache */
static const struct file_ops devnode_ops = {
    .read = devnode_read,
    .write = devnode_write,
    .stat = devnode_stat,
    .ioctl = devnode_ioctl,
    .fsync = devnode_fsync,
    .size = devnode_size,
    .seekable = true,
};

int
blk_devnode_create(struct blkdev *d)
{
	char path[8 + BLK_NAME_MAX];
	struct vnode *v;
	int err;

	err = vfs_create(NULL, "/dev", S_IFDIR | 0755, &v); /* devtmpfs, from vfs_init */
	if (v)
		vfs_put(v);
	if (err && err != -EEXIST)
		return err;
	fmt_snprintf(path, sizeof(path), "/dev/%s", d->bd_name);
	if ((err = vfs_create(NULL, path, S_IFBLK | 0660, &v)))
		return err;
	v->v_dev = &devnode_ops;
	d->bd_node = v; /* with the hold vfs_create gave */
	return 0;
}

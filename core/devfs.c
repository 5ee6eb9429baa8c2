/* The character devices every program expects under /dev (null, zero,
 * full, random, urandom), as ramfs nodes with their own file ops, and an
 * empty /tmp. Made before the initrd is unpacked, so an app's tree may
 * add to /dev but not replace these. */
#include "errno.h"
#include "lib.h"
#include "random.h"
#include "uaccess.h"
#include "vfs.h"

static long
null_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	return 0;
}

static long
sink_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	return (long)n;
}

static long
full_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	return -ENOSPC;
}

static long
fill_read(struct file *f, void *buf, size_t n, bool random)
{
	uint8_t tmp[256];
	size_t done = 0;

	memset(tmp, 0, sizeof(tmp));
	while (done < n) {
		size_t k = MIN(n - done, sizeof(tmp));
		if (random)
			random_bytes(tmp, k);
		if (copy_to_user((uint8_t *)buf + done, tmp, k))
			return done ? (long)done : -EFAULT;
		done += k;
	}
	return (long)n;
}

static long
zero_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	return fill_read(f, buf, n, false);
}

static long
random_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	return fill_read(f, buf, n, true);
}

static int
dev_stat(struct file *f, void *statbuf)
{
	vfs_stat_node(f->f_node, statbuf);
	return 0;
}

static const struct file_ops null_ops = { .read = null_read, .write = sink_write, .stat = dev_stat };
static const struct file_ops zero_ops = { .read = zero_read, .write = sink_write, .stat = dev_stat };
static const struct file_ops full_ops = { .read = zero_read, .write = full_write, .stat = dev_stat };
static const struct file_ops random_ops = { .read = random_read, .write = sink_write,
					    .stat = dev_stat };

void
devfs_init(void)
{
	static const struct {
		const char *path;
		const struct file_ops *ops;
	} devs[] = {
		{ "/dev/null", &null_ops },     { "/dev/zero", &zero_ops },
		{ "/dev/full", &full_ops },     { "/dev/random", &random_ops },
		{ "/dev/urandom", &random_ops },
	};
	struct vnode *v;

	vfs_create(NULL, "/dev", S_IFDIR | 0755, &v);
	vfs_create(NULL, "/tmp", S_IFDIR | 01777, &v);
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
		if (!vfs_create(NULL, devs[i].path, S_IFCHR | 0666, &v))
			v->v_dev = devs[i].ops;
}

/* devtmpfs, mounted on /dev at start-up: the character devices every
 * program expects (null, zero, full, random, urandom; console and tty, the
 * app's terminal: reads from the console's stdin, writes to its stdout),
 * the links stdin, stdout, stderr and fd into /proc/self/fd, as tmpfs
 * nodes with their own file ops. Made before the initrd is unpacked, so
 * an app's tree may add to /dev but not replace these. */
#include "errno.h"
#include "lib.h"
#include "random.h"
#include "uaccess.h"
#include "vfs_fs.h"
#include "vma.h"

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
		size_t c = copy_to_user_partial((uint8_t *)buf + done, tmp, k);
		done += c;
		if (c < k) /* a short read up to the fault, EFAULT for none */
			return done ? (long)done : -EFAULT;
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

/* the console files as made at start-up: /dev/tty reads stream 0 and
 * writes stream 1; stream nodes (devfs_console_node) use one stream */
static long
con_read(int i, void *buf, size_t n)
{
	struct file *c = console_file(i);
	long r;

	if (!c)
		return -ENXIO;
	r = c->f_ops->read ? c->f_ops->read(c, buf, n, &c->f_off) : -EINVAL;
	file_put(c);
	return r;
}

static long
con_write(int i, const void *buf, size_t n)
{
	struct file *c = console_file(i);
	long r;

	if (!c)
		return -ENXIO;
	r = c->f_ops->write ? c->f_ops->write(c, buf, n, &c->f_off) : -EINVAL;
	file_put(c);
	return r;
}

static int
con_ioctl(int i, unsigned long cmd, void *arg)
{
	struct file *c = console_file(i);
	int r;

	if (!c)
		return -ENXIO;
	r = c->f_ops->ioctl ? c->f_ops->ioctl(c, cmd, arg) : -ENOTTY;
	file_put(c);
	return r;
}

static int
con_poll(int i, struct poll_table *pt)
{
	struct file *c = console_file(i);
	int r;

	if (!c)
		return POLLERR;
	r = file_poll(c, pt);
	file_put(c);
	return r;
}

static long
tty_read(struct file *f, void *b, size_t n, uint64_t *o)
{
	return con_read(0, b, n);
}
static long
tty_write(struct file *f, const void *b, size_t n, uint64_t *o)
{
	return con_write(1, b, n);
}
static int
tty_ioctl(struct file *f, unsigned long c, void *a)
{
	return con_ioctl(1, c, a);
}
static int
tty_poll(struct file *f, struct poll_table *pt)
{
	return (con_poll(0, pt) & POLLIN) | (con_poll(1, pt) & POLLOUT);
}

#define STREAM_OPS(i)                                                                              \
	static long s##i##_read(struct file *f, void *b, size_t n, uint64_t *o)                    \
	{                                                                                          \
		return con_read(i, b, n);                                                          \
	}                                                                                          \
	static long s##i##_write(struct file *f, const void *b, size_t n, uint64_t *o)             \
	{                                                                                          \
		return con_write(i, b, n);                                                         \
	}                                                                                          \
	static int s##i##_ioctl(struct file *f, unsigned long c, void *a)                          \
	{                                                                                          \
		return con_ioctl(i, c, a);                                                         \
	}                                                                                          \
	static int s##i##_poll(struct file *f, struct poll_table *pt)                              \
	{                                                                                          \
		return con_poll(i, pt);                                                            \
	}                                                                                          \
	static const struct file_ops s##i##_ops = {.read = s##i##_read,                            \
	                                           .write = s##i##_write,                          \
	                                           .stat = dev_stat,                               \
	                                           .ioctl = s##i##_ioctl,                          \
	                                           .poll = s##i##_poll};
STREAM_OPS(0)
STREAM_OPS(1)
STREAM_OPS(2)

static struct vnode *streams[3];

struct vnode *
devfs_console_node(int i)
{
	return i >= 0 && i < 3 ? streams[i] : NULL;
}

static const struct file_ops tty_ops = {
    .read = tty_read, .write = tty_write, .stat = dev_stat, .ioctl = tty_ioctl, .poll = tty_poll};
static const struct file_ops null_ops = {.read = null_read, .write = sink_write, .stat = dev_stat};
/* /dev/zero maps as anonymous memory (Linux's mmap_zero: MAP_PRIVATE is
 * anonymous, MAP_SHARED a new shmem object per call, so two calls' regions
 * never share); /dev/null, full and random have no mmap: -ENODEV */
static int
zero_mmap(struct file *f, struct vma_map *m)
{
	m->node = NULL;
	return 0;
}

static const struct file_ops zero_ops = {
    .read = zero_read, .write = sink_write, .stat = dev_stat, .mmap = zero_mmap};
static const struct file_ops full_ops = {.read = zero_read, .write = full_write, .stat = dev_stat};
static const struct file_ops random_ops = {
    .read = random_read, .write = sink_write, .stat = dev_stat};

/* a devtmpfs mount: a tmpfs (the app may add to it) with the devices */
static int
devtmpfs_fill(struct mount *m, const char *opts)
{
	static const struct {
		const char *name;
		const struct file_ops *ops;
		uint32_t rdev; /* Linux's numbers (devices.txt): major << 8 | minor */
	} devs[] = {
	    {"null", &null_ops, 0x103},      {"zero", &zero_ops, 0x105},
	    {"full", &full_ops, 0x107},      {"random", &random_ops, 0x108},
	    {"urandom", &random_ops, 0x109}, {"console", &tty_ops, 0x501},
	    {"tty", &tty_ops, 0x500},
	};
	static const char *const links[][2] = {
	    {"stdin", "/proc/self/fd/0"},
	    {"stdout", "/proc/self/fd/1"},
	    {"stderr", "/proc/self/fd/2"},
	    {"fd", "/proc/self/fd"},
	};
	static const struct file_ops *const sops[3] = {&s0_ops, &s1_ops, &s2_ops};
	static const char *const snames[3] = {"console0", "console1", "console2"};
	struct vnode *v;
	int err;

	if ((err = ramfs_fill_root(m, 0755)) || (err = tmpfs_options(m, opts, false)))
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
		if (!(v = ramfs_add(m->mnt_root, devs[i].name, S_IFCHR | 0666, NULL)))
			return -ENOMEM;
		v->v_dev = devs[i].ops;
		v->v_rdev = devs[i].rdev;
	}
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (!(v = ramfs_add(m->mnt_root, links[i][0], S_IFLNK | 0777, NULL)) ||
		    v->v_ops->write(v, 0, links[i][1], strlen(links[i][1])))
			return -ENOMEM;
	for (int i = 0; i < 3; i++) /* in no directory: reached through /proc/self/fd */
		if (!streams[i] && (streams[i] = vfs_node_new(snames[i], S_IFCHR | 0620)))
			streams[i]->v_dev = sops[i];
	return 0;
}

const struct fs_type devtmpfs_type = {.name = "devtmpfs",
                                      .magic = 0x01021994, /* TMPFS_MAGIC */
                                      .fill = devtmpfs_fill,
                                      .remount = tmpfs_remount,
                                      .kill = ramfs_kill,
                                      .show = tmpfs_show};

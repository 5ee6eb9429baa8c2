/* /proc, the files runtimes and tools read: self/exe (a symlink to the
 * app), self/fd/ (a link per open fd, listed as it is at each lookup),
 * self/maps, self/stat, self/status, self/cmdline, self/mounts, cpuinfo,
 * meminfo, uptime, stat, mounts, diskstats, sys/kernel/hostname. Contents are made
 * when the file is opened (a snapshot, as a read of Linux's would be). */
#include "acpi.h"
#include "arch.h"
#include "blkdev.h"
#include "clock.h"
#include "cmdline.h"
#include "cred.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "sched.h"
#include "uaccess.h"
#include "vfs.h"
#include "vma.h"

struct snap {
	size_t len;
	char text[];
};

typedef size_t (*gen_fn)(char *buf, size_t size);

static size_t
gen_cpuinfo(char *b, size_t size)
{
	size_t n = 0;

	for (int i = 0; i < sched_cpu_count() && n < size; i++)
		n += (size_t)fmt_snprintf(
		    b + n, size - n,
		    "processor\t: %d\nvendor_id\t: %s\nmodel name\t: %s\n"
		    "cpu MHz\t\t: %lu.000\nflags\t\t: fpu sse sse2%s%s%s\n\n",
		    i, cpu_features.vendor, cpu_features.brand,
		    (unsigned long)(clock_tsc_hz() / 1000000), cpu_features.avx ? " avx" : "",
		    cpu_features.xsave ? " xsave" : "", cpu_features.rdrand ? " rdrand" : "");
	return MIN(n, size);
}

static size_t
gen_meminfo(char *b, size_t size)
{
	return MIN((size_t)fmt_snprintf(b, size,
	                                "MemTotal:       %8lu kB\nMemFree:        %8lu kB\n"
	                                "MemAvailable:   %8lu kB\n",
	                                (unsigned long)(frame_total_bytes() >> 10),
	                                (unsigned long)(frame_free_bytes() >> 10),
	                                (unsigned long)(frame_free_bytes() >> 10)),
	           size);
}

static size_t
gen_uptime(char *b, size_t size)
{
	uint64_t ns = clock_ns();

	return MIN((size_t)fmt_snprintf(b, size, "%lu.%02lu 0.00\n",
	                                (unsigned long)(ns / 1000000000u),
	                                (unsigned long)(ns % 1000000000u / 10000000u)),
	           size);
}

static const char *app_path = "/app/app";
static const char *const *app_argv;

static size_t
gen_cmdline(char *b, size_t size)
{
	size_t n = 0;

	for (int i = 0; app_argv && app_argv[i] && n < size; i++) {
		size_t k = MIN(strlen(app_argv[i]) + 1, size - n);
		memcpy(b + n, app_argv[i], k);
		n += k;
	}
	return n;
}

static size_t
gen_status(char *b, size_t size)
{
	const char *name = strrchr(app_path, '/');

	return MIN((size_t)fmt_snprintf(
	               b, size,
	               "Name:\t%.15s\nState:\tR (running)\nTgid:\t1\nPid:\t1\nPPid:\t0\n"
	               "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nThreads:\t%lu\n",
	               name ? name + 1 : app_path, cred_uid(CRED_R), cred_uid(CRED_E),
	               cred_uid(CRED_S), cred_uid(CRED_FS), cred_gid(CRED_R), cred_gid(CRED_E),
	               cred_gid(CRED_S), cred_gid(CRED_FS), (unsigned long)thread_count()),
	           size);
}

static size_t
gen_maps(char *b, size_t size)
{
	return vma_describe(b, size);
}

/* Linux's 52 fields in their order (proc(5)), so ps-like tools parse it;
 * times in clock ticks (100 Hz) */
static size_t
gen_stat(char *b, size_t size)
{
	const char *name = strrchr(app_path, '/');
	unsigned long ut = (unsigned long)(thread_app_cpu_ns() / 10000000u);

	return MIN((size_t)fmt_snprintf(
	               b, size,
	               "1 (%.15s) R 0 1 1 0 -1 4194560 0 0 0 0 %lu 0 0 0 20 0 %lu 0 0 %lu %lu "
	               "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 "
	               "0\n",
	               name ? name + 1 : app_path, ut, (unsigned long)thread_count(),
	               (unsigned long)vma_total(), (unsigned long)(vma_resident() / 4096)),
	           size);
}

/* CPU lines: the app's time as user, the rest of the uptime as idle
 * (XXX: kernel time is not counted apart) */
static size_t
gen_pstat(char *b, size_t size)
{
	uint64_t up = clock_ns() / 10000000u, user = thread_app_cpu_ns() / 10000000u;
	int ncpu = sched_cpu_count();
	uint64_t idle = up * (uint64_t)ncpu > user ? up * (uint64_t)ncpu - user : 0;
	size_t n = (size_t)fmt_snprintf(b, size, "cpu  %lu 0 0 %lu 0 0 0 0 0 0\n",
	                                (unsigned long)user, (unsigned long)idle);

	for (int i = 0; i < ncpu && n < size; i++)
		n += (size_t)fmt_snprintf(b + n, size - n, "cpu%d %lu 0 0 %lu 0 0 0 0 0 0\n", i,
		                          (unsigned long)(i ? 0 : user),
		                          (unsigned long)(i ? up : (up > user ? up - user : 0)));
	if (n < size)
		n += (size_t)fmt_snprintf(
		    b + n, size - n,
		    "intr 0\nctxt 0\nbtime %lu\nprocesses 1\nprocs_running 1\n"
		    "procs_blocked 0\n",
		    (unsigned long)((clock_realtime_ns() - clock_ns()) / 1000000000u));
	return MIN(n, size);
}

static size_t
gen_mounts(char *b, size_t size)
{
	return MIN((size_t)fmt_snprintf(b, size, "rootfs / ramfs rw 0 0\n"), size);
}

static char hostname[65] = "unum";

static int
set_hostname(const char *v)
{
	if (!v || !*v || strlen(v) >= sizeof(hostname))
		return -EINVAL;
	memcpy(hostname, v, strlen(v) + 1);
	return 0;
}
CMDLINE_KEY("hostname", set_hostname);

const char *
vfs_hostname(void)
{
	return hostname;
}

static size_t
gen_hostname(char *b, size_t size)
{
	return MIN((size_t)fmt_snprintf(b, size, "%s\n", hostname), size);
}

/* /proc/self/fd/N: the open file's path, or what Linux shows for files
 * without one; following the link leads to the open file's node */
static void
fd_text(struct file *f, char *text, size_t size, struct vnode **magic)
{
	struct linux_stat st;

	*magic = NULL;
	for (int i = 0; i < 3; i++) {
		struct file *c = console_file(i);
		bool is = c == f;
		if (c)
			file_put(c);
		if (is) {
			*magic = devfs_console_node(i);
			break;
		}
	}
	if (f->f_node && !*magic) {
		*magic = f->f_node;
		if (vfs_path_locked(f->f_node, text, size) > 0)
			return;
	}
	if (f->f_ops->fd_name) {
		fmt_snprintf(text, size, "anon_inode:[%s]", f->f_ops->fd_name);
		return;
	}
	memset(&st, 0, sizeof(st));
	f->f_ops->stat(f, &st);
	if ((st.st_mode & S_IFMT) == S_IFCHR)
		fmt_snprintf(text, size, "/dev/console");
	else
		fmt_snprintf(text, size, "pipe:[%lu]", (unsigned long)st.st_ino);
}

static void
fill_fds(struct vnode *dir)
{
	struct file *f;
	char name[16], *text = kmalloc(4096);

	if (!text)
		return;
	vfs_fill_begin(dir);
	for (int fd = fd_next(0, &f); fd >= 0; fd = fd_next(fd + 1, &f)) {
		struct vnode *magic;
		fd_text(f, text, 4096, &magic);
		fmt_snprintf(name, sizeof(name), "%d", fd);
		vfs_fill_symlink(dir, name, text, magic);
		file_put(f);
	}
	vfs_fill_end(dir);
	kfree(text);
}

static long
proc_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	struct snap *s = f->f_priv;
	size_t k;

	if (!s) {
		gen_fn gen = (gen_fn)f->f_node->v_data;
		s = kmalloc(sizeof(*s) + 16384);
		if (!s)
			return -ENOMEM;
		s->len = gen(s->text, 16384);
		f->f_priv = s;
	}
	if (*off >= s->len)
		return 0;
	k = MIN(n, s->len - *off);
	if (copy_to_user(buf, s->text + *off, k))
		return -EFAULT;
	*off += k;
	return (long)k;
}

static void
proc_close(struct file *f)
{
	kfree(f->f_priv);
}

static int
proc_stat(struct file *f, void *statbuf)
{
	vfs_stat_node(f->f_node, statbuf);
	return 0;
}

static const struct file_ops proc_ops = {
    .read = proc_read,
    .close = proc_close,
    .stat = proc_stat,
    .seekable = true,
};

void
procfs_init(const char *exe, const char *const *argv)
{
	static const struct {
		const char *path;
		gen_fn gen;
	} files[] = {
	    {"/proc/cpuinfo", gen_cpuinfo},
	    {"/proc/meminfo", gen_meminfo},
	    {"/proc/uptime", gen_uptime},
	    {"/proc/self/cmdline", gen_cmdline},
	    {"/proc/self/status", gen_status},
	    {"/proc/self/maps", gen_maps},
	    {"/proc/self/stat", gen_stat},
	    {"/proc/stat", gen_pstat},
	    {"/proc/mounts", gen_mounts},
	    {"/proc/self/mounts", gen_mounts},
	    {"/proc/sys/kernel/hostname", gen_hostname},
	    {"/proc/diskstats", blk_diskstats},
	};
	struct vnode *v;

	app_path = exe;
	app_argv = argv;
	vfs_create(NULL, "/proc", S_IFDIR | 0555, &v);
	vfs_create(NULL, "/proc/self", S_IFDIR | 0555, &v);
	vfs_create(NULL, "/proc/sys", S_IFDIR | 0555, &v);
	vfs_create(NULL, "/proc/sys/kernel", S_IFDIR | 0555, &v);
	if (!vfs_create(NULL, "/proc/self/fd", S_IFDIR | 0500, &v))
		v->v_fill = fill_fds;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (!vfs_create(NULL, files[i].path, S_IFREG | 0444, &v)) {
			v->v_dev = &proc_ops;
			v->v_data = (uint8_t *)files[i].gen; /* the generator, not bytes */
		}
	if (!vfs_create(NULL, "/proc/self/exe", S_IFLNK | 0777, &v))
		vfs_write_data(v, 0, exe, strlen(exe));
}

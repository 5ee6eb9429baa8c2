/* /proc, the files runtimes read: self/exe (a symlink to the app),
 * self/cmdline, self/status, cpuinfo, meminfo, uptime. Contents are made
 * when the file is opened (a snapshot, as a read of Linux's would be). */
#include "acpi.h"
#include "arch.h"
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "sched.h"
#include "uaccess.h"
#include "vfs.h"

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
		n += (size_t)fmt_snprintf(b + n, size - n,
					  "processor\t: %d\nvendor_id\t: %s\nmodel name\t: %s\n"
					  "cpu MHz\t\t: %lu.000\nflags\t\t: fpu sse sse2%s%s%s\n\n",
					  i, cpu_features.vendor, cpu_features.brand,
					  (unsigned long)(clock_tsc_hz() / 1000000),
					  cpu_features.avx ? " avx" : "", cpu_features.xsave ? " xsave" : "",
					  cpu_features.rdrand ? " rdrand" : "");
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

	return MIN((size_t)fmt_snprintf(b, size,
					"Name:\t%.15s\nState:\tR (running)\nPid:\t1\nPPid:\t0\n"
					"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nThreads:\t%lu\n",
					name ? name + 1 : app_path, (unsigned long)thread_count()),
		   size);
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
	.read = proc_read, .close = proc_close, .stat = proc_stat, .seekable = true,
};

void
procfs_init(const char *exe, const char *const *argv)
{
	static const struct {
		const char *path;
		gen_fn gen;
	} files[] = {
		{ "/proc/cpuinfo", gen_cpuinfo },   { "/proc/meminfo", gen_meminfo },
		{ "/proc/uptime", gen_uptime },     { "/proc/self/cmdline", gen_cmdline },
		{ "/proc/self/status", gen_status },
	};
	struct vnode *v;

	app_path = exe;
	app_argv = argv;
	vfs_create(NULL, "/proc", S_IFDIR | 0555, &v);
	vfs_create(NULL, "/proc/self", S_IFDIR | 0555, &v);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (!vfs_create(NULL, files[i].path, S_IFREG | 0444, &v)) {
			v->v_dev = &proc_ops;
			v->v_data = (uint8_t *)files[i].gen; /* the generator, not bytes */
		}
	if (!vfs_create(NULL, "/proc/self/exe", S_IFLNK | 0777, &v))
		vfs_write_data(v, 0, exe, strlen(exe));
}

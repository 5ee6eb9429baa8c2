/* proc and sysfs, trees of generated files on ramfs's nodes. /proc: the
 * files runtimes and tools read: self/exe (a symlink to the app), self/fd/
 * (a link per open fd, listed as it is at each lookup), self/maps,
 * self/stat, self/status, self/statm, self/smaps_rollup, self/cmdline,
 * self/mounts, self/mountinfo, cpuinfo, meminfo, uptime, stat, mounts,
 * diskstats, net/unix, net/dev, net/route, net/tcp, net/tcp6, net/udp,
 * net/udp6, sys/kernel/hostname, sys/net/ipv4/ip_local_port_range (the
 * one written too). /sys: devices/system/cpu/{online,possible,present}.
 * Contents are made when the file is opened (a snapshot, as a read of
 * Linux's would be); the app makes nothing in these trees (-EACCES). */
#include "acpi.h"
#include "arch.h"
#include "blkdev.h"
#include "clock.h"
#include "cmdline.h"
#include "cred.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "net.h"
#include "sched.h"
#include "socket.h"
#include "uaccess.h"
#include "uapi/limits.h"
#include "vfs_fs.h"
#include "vma.h"

struct snap {
	size_t len, cap; /* bytes made, room for them */
	char text[];
};

#define SNAP_SMALL 16384      /* from the heap; larger ones from vmem */
#define SNAP_MAX (64ul << 20) /* /proc/self/maps of 65,530 regions fits */

typedef size_t (*gen_fn)(char *buf, size_t size);

struct gen_file {
	const char *path; /* under the mount's root: "a/b/c" */
	gen_fn gen;
	/* optional, a sysctl: a write's text (at most SYSCTL_MAX bytes), as
	 * Linux's proc handler takes it: the bytes it used or -errno */
	long (*set)(const char *buf, size_t len);
};

#define SYSCTL_MAX 4095 /* Linux parses a page less its NUL */

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

/* Linux's lines from the real counters: frames free and in all, what
 * the app's demand may still take (MemAvailable: free above the kernel's
 * reserve; nothing here is reclaimable), file contents in memory (ramfs
 * and tmpfs are Linux's shmem: Cached and Shmem), the app's private
 * frames (AnonPages) and the file frames it maps (Mapped), the heap's
 * slabs, the overcommit rule (include/mm.h). No swap, no block cache. */
static size_t
gen_meminfo(char *b, size_t size)
{
	uint64_t free = frame_free_bytes(), keep = frame_reserve_bytes(), file = mm_file_bytes();
	struct vma_usage u;
	struct heap_stats hs;

	vma_usage(&u);
	heap_stats(&hs);
	return MIN((size_t)fmt_snprintf(
	               b, size,
	               "MemTotal:       %8lu kB\nMemFree:        %8lu kB\n"
	               "MemAvailable:   %8lu kB\nBuffers:        %8lu kB\n"
	               "Cached:         %8lu kB\nSwapCached:     %8lu kB\n"
	               "SwapTotal:      %8lu kB\nSwapFree:       %8lu kB\n"
	               "AnonPages:      %8lu kB\nMapped:         %8lu kB\n"
	               "Shmem:          %8lu kB\nSlab:           %8lu kB\n"
	               "SReclaimable:   %8lu kB\nSUnreclaim:     %8lu kB\n"
	               "CommitLimit:    %8lu kB\nCommitted_AS:   %8lu kB\n"
	               "VmallocTotal:   %8lu kB\nHugePages_Total:   %5lu\n"
	               "HugePages_Free:    %5lu\nHugepagesize:   %8lu kB\n",
	               (unsigned long)(frame_total_bytes() >> 10), (unsigned long)(free >> 10),
	               (unsigned long)((free > keep ? free - keep : 0) >> 10), 0ul,
	               (unsigned long)(file >> 10), 0ul, 0ul, 0ul, (unsigned long)(u.anon >> 10),
	               (unsigned long)(u.file >> 10), (unsigned long)(file >> 10),
	               (unsigned long)(hs.slab_pages * 4), 0ul, (unsigned long)(hs.slab_pages * 4),
	               (unsigned long)(mm_commit_limit() >> 10),
	               (unsigned long)(mm_committed() >> 10), (unsigned long)(VMEM_SIZE >> 10), 0ul,
	               0ul, 2048ul),
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

/* /proc/unum/syscalls (ours, not Linux's): the system calls entered by
 * each door since boot, over every CPU: "door1" the SYSCALL instruction,
 * "door2" a call from the kernel's musl (arch/x86_64/syscall.S); so a
 * program can tell that its libc calls made no SYSCALL */
static size_t
gen_unum_syscalls(char *b, size_t size)
{
	uint64_t n[2] = {0, 0};

	for (int i = 0; i < MAX_CPUS; i++)
		if (percpu_of[i])
			for (int d = 0; d < 2; d++)
				n[d] +=
				    __atomic_load_n(&percpu_of[i]->door_calls[d], __ATOMIC_RELAXED);
	return MIN((size_t)fmt_snprintf(b, size, "door1 %lu\ndoor2 %lu\n", (unsigned long)n[0],
	                                (unsigned long)n[1]),
	           size);
}

static const char *app_path = "/app/app";
static const char *const *app_argv;
static struct vnode *exe_node; /* the file the loader ran (procfs_set_exe) */

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
	struct vma_usage u;

	vma_usage(&u);
	return MIN((size_t)fmt_snprintf(
	               b, size,
	               "Name:\t%.15s\nState:\tR (running)\nTgid:\t1\nPid:\t1\nPPid:\t0\n"
	               "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n"
	               "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t%8lu kB\nVmPin:\t%8lu kB\n"
	               "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\nRssAnon:\t%8lu kB\n"
	               "RssFile:\t%8lu kB\nRssShmem:\t%8lu kB\nVmData:\t%8lu kB\n"
	               "VmStk:\t%8lu kB\nVmExe:\t%8lu kB\nVmLib:\t%8lu kB\nVmSwap:\t%8lu kB\n"
	               "Threads:\t%lu\n",
	               name ? name + 1 : app_path, cred_uid(CRED_R), cred_uid(CRED_E),
	               cred_uid(CRED_S), cred_uid(CRED_FS), cred_gid(CRED_R), cred_gid(CRED_E),
	               cred_gid(CRED_S), cred_gid(CRED_FS), (unsigned long)(u.peak >> 10),
	               (unsigned long)(u.total >> 10), 0ul, 0ul, (unsigned long)(u.hwm >> 10),
	               (unsigned long)(u.rss >> 10), (unsigned long)(u.anon >> 10),
	               (unsigned long)(u.file >> 10), 0ul, (unsigned long)(u.data >> 10),
	               (unsigned long)(u.stack >> 10), (unsigned long)(u.exe >> 10), 0ul, 0ul,
	               (unsigned long)thread_app_count()),
	           size);
}

/* size resident shared text lib data dt, in pages (proc(5)); "shared":
 * the file frames mapped, as Linux's RssFile + RssShmem */
static size_t
gen_statm(char *b, size_t size)
{
	struct vma_usage u;

	vma_usage(&u);
	return MIN((size_t)fmt_snprintf(
	               b, size, "%lu %lu %lu %lu 0 %lu 0\n", (unsigned long)(u.total / PAGE_SIZE),
	               (unsigned long)(u.rss / PAGE_SIZE), (unsigned long)(u.file / PAGE_SIZE),
	               (unsigned long)(u.exe / PAGE_SIZE),
	               (unsigned long)((u.data + u.stack) / PAGE_SIZE)),
	           size);
}

/* Linux's rollup of smaps over the whole address space. One process, so
 * each page's share (Pss) is all of it. XXX: dirtiness is not tracked:
 * private frames count as dirty, a file's as clean */
static size_t
gen_smaps_rollup(char *b, size_t size)
{
	static const char *const names[] = {"Rss",
	                                    "Pss",
	                                    "Pss_Dirty",
	                                    "Pss_Anon",
	                                    "Pss_File",
	                                    "Pss_Shmem",
	                                    "Shared_Clean",
	                                    "Shared_Dirty",
	                                    "Private_Clean",
	                                    "Private_Dirty",
	                                    "Referenced",
	                                    "Anonymous",
	                                    "LazyFree",
	                                    "AnonHugePages",
	                                    "ShmemPmdMapped",
	                                    "FilePmdMapped",
	                                    "Shared_Hugetlb",
	                                    "Private_Hugetlb",
	                                    "Swap",
	                                    "SwapPss",
	                                    "Locked"};
	struct vma_usage u;
	size_t n;

	vma_usage(&u);
	uint64_t kb[ARRAY_SIZE(names)] = {
	    u.rss >> 10, u.rss >> 10, u.anon >> 10, u.anon >> 10, u.file >> 10, 0,
	    0,           0,           u.file >> 10, u.anon >> 10, u.rss >> 10,  u.anon >> 10};
	n = (size_t)fmt_snprintf(b, size, "%08lx-%08lx ---p 00000000 00:00 0%27s[rollup]\n",
	                         (unsigned long)u.lo, (unsigned long)u.hi, "");
	for (size_t i = 0; i < ARRAY_SIZE(names) && n < size; i++) {
		char label[24];
		fmt_snprintf(label, sizeof(label), "%s:", names[i]);
		n += (size_t)fmt_snprintf(b + n, size - n, "%-16s%8lu kB\n", label,
		                          (unsigned long)kb[i]);
	}
	return MIN(n, size);
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
	               name ? name + 1 : app_path, ut, (unsigned long)thread_app_count(),
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
	return vfs_mounts_describe(b, size, false);
}

static size_t
gen_mountinfo(char *b, size_t size)
{
	return vfs_mounts_describe(b, size, true);
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
	else if ((st.st_mode & S_IFMT) == S_IFSOCK)
		fmt_snprintf(text, size, "socket:[%lu]", (unsigned long)st.st_ino);
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
	ramfs_fill_begin(dir);
	for (int fd = fd_next(0, &f); fd >= 0; fd = fd_next(fd + 1, &f)) {
		struct vnode *magic;
		fd_text(f, text, 4096, &magic);
		fmt_snprintf(name, sizeof(name), "%d", fd);
		ramfs_fill_symlink(dir, name, text, magic);
		file_put(f);
	}
	ramfs_fill_end(dir);
	kfree(text);
}

static void
snap_free(struct snap *s)
{
	if (s && s->cap > SNAP_SMALL)
		vmem_free(s, sizeof(*s) + s->cap);
	else
		kfree(s);
}

static long
proc_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	const struct gen_file *g = f->f_node->v_priv;
	struct snap *s = f->f_priv;
	size_t k;

	if (g->set && *off)
		return 0; /* Linux's sysctl files: a read past the start is the end */
	if (!s) {
		gen_fn gen = g->gen;
		/* a generator stops at a line that does not fit: make it again
		 * with more room while it ends near the end of it */
		for (size_t cap = SNAP_SMALL;; cap *= 2) {
			s = cap == SNAP_SMALL ? kmalloc(sizeof(*s) + cap)
			                      : vmem_alloc(sizeof(*s) + cap);
			if (!s)
				return -ENOMEM;
			s->cap = cap;
			s->len = gen(s->text, cap);
			if (s->len + 1024 < cap || cap >= SNAP_MAX)
				break;
			snap_free(s);
		}
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

/* Linux's sysctl writes (sysctl_writes_strict): one write from the
 * start, its first SYSCTL_MAX bytes parsed; a write past the start is
 * taken and ignored. A file that is only read: -EIO, as Linux's. */
static long
proc_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	const struct gen_file *g = f->f_node->v_priv;
	size_t k = MIN(n, (size_t)SYSCTL_MAX);
	char *text;
	long r;

	if (!g->set)
		return -EIO;
	if (*off || !n)
		return (long)n;
	if (!(text = kmalloc(k + 1)))
		return -ENOMEM;
	if (copy_from_user(text, buf, k)) {
		kfree(text);
		return -EFAULT;
	}
	text[k] = '\0';
	r = g->set(text, k);
	kfree(text);
	if (r < 0)
		return r;
	r += (long)(n - k); /* as Linux counts what it did not parse */
	*off += (uint64_t)r;
	return r;
}

static void
proc_release(struct file *f)
{
	snap_free(f->f_priv);
}

static int
proc_stat(struct file *f, void *statbuf)
{
	vfs_stat_node(f->f_node, statbuf);
	return 0;
}

static const struct file_ops proc_ops = {
    .read = proc_read,
    .write = proc_write,
    .release = proc_release,
    .stat = proc_stat,
    .seekable = true,
};

/* /proc's directories: the app makes and removes nothing there */
static int
deny_create(struct vnode *d, const char *n, size_t l, uint32_t m, struct vnode **o)
{
	return -EACCES;
}
static int
deny_mknod(struct vnode *d, const char *n, size_t l, uint32_t m, uint32_t r, struct vnode **o)
{
	return -EACCES;
}
static int
deny_symlink(struct vnode *d, const char *n, size_t l, const char *t, struct vnode **o)
{
	return -EACCES;
}
static int
deny_unlink(struct vnode *d, const char *n, size_t l)
{
	return -EACCES;
}
static int
deny_rename(struct vnode *od, const char *on, size_t ol, struct vnode *nd, const char *nn,
            size_t nl, bool noreplace)
{
	return -EACCES;
}
static int
deny_link(struct vnode *v, struct vnode *d, const char *n, size_t l)
{
	return -EACCES;
}

/* /proc/self/fd: its links made again at each lookup and listing */
static int
fd_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	fill_fds(dir);
	return ramfs_ops.lookup(dir, name, len, out);
}

/* the app may always look into its own fds, as Linux's
 * proc_fd_permission (the task itself, whatever its ids) */
static int
fd_permission(struct vnode *v, int mode)
{
	return 0;
}

static int
fd_readdir(struct vnode *dir, uint64_t *pos, vfs_emit_fn emit, void *ctx)
{
	if (*pos == 0)
		fill_fds(dir); /* listed as it is now */
	return ramfs_ops.readdir(dir, pos, emit, ctx);
}

/* /proc/self/exe: the path of the file the loader ran, as Linux's
 * d_path of the executable: symlinks resolved (/app/NAME may be a symlink
 * to the program's own path: runtimes find their home from here); the
 * app's argv[0] before the loader ran it */
static int
exe_path(char *buf, size_t size, bool locked)
{
	int n = !exe_node ? -ENOENT
	        : locked  ? vfs_path_locked(exe_node, buf, size)
	                  : vfs_path(exe_node, buf, size);

	if (n >= 0)
		return n;
	n = (int)MIN(size, strlen(app_path));
	memcpy(buf, app_path, (size_t)n);
	return n;
}

static int
exe_readlink(struct vnode *v, char *buf, size_t size)
{
	char *path = kmalloc(PATH_MAX);
	int n;

	if (!path)
		return -ENOMEM;
	n = exe_path(path, PATH_MAX, true); /* a readlink op: namespace lock held */
	n = (int)MIN(size, (size_t)n);
	memcpy(buf, path, (size_t)n);
	kfree(path);
	return n;
}

static void
exe_getattr(struct vnode *v, struct linux_stat *st)
{
	char *path = kmalloc(PATH_MAX);

	ramfs_ops.getattr(v, st);
	st->st_size = path ? exe_path(path, PATH_MAX, false) : (int64_t)strlen(app_path);
	kfree(path);
}

static struct vnode_ops dir_ops, fd_ops, exe_ops; /* ramfs's, with the above */

static void
ops_init(void)
{
	if (dir_ops.lookup)
		return;
	dir_ops = ramfs_ops;
	dir_ops.create = dir_ops.mkdir = deny_create;
	dir_ops.mknod = deny_mknod;
	dir_ops.symlink = deny_symlink;
	dir_ops.unlink = dir_ops.rmdir = deny_unlink;
	dir_ops.rename = deny_rename;
	dir_ops.link = deny_link;
	fd_ops = dir_ops;
	fd_ops.lookup = fd_lookup;
	fd_ops.readdir = fd_readdir;
	fd_ops.permission = fd_permission;
	exe_ops = ramfs_ops;
	exe_ops.readlink = exe_readlink;
	exe_ops.getattr = exe_getattr;
}

/* a tree of generated files: the directories on the way made as needed */
static int
add_files(struct mount *m, const struct gen_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct vnode *d = m->mnt_root, *v;
		const char *p = files[i].path, *slash;
		char name[64];
		while ((slash = strchr(p, '/'))) {
			size_t len = MIN((size_t)(slash - p), sizeof(name) - 1);
			memcpy(name, p, len);
			name[len] = '\0';
			if (ramfs_ops.lookup(d, name, len, &v) &&
			    !(v = ramfs_add(d, name, S_IFDIR | 0555, &dir_ops)))
				return -ENOMEM;
			d = v;
			p = slash + 1;
		}
		if (!(v = ramfs_add(d, p, S_IFREG | (files[i].set ? 0644 : 0444), &dir_ops)))
			return -ENOMEM;
		v->v_dev = &proc_ops;
		v->v_priv = (void *)&files[i]; /* the generator, not bytes */
	}
	return 0;
}

/* /proc's files, made on first use (below) */
static int
proc_tree(struct mount *m)
{
	static const struct gen_file files[] = {
	    {"cpuinfo", gen_cpuinfo, NULL},
	    {"meminfo", gen_meminfo, NULL},
	    {"uptime", gen_uptime, NULL},
	    {"self/cmdline", gen_cmdline, NULL},
	    {"self/status", gen_status, NULL},
	    {"self/statm", gen_statm, NULL},
	    {"self/smaps_rollup", gen_smaps_rollup, NULL},
	    {"self/maps", gen_maps, NULL},
	    {"self/stat", gen_stat, NULL},
	    {"self/mounts", gen_mounts, NULL},
	    {"self/mountinfo", gen_mountinfo, NULL},
	    {"stat", gen_pstat, NULL},
	    {"mounts", gen_mounts, NULL},
	    {"sys/kernel/hostname", gen_hostname, NULL},
	    {"sys/net/ipv4/ip_local_port_range", net_proc_port_range, net_set_port_range},
	    {"sys/net/ipv4/tcp_max_tw_buckets", net_proc_tw_max, net_set_tw_max},
	    {"unum/syscalls", gen_unum_syscalls, NULL},
	    {"diskstats", blk_diskstats, NULL},
	    {"net/unix", unix_proc_net, NULL},
	    {"net/dev", net_proc_dev, NULL},
	    {"net/route", net_proc_route, NULL},
	    {"net/tcp", net_proc_tcp, NULL},
	    {"net/tcp6", net_proc_tcp6, NULL},
	    {"net/udp", net_proc_udp, NULL},
	    {"net/udp6", net_proc_udp6, NULL},
	};
	struct vnode *self, *v;
	int err;

	if ((err = add_files(m, files, ARRAY_SIZE(files))))
		return err;
	if (ramfs_ops.lookup(m->mnt_root, "self", 4, &self) ||
	    !(v = ramfs_add(self, "fd", S_IFDIR | 0500, &fd_ops)) ||
	    !(v = ramfs_add(self, "exe", S_IFLNK | 0777, &exe_ops)))
		return -ENOMEM;
	return 0;
}

/* the directories at the top of each tree (self, sys, unum, net; devices):
 * the root's link count before it is filled */
#define PROC_TOP_DIRS 4
#define SYS_TOP_DIRS 1

/*
 * /proc and /sys are filled when first looked into, not at mount: their
 * thirty-odd nodes cost more of the boot than anything else in vfs_init,
 * and most apps never look. The root's v_priv is its tree's maker until
 * then (NULL after). Lookups and readdir come with the ns lock held (the
 * lock the mount itself filled under), so one fills and the others find
 * it done; getattr comes without it and answers what the tree will hold.
 */
struct lazy_tree {
	int (*make)(struct mount *m);
	int top_dirs;
};

static const struct lazy_tree proc_lazy = {proc_tree, PROC_TOP_DIRS};

static int
lazy_fill(struct vnode *root)
{
	const struct lazy_tree *t = __atomic_load_n(&root->v_priv, __ATOMIC_ACQUIRE);
	uint64_t mtime = root->v_mtime_ns, ctime = root->v_ctime_ns;
	int err;

	if (!t)
		return 0;
	err = t->make(root->v_mount);
	root->v_mtime_ns = mtime; /* made at mount, as far as anyone can tell */
	root->v_ctime_ns = ctime;
	/* made once: out of memory leaves part of the tree, and says so once */
	__atomic_store_n(&root->v_priv, NULL, __ATOMIC_RELEASE);
	return err;
}

static int
lazy_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	int err = lazy_fill(dir);

	return err ? err : ramfs_ops.lookup(dir, name, len, out);
}

static int
lazy_readdir(struct vnode *dir, uint64_t *pos, vfs_emit_fn emit, void *ctx)
{
	int err = lazy_fill(dir);

	return err ? err : ramfs_ops.readdir(dir, pos, emit, ctx);
}

static void
lazy_getattr(struct vnode *v, struct linux_stat *st)
{
	const struct lazy_tree *t = __atomic_load_n(&v->v_priv, __ATOMIC_ACQUIRE);

	ramfs_ops.getattr(v, st);
	if (t)
		st->st_nlink = 2 + t->top_dirs;
}

static struct vnode_ops root_ops; /* dir_ops, filling first */

static int
lazy_root(struct mount *m, const struct lazy_tree *t)
{
	int err;

	ops_init();
	if ((err = ramfs_fill_root(m, 0555)))
		return err;
	if (!root_ops.lookup) {
		root_ops = dir_ops;
		root_ops.lookup = lazy_lookup;
		root_ops.readdir = lazy_readdir;
		root_ops.getattr = lazy_getattr;
	}
	m->mnt_root->v_ops = &root_ops;
	m->mnt_root->v_priv = (void *)t;
	return 0;
}

static int
proc_fill(struct mount *m, const char *opts)
{
	return lazy_root(m, &proc_lazy); /* XXX: options (hidepid=...) are ignored */
}

const struct fs_type proc_type = {.name = "proc", .magic = 0x9fa0, .fill = proc_fill};

/* /sys: what it has is the CPUs (glibc's get_nprocs reads online) */
static size_t
gen_cpus(char *b, size_t size)
{
	int n = sched_cpu_count();

	return MIN(
	    (size_t)(n > 1 ? fmt_snprintf(b, size, "0-%d\n", n - 1) : fmt_snprintf(b, size, "0\n")),
	    size);
}

static int
sys_tree(struct mount *m)
{
	static const struct gen_file files[] = {
	    {"devices/system/cpu/online", gen_cpus, NULL},
	    {"devices/system/cpu/possible", gen_cpus, NULL},
	    {"devices/system/cpu/present", gen_cpus, NULL},
	};

	return add_files(m, files, ARRAY_SIZE(files));
}

static const struct lazy_tree sys_lazy = {sys_tree, SYS_TOP_DIRS};

static int
sysfs_fill(struct mount *m, const char *opts)
{
	return lazy_root(m, &sys_lazy);
}

const struct fs_type sysfs_type = {.name = "sysfs", .magic = 0x62656572, .fill = sysfs_fill};

void
procfs_init(const char *exe, const char *const *argv)
{
	app_path = exe;
	app_argv = argv;
}

void
procfs_set_exe(struct vnode *v)
{
	exe_node = v;
}

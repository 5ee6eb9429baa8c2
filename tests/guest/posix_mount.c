/* The mount table: the file systems at start-up (/, /dev, /proc, /sys,
 * /tmp) in /proc/mounts and /proc/self/mountinfo; mount(2) of tmpfs
 * (size= and -ENOSPC, remount, read-only), ramfs, proc and devtmpfs;
 * umount2(2) with -EBUSY while a file, the working directory or a mount
 * below uses it; ".." out of a mount's root, -EXDEV across mounts; eight
 * threads appending to one file in /tmp stop at -ENOSPC and the app goes
 * on. Mounting needs root: natively the mount cases are skipped unless
 * run as root; the start-up table and /tmp's size are unum's
 * (UNUM_TEST). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tap.h"

#define TMPFS_MAGIC 0x01021994
#define KB 1024l

static bool unum;

/* the whole of a (small) text file, NUL-terminated, in a static buffer */
static const char *
slurp(const char *path)
{
	static char buf[16384];
	int fd = open(path, O_RDONLY);
	ssize_t n, got = 0;

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return buf;
}

static bool
has_line(const char *path, const char *line)
{
	const char *t = slurp(path), *p = t;
	size_t n = strlen(line);

	for (; (p = strstr(p, line)); p++)
		if ((p == t || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	printf("# %s has no line \"%s\":\n%s", path, line, t);
	return false;
}

static bool
contains(const char *path, const char *s)
{
	if (strstr(slurp(path), s))
		return true;
	printf("# %s has no \"%s\":\n%s", path, s, slurp(path));
	return false;
}

static long
fs_blocks(const char *path, long *type)
{
	struct statfs st;

	if (statfs(path, &st))
		return -1;
	if (type)
		*type = (long)st.f_type;
	return (long)st.f_blocks;
}

static void
boot_table(void)
{
	struct sysinfo si;
	struct stat a, b;
	long type = 0, blocks = fs_blocks("/tmp", &type);

	CHECK(has_line("/proc/mounts", "rootfs / ramfs rw 0 0"), "/proc/mounts: the root ramfs");
	CHECK(contains("/proc/mounts", "devtmpfs /dev devtmpfs rw,nosuid"),
	      "/proc/mounts: devtmpfs on /dev");
	CHECK(has_line("/proc/mounts", "proc /proc proc rw,nosuid,nodev,noexec 0 0"),
	      "/proc/mounts: proc on /proc");
	CHECK(has_line("/proc/mounts", "sysfs /sys sysfs rw,nosuid,nodev,noexec 0 0"),
	      "/proc/mounts: sysfs on /sys");
	CHECK(contains("/proc/mounts", "tmpfs /tmp tmpfs rw,nosuid,nodev,size="),
	      "/proc/mounts: tmpfs on /tmp");
	CHECK(contains("/proc/self/mountinfo", " / /tmp rw,nosuid,nodev - tmpfs tmpfs rw,size="),
	      "mountinfo: /tmp");
	CHECK(contains("/proc/self/mounts", "proc /proc proc"), "/proc/self/mounts");
	sysinfo(&si);
	long half = (long)((uint64_t)si.totalram * si.mem_unit / 2 / 4096);
	printf("# /tmp: %ld blocks, half the memory: %ld\n", blocks, half);
	CHECK(type == TMPFS_MAGIC && blocks >= half - 1 && blocks <= half + 1,
	      "/tmp is a tmpfs of half the memory");
	CHECK(stat("/", &a) == 0 && stat("/tmp", &b) == 0 && a.st_dev != b.st_dev,
	      "/tmp's st_dev is not the root's");
	CHECK(access("/sys/devices/system/cpu/online", R_OK) == 0 &&
	          strcmp(slurp("/sys/devices/system/cpu/online"), "0-1\n") == 0,
	      "/sys/devices/system/cpu/online: 0-1 (2 CPUs)");
	CHECK(mkdir("/proc/x", 0755) == -1 && errno == EACCES, "mkdir in /proc: EACCES");
}

/* write 64 KiB blocks to path until a write fails: the bytes written */
static long
fill(const char *path)
{
	static char blk[64 * KB];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long total = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	memset(blk, 'x', sizeof(blk));
	while ((n = write(fd, blk, sizeof(blk))) > 0)
		total += n;
	int e = errno;
	close(fd);
	errno = e;
	return total;
}

static void
tmpfs_cases(void)
{
	struct stat a, b;
	long type = 0, total;
	int fd;

	mkdir("/mnt_t", 0755);
	CHECK(mount("none", "/mnt_t", "tmpfs", 0, "size=1m") == 0, "mount -t tmpfs -o size=1m");
	CHECK(has_line("/proc/mounts", "none /mnt_t tmpfs rw,size=1024k 0 0"),
	      "/proc/mounts lists it");
	CHECK(contains("/proc/self/mountinfo", " / /mnt_t rw - tmpfs none rw,size=1024k\n"),
	      "mountinfo lists it");
	CHECK(fs_blocks("/mnt_t", &type) == 256 && type == TMPFS_MAGIC, "statfs: 256 blocks");
	CHECK(stat("/mnt_t", &a) == 0 && (a.st_mode & 07777) == 01777 && S_ISDIR(a.st_mode),
	      "its root is a 1777 directory");
	CHECK(stat("/mnt_t/..", &a) == 0 && stat("/", &b) == 0 && a.st_ino == b.st_ino &&
	          a.st_dev == b.st_dev,
	      "\"..\" of the mount's root is the directory above the mount point");
	errno = 0;
	total = fill("/mnt_t/big");
	printf("# wrote %ld bytes into a 1 MiB tmpfs\n", total);
	CHECK(errno == ENOSPC && total <= 1024 * KB && total >= 1024 * KB - 64 * KB,
	      "writes past size= are ENOSPC");
	CHECK(unlink("/mnt_t/big") == 0 && fill("/mnt_t/big2") >= 960 * KB,
	      "an unlinked file's room comes back");
	CHECK(mount(NULL, "/mnt_t", NULL, MS_REMOUNT, "size=2m") == 0 &&
	          fs_blocks("/mnt_t", NULL) == 512 &&
	          has_line("/proc/mounts", "none /mnt_t tmpfs rw,size=2048k 0 0"),
	      "MS_REMOUNT size=2m");
	CHECK(mount(NULL, "/mnt_t", NULL, MS_REMOUNT, "size=64k") == -1 && errno == EINVAL,
	      "a remount below what the files hold: EINVAL");
	CHECK(mount(NULL, "/mnt_t", NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0 &&
	          contains("/proc/mounts", "none /mnt_t tmpfs ro,"),
	      "MS_REMOUNT|MS_RDONLY");
	CHECK(open("/mnt_t/new", O_WRONLY | O_CREAT, 0644) == -1 && errno == EROFS,
	      "read-only: creating a file is EROFS");
	CHECK(open("/mnt_t/big2", O_WRONLY) == -1 && errno == EROFS,
	      "read-only: opening for writing is EROFS");
	CHECK(mkdir("/mnt_t/d", 0755) == -1 && errno == EROFS, "read-only: mkdir is EROFS");
	CHECK(unlink("/mnt_t/big2") == -1 && errno == EROFS, "read-only: unlink is EROFS");
	CHECK((fd = open("/mnt_t/big2", O_RDONLY)) >= 0 && close(fd) == 0,
	      "read-only: reading is fine");
	CHECK(mount(NULL, "/mnt_t", NULL, MS_REMOUNT, NULL) == 0 && mkdir("/mnt_t/d", 0755) == 0,
	      "remounted read-write");
	/* in use: an open file, the working directory, a mount below */
	CHECK((fd = open("/mnt_t/big2", O_RDONLY)) >= 0 && umount("/mnt_t") == -1 && errno == EBUSY,
	      "umount with an open file: EBUSY");
	close(fd);
	CHECK(chdir("/mnt_t/d") == 0 && umount("/mnt_t") == -1 && errno == EBUSY,
	      "umount of the working directory's mount: EBUSY");
	char cwd[256];
	CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/mnt_t/d") == 0, "getcwd in a mount");
	CHECK(chdir("../..") == 0 && getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0,
	      "chdir .. out of a mount");
	CHECK(mount("inner", "/mnt_t/d", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0 &&
	          contains("/proc/mounts", "inner /mnt_t/d tmpfs rw,nosuid,nodev,noexec"),
	      "a mount below, its flags recorded");
	struct statfs sf;
	CHECK(statfs("/mnt_t/d", &sf) == 0 && (sf.f_flags & (ST_NOSUID | ST_NODEV | ST_NOEXEC)) ==
	                                          (ST_NOSUID | ST_NODEV | ST_NOEXEC),
	      "statfs f_flags: nosuid, nodev, noexec");
	CHECK(umount("/mnt_t") == -1 && errno == EBUSY, "umount with a mount below: EBUSY");
	CHECK(rmdir("/mnt_t/d") == -1 && errno == EBUSY, "rmdir of a mount point: EBUSY");
	CHECK((fd = open("/mnt_t/d/f", O_WRONLY | O_CREAT, 0644)) >= 0 && close(fd) == 0 &&
	          rename("/mnt_t/d/f", "/mnt_t/f") == -1 && errno == EXDEV,
	      "rename across mounts: EXDEV");
	CHECK(link("/mnt_t/d/f", "/mnt_t/f") == -1 && errno == EXDEV, "link across mounts: EXDEV");
	CHECK(umount("/mnt_t/d") == 0 && access("/mnt_t/d/f", F_OK) == -1 && errno == ENOENT,
	      "umount: the mount's files are gone from the path");
	CHECK(umount2("/mnt_t", 0) == 0, "umount2 of the tmpfs");
	CHECK(access("/mnt_t/big2", F_OK) == -1 && errno == ENOENT &&
	          !strstr(slurp("/proc/mounts"), "/mnt_t"),
	      "unmounted: gone from the path and /proc/mounts");
	CHECK(umount("/mnt_t") == -1 && errno == EINVAL, "umount of a plain directory: EINVAL");
	CHECK(umount("/") == -1 && errno == EBUSY, "umount of /: EBUSY");
}

static void
other_types(void)
{
	struct stat st;
	int fd;

	mkdir("/mnt_o", 0755);
	CHECK(mount("x", "/mnt_o", "nosuchfs", 0, NULL) == -1 && errno == ENODEV,
	      "an unknown type: ENODEV");
	CHECK(mount("x", "/mnt_o/missing", "tmpfs", 0, NULL) == -1 && errno == ENOENT,
	      "a missing mount point: ENOENT");
	CHECK((fd = open("/mnt_o_file", O_WRONLY | O_CREAT, 0644)) >= 0 && close(fd) == 0 &&
	          mount("x", "/mnt_o_file", "tmpfs", 0, NULL) == -1 && errno == ENOTDIR,
	      "a file as mount point: ENOTDIR");
	CHECK(mount("x", "/mnt_o", "tmpfs", 0, "bogus=1") == -1 && errno == EINVAL,
	      "an unknown tmpfs option: EINVAL");
	CHECK(mount("r", "/mnt_o", "ramfs", 0, NULL) == 0 && mkdir("/mnt_o/a", 0755) == 0 &&
	          contains("/proc/mounts", "r /mnt_o ramfs rw"),
	      "mount -t ramfs");
	CHECK(umount("/mnt_o") == 0, "umount the ramfs");
	CHECK(mount("proc", "/mnt_o", "proc", 0, NULL) == 0 &&
	          contains("/mnt_o/self/status", "Name:"),
	      "mount -t proc: self/status");
	CHECK(umount("/mnt_o") == 0, "umount the proc");
	CHECK(mount("dev", "/mnt_o", "devtmpfs", 0, NULL) == 0 && stat("/mnt_o/null", &st) == 0 &&
	          S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
	      "mount -t devtmpfs: null");
	CHECK((fd = open("/mnt_o/zero", O_RDONLY)) >= 0 && read(fd, &st, 8) == 8 && close(fd) == 0,
	      "its zero reads");
	if (unum)
		CHECK(umount2("/mnt_o", MNT_DETACH) == -1 && errno == EINVAL,
		      "MNT_DETACH: EINVAL (not done)");
	CHECK(umount("/mnt_o") == 0, "umount the devtmpfs");
	rmdir("/mnt_o");
	unlink("/mnt_o_file");
}

/* --- eight threads appending to one file in /tmp --- */
static int big_fd;
static long appended[8];
static int thread_err[8];

static void *
appender(void *arg)
{
	static char blk[256 * KB];
	long i = (long)arg;
	ssize_t n;

	memset(blk, 'a', sizeof(blk));
	while ((n = write(big_fd, blk, sizeof(blk))) > 0)
		appended[i] += n;
	thread_err[i] = errno;
	return NULL;
}

static void
tmp_full(void)
{
	pthread_t t[8];
	long type = 0, blocks = fs_blocks("/tmp", &type), total = 0;
	bool all_enospc = true;
	struct stat st;
	int fd;

	CHECK((fd = open("/tmp/small", O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0 &&
	          write(fd, "kept\n", 5) == 5 && close(fd) == 0,
	      "a small file in /tmp");
	big_fd = open("/tmp/big", O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644);
	CHECK(big_fd >= 0, "a file to append to");
	for (long i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, appender, (void *)i);
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		total += appended[i];
		all_enospc &= thread_err[i] == ENOSPC;
	}
	close(big_fd);
	printf("# 8 threads appended %ld bytes to a tmpfs of %ld blocks\n", total, blocks);
	CHECK(all_enospc, "each thread stopped at ENOSPC");
	CHECK(stat("/tmp/big", &st) == 0 && st.st_size == total && total >= (blocks - 64) * 4096 &&
	          total <= blocks * 4096,
	      "the file holds what was written: about the tmpfs's size");
	CHECK(strcmp(slurp("/tmp/small"), "kept\n") == 0, "afterwards files open and read");
	CHECK((fd = open("/proc/meminfo", O_RDONLY)) >= 0 && close(fd) == 0 &&
	          (fd = open("/tmp_after", O_WRONLY | O_CREAT, 0644)) >= 0 &&
	          write(fd, "x", 1) == 1 && close(fd) == 0 && unlink("/tmp_after") == 0,
	      "and the kernel has memory left for others");
	CHECK(unlink("/tmp/big") == 0 && unlink("/tmp/small") == 0, "unlinked");
	struct statfs sf;
	CHECK(statfs("/tmp", &sf) == 0 && (long)sf.f_bfree >= blocks - 16, "the room came back");
}

int
main(void)
{
	unum = getenv("UNUM_TEST") != NULL;
	if (unum)
		boot_table();
	if (geteuid() == 0) {
		tmpfs_cases();
		other_types();
	}
	if (unum)
		tmp_full();
	return tap_done();
}

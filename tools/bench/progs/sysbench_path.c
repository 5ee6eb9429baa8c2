/*
 * sysbench's path benchmarks, included by sysbench.c (one binary; kept
 * apart so other benchmarks can be added beside them): stat() of a
 * four-component path, and open()+close() of it. The path is made before
 * either is timed: /tmp/sbp/c/d, a file, on our /tmp and on Linux's
 * initramfs.
 */
#include <sys/stat.h>

#define PATH4 "/tmp/sbp/c/d" /* four components: tmp, sbp, c, d */

MARKS(stat4)
MARKS(open4)

static void
path_setup(void)
{
	static int made;
	int fd;

	if (made++)
		return;
	if ((mkdir("/tmp/sbp", 0755) && errno != EEXIST) ||
	    (mkdir("/tmp/sbp/c", 0755) && errno != EEXIST))
		die("mkdir /tmp/sbp/c");
	fd = open(PATH4, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || close(fd))
		die("create " PATH4);
}

static long
b_stat4(long ops)
{
	struct stat st;
	long sum = 0;

	for (long i = 0; i < ops; i++) {
		if (stat(PATH4, &st))
			die("stat " PATH4);
		sum += (long)st.st_ino;
	}
	return sum;
}

static long
b_open4(long ops)
{
	for (long i = 0; i < ops; i++) {
		int fd = open(PATH4, O_RDONLY);
		if (fd < 0 || close(fd))
			die("open+close " PATH4);
	}
	return 0;
}

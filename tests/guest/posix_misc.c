/* In-guest checks of the process-information and memory calls runtimes
 * use: statx, sysinfo, times, getrusage, prctl names, affinity, mremap,
 * msync, mincore, thread CPU clocks. Built three ways like every
 * tests/guest program; run as the app. */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

int
main(void)
{
	struct sysinfo si;
	CHECK(sysinfo(&si) == 0 && si.totalram > 0 && si.freeram <= si.totalram, "sysinfo");
	volatile uint64_t spin = 0;
	for (int i = 0; i < 3000000; i++)
		spin += i;
	struct timespec ts;
	CHECK(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0 && (ts.tv_sec || ts.tv_nsec) &&
	          ts.tv_sec < 1000,
	      "CLOCK_THREAD_CPUTIME_ID is plausible");
	/* the process has had at least the CPU this thread has (whole ticks
	 * for times: 10 ms each, rounded down) */
	uint64_t thr = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	struct tms t;
	clock_t t0 = times(&t), t1;
	CHECK(t0 != (clock_t)-1 &&
	          (uint64_t)(t.tms_utime + t.tms_stime) * 10000000u + 10000000u > thr &&
	          (t1 = times(NULL)) >= t0,
	      "times: the process's ticks, a clock that does not go back");
	struct rusage ru;
	CHECK(getrusage(RUSAGE_SELF, &ru) == 0 &&
	          ((uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec)) *
	                  1000u >=
	              thr - 1000u,
	      "getrusage: the process's time, at least this thread's");
	char name[16] = {0};
	CHECK(prctl(PR_SET_NAME, "worker") == 0 && prctl(PR_GET_NAME, name) == 0 &&
	          !strcmp(name, "worker"),
	      "prctl names the thread");
	cpu_set_t set;
	CPU_ZERO(&set);
	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) >= 1,
	      "sched_getaffinity");
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CHECK(sched_setaffinity(0, sizeof(set), &set) == 0 && sched_getcpu() == 0,
	      "sched_setaffinity moves us to CPU 0");
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 'x';
	p[8191] = 'y';
	unsigned char vec[2] = {9, 9};
	CHECK(mincore(p, 8192, vec) == 0 && vec[0] == 1, "mincore sees a touched page");
	char *q = mremap(p, 8192, 1 << 20, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q[0] == 'x' && q[8191] == 'y', "mremap grows and keeps the data");
	q[(1 << 20) - 1] = 'z';
	CHECK(msync(q, 4096, MS_SYNC) == 0, "msync");
	/* struct statx by its offsets: musl's headers here predate it */
	uint8_t sx[256];
	uint64_t size;
	uint16_t mode;
	int fd = open("/sx", O_CREAT | O_WRONLY, 0640);
	(void)!write(fd, "12345", 5);
	CHECK(syscall(SYS_statx, AT_FDCWD, "/sx", 0, 0x7ff, sx) == 0 &&
	          (memcpy(&size, sx + 0x28, 8), size == 5) &&
	          (memcpy(&mode, sx + 0x1c, 2), (mode & 0777) == 0640 && S_ISREG(mode)),
	      "statx");
	memset(sx, 0, sizeof(sx));
	CHECK(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, 0x7ff, sx) == 0 &&
	          (memcpy(&size, sx + 0x28, 8), size == 5),
	      "statx AT_EMPTY_PATH");
	/* extended attributes: ours keeps none (EOPNOTSUPP); Linux's tmpfs may
	 * have ACLs, which are absent here (ENODATA) */
	char xv[64];
	errno = 0;
	CHECK(getxattr("/sx", "system.posix_acl_access", xv, sizeof(xv)) == -1 &&
	          (errno == EOPNOTSUPP || errno == ENODATA),
	      "getxattr of an ACL the file lacks: EOPNOTSUPP or ENODATA");
	CHECK(lgetxattr("/nonexistent", "user.x", xv, sizeof(xv)) == -1 && errno == ENOENT,
	      "lgetxattr of a missing file: ENOENT");
	CHECK(fgetxattr(fd, "", xv, sizeof(xv)) == -1 && errno == ERANGE,
	      "fgetxattr of an empty name: ERANGE");
	CHECK(setxattr("/sx", "user.x", "v", 1, 4) == -1 && errno == EINVAL,
	      "setxattr with unknown flags: EINVAL");
	CHECK(listxattr("/sx", xv, sizeof(xv)) >= 0, "listxattr");
	CHECK(flistxattr(-1, xv, sizeof(xv)) == -1 && errno == EBADF,
	      "flistxattr of a bad fd: EBADF");
	return tap_done();
}

/* In-guest checks that the memory figures follow what the app does:
 * mapping 32 MiB moves VmSize (and statm's size) only; touching it moves
 * VmRSS, RssAnon, statm's resident, smaps_rollup's Rss and Anonymous and
 * /proc/meminfo's AnonPages up by 32 MiB and MemFree and sysinfo's
 * freeram down by as much; munmap gives it all back (VmHWM and VmPeak
 * stay). Writing 8 MiB to a file in /tmp moves Cached up (and Shmem and
 * sharedram when /tmp is tmpfs or ramfs); unlinking it brings them back.
 * Threads counts a second thread. Slack of 4 MiB for what else moves
 * (page tables, the heap; other processes on Linux). */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#define MIB (1l << 20)
#define KIB_OF_32M (32l << 10)
#define SLACK_KIB (4l << 10)

/* the number after "key" in the file (kB or pages, as the file says); -1
 * when missing */
static long
field(const char *path, const char *key)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	size_t klen = strlen(key);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen))
			return strtol(p + klen, NULL, 10);
	return -1;
}

/* statm's i-th number, in KiB */
static long
statm(int i)
{
	char buf[256];
	int fd = open("/proc/self/statm", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	char *p = buf;
	long v = -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (int k = 0; k <= i; k++)
		v = strtol(p, &p, 10);
	return v * (sysconf(_SC_PAGESIZE) / 1024);
}

static long
sys_kib(int which)
{
	struct sysinfo si;

	if (sysinfo(&si))
		return -1;
	unsigned long v = which == 0 ? si.freeram : si.sharedram;
	return (long)(v * si.mem_unit / 1024);
}

struct snap {
	long size, rss, hwm, peak, anon, statm_size, statm_rss, roll_rss, roll_anon, anonpages,
	    memfree, freeram;
};

static void
snap(struct snap *s)
{
	s->size = field("/proc/self/status", "VmSize:");
	s->rss = field("/proc/self/status", "VmRSS:");
	s->hwm = field("/proc/self/status", "VmHWM:");
	s->peak = field("/proc/self/status", "VmPeak:");
	s->anon = field("/proc/self/status", "RssAnon:");
	s->statm_size = statm(0);
	s->statm_rss = statm(1);
	s->roll_rss = field("/proc/self/smaps_rollup", "Rss:");
	s->roll_anon = field("/proc/self/smaps_rollup", "Anonymous:");
	s->anonpages = field("/proc/meminfo", "AnonPages:");
	s->memfree = field("/proc/meminfo", "MemFree:");
	s->freeram = sys_kib(0);
}

/* got - base is want KiB, give or take the slack */
static void
moved(const char *what, long base, long got, long want)
{
	char name[160];

	snprintf(name, sizeof(name), "%s moved by %ld KiB (expected %ld: %ld then %ld)", what,
	         got - base, want, base, got);
	CHECK(base >= 0 && got >= 0 && labs(got - base - want) <= SLACK_KIB, name);
}

static void
test_anon(void)
{
	struct snap a, b, c, d;

	snap(&a);
	CHECK(a.size > 0 && a.rss > 0 && a.hwm >= a.rss && a.peak >= a.size,
	      "status has VmSize, VmRSS, VmHWM >= VmRSS, VmPeak >= VmSize");
	CHECK(a.statm_size > 0 && a.roll_rss > 0 && a.anonpages >= 0 && a.memfree > 0,
	      "statm, smaps_rollup and meminfo have their fields");
	char *p = mmap(NULL, 32 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap 32 MiB");
	if (p == MAP_FAILED)
		return;
	snap(&b);
	moved("VmSize after mmap", a.size, b.size, KIB_OF_32M);
	moved("statm size after mmap", a.statm_size, b.statm_size, KIB_OF_32M);
	moved("VmRSS after mmap (untouched)", a.rss, b.rss, 0);
	moved("MemFree after mmap (untouched)", a.memfree, b.memfree, 0);
	for (long i = 0; i < 32 * MIB; i += 4096)
		p[i] = 1;
	snap(&c);
	moved("VmRSS after touching", b.rss, c.rss, KIB_OF_32M);
	moved("RssAnon after touching", b.anon, c.anon, KIB_OF_32M);
	moved("statm resident after touching", b.statm_rss, c.statm_rss, KIB_OF_32M);
	moved("smaps_rollup Rss after touching", b.roll_rss, c.roll_rss, KIB_OF_32M);
	moved("smaps_rollup Anonymous after touching", b.roll_anon, c.roll_anon, KIB_OF_32M);
	moved("AnonPages after touching", b.anonpages, c.anonpages, KIB_OF_32M);
	moved("MemFree after touching", b.memfree, c.memfree, -KIB_OF_32M);
	moved("sysinfo freeram after touching", b.freeram, c.freeram, -KIB_OF_32M);
	CHECK(c.hwm >= c.rss, "VmHWM >= VmRSS");
	CHECK(munmap(p, 32 * MIB) == 0, "munmap");
	snap(&d);
	moved("VmSize after munmap", c.size, d.size, -KIB_OF_32M);
	moved("VmRSS after munmap", c.rss, d.rss, -KIB_OF_32M);
	moved("AnonPages after munmap", c.anonpages, d.anonpages, -KIB_OF_32M);
	moved("MemFree after munmap", c.memfree, d.memfree, KIB_OF_32M);
	CHECK(d.hwm >= c.rss && d.peak >= b.size, "VmHWM and VmPeak keep the highs");
}

static void
test_file(void)
{
	static char chunk[1 << 16];
	const char *path = "/tmp/posix_memacct.bin";
	struct statfs sf;
	long cached0, shmem0, shared0;
	int fd, ok = 1;

	cached0 = field("/proc/meminfo", "Cached:");
	shmem0 = field("/proc/meminfo", "Shmem:");
	shared0 = sys_kib(1);
	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	CHECK(fd >= 0, "create a file in /tmp");
	if (fd < 0)
		return;
	memset(chunk, 0x5a, sizeof(chunk));
	for (int i = 0; i < 128; i++)
		ok &= write(fd, chunk, sizeof(chunk)) == (ssize_t)sizeof(chunk);
	CHECK(ok, "write 8 MiB to it");
	int mem_fs = fstatfs(fd, &sf) == 0 && (sf.f_type == 0x01021994 || sf.f_type == 0x858458f6);
	close(fd);
	moved("Cached after writing 8 MiB", cached0, field("/proc/meminfo", "Cached:"), 8 << 10);
	if (mem_fs) {
		moved("Shmem after writing 8 MiB", shmem0, field("/proc/meminfo", "Shmem:"),
		      8 << 10);
		moved("sysinfo sharedram after writing 8 MiB", shared0, sys_kib(1), 8 << 10);
	}
	CHECK(unlink(path) == 0, "unlink it");
	moved("Cached after unlink", cached0, field("/proc/meminfo", "Cached:"), 0);
	if (mem_fs)
		moved("Shmem after unlink", shmem0, field("/proc/meminfo", "Shmem:"), 0);
}

static int gate[2];

static void *
waiter(void *arg)
{
	char c;

	(void)arg;
	return read(gate[0], &c, 1) == 1 ? NULL : (void *)1;
}

static void
test_threads(void)
{
	pthread_t t;

	CHECK(field("/proc/self/status", "Threads:") == 1, "Threads: 1");
	CHECK(pipe(gate) == 0 && pthread_create(&t, NULL, waiter, NULL) == 0, "start a thread");
	CHECK(field("/proc/self/status", "Threads:") == 2, "Threads: 2 with it running");
	CHECK(write(gate[1], "x", 1) == 1 && pthread_join(t, NULL) == 0, "and it ends");
}

int
main(void)
{
	test_anon();
	test_file();
	test_threads();
	return tap_done();
}

/* In-guest checks of the Linux system-call surface a static program uses
 * first: arguments and environment, files and directories on the root
 * file system, memory (mmap, munmap, brk, sparse reservations), clocks
 * and sleeps, randomness, threads with TLS, and error values for bad
 * input. Built with musl-gcc -static and gcc -static; run as the app. */
#define _GNU_SOURCE
#include "tap.h"
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static __thread int tls;
static uint8_t r_dev[32];
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready, counter;

static void *
worker(void *arg)
{
	tls = (int)(intptr_t)arg;
	for (int i = 0; i < 10000; i++) {
		pthread_mutex_lock(&m);
		counter++;
		pthread_mutex_unlock(&m);
	}
	pthread_mutex_lock(&m);
	ready++;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&m);
	return (void *)(intptr_t)(tls * 10);
}

static uint64_t
ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	CHECK(argc == 3 && !strcmp(argv[1], "one") && !strcmp(argv[2], "two words"), "argv");
	CHECK(!strncmp(argv[0], "/app/", 5), "argv[0] is /app/NAME");
	CHECK(getenv("UNUM_TEST") && !strcmp(getenv("UNUM_TEST"), "yes"), "environment");
	CHECK(access("/.unum", F_OK) == -1 && errno == ENOENT, "the kernel's /.unum is gone");

	/* files */
	int fd = open("/tmp-file", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 3, "open O_CREAT");
	CHECK(write(fd, "hello world", 11) == 11, "write");
	CHECK(lseek(fd, 6, SEEK_SET) == 6, "lseek");
	char buf[64] = {0};
	CHECK(read(fd, buf, sizeof(buf)) == 5 && !memcmp(buf, "world", 5), "read after lseek");
	CHECK(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "hello", 5), "pread");
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == 11 && S_ISREG(st.st_mode), "fstat");
	CHECK(close(fd) == 0, "close");
	CHECK(close(fd) == -1 && errno == EBADF, "close twice: EBADF");
	CHECK(open("/nonexistent", O_RDONLY) == -1 && errno == ENOENT, "open missing: ENOENT");
	CHECK(open("/tmp-file", O_CREAT | O_EXCL | O_RDWR, 0644) == -1 && errno == EEXIST,
	      "O_EXCL on an existing file: EEXIST");
	CHECK(mkdir("/d", 0755) == 0 && mkdir("/d/e", 0755) == 0, "mkdir");
	CHECK(chdir("/d/e") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/d/e"),
	      "chdir and getcwd");
	CHECK(chdir("..") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/d"), "chdir ..");
	CHECK(stat("e/../e", &st) == 0 && S_ISDIR(st.st_mode), "relative path with ..");
	CHECK(stat("/tmp-file/x", &st) == -1 && errno == ENOTDIR, "a file as a directory: ENOTDIR");
	DIR *d = opendir("/app");
	int found = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		found += !strcmp(de->d_name, strrchr(argv[0], '/') + 1) + !strcmp(de->d_name, ".");
	CHECK(d && found == 2, "readdir lists /app");
	if (d)
		closedir(d);
	CHECK(unlink("/tmp-file") == 0 && stat("/tmp-file", &st) == -1 && errno == ENOENT,
	      "unlink");

	/* devices */
	int dn = open("/dev/null", O_RDWR), dz = open("/dev/zero", O_RDONLY);
	int du = open("/dev/urandom", O_RDONLY), dfull = open("/dev/full", O_WRONLY);
	memset(buf, 1, 8);
	CHECK(dn >= 0 && write(dn, "x", 1) == 1 && read(dn, buf, 8) == 0, "/dev/null");
	CHECK(dz >= 0 && read(dz, buf, 8) == 8 && !buf[0] && !buf[7], "/dev/zero");
	uint8_t r_dev2[32], r_zero[32] = {0};
	CHECK(du >= 0 && read(du, r_dev, 32) == 32 && read(du, r_dev2, 32) == 32 &&
	          memcmp(r_dev, r_zero, 32) && memcmp(r_dev2, r_zero, 32) &&
	          memcmp(r_dev, r_dev2, 32),
	      "/dev/urandom: two 32-byte reads, not all zero, different");
	CHECK(dfull >= 0 && write(dfull, "x", 1) == -1 && errno == ENOSPC, "/dev/full: ENOSPC");
	CHECK(stat("/tmp", &st) == 0 && S_ISDIR(st.st_mode), "/tmp exists");
	close(dn), close(dz), close(du), close(dfull);

	/* /proc */
	ssize_t ln = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	CHECK(ln > 0 && (buf[ln] = 0, !strcmp(buf, argv[0])), "/proc/self/exe names the app");
	int pc = open("/proc/cpuinfo", O_RDONLY);
	CHECK(pc >= 0 && read(pc, buf, sizeof(buf)) > 0 && !strncmp(buf, "processor", 9),
	      "/proc/cpuinfo");
	close(pc);
	pc = open("/proc/self/cmdline", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	CHECK(pc >= 0 && read(pc, buf, sizeof(buf)) > 0 && !strcmp(buf + strlen(buf) + 1, "one"),
	      "/proc/self/cmdline");
	close(pc);
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 1, "sysconf(_SC_NPROCESSORS_ONLN)");

	/* memory */
	char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED && p[0] == 0 && p[(1 << 20) - 1] == 0, "mmap anonymous, zeroed");
	memset(p, 7, 1 << 20);
	CHECK(munmap(p, 1 << 20) == 0, "munmap");
	void *big =
	    mmap(NULL, 64ull << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(big != MAP_FAILED, "reserve 64 GiB (costs nothing until touched)");
	CHECK(big != MAP_FAILED && mprotect(big, 4096, PROT_READ | PROT_WRITE) == 0 &&
	          (((char *)big)[0] = 1),
	      "mprotect part of the reservation and touch it");
	char *fixed = mmap((char *)big + (1 << 20), 4096, PROT_READ | PROT_WRITE,
	                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(fixed == (char *)big + (1 << 20), "MAP_FIXED inside a reservation");
	munmap(big, 64ull << 30);
	char *h = malloc(1 << 16);
	CHECK(h && (h[0] = 1), "malloc");
	free(h);

	/* time */
	CHECK(ns(CLOCK_REALTIME) > 1600000000ull * 1000000000u, "realtime is after 2020");
	uint64_t t0 = ns(CLOCK_MONOTONIC);
	struct timespec req = {0, 20000000};
	CHECK(nanosleep(&req, NULL) == 0 && ns(CLOCK_MONOTONIC) - t0 >= 20000000,
	      "nanosleep 20 ms does not wake early");

	/* randomness */
	uint8_t r1[16] = {0}, r2[16] = {0};
	CHECK(getrandom(r1, 16, 0) == 16 && getrandom(r2, 16, 0) == 16 && memcmp(r1, r2, 16),
	      "getrandom");

	/* threads */
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)(intptr_t)(i + 1));
	pthread_mutex_lock(&m);
	while (ready < 4)
		pthread_cond_wait(&cv, &m);
	pthread_mutex_unlock(&m);
	intptr_t sum = 0;
	for (int i = 0; i < 4; i++) {
		void *rv;
		pthread_join(t[i], &rv);
		sum += (intptr_t)rv;
	}
	CHECK(counter == 40000, "4 threads x 10000 mutex increments");
	CHECK(sum == 100 && tls == 0, "__thread values are per thread");

	/* bad input */
	void *volatile bad = (void *)8; /* hidden from the compiler's checks */
	CHECK(write(1, bad, 10) == -1 && errno == EFAULT, "write from a bad pointer: EFAULT");
	CHECK(read(77, buf, 1) == -1 && errno == EBADF, "read from a bad fd: EBADF");
	CHECK(syscall(999) == -1 && errno == ENOSYS, "an unknown system call: ENOSYS");
	struct utsname u;
	CHECK(uname(&u) == 0 && !strcmp(u.sysname, "Linux") && !strcmp(u.machine, "x86_64"),
	      "uname");
	return tap_done();
}

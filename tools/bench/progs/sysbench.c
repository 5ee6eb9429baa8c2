/*
 * System-call benchmarks (tools/bench/sections/30-syscalls.sh): the same
 * static binary runs as our app (tools/unum run) and as the Linux guest's
 * program (tools/bench/linux-guest). Each benchmark prints one line
 * "bench NAME OPS NS" (NS: guest CLOCK_MONOTONIC around the timed loop)
 * and calls mark_NAME_start / mark_NAME_stop around it, for the icount
 * plugin's per-op instruction counts. Built static non-PIE (fixed mark
 * addresses) by bench.mk, and with musl static and dynamic for the
 * two doors (sections/70-dyn.sh: getppid and malloc through the kernel's
 * musl).
 *   tools/unum run build/bench/sysbench --mem 1G -- getppid=100000
 *   sysbench [NAME=OPS...]   (no argument: every benchmark, default ops)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* One pair of marker functions per benchmark; noipa keeps each a real,
 * separate function (no inlining, no identical-code folding). */
#define MARKS(n)                                                                                   \
	__attribute__((noipa)) void mark_##n##_start(void)                                         \
	{                                                                                          \
		__asm__ volatile("" ::: "memory");                                                 \
	}                                                                                          \
	__attribute__((noipa)) void mark_##n##_stop(void)                                          \
	{                                                                                          \
		__asm__ volatile("" ::: "memory");                                                 \
	}
MARKS(getppid)
MARKS(write4k)
MARKS(read4k)
MARKS(pagefault)
MARKS(mmap4k)
MARKS(mmap1m)
MARKS(pipe)
MARKS(thread)
MARKS(malloc)

#define FILE_PAGES 256   /* the 4 KB reads and writes cycle over 1 MiB */
#define PIPE_CHUNK 65536 /* one pipe op: 64 KiB from writer to reader */

static void
die(const char *what)
{
	fprintf(stderr, "sysbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long
b_getppid(long ops)
{
	long sum = 0;

	for (long i = 0; i < ops; i++)
		sum += getppid();
	return sum;
}

static char page[4096];
static int file_fd = -1;

/* the file exists and holds FILE_PAGES pages before either is timed */
static void
file_setup(void)
{
	if (file_fd >= 0)
		return;
	file_fd = open("/tmp/sysbench.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (file_fd < 0)
		die("open /tmp/sysbench.dat");
	memset(page, 'x', sizeof(page));
	for (int i = 0; i < FILE_PAGES; i++)
		if (pwrite(file_fd, page, sizeof(page), (off_t)i * 4096) != 4096)
			die("pwrite");
}

static long
b_write4k(long ops)
{
	for (long i = 0; i < ops; i++)
		if (pwrite(file_fd, page, sizeof(page), (off_t)(i % FILE_PAGES) * 4096) != 4096)
			die("pwrite");
	return 0;
}

static long
b_read4k(long ops)
{
	long sum = 0;

	for (long i = 0; i < ops; i++) {
		if (pread(file_fd, page, sizeof(page), (off_t)(i % FILE_PAGES) * 4096) != 4096)
			die("pread");
		sum += page[i % 4096];
	}
	return sum;
}

static char *fault_area;

/* one op: the first write to a fresh anonymous page */
static long
b_pagefault(long ops)
{
	for (long i = 0; i < ops; i++)
		fault_area[i * 4096] = 1;
	return 0;
}

static long
map_unmap(long ops, size_t len)
{
	for (long i = 0; i < ops; i++) {
		void *p =
		    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		if (munmap(p, len))
			die("munmap");
	}
	return 0;
}

static long
b_mmap4k(long ops)
{
	return map_unmap(ops, 4096);
}
static long
b_mmap1m(long ops)
{
	return map_unmap(ops, 1 << 20);
}

static int pipe_fd[2];
static long pipe_ops;

static void *
pipe_reader(void *arg __attribute__((unused)))
{
	static char buf[PIPE_CHUNK];
	long left = pipe_ops * PIPE_CHUNK;

	while (left > 0) {
		ssize_t n = read(pipe_fd[0], buf, sizeof(buf));
		if (n <= 0)
			die("pipe read");
		left -= n;
	}
	return NULL;
}

/* one op: 64 KiB written by this thread and read by another */
static long
b_pipe(long ops)
{
	static char buf[PIPE_CHUNK];
	pthread_t t;

	pipe_ops = ops;
	if (pthread_create(&t, NULL, pipe_reader, NULL))
		die("pthread_create");
	for (long i = 0; i < ops; i++)
		for (size_t done = 0; done < sizeof(buf);) {
			ssize_t n = write(pipe_fd[1], buf + done, sizeof(buf) - done);
			if (n <= 0)
				die("pipe write");
			done += (size_t)n;
		}
	pthread_join(t, NULL);
	return 0;
}

static void *
nothing(void *arg)
{
	return arg;
}

static long
b_thread(long ops)
{
	for (long i = 0; i < ops; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, nothing, NULL))
			die("pthread_create");
		pthread_join(t, NULL);
	}
	return 0;
}

/* One op: 16 blocks of 16 B .. 8 KiB (a fixed pseudo-random sequence),
 * each touched, then freed in another order: 32 libc calls */
static long
b_malloc(long ops)
{
	uint32_t x = 12345;
	char *p[16];
	long sum = 0;

	for (long i = 0; i < ops; i++) {
		for (int k = 0; k < 16; k++) {
			x = x * 1103515245u + 12345u;
			size_t n = 16u << ((x >> 16) % 10);
			if (!(p[k] = malloc(n)))
				die("malloc");
			p[k][0] = (char)k;
			p[k][n - 1] = (char)i;
		}
		for (int k = 0; k < 16; k++) {
			char *b = p[(k * 7) % 16];
			sum += b[0];
			free(b);
		}
	}
	return sum;
}

#include "sysbench_epoll.c" /* epoll1, epoll100, epoll10k */
#include "sysbench_path.c"  /* stat4, open4 */

struct bench {
	const char *name;
	long ops; /* default, sized for TCG */
	long (*fn)(long ops);
	void (*start)(void), (*stop)(void);
};

#define B(n, ops)                                                                                  \
	{                                                                                          \
#n, ops, b_##n, mark_##n##_start, mark_##n##_stop                                  \
	}
static const struct bench benches[] = {
    B(getppid, 100000), B(write4k, 20000), B(read4k, 20000),  B(pagefault, 65536),
    B(mmap4k, 20000),   B(mmap1m, 20000),  B(pipe, 512),      B(thread, 2000),
    B(stat4, 20000),    B(open4, 20000),                      /* sysbench_path.c */
    B(epoll1, 2000),    B(epoll100, 2000), B(epoll10k, 2000), /* sysbench_epoll.c */
    B(malloc, 20000),
};
#define NBENCH (sizeof(benches) / sizeof(benches[0]))

static void
setup(const struct bench *b, long ops)
{
	if (!strcmp(b->name, "write4k") || !strcmp(b->name, "read4k"))
		file_setup();
	if (!strcmp(b->name, "pagefault")) {
		fault_area = mmap(NULL, (size_t)ops * 4096, PROT_READ | PROT_WRITE,
		                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (fault_area == MAP_FAILED)
			die("mmap the page-fault area");
		/* 4 KiB faults on Linux too, not one per 2 MiB huge page
		 * (an error here is fine: no huge pages to avoid) */
		madvise(fault_area, (size_t)ops * 4096, MADV_NOHUGEPAGE);
	}
	if (!strcmp(b->name, "pipe") && pipe(pipe_fd))
		die("pipe");
	if (!strcmp(b->name, "stat4") || !strcmp(b->name, "open4"))
		path_setup();
	if (!strncmp(b->name, "epoll", 5))
		epoll_setup(!strcmp(b->name, "epoll10k") ? 10000 : atoi(b->name + 5), ops);
}

static void
run(const struct bench *b, long ops)
{
	uint64_t t0, t1;
	volatile long sink;

	setup(b, ops);
	b->start();
	t0 = now_ns();
	sink = b->fn(ops);
	t1 = now_ns();
	b->stop();
	(void)sink;
	printf("bench %s %ld %llu\n", b->name, ops, (unsigned long long)(t1 - t0));
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		for (size_t i = 0; i < NBENCH; i++)
			run(&benches[i], benches[i].ops);
		return 0;
	}
	for (int a = 1; a < argc; a++) {
		char *eq = strchr(argv[a], '=');
		size_t len = eq ? (size_t)(eq - argv[a]) : strlen(argv[a]);
		size_t i;
		for (i = 0; i < NBENCH; i++)
			if (strlen(benches[i].name) == len &&
			    !strncmp(benches[i].name, argv[a], len))
				break;
		if (i == NBENCH) {
			fprintf(stderr, "sysbench: %.*s: no such benchmark\n", (int)len, argv[a]);
			return 2;
		}
		long ops = eq ? strtol(eq + 1, NULL, 10) : benches[i].ops;
		if (ops <= 0) {
			fprintf(stderr, "sysbench: %s: ops must be a positive number\n", argv[a]);
			return 2;
		}
		run(&benches[i], ops);
	}
	return 0;
}

/* Block I/O benchmark for tools/bench/sections/40-blk.sh, the same static
 * binary in our guest (on /dev/vda) and on the host (on the disk image
 * file): sequential write and read in 1 MiB requests, 4 KiB random reads
 * with 1 and with 32 requests in flight (32 threads doing pread).
 *   blkbench PATH BYTES RANDOPS
 * Prints "bench NAME VALUE UNIT" lines; exits 1 on any I/O error. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEQ_REQ (1 << 20)
#define RND_REQ 4096
#define DEPTH 32

static int fd;
static const char *path;
static uint64_t size;
static long randops;
static volatile int failed;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
seq(int write, char *buf)
{
	double t0 = now();

	for (uint64_t off = 0; off + SEQ_REQ <= size; off += SEQ_REQ) {
		ssize_t r = write ? pwrite(fd, buf, SEQ_REQ, off) : pread(fd, buf, SEQ_REQ, off);
		if (r != SEQ_REQ)
			failed = 1;
	}
	if (write && fsync(fd))
		failed = 1;
	printf("bench seq-%s %.2f MB/s\n", write ? "write" : "read", size / 1e6 / (now() - t0));
}

/* n random 4 KiB-aligned reads; the seed makes each thread's sequence its
 * own. Each thread opens its own file description: our kernel (as some
 * others) serialises calls on one description under its lock */
static void *
rnd(void *arg)
{
	uintptr_t seed = (uintptr_t)arg * 2654435761u + 1;
	long n = randops / (long)((uintptr_t)arg >> 16);
	char *buf = malloc(RND_REQ);
	int me = open(path, O_RDONLY);

	if (me < 0 || !buf)
		failed = 1;
	for (long i = 0; i < n && buf && me >= 0; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t off = (seed >> 20) % (size / RND_REQ) * RND_REQ;
		if (pread(me, buf, RND_REQ, off) != RND_REQ)
			failed = 1;
	}
	if (me >= 0)
		close(me);
	free(buf);
	return NULL;
}

static void
randread(int depth)
{
	pthread_t t[DEPTH];
	double t0 = now();

	for (int i = 0; i < depth; i++)
		pthread_create(&t[i], NULL, rnd, (void *)(uintptr_t)((uintptr_t)depth << 16 | i));
	for (int i = 0; i < depth; i++)
		pthread_join(t[i], NULL);
	printf("bench randread-qd%d %.0f IOPS\n", depth, randops / depth * depth / (now() - t0));
}

int
main(int argc, char **argv)
{
	char *buf = malloc(SEQ_REQ);

	if (argc != 4 || !buf) {
		fprintf(stderr, "usage: blkbench PATH BYTES RANDOPS\n");
		return 2;
	}
	size = strtoull(argv[2], NULL, 0);
	randops = atol(argv[3]);
	path = argv[1];
	fd = open(path, O_RDWR);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	memset(buf, 0xa5, SEQ_REQ);
	seq(1, buf);
	seq(0, buf);
	randread(1);
	randread(DEPTH);
	fflush(stdout);
	return failed;
}

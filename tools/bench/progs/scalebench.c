/*
 * Scale benchmarks (tools/bench/sections/35-scale.sh): the same static
 * binary as our app (tools/unum run) and on the host. Each prints "bench
 * NAME OPS NS" (NS: CLOCK_MONOTONIC around the timed loop).
 *   files  create OPS empty files in one new folder, DIR/scalebench.PID
 *          (open O_CREAT|O_EXCL, close; the folder is removed afterwards,
 *          untimed)
 *   maps   make OPS anonymous 4 KB mappings, protections alternating
 *          read-only and read-write so that neighbours never merge into
 *          one (unmapped afterwards, untimed)
 *   scalebench DIR [NAME=OPS...]   (no NAME: both, 20000 files, 30000 maps)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *dir;

static void
die(const char *what)
{
	fprintf(stderr, "scalebench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
b_files(long ops)
{
	char folder[4096], path[4200];
	uint64_t t0, t;

	snprintf(folder, sizeof(folder), "%s/scalebench.%d", dir, (int)getpid());
	if (mkdir(folder, 0755))
		die(folder);
	t0 = now_ns();
	for (long i = 0; i < ops; i++) {
		snprintf(path, sizeof(path), "%s/file%06ld", folder, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || close(fd))
			die(path);
	}
	t = now_ns() - t0;
	for (long i = 0; i < ops; i++) {
		snprintf(path, sizeof(path), "%s/file%06ld", folder, i);
		if (unlink(path))
			die(path);
	}
	if (rmdir(folder))
		die(folder);
	return t;
}

static uint64_t
b_maps(long ops)
{
	void **maps = calloc((size_t)ops, sizeof(void *));
	uint64_t t0, t;

	if (!maps)
		die("calloc");
	t0 = now_ns();
	for (long i = 0; i < ops; i++) {
		int prot = i % 2 ? PROT_READ | PROT_WRITE : PROT_READ;
		maps[i] = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (maps[i] == MAP_FAILED)
			die("mmap");
	}
	t = now_ns() - t0;
	for (long i = 0; i < ops; i++)
		if (munmap(maps[i], 4096))
			die("munmap");
	free(maps);
	return t;
}

static const struct {
	const char *name;
	long ops;
	uint64_t (*fn)(long ops);
} benches[] = {{"files", 20000, b_files}, {"maps", 30000, b_maps}};
#define NBENCH (sizeof(benches) / sizeof(benches[0]))

static void
run(size_t i, long ops)
{
	uint64_t ns = benches[i].fn(ops);

	printf("bench %s %ld %llu\n", benches[i].name, ops, (unsigned long long)ns);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: scalebench DIR [files=N] [maps=N]\n");
		return 2;
	}
	dir = argv[1];
	if (argc == 2) {
		for (size_t i = 0; i < NBENCH; i++)
			run(i, benches[i].ops);
		return 0;
	}
	for (int a = 2; a < argc; a++) {
		char *eq = strchr(argv[a], '=');
		size_t len = eq ? (size_t)(eq - argv[a]) : strlen(argv[a]);
		size_t i;
		for (i = 0; i < NBENCH; i++)
			if (strlen(benches[i].name) == len &&
			    !strncmp(benches[i].name, argv[a], len))
				break;
		if (i == NBENCH) {
			fprintf(stderr, "scalebench: %.*s: no such benchmark\n", (int)len, argv[a]);
			return 2;
		}
		long ops = eq ? strtol(eq + 1, NULL, 10) : benches[i].ops;
		if (ops <= 0) {
			fprintf(stderr, "scalebench: %s: ops must be a positive number\n", argv[a]);
			return 2;
		}
		run(i, ops);
	}
	return 0;
}

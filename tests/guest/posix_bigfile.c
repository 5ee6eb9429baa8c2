/* A file far larger than one kernel allocation block (the ramfs keeps
 * large files in virtually contiguous memory, mm/vmem.c): 48 MiB written
 * in 1 MiB writes, read back at scattered offsets, mapped MAP_SHARED and
 * MAP_PRIVATE, truncated down and up, unlinked; on unum (UNUM_TEST set)
 * the memory must come back each round. Runs on Linux too. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "tap.h"

#define MB (1024ul * 1024)
#define FILE_SIZE (48 * MB)
#define ROUNDS 3

/* the byte at file offset o in round r */
static uint8_t
pat(uint64_t o, int r)
{
	return (uint8_t)((o * 131 + (o >> 12) * 7 + (uint64_t)r * 29) ^ (o >> 20));
}

static uint64_t
free_ram(void)
{
	struct sysinfo si;

	if (sysinfo(&si))
		return 0;
	return (uint64_t)si.freeram * si.mem_unit;
}

/* scattered offsets: a prime stride through the file, plus both ends
 * and the edges of the 1 MiB writes */
static uint64_t
probe(int i)
{
	static const uint64_t fixed[] = {
	    0, 1, MB - 1, MB, 4 * MB - 1, 4 * MB, FILE_SIZE / 2, FILE_SIZE - 4096, FILE_SIZE - 1};
	if (i < (int)(sizeof(fixed) / sizeof(fixed[0])))
		return fixed[i];
	return ((uint64_t)i * 7340033ul) % FILE_SIZE;
}
#define NPROBES 200

static int
write_file(const char *path, int r, uint8_t *buf)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	for (uint64_t off = 0; off < FILE_SIZE; off += MB) {
		for (uint64_t i = 0; i < MB; i++)
			buf[i] = pat(off + i, r);
		if (write(fd, buf, MB) != (ssize_t)MB) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int
probes_ok(int fd, int r)
{
	for (int i = 0; i < NPROBES; i++) {
		uint64_t o = probe(i);
		uint8_t b[3] = {0};
		size_t want = o + 3 <= FILE_SIZE ? 3 : FILE_SIZE - o;
		if (pread(fd, b, want, (off_t)o) != (ssize_t)want)
			return 0;
		for (size_t k = 0; k < want; k++)
			if (b[k] != pat(o + k, r))
				return 0;
	}
	return 1;
}

static int
map_ok(const uint8_t *m, int r)
{
	for (int i = 0; i < NPROBES; i++)
		if (m[probe(i)] != pat(probe(i), r))
			return 0;
	return 1;
}

int
main(void)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[256];
	uint8_t *buf = malloc(MB);
	bool on_unum = getenv("UNUM_TEST") != NULL;
	uint64_t base;
	struct stat st;

	snprintf(path, sizeof(path), "%s/bigfile-%d", dir, (int)getpid());
	mkdir(dir, 0777);
	CHECK(buf != NULL, "a 1 MiB buffer");
	if (!buf)
		return tap_done();
	base = free_ram();
	for (int r = 0; r < ROUNDS; r++) {
		char name[96];
		int fd = write_file(path, r, buf);

#define CASE(cond, what)                                                                           \
	do {                                                                                       \
		snprintf(name, sizeof(name), "round %d: %s", r, what);                             \
		CHECK(cond, name);                                                                 \
	} while (0)
		CASE(fd >= 0, "48 MiB written in 1 MiB writes");
		if (fd < 0)
			break;
		CASE(fstat(fd, &st) == 0 && st.st_size == (off_t)FILE_SIZE, "fstat: 48 MiB");
		CASE(probes_ok(fd, r), "pread at scattered offsets gives the pattern");
		/* one read across a 1 MiB write boundary */
		CASE(pread(fd, buf, MB, (off_t)(5 * MB + MB / 2)) == (ssize_t)MB &&
		         buf[0] == pat(5 * MB + MB / 2, r) &&
		         buf[MB - 1] == pat(6 * MB + MB / 2 - 1, r),
		     "a 1 MiB pread across a write boundary");

		uint8_t *sh = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		CASE(sh != MAP_FAILED && map_ok(sh, r), "MAP_SHARED shows the bytes");
		if (sh != MAP_FAILED) {
			uint8_t b = 0;
			sh[FILE_SIZE - 2] = 0x5a; /* through the mapping, into the file */
			CASE(pread(fd, &b, 1, FILE_SIZE - 2) == 1 && b == 0x5a,
			     "a store through MAP_SHARED reaches the file");
			b = 0xa5;
			CASE(pwrite(fd, &b, 1, 3 * MB) == 1 && sh[3 * MB] == 0xa5,
			     "a pwrite shows in MAP_SHARED");
			munmap(sh, FILE_SIZE);
		}
		uint8_t *pv = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		CASE(pv != MAP_FAILED && pv[FILE_SIZE - 2] == 0x5a && pv[3 * MB] == 0xa5 &&
		         pv[7 * MB + 5] == pat(7 * MB + 5, r),
		     "MAP_PRIVATE shows the bytes");
		if (pv != MAP_FAILED) {
			uint8_t b = 0;
			pv[9 * MB] = (uint8_t)~pat(9 * MB, r);
			CASE(pread(fd, &b, 1, 9 * MB) == 1 && b == pat(9 * MB, r),
			     "a store to MAP_PRIVATE stays private");
			munmap(pv, FILE_SIZE);
		}

		CASE(ftruncate(fd, MB) == 0 && fstat(fd, &st) == 0 && st.st_size == (off_t)MB,
		     "truncated to 1 MiB");
		if (on_unum)
			CASE(free_ram() + 4 * MB >= base - 2 * MB,
			     "truncating gave the memory back");
		CASE(ftruncate(fd, FILE_SIZE) == 0, "truncated up to 48 MiB again");
		{
			uint8_t a[2] = {1, 1}, z[2] = {1, 1};
			CASE(pread(fd, a, 2, MB - 2) == 2 && a[0] == pat(MB - 2, r) &&
			         a[1] == pat(MB - 1, r) && pread(fd, z, 2, 40 * MB) == 2 &&
			         z[0] == 0 && z[1] == 0,
			     "the head kept, the regrown tail zeros");
		}
		CASE(unlink(path) == 0, "unlink");
		/* still open: the bytes stay until the close */
		{
			uint8_t a = 0;
			CASE(pread(fd, &a, 1, MB - 1) == 1 && a == pat(MB - 1, r),
			     "an unlinked file is readable while open");
		}
		close(fd);
		if (on_unum) {
			uint64_t now = free_ram();
			printf("# round %d: free %lu KiB, at start %lu KiB\n", r,
			       (unsigned long)(now >> 10), (unsigned long)(base >> 10));
			CASE(now + 2 * MB >= base, "the memory came back after unlink and close");
		}
#undef CASE
	}
	free(buf);
	return tap_done();
}

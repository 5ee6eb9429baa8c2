/* The program's own pages are its file's (issue 11): the loader maps the
 * PT_LOAD segments from the file MAP_PRIVATE, as Linux's execve does, so
 * reading 4 MiB of .rodata costs no private frame (smaps_rollup's
 * Anonymous stays put, its file pages grow), and writing .data gives the
 * written pages copies of their own (Anonymous grows by them) while the
 * file keeps its bytes (read back through /proc/self/exe at the offset
 * /proc/self/maps gives). The bss past the file's bytes reads zero. Runs
 * on Linux too. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

#define KB 1024l
#define MB (1024l * KB)
#define PG 4096l

/* non-zero first bytes keep them in the file (.rodata, .data) */
__attribute__((aligned(4096))) static const unsigned char ro[4 * MB] = {7, 7, 7};
__attribute__((aligned(4096))) static unsigned char rw[1 * MB] = {2, 2, 2};
static unsigned char bss[64 * KB];

static long
rollup(const char *key)
{
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/* the file offset /proc/self/maps gives for addr, or -1 */
static long
file_offset(const void *addr)
{
	char line[512];
	long off = -1;
	uintptr_t a = (uintptr_t)addr;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, o;
		if (sscanf(line, "%lx-%lx %*s %lx", &lo, &hi, &o) == 3 && lo <= a && a < hi)
			off = (long)(o + (a - lo));
	}
	fclose(f);
	return off;
}

int
main(void)
{
	volatile unsigned long sum = 0;
	char name[160];

	long anon0 = rollup("Anonymous"), file0 = rollup("Pss_File");
	CHECK(anon0 >= 0 && file0 >= 0, "smaps_rollup has Anonymous and Pss_File");
	for (long i = 0; i < (long)sizeof(ro); i += PG)
		sum += ro[i];
	long anon1 = rollup("Anonymous"), file1 = rollup("Pss_File");
	snprintf(
	    name, sizeof(name),
	    "reading 4 MiB of .rodata: Anonymous %ld -> %ld kB (under +512), file %ld -> %ld kB "
	    "(+3584 or more: most of it)",
	    anon0, anon1, file0, file1);
	CHECK(sum == 7 && anon1 - anon0 < 512 && file1 - file0 >= 3584, name);

	for (long i = 0; i < (long)sizeof(rw); i += PG)
		sum += rw[i];
	long anon2 = rollup("Anonymous");
	for (long i = 0; i < (long)sizeof(rw) / 2; i += PG)
		rw[i] = 9;
	long anon3 = rollup("Anonymous");
	snprintf(name, sizeof(name),
	         "writing 128 pages of .data: Anonymous %ld -> %ld kB (+512, give or take 128)",
	         anon2, anon3);
	CHECK(labs(anon3 - anon2 - 512) <= 128, name);
	CHECK(rw[0] == 9 && rw[1] == 2 && rw[PG] == 9 && rw[sizeof(rw) / 2] == 0,
	      "the written pages hold the writes, the others the file's bytes");

	long off = file_offset(rw);
	int fd = open("/proc/self/exe", O_RDONLY);
	unsigned char b[2] = {0xff, 0xff};
	long got = off >= 0 && fd >= 0 ? (long)pread(fd, b, 2, off) : -1;
	snprintf(name, sizeof(name),
	         "the program's file still holds .data's bytes after the writes (offset %ld: "
	         "%ld bytes, %d %d, errno %d)",
	         off, got, b[0], b[1], got < 0 ? errno : 0);
	CHECK(got == 2 && b[0] == 2 && b[1] == 2, name);
	if (fd >= 0)
		close(fd);

	int zero = 1;
	for (size_t i = 0; i < sizeof(bss); i++)
		zero &= bss[i] == 0;
	CHECK(zero, "the bss reads zero");
	return tap_done();
}

/* The guest side of tools/bench/sections/65-memfree.sh: touch 256 MiB of
 * anonymous memory, say so, wait 3 s, munmap 200 MiB of it, say so, then
 * wait SECS seconds (default 15) while the host watches QEMU's RSS, and
 * exit 0. Arguments ending in ".ko" are kernel modules loaded first with
 * finit_module (the Linux guest's virtio_balloon; an already loaded one
 * is fine). Usage: memfree [MODULE.ko...] [SECS] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MIB (1ul << 20)

/* 0 when loaded (or already there), else errno: ENOENT also means a
 * symbol it needs is not loaded yet */
static int
load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
		e = errno;
	close(fd);
	return e;
}

/* every module, in whatever order their symbols allow; 0 or -1 */
static int
load_modules(char **paths, int n)
{
	int left = n, e, loaded[64] = {0};

	if (n > 64)
		return -1;
	for (int pass = 0; left && pass < n; pass++)
		for (int i = 0; i < n; i++)
			if (!loaded[i] && !load_module(paths[i]))
				loaded[i] = 1, left--;
	for (int i = 0; i < n; i++)
		if (!loaded[i]) {
			e = load_module(paths[i]);
			printf("memfree: %s: %s\n", paths[i], strerror(e));
			return -1;
		}
	return 0;
}

int
main(int argc, char **argv)
{
	const size_t len = 256 * MIB, freed = 200 * MIB;
	unsigned secs = 15;
	char *m, *mods[64];
	int nmods = 0;

	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (n > 3 && strcmp(argv[i] + n - 3, ".ko") == 0 && nmods < 64)
			mods[nmods++] = argv[i];
		else
			secs = (unsigned)strtoul(argv[i], NULL, 10);
	}
	if (nmods && load_modules(mods, nmods) != 0)
		return 1;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		printf("memfree: mmap 256 MiB: %s\n", strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < len; i += 4096)
		m[i] = (char)i | 1;
	printf("memfree: touched 256 MiB\n");
	fflush(stdout);
	sleep(3);
	if (munmap(m, freed) != 0) {
		printf("memfree: munmap 200 MiB: %s\n", strerror(errno));
		return 1;
	}
	printf("memfree: freed 200 MiB\n");
	fflush(stdout);
	sleep(secs);
	printf("memfree: done, %d\n", m[freed] != 0);
	return 0;
}

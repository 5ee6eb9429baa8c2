/* The guest side of tests/e2e/balloon.sh: touches 64 MiB and says so,
 * waits 3 s (the host reads QEMU's RSS), frees it and says so, then waits
 * up to 60 s for /proc/meminfo's MemTotal to drop by 64 MiB or more (the
 * host inflates the balloon), says how far it fell, waits up to 30 s
 * more for all of the host's 128 MiB and says so (the host asks QEMU
 * for the balloon's size and the stats, then deflates it), then waits up
 * to 30 s for MemTotal to come back and says what it is. Exit 0 when
 * MemTotal dropped, 1 when not. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static long
mem_total_kib(void)
{
	char buf[4096];
	int fd = open("/proc/meminfo", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	char *p;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "MemTotal:");
	return p ? strtol(p + 9, NULL, 10) : -1;
}

int
main(void)
{
	const size_t len = 64u << 20;
	long start = mem_total_kib();
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (start <= 0 || m == MAP_FAILED) {
		printf("balloon_app: no MemTotal (%ld) or no 64 MiB\n", start);
		return 1;
	}
	printf("balloon_app: MemTotal %ld kB\n", start);
	for (size_t i = 0; i < len; i += 4096)
		m[i] = 1;
	printf("balloon_app: touched 64 MiB\n");
	fflush(stdout);
	sleep(3);
	munmap(m, len);
	printf("balloon_app: freed 64 MiB\n");
	fflush(stdout);
	for (int i = 0; i < 600; i++) {
		long now = mem_total_kib();
		if (now > 0 && now <= start - (64l << 10)) {
			printf("balloon_app: MemTotal dropped to %ld kB\n", now);
			fflush(stdout);
			/* all of the 128 MiB, for the host's query-balloon */
			for (int j = 0; j < 300 && mem_total_kib() > start - (128l << 10); j++)
				usleep(100000);
			printf("balloon_app: MemTotal %ld kB at the end\n", mem_total_kib());
			fflush(stdout);
			/* the host deflates it: all of it back */
			for (int j = 0; j < 300 && mem_total_kib() < start; j++)
				usleep(100000);
			printf("balloon_app: MemTotal back to %ld kB\n", mem_total_kib());
			return 0;
		}
		usleep(100000);
	}
	printf("balloon_app: MemTotal stayed %ld kB\n", mem_total_kib());
	return 1;
}

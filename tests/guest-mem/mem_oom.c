/* The app tests/e2e/mem-oom.sh runs in a 128 MiB guest: it installs
 * handlers for SIGSEGV and SIGBUS (which must not run: out of memory is
 * SIGKILL), maps 256 MiB of private anonymous memory (granted: the
 * overcommit rule, include/mm.h) and writes every page of it. The kernel
 * must kill it (status 137) before the last page. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SIZE (256ul << 20)

static void
on_fault(int sig)
{
	static const char msg[] = "mem_oom: a fault handler ran\n";

	(void)sig;
	write(1, msg, sizeof(msg) - 1);
	_exit(3);
}

int
main(void)
{
	struct sigaction sa;
	char *p;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL)) {
		perror("sigaction");
		return 2;
	}
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap 256 MiB");
		return 2;
	}
	printf("mem_oom: writing 256 MiB\n");
	fflush(stdout);
	for (size_t i = 0; i < SIZE; i += 4096)
		p[i] = 1;
	printf("mem_oom: wrote all of it\n");
	return 0;
}

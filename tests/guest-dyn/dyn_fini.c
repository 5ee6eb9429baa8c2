/* Destructors of dlopen'ed objects at exit (tests/e2e/dyn-fini.sh):
 * libdynfini-a.so, then libdynfini-b.so, each with two; then main
 * returns. Expected on stdout, as glibc's and musl's ld.so order them:
 * "main done", B's then A's (each its own in reverse order), then the
 * program's own destructor.
 * Usage: dyn_fini DIR (the folder of both libraries) */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((destructor)) static void
fini_main(void)
{
	write(1, "fini main\n", 10);
}

int
main(int argc, char **argv)
{
	char path[512];

	if (argc < 2)
		return 2;
	snprintf(path, sizeof(path), "%s/libdynfini-a.so", argv[1]);
	if (!dlopen(path, RTLD_NOW))
		return 3;
	snprintf(path, sizeof(path), "%s/libdynfini-b.so", argv[1]);
	if (!dlopen(path, RTLD_NOW))
		return 3;
	printf("main done\n");
	fflush(stdout);
	return 0;
}

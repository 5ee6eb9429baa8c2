/* A dynamically linked hello (tests/e2e/dyn-hello.sh): built with gcc
 * (glibc's ld-linux), gcc -no-pie and musl-gcc (ld-musl), run unmodified
 * through its own interpreter. It says its argv[0], what /proc/self/exe
 * names and that its interpreter came before it (AT_BASE, AT_ENTRY). */
#include <elf.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>

extern void _start(void);

int
main(int argc, char **argv)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = 0;
	printf("hello, dynamic world\n");
	printf("argv[0] %s\n", argv[0]);
	printf("exe %s\n", exe);
	printf("AT_BASE %s\n", getauxval(AT_BASE) ? "set" : "0");
	printf("AT_ENTRY %s\n",
	       getauxval(AT_ENTRY) == (unsigned long)_start ? "is _start" : "is not _start");
	return argc == 2 ? 5 : 0;
}

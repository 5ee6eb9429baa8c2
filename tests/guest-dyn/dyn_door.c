/* Which door a libc call takes (tests/e2e/dyn-door2.sh): getppid() N
 * times between two reads of /proc/unum/syscalls, the kernel's count of
 * system calls entered by each door. Built dynamically with musl-gcc it
 * runs on the kernel's musl, whose calls are calls (door 2: no SYSCALL
 * instruction); built static, on its own musl (door 1). Prints the two
 * differences, "door1 D1 door2 D2". */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int
counts(unsigned long *d1, unsigned long *d2)
{
	FILE *f = fopen("/proc/unum/syscalls", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "door1 %lu door2 %lu", d1, d2);
	fclose(f);
	return n == 2 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	unsigned long a1, a2, b1, b2;
	volatile long sum = 0;

	if (counts(&a1, &a2))
		return 2;
	for (int i = 0; i < n; i++)
		sum += getppid();
	if (counts(&b1, &b2))
		return 2;
	printf("door1 %lu door2 %lu\n", b1 - a1, b2 - a2);
	return sum == 0 ? 0 : 3;
}

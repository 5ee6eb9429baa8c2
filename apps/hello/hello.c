/* apps/hello: the smallest app worth baking into a disk image. Prints a
 * greeting and its arguments, exits 0. Built static with musl by
 * apps/hello/app.mk; `make image APP=hello` makes build/hello.img, which
 * boots with plain QEMU (README.md, "Booting by hand"). */
#include <stdio.h>

int
main(int argc, char **argv)
{
	printf("Hello from unum!\n");
	for (int i = 1; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	return 0;
}

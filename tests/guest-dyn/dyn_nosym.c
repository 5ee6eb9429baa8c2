/* A program that needs a symbol of libdynsym.so (tests/e2e/dyn-door2.sh):
 * run with a libdynsym.so that lacks it (libdynsym-empty.c), our dynamic
 * linker refuses it with one line naming the symbol, exit 127. */
#include <stdio.h>

int dynsym_value(void);

int
main(void)
{
	printf("%d\n", dynsym_value());
	return 0;
}

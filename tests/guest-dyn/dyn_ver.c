/* A program linked against one build of libdynver.so (tests/e2e/dyn-ver.sh)
 * run with another: prints which version of dynver_which it was bound to,
 * "which N" (the version its link saw: 1 linked against the first
 * build even when run with the second, which has dynver_which@VER_1 and
 * @@VER_2). Built -DNEW, it calls dynver_new@VER_3 too, which only the
 * third build defines: with the second, the load is refused. */
#include <stdio.h>

int dynver_which(void);
#ifdef NEW
int dynver_new(void);
#endif

int
main(void)
{
	printf("which %d\n", dynver_which());
#ifdef NEW
	printf("new %d\n", dynver_new());
#endif
	return 0;
}

/* TAP output for the in-guest Linux test programs (tests/guest): each
 * CHECK is one case line; main ends with tap_done(), whose status is 0
 * only when every case passed. Plain libc: these run unmodified on Linux
 * too (tests/guest/README.md). */
#ifndef UNUM_GUEST_TAP_H
#define UNUM_GUEST_TAP_H

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define CHECK(cond, name)                                                                          \
	do {                                                                                       \
		int ok_ = !!(cond);                                                                \
		tap_n++;                                                                           \
		if (!ok_)                                                                          \
			tap_failed++;                                                              \
		printf("%s %d - %s\n", ok_ ? "ok" : "not ok", tap_n, name);                        \
		if (!ok_)                                                                          \
			printf("# %s:%d: %s (errno %d %s)\n", __FILE__, __LINE__, #cond, errno,    \
			       strerror(errno));                                                   \
	} while (0)

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif

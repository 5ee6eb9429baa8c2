/* In-guest test cases, built only into build/kernel-test.elf. Each case
 * registers itself through the unum_tests linker section; after boot the
 * runner prints TAP on the console ("1..N", "ok 3 - name", "not ok 4 -
 * name") and exits 0 when all passed, 1 otherwise.
 * Typical use:
 *   KTEST(rodata_is_readonly) {
 *       EXPECT(arch_try(write_rodata, NULL, &vec) == -EFAULT);
 *       EXPECT_EQ(vec, 14);
 *   }
 * A case may call ktest_skip("why") to report itself skipped. */
#ifndef UNUM_KTEST_H
#define UNUM_KTEST_H

#include "types.h"

struct ktest {
	const char *name;
	void (*fn)(void);
};

#define KTEST(n)                                                                                   \
	static void ktest_##n(void);                                                               \
	static const struct ktest __ktest_##n __used __section("unum_tests")                       \
	    __aligned(8) = {#n, ktest_##n};                                                        \
	static void ktest_##n(void)

void ktest_fail(const char *file, int line, const char *fmt, ...) __printf(3, 4);
void ktest_skip(const char *why);
/* diagnostic line printed as a TAP comment ("# ...") */
void ktest_note(const char *fmt, ...) __printf(1, 2);

#define EXPECT(c)                                                                                  \
	do {                                                                                       \
		if (!(c))                                                                          \
			ktest_fail(__FILE__, __LINE__, "expected %s", #c);                         \
	} while (0)
#define EXPECT_EQ(a, b)                                                                            \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a != _b)                                                                      \
			ktest_fail(__FILE__, __LINE__, "%s == %s: got %lld, want %lld", #a, #b,    \
			           _a, _b);                                                        \
	} while (0)

/* A watchdog for cases that could hang: every second it checks that
 * *progress moved; after 'seconds' without movement it lists every
 * thread and panics (the VM ends with 125 and the list on COM2).
 * Typical use: ktest_watchdog_start(&iterations, 20); ...; ktest_watchdog_stop(); */
void ktest_watchdog_start(volatile uint64_t *progress, int seconds);
void ktest_watchdog_stop(void);

/* run every case; returns the number that failed */
int ktest_run_all(void);

/* the kernel's last start-up step: core/run.c (the app), or in the test
 * build tests/kernel/run.c (these cases) */
void kernel_run(void) __noreturn;

#endif

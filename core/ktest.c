/* The in-guest test runner (include/ktest.h): TAP on the console. */
#include "ktest.h"
#include "lib.h"
#include "printk.h"

extern const struct ktest __start_unum_tests[], __stop_unum_tests[];

static bool failed, skipped;
static char skip_why[96];

void
ktest_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	console_printf("# %s:%d: %s\n", file, line, msg);
	failed = true;
}

void
ktest_skip(const char *why)
{
	skipped = true;
	fmt_snprintf(skip_why, sizeof(skip_why), "%s", why);
}

void
ktest_note(const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	console_printf("# %s\n", msg);
}

int
ktest_run_all(void)
{
	int n = __stop_unum_tests - __start_unum_tests, nfail = 0;

	console_printf("1..%d\n", n);
	for (int i = 0; i < n; i++) {
		const struct ktest *t = &__start_unum_tests[i];
		failed = skipped = false;
		t->fn();
		if (skipped && !failed)
			console_printf("ok %d - %s # SKIP %s\n", i + 1, t->name, skip_why);
		else
			console_printf("%s %d - %s\n", failed ? "not ok" : "ok", i + 1, t->name);
		nfail += failed;
	}
	return nfail;
}

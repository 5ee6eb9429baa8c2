/* The in-guest test runner (include/ktest.h): TAP on the console. */
#include "ktest.h"
#include "clock.h"
#include "cmdline.h"
#include "errno.h"
#include "lib.h"
#include "printk.h"
#include "sched.h"
#include "sections.h"

static bool failed, skipped;
static char only[64]; /* test.only=NAME: run just the cases whose name has NAME */

static int
set_only(const char *v)
{
	if (!v || strlen(v) >= sizeof(only))
		return -EINVAL;
	memcpy(only, v, strlen(v) + 1);
	return 0;
}
CMDLINE_KEY("test.only", set_only);

static bool
selected(const char *name)
{
	size_t n = strlen(only);

	if (!n)
		return true;
	for (const char *p = name; *p; p++)
		if (!strncmp(p, only, n))
			return true;
	return false;
}
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

static struct {
	struct timer tm;
	volatile uint64_t *progress;
	uint64_t last;
	int idle_seconds, limit;
	const char *test;
} wd;

static void
watchdog_tick(struct timer *tm)
{
	uint64_t now = *wd.progress;

	if (now != wd.last) {
		wd.last = now;
		wd.idle_seconds = 0;
	} else if (++wd.idle_seconds >= wd.limit) {
		printk(KERN_EMERG "watchdog: %s made no progress for %d s; threads:", wd.test,
		       wd.limit);
		thread_dump_all(0);
		panic("watchdog: test %s stuck", wd.test);
	}
	timer_arm(tm, clock_ns() + 1000000000ull);
}

void
ktest_watchdog_start(volatile uint64_t *progress, int seconds)
{
	wd.progress = progress;
	wd.last = *progress;
	wd.idle_seconds = 0;
	wd.limit = seconds;
	timer_init(&wd.tm, watchdog_tick);
	timer_arm(&wd.tm, clock_ns() + 1000000000ull);
}

void
ktest_watchdog_stop(void)
{
	timer_cancel(&wd.tm);
}

int
ktest_run_all(void)
{
	int n = __stop_unum_tests - __start_unum_tests, nfail = 0;

	console_printf("1..%d\n", n);
	for (int i = 0; i < n; i++) {
		const struct ktest *t = &__start_unum_tests[i];
		failed = skipped = false;
		wd.test = t->name;
		if (!selected(t->name)) {
			console_printf("ok %d - %s # SKIP not selected by test.only\n", i + 1,
			               t->name);
			continue;
		}
		t->fn();
		if (skipped && !failed)
			console_printf("ok %d - %s # SKIP %s\n", i + 1, t->name, skip_why);
		else
			console_printf("%s %d - %s\n", failed ? "not ok" : "ok", i + 1, t->name);
		nfail += failed;
	}
	return nfail;
}

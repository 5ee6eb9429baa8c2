/* Host unit-test harness for tests/unit/test_*.c: TAP output, checks, a
 * seeded random generator, and the kernel symbols the linked sources
 * call (panic, printk, vprintk), which in the kernel come from core/.
 * Include it from the one test file of each program: it defines them.
 * Typical use:
 *   static void frame_basic(void) { EXPECT_EQ(frame_alloc(0), 0x1000); }
 *   int main(void) { RUN(frame_basic); return unit_done(); }
 * A case passes when no EXPECT in it failed; each failure is printed as
 * a "# file:line: ..." line after its "not ok". Passing output is TAP
 * lines only; the plan ("1..N") comes last. UNIT_SEED=N in the
 * environment changes the seed of unit_rand(). */
#ifndef UNUM_UNIT_H
#define UNUM_UNIT_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "printk.h"

__thread uint64_t unit_rflags = 0x202; /* the shim's RFLAGS: IF set */
__thread uint32_t unit_atomic_depth;   /* the shim's spinlock count */

static struct {
	int n, failed;  /* cases run, cases failed */
	char name[160]; /* the running case */
	bool in_case, case_failed, seed_noted;
	char diag[8192]; /* its failure lines, printed after "not ok" */
	size_t diag_len;
	jmp_buf panic_jmp; /* armed by unit_expect_panic() */
	bool panic_armed;
	char panic_msg[512]; /* the last panic's message */
	char log[16384];     /* what printk wrote since unit_log_clear() */
	size_t log_len;
	uint64_t seed, rng;
} unit;

static inline void __printf(1, 2) unit_note(const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof(unit.diag) - unit.diag_len;
	int n;

	if (room < 3)
		return;
	memcpy(unit.diag + unit.diag_len, "# ", 2);
	unit.diag_len += 2;
	room -= 2;
	va_start(ap, fmt);
	n = vsnprintf(unit.diag + unit.diag_len, room - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	unit.diag_len += (size_t)n < room - 1 ? (size_t)n : room - 2;
	unit.diag[unit.diag_len++] = '\n';
	unit.diag[unit.diag_len] = '\0';
}

static inline void __printf(3, 4) unit_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	unit.case_failed = true;
	unit_note("%s:%d: %s", file, line, msg);
	if (unit.rng && !unit.seed_noted) {
		unit.seed_noted = true;
		unit_note("random numbers from UNIT_SEED=%#" PRIx64, unit.seed);
	}
}

static inline void __printf(1, 2) unit_begin(const char *fmt, ...)
{
	char raw[sizeof(unit.name)];
	size_t i, n = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* a TAP name cannot hold '#' (it starts a directive) nor a newline */
	for (i = 0; raw[i] && n + 7 < sizeof(unit.name); i++) {
		if (raw[i] == '#') {
			memcpy(unit.name + n, "(hash)", 6);
			n += 6;
		} else {
			unit.name[n++] = raw[i] == '\n' || raw[i] == '\t' ? ' ' : raw[i];
		}
	}
	unit.name[n] = '\0';
	unit.in_case = true;
	unit.case_failed = unit.seed_noted = false;
	unit.diag_len = 0;
	unit.diag[0] = '\0';
}

static inline bool
unit_end(void)
{
	unit.n++;
	if (unit.case_failed)
		unit.failed++;
	printf("%sok %d - %s\n", unit.case_failed ? "not " : "", unit.n, unit.name);
	fputs(unit.diag, stdout);
	fflush(stdout);
	unit.in_case = false;
	return !unit.case_failed;
}

/* print the plan; the exit status for main */
static inline int
unit_done(void)
{
	printf("1..%d\n", unit.n);
	fflush(stdout);
	return unit.failed ? 1 : 0;
}

#define RUN(fn) (unit_begin("%s", #fn), fn(), unit_end())

#define EXPECT(c)                                                                                  \
	do {                                                                                       \
		if (!(c))                                                                          \
			unit_fail(__FILE__, __LINE__, "expected %s", #c);                          \
	} while (0)

/* integers of any width; both printed in decimal and hex */
#define EXPECT_EQ(got, want)                                                                       \
	do {                                                                                       \
		unsigned long long _g = (unsigned long long)(got);                                 \
		unsigned long long _w = (unsigned long long)(want);                                \
		if (_g != _w)                                                                      \
			unit_fail(__FILE__, __LINE__,                                              \
			          "%s: expected %lld (%#llx), got %lld (%#llx)", #got,             \
			          (long long)_w, _w, (long long)_g, _g);                           \
	} while (0)

/* NUL-terminated strings; NULL allowed on either side */
#define EXPECT_STR(got, want)                                                                      \
	do {                                                                                       \
		const char *_g = (got), *_w = (want);                                              \
		if (_g != _w && (!_g || !_w || strcmp(_g, _w)))                                    \
			unit_fail(__FILE__, __LINE__, "%s: expected \"%s\", got \"%s\"", #got,     \
			          _w ? _w : "(NULL)", _g ? _g : "(NULL)");                         \
	} while (0)

/* ---- panics ---- */

/* Run fn(arg), which must panic with 'want' in the message. The
 * setjmp lives here, away from the caller's locals (-Wclobbered). The
 * panicking code may leave a lock taken: re-initialize what it used. */
static bool __noinline __attribute__((unused))
unit_expect_panic(const char *file, int line, void (*fn)(void *), void *arg, const char *want)
{
	uint64_t rflags = unit_rflags;

	unit.panic_msg[0] = '\0';
	if (setjmp(unit.panic_jmp) == 0) {
		unit.panic_armed = true;
		fn(arg);
		unit.panic_armed = false;
		unit_fail(file, line, "expected a panic with \"%s\", got none", want);
		return false;
	}
	unit_rflags = rflags;
	if (!strstr(unit.panic_msg, want)) {
		unit_fail(file, line, "expected a panic with \"%s\", got \"%s\"", want,
		          unit.panic_msg);
		return false;
	}
	return true;
}
#define EXPECT_PANIC(fn, arg, want) unit_expect_panic(__FILE__, __LINE__, fn, arg, want)

void
panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(unit.panic_msg, sizeof(unit.panic_msg), fmt, ap);
	va_end(ap);
	if (unit.panic_armed) {
		unit.panic_armed = false;
		longjmp(unit.panic_jmp, 1);
	}
	if (!unit.in_case)
		unit_begin("(outside any case)");
	unit_fail(__FILE__, __LINE__, "unexpected panic: %s", unit.panic_msg);
	unit_end();
	abort();
}

/* ---- printk: captured, never printed ---- */

void
vprintk(const char *fmt, va_list ap)
{
	size_t room = sizeof(unit.log) - unit.log_len;
	int n = vsnprintf(unit.log + unit.log_len, room, fmt, ap);

	if (n > 0)
		unit.log_len += (size_t)n < room ? (size_t)n : room - 1;
}

void
printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

static inline void
unit_log_clear(void)
{
	unit.log_len = 0;
	unit.log[0] = '\0';
}

/* ---- random numbers: xorshift64*, seeded once ---- */

static inline uint64_t
unit_rand(void)
{
	if (!unit.rng) {
		const char *s = getenv("UNIT_SEED");
		unit.seed = s ? strtoull(s, NULL, 0) : 0x5eed;
		unit.rng = unit.seed ? unit.seed : 1;
	}
	unit.rng ^= unit.rng >> 12;
	unit.rng ^= unit.rng << 25;
	unit.rng ^= unit.rng >> 27;
	return unit.rng * 0x2545f4914f6cdd1dull;
}

/* uniform enough in [0, n) for tests; n > 0 */
static inline uint64_t
unit_rand_below(uint64_t n)
{
	return unit_rand() % n;
}

#endif

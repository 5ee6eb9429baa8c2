/* In-guest tests of the clock, the one-shot timer and the per-CPU timer
 * lists on it. Timing under TCG is noisy: lateness is printed, never
 * asserted; earliness is a failure. */
#include "arch.h"
#include "clock.h"
#include "ktest.h"
#include "sched.h"

static volatile int fired;
static volatile uint64_t fired_at;

static void
on_fire(struct timer *tm)
{
	fired++;
	fired_at = clock_ns();
}

KTEST(monotonic_clock_advances)
{
	uint64_t a = clock_ns(), b;

	for (int i = 0; i < 1000; i++) {
		b = clock_ns();
		EXPECT(b >= a);
		a = b;
	}
	EXPECT(clock_tsc_hz() > 10000000); /* above 10 MHz */
}

static void
wait_for_fire(int want, uint64_t limit_ns)
{
	uint64_t f = irq_save();

	while (fired < want && clock_ns() < limit_ns)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	irq_restore(f);
}

KTEST(oneshot_timer_fires_not_early)
{
	struct timer tm;
	uint64_t start, deadline;

	timer_init(&tm, on_fire);
	for (int round = 0; round < 3; round++) {
		fired = 0;
		start = clock_ns();
		deadline = start + 2000000 * (round + 1); /* 2, 4, 6 ms */
		timer_arm(&tm, deadline);
		/* halts until the interrupt; the bound is only against a hang */
		wait_for_fire(1, start + 2000000000ull);
		EXPECT_EQ(fired, 1);
		EXPECT(fired_at >= deadline);
		ktest_note("timer %d ms: %lu us late", 2 * (round + 1),
		           (unsigned long)((fired_at - deadline) / 1000));
	}
	/* cancelled: nothing fires */
	fired = 0;
	timer_arm(&tm, clock_ns() + 1000000);
	EXPECT(timer_cancel(&tm));
	EXPECT(!timer_cancel(&tm));
	start = clock_ns();
	while (clock_ns() < start + 5000000)
		cpu_relax();
	EXPECT_EQ(fired, 0);
}

static struct timer *volatile order[3];
static volatile int norder;

static void
on_fire_record(struct timer *tm)
{
	if (norder < 3)
		order[norder] = tm;
	norder++;
	fired++;
}

KTEST(timers_fire_in_deadline_order)
{
	struct timer a, b, c;
	uint64_t now = clock_ns();

	norder = 0;
	fired = 0;
	timer_init(&a, on_fire_record);
	timer_init(&b, on_fire_record);
	timer_init(&c, on_fire_record);
	timer_arm(&c, now + 3000000);
	timer_arm(&a, now + 1000000);
	timer_arm(&b, now + 2000000);
	wait_for_fire(3, now + 2000000000ull);
	EXPECT_EQ(norder, 3);
	EXPECT(order[0] == &a && order[1] == &b && order[2] == &c);
	EXPECT(clock_ns() >= now + 3000000);
}

KTEST(timer_deadline_in_past_fires_at_once)
{
	struct timer tm;

	timer_init(&tm, on_fire);
	fired = 0;
	timer_arm(&tm, 1); /* long past */
	wait_for_fire(1, clock_ns() + 1000000000ull);
	EXPECT_EQ(fired, 1);
}

/* the RTC's next second, interrupts on meanwhile (its edges' handler
 * must run); -1 after 2 s without one */
static int64_t
next_rtc_second(int64_t s0)
{
	uint64_t f = irq_save(), limit = clock_ns() + 2000000000ull;
	int64_t s;

	do {
		__asm__ volatile("sti; nop; cli" ::: "memory");
		s = rtc_read_epoch();
	} while (s == s0 && clock_ns() < limit);
	irq_restore(f);
	return s == s0 ? -1 : s;
}

/* drivers/rtc.c: once the RTC's update interrupts have come, the wall
 * clock at an RTC edge is that second, to the interrupt's latency (read
 * once and never again, it was behind by a random fraction of a second,
 * and drifted with the TSC's calibration) */
KTEST(wall_clock_on_rtc_edges)
{
	int64_t s = rtc_read_epoch(), d = 0;

	EXPECT(s > 0);
	for (int k = 0; k < 3 && s > 0; k++) {
		s = next_rtc_second(s);
		d = (int64_t)clock_realtime_ns() - s * 1000000000ll;
	}
	EXPECT(s > 0);
	ktest_note("wall clock at an RTC edge: %ld us from it", (long)(d / 1000));
	EXPECT(d > -100000000 && d < 100000000);
}

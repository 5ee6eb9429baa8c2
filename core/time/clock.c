/* The monotonic clock and the one-shot timer (include/clock.h). */
#include "clock.h"
#include "arch.h"
#include "irq.h"
#include "lib.h"
#include "printk.h"

static struct tsc_scale scale;
static uint64_t tsc_hz, lapic_hz;
static bool use_kvmclock, use_deadline;
static void (*timer_fn)(void);

/* ns * hz / 1e9 without 128-bit division (hz < 2^34) */
static uint64_t
ns_to_ticks(uint64_t ns, uint64_t hz)
{
	return ns / 1000000000u * hz + ns % 1000000000u * hz / 1000000000u;
}

/* The hardware timer may fire a little early (calibration error, a
 * count capped at 32 bits): the handler (core/time/timer.c) runs only what is
 * due and re-arms for the rest, so no deadline is met early. */
static void
on_timer(struct trapframe *tf, void *arg)
{
	if (timer_fn)
		timer_fn();
}

void
clock_init(void)
{
	if (cpu_features.kvm_clock && kvmclock_init() == 0)
		use_kvmclock = true;
	if (pit_calibrate(&tsc_hz, &lapic_hz)) {
		uint32_t r[4];
		/* no PIT: CPUID 0x15 (crystal ratio) or 0x16 (base MHz) */
		cpuid(0, 0, r);
		if (r[0] >= 0x16) {
			cpuid(0x16, 0, r);
			tsc_hz = (uint64_t)r[0] * 1000000;
		}
		if (!tsc_hz && !use_kvmclock)
			panic("clock: no PIT to calibrate the TSC against, no kvmclock, "
			      "no CPUID frequency");
		if (!tsc_hz)
			tsc_hz = 1000000000;
		lapic_hz = 0;
	}
	scale.tsc0 = rdtsc();
	scale.ns0 = 0;
	scale.mult = (1000000000ull << 32) / tsc_hz;
	use_deadline = cpu_features.tsc_deadline;
	if (use_deadline)
		lapic_tsc_deadline_mode();
	else if (!lapic_hz)
		panic("clock: the LAPIC timer could not be calibrated and there is no "
		      "TSC-deadline timer");
	irq_set_handler(VEC_TIMER, on_timer, NULL);
}

uint64_t
clock_ns(void)
{
	if (use_kvmclock)
		return kvmclock_ns();
	return tsc_scale_ns(&scale, rdtsc());
}

const char *
clock_source(void)
{
	return use_kvmclock ? "kvmclock" : "tsc";
}

const char *
clock_timer_kind(void)
{
	return use_deadline ? "tsc-deadline" : "lapic";
}

uint64_t
clock_tsc_hz(void)
{
	return tsc_hz;
}

void
clock_set_timer_handler(void (*fn)(void))
{
	timer_fn = fn;
}

void
clock_timer_arm(uint64_t deadline_ns)
{
	uint64_t now, delta;

	if (!deadline_ns) {
		if (use_deadline)
			arch_tsc_deadline(0);
		else
			lapic_timer_oneshot(0);
		return;
	}
	now = clock_ns();
	delta = deadline_ns > now ? deadline_ns - now : 0;
	if (use_deadline) {
		uint64_t ticks = ns_to_ticks(delta, tsc_hz);
		arch_tsc_deadline(rdtsc() + ticks + 1);
		return;
	}
	uint64_t ticks = ns_to_ticks(delta, lapic_hz);
	/* the count register is 32 bits: a far deadline fires early, and the
	 * handler re-arms for the rest */
	lapic_timer_oneshot((uint32_t)MIN(MAX(ticks, 1ull), 0xffffffffull));
}

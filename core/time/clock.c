/* The monotonic clock and the one-shot timer (include/clock.h). */
#include "clock.h"
#include "arch.h"
#include "errno.h"
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

/* CPUID 0x15 (TSC/crystal ratio and crystal Hz) or 0x16 (base MHz): the
 * TSC's rate where the CPU says it (KVM on recent Intel; QEMU 7.2's TCG
 * answers zeros), else 0 */
static uint64_t
cpuid_tsc_hz(void)
{
	uint32_t r[4], max;

	cpuid(0, 0, r);
	max = r[0];
	if (max >= 0x15) {
		cpuid(0x15, 0, r);
		if (r[0] && r[1] && r[2])
			return (uint64_t)r[2] * r[1] / r[0];
	}
	if (max >= 0x16) {
		cpuid(0x16, 0, r);
		if (r[0] & 0xffff)
			return (uint64_t)(r[0] & 0xffff) * 1000000;
	}
	return 0;
}

/* the rates are known: the scale from the TSC at clock_init, the timer */
static void
clock_start(void)
{
	scale.mult = (1000000000ull << 32) / tsc_hz;
	if (use_deadline)
		lapic_tsc_deadline_mode();
	else if (!lapic_hz)
		panic("clock: the LAPIC timer could not be calibrated and there is no "
		      "TSC-deadline timer");
}

/* 1: the PIT window is open and the rates are not known yet. Until then
 * the TSC clock stands at its start (0 ns): clock_ns, clock_tsc_hz and
 * clock_timer_arm close the window when they can, or must */
static bool pending;

/* close the window: wait (true) or not; false while still pending */
static bool
close_window(bool wait)
{
	int err;

	while ((err = pit_window_close(&tsc_hz, &lapic_hz)) == -EAGAIN && wait)
		cpu_relax();
	if (err == -EAGAIN)
		return false;
	if (err && pit_calibrate(&tsc_hz, &lapic_hz))
		panic("clock: the PIT stopped answering while the TSC was calibrated");
	clock_start();
	__atomic_store_n(&pending, false, __ATOMIC_RELEASE);
	return true;
}

void
clock_calibrated(void)
{
	if (__atomic_load_n(&pending, __ATOMIC_ACQUIRE))
		close_window(true);
}

void
clock_init(void)
{
	if (cpu_features.kvm_clock && kvmclock_init() == 0)
		use_kvmclock = true;
	use_deadline = cpu_features.tsc_deadline;
	scale.tsc0 = rdtsc();
	scale.ns0 = 0;
	irq_set_handler(VEC_TIMER, on_timer, NULL);
	tsc_hz = cpuid_tsc_hz();
	if (tsc_hz && use_deadline) {
		clock_start(); /* the CPU says its rate, and no LAPIC rate is needed */
		return;
	}
	if (pit_window_open() == 0) {
		tsc_hz = 0;
		pending = true; /* closed by clock_calibrated, or sooner */
		return;
	}
	/* no PIT: the CPU's word for the rate, or kvmclock's (then only the
	 * TSC-deadline timer's conversion leans on the guess) */
	if (!tsc_hz && !use_kvmclock)
		panic("clock: no PIT to calibrate the TSC against, no kvmclock, "
		      "no CPUID frequency");
	if (!tsc_hz)
		tsc_hz = 1000000000;
	lapic_hz = 0;
	clock_start();
}

uint64_t
clock_ns(void)
{
	if (use_kvmclock)
		return kvmclock_ns();
	/* the PIT is asked only after a million TSC ticks (under 1 ms at any
	 * rate above 1 GHz): most calls in the window cost no port I/O */
	if (__atomic_load_n(&pending, __ATOMIC_ACQUIRE) &&
	    (rdtsc() - scale.tsc0 < 1000000 || !close_window(false)))
		return scale.ns0;
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
	clock_calibrated();
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

	clock_calibrated();
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

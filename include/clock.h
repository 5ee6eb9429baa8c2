/* Time: a monotonic nanosecond clock (kvmclock when KVM offers it, else
 * the TSC calibrated against the PIT) and a one-shot timer interrupt on
 * this CPU (TSC-deadline where present, else the LAPIC timer one-shot).
 * Typical use:
 *   clock_init();                       // at boot, after the LAPIC
 *   uint64_t t = clock_ns();
 *   clock_set_timer_handler(fn);        // called in interrupt context
 *   clock_timer_arm(t + 1000000);       // absolute deadline, ns
 */
#ifndef UNUM_CLOCK_H
#define UNUM_CLOCK_H

#include "types.h"

void clock_init(void);
/* wall-clock time (drivers/rtc.c): from the CMOS RTC, read on first use,
 * then kept to the RTC's seconds by its update interrupt (rtc_init: at
 * boot, after the IOAPIC) */
void rtc_init(void);
uint64_t clock_realtime_ns(void);
uint64_t clock_realtime_to_mono(uint64_t realtime_ns); /* 0 when before boot */
int64_t rtc_read_epoch(void);                          /* seconds; -1 when the RTC reads garbage */
uint64_t clock_ns(void);
const char *clock_source(void); /* "kvmclock" or "tsc" */
uint64_t clock_tsc_hz(void);
const char *clock_timer_kind(void); /* "tsc-deadline" or "lapic" */

/* fire this CPU's timer interrupt once at or after about 'deadline_ns'
 * (monotonic; the hardware may be early by its calibration error, so the
 * handler checks the time); a deadline in the past fires at once; 0
 * disarms. The scheduler's timers (core/time/timer.c) are its one user. */
void clock_timer_arm(uint64_t deadline_ns);
void clock_set_timer_handler(void (*fn)(void));

/* calibration pieces, separately testable */
struct tsc_scale {
	uint64_t tsc0, ns0;
	uint64_t mult; /* ns per TSC tick, 32.32 fixed point */
};
static inline uint64_t
tsc_scale_ns(const struct tsc_scale *s, uint64_t tsc)
{
	return s->ns0 + (uint64_t)(((unsigned __int128)(tsc - s->tsc0) * s->mult) >> 32);
}
/* PIT-based measurement over a LAPIC one-shot window: 0 or -ENODEV
 * (no PIT answers) */
int pit_calibrate(uint64_t *tsc_hz, uint64_t *lapic_hz);
/* the same over a window start-up runs through: open (0 or -ENODEV),
 * then close: 0 with the rates, -EAGAIN before 1 ms has passed (the
 * window stays open), -ERANGE when it cannot be read (over 55 ms: use
 * pit_calibrate) */
int pit_window_open(void);
int pit_window_close(uint64_t *tsc_hz, uint64_t *lapic_hz);
/* the rates known: the clock's calibration window closed, waiting out
 * what is left of its 1 ms (start-up calls it once the window has run
 * under other steps; clock_ns, clock_tsc_hz and clock_timer_arm do when
 * they need it sooner) */
void clock_calibrated(void);

/* kvmclock (drivers/kvmclock.c): 0 when available and started */
int kvmclock_init(void);
uint64_t kvmclock_ns(void);

#endif

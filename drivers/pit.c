/* TSC and LAPIC timer calibration against the i8254 PIT (1.193182 MHz).
 * At boot, a window left open while start-up goes on (pit_window_open,
 * pit_window_close): the PIT counts down from 65535 in mode 0, the LAPIC
 * timer runs masked, and the rates come from how far each moved once at
 * least 1 ms has passed, with no wait of its own when start-up took that
 * long. Past 65535 PIT ticks (55 ms: the read-back status shows OUT high)
 * the window cannot be read, and the closed form below is used.
 * The closed form, pit_calibrate, has no busy polling: the PIT's channel 0 counts 1 ms once and
 * raises IRQ0 while the CPU halts; the LAPIC timer counts down free (masked) over the same span. On
 * the wake-up all three counters are read together, so the interrupt's latency does not matter: the
 * PIT keeps counting past its terminal count and the LAPIC never reaches zero. */
#include "acpi.h"
#include "arch.h"
#include "clock.h"
#include "errno.h"
#include "irq.h"
#include "printk.h"

#define PIT_HZ 1193182ull
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define WINDOW 1193 /* PIT ticks: 1 ms */

static volatile bool fired;

static void
on_irq0(struct trapframe *tf, void *arg)
{
	fired = true;
}

/* the LAPIC counting down from its maximum wakes us if the PIT never
 * interrupts (seconds later), so a silent PIT cannot hang the boot */
static void
on_lapic(struct trapframe *tf, void *arg)
{
}

static uint16_t
pit_read0(void)
{
	uint8_t lo, hi;

	outb(PIT_CMD, 0x00); /* latch channel 0's count */
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return (uint16_t)(lo | (hi << 8));
}

static void
pit_start0(uint16_t count)
{
	outb(PIT_CMD, 0x30); /* channel 0, lobyte/hibyte, mode 0 */
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, count >> 8);
}

/* the three counters read close together: of a few tries, the one with
 * the smallest TSC span around it (a host preemption between the reads
 * would skew the calibration) */
static void
sample(uint16_t *p, uint64_t *t, uint32_t *c)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 4; i++) {
		uint64_t a = rdtsc();
		uint16_t pp = pit_read0();
		uint32_t cc = lapic_timer_current();
		uint64_t b = rdtsc();
		if (b - a < best) {
			best = b - a;
			*p = pp;
			*c = cc;
			*t = a + (b - a) / 2;
		}
	}
}

static int
calibrate_once(uint64_t *tsc_hz, uint64_t *lapic_hz)
{
	uint32_t gsi, c0, c1;
	bool level, low;
	uint64_t flags, t0, t1, limit;
	uint16_t p0, p1, pit;
	int vec, err;
	bool alt;

	/* an absent PIT reads back 0xff everywhere */
	pit_start0(0x1234);
	if (pit_read0() == 0xffff)
		return -ENODEV;
	pit_start0(0xffff); /* no terminal count (no stray edge) before the window */
	vec = irq_alloc_vector(on_irq0, NULL);
	if (vec < 0)
		return vec;
	platform_isa_irq(0, &gsi, &level, &low);
	err = ioapic_route_flags(gsi, vec, level, low);
	if (err)
		goto out_free;
	/* QEMU wires the PIT to IOAPIC pin 2 even where its tables give no
	 * override (microvm's MADT): listen on pin 2 too */
	alt = gsi == 0 && ioapic_route_flags(2, vec, false, false) == 0;

	flags = irq_save();
	fired = false;
	irq_set_handler(VEC_TIMER, on_lapic, NULL);
	lapic_timer_oneshot(0xffffffff);
	pit_start0(WINDOW);
	sample(&p0, &t0, &c0);
	/* against a PIT that never interrupts: give up after ~1G TSC ticks */
	limit = t0 + 1000000000;
	while (!fired && rdtsc() < limit && lapic_timer_current() != 0)
		cpu_wait_irq();
	sample(&p1, &t1, &c1);
	lapic_timer_oneshot(0);
	irq_set_handler(VEC_TIMER, NULL, NULL);
	irq_restore(flags);
	ioapic_mask(gsi, true);
	if (alt)
		ioapic_mask(2, true);
	pit = (uint16_t)(p0 - p1);
	err = fired && pit >= WINDOW / 2 ? 0 : -ENODEV;
	if (err)
		printk(KERN_WARN "clock: calibration window failed: PIT %s, %u PIT ticks, %lu TSC "
		                 "ticks, %u LAPIC ticks",
		       fired ? "interrupted" : "never interrupted", pit, (unsigned long)(t1 - t0),
		       c0 - c1);
	if (!err) {
		*tsc_hz = (t1 - t0) * PIT_HZ / pit;
		*lapic_hz = (uint64_t)(c0 - c1) * PIT_HZ / pit;
	}
out_free:
	irq_set_handler(vec, NULL, NULL);
	return err;
}

static struct {
	bool open;
	uint16_t p0;
	uint32_t c0;
	uint64_t t0;
} win;

int
pit_window_open(void)
{
	/* an absent PIT reads back 0xff everywhere */
	pit_start0(0x1234);
	if (pit_read0() == 0xffff)
		return -ENODEV;
	lapic_timer_count_masked(0xffffffff);
	pit_start0(0xffff); /* OUT goes high at the terminal count, 55 ms on */
	sample(&win.p0, &win.t0, &win.c0);
	win.open = true;
	return 0;
}

int
pit_window_close(uint64_t *tsc_hz, uint64_t *lapic_hz)
{
	uint16_t p1, pit;
	uint32_t c1;
	uint64_t t1;
	uint8_t status;

	if (!win.open)
		return -ENODEV;
	outb(PIT_CMD, 0xe2); /* read-back: channel 0's status, not its count */
	status = inb(PIT_CH0);
	sample(&p1, &t1, &c1);
	/* mode 0, lobyte/hibyte, and OUT still low: no wrap since the start */
	if ((status & 0xbe) != 0x30) {
		win.open = false;
		lapic_timer_oneshot(0);
		return -ERANGE;
	}
	pit = (uint16_t)(win.p0 - p1);
	if (pit < WINDOW)
		return -EAGAIN;
	win.open = false;
	lapic_timer_oneshot(0);
	*tsc_hz = (t1 - win.t0) * PIT_HZ / pit;
	*lapic_hz = (uint64_t)(win.c0 - c1) * PIT_HZ / pit;
	return 0;
}

/* a host too busy to run the guest on time can spoil one window: retry */
int
pit_calibrate(uint64_t *tsc_hz, uint64_t *lapic_hz)
{
	int err = -ENODEV;

	for (int i = 0; i < 3 && err; i++)
		err = calibrate_once(tsc_hz, lapic_hz);
	return err;
}

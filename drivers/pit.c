/* TSC and LAPIC timer calibration against the i8254 PIT (1.193182 MHz).
 * No busy polling: PIT channel 0 counts down once (its IRQ stays masked
 * at the IOAPIC) while the CPU halts until a LAPIC one-shot fires; the
 * counter is latched at both ends, so the cost is a few port accesses
 * and one wait. Channel 0, not 2: channel 2's gate is port 0x61, which
 * microvm does not have. */
#include "arch.h"
#include "clock.h"
#include "errno.h"
#include "irq.h"
#include "printk.h"

#define PIT_HZ 1193182ull
#define PIT_CH0 0x40
#define PIT_CMD 0x43

static volatile bool fired;

static void
on_timer(struct trapframe *tf, void *arg)
{
	(void)tf;
	(void)arg;
	fired = true;
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

/* read-back command: channel 0 status, bit 7 = OUT (high once the count
 * has run out in mode 0) */
static bool
pit_out0(void)
{
	outb(PIT_CMD, 0xe2);
	return inb(PIT_CH0) & 0x80;
}

/* one window of 'ticks' LAPIC ticks; returns PIT ticks elapsed, or 0 when
 * the PIT ran out (window too long) */
static uint32_t
window(uint32_t ticks, uint64_t *tsc_delta)
{
	uint16_t p0, p1;
	uint64_t t0, t1, flags;

	/* channel 0, mode 0, lobyte/hibyte, count 0xffff */
	outb(PIT_CMD, 0x30);
	outb(PIT_CH0, 0xff);
	outb(PIT_CH0, 0xff);
	flags = irq_save();
	fired = false;
	p0 = pit_read0();
	t0 = rdtsc();
	lapic_timer_oneshot(ticks);
	while (!fired) {
		/* sti;hlt is atomic: the timer cannot slip in between */
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
	p1 = pit_read0();
	t1 = rdtsc();
	irq_restore(flags);
	if (pit_out0()) /* the count ran out: window too long */
		return 0;
	*tsc_delta = t1 - t0;
	return (uint32_t)(p0 - p1);
}

int
pit_calibrate(uint64_t *tsc_hz, uint64_t *lapic_hz)
{
	uint32_t ticks = 1000000, pit = 0;
	uint64_t tsc = 0;

	/* an absent PIT reads back 0xff everywhere */
	outb(PIT_CMD, 0x30);
	outb(PIT_CH0, 0x34);
	outb(PIT_CH0, 0x12);
	if (pit_read0() == 0xffff)
		return -ENODEV;
	irq_set_handler(VEC_TIMER, on_timer, NULL);
	for (int tries = 0; tries < 6; tries++) {
		pit = window(ticks, &tsc);
		if (pit >= 100) /* long enough for 1% */
			break;
		ticks = pit ? ticks * 8 : ticks / 16;
		if (ticks < 1000)
			break;
	}
	irq_set_handler(VEC_TIMER, NULL, NULL);
	if (pit < 100)
		return -ENODEV;
	*tsc_hz = tsc * PIT_HZ / pit;
	*lapic_hz = (uint64_t)ticks * PIT_HZ / pit;
	return 0;
}

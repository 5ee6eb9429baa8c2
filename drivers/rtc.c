/* The MC146818 CMOS real-time clock, read once, the first time anyone
 * asks for the wall time (it costs a wait for the update cycle, which
 * boot should not pay): realtime = monotonic + the offset found then. */
#include "arch.h"
#include "clock.h"
#include "spinlock.h"

#define CMOS_ADDR 0x70
#define CMOS_DATA 0x71

static int64_t offset_ns; /* realtime - monotonic */
static bool have_offset;
static struct spinlock lock = SPINLOCK_INIT;

static uint8_t
cmos(uint8_t reg)
{
	outb(CMOS_ADDR, reg);
	return inb(CMOS_DATA);
}

static unsigned
bcd(uint8_t v, bool binary)
{
	return binary ? v : (v & 0xf) + (v >> 4) * 10;
}

/* days from 1970-01-01 to y-m-d (proleptic Gregorian) */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* seconds since the epoch from the RTC, or -1 when it reads garbage */
int64_t
rtc_read_epoch(void)
{
	uint8_t r[7], again[7], b;
	int tries = 0;

	do {
		for (int spin = 0; spin < 100000 && (cmos(0x0a) & 0x80); spin++)
			cpu_relax(); /* update in progress */
		r[0] = cmos(0x00), r[1] = cmos(0x02), r[2] = cmos(0x04);
		r[3] = cmos(0x07), r[4] = cmos(0x08), r[5] = cmos(0x09), r[6] = cmos(0x32);
		again[0] = cmos(0x00), again[1] = cmos(0x02), again[2] = cmos(0x04);
		again[3] = cmos(0x07), again[4] = cmos(0x08), again[5] = cmos(0x09);
		again[6] = cmos(0x32);
	} while (__builtin_memcmp(r, again, 7) && ++tries < 5);
	b = cmos(0x0b);
	bool bin = b & 4, h24 = b & 2;
	unsigned sec = bcd(r[0], bin), min = bcd(r[1], bin);
	unsigned hour = bcd(r[2] & 0x7f, bin), day = bcd(r[3], bin), mon = bcd(r[4], bin);
	unsigned year = bcd(r[5], bin), century = bcd(r[6], bin);
	if (!h24) {
		hour %= 12;
		if (r[2] & 0x80)
			hour += 12;
	}
	year += (century >= 19 && century <= 30 ? century : 20) * 100;
	if (sec > 59 || min > 59 || hour > 23 || !day || day > 31 || !mon || mon > 12)
		return -1;
	return days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}

static void
ensure_offset(void)
{
	uint64_t f;

	if (__atomic_load_n(&have_offset, __ATOMIC_ACQUIRE))
		return;
	f = spin_lock_irqsave(&lock);
	if (!have_offset) {
		int64_t s = rtc_read_epoch();
		offset_ns = (s < 0 ? 0 : s * 1000000000ll) - (int64_t)clock_ns();
		__atomic_store_n(&have_offset, true, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&lock, f);
}

uint64_t
clock_realtime_ns(void)
{
	ensure_offset();
	return (uint64_t)((int64_t)clock_ns() + offset_ns);
}

uint64_t
clock_realtime_to_mono(uint64_t realtime_ns)
{
	ensure_offset();
	int64_t m = (int64_t)realtime_ns - offset_ns;
	return m > 0 ? (uint64_t)m : 0;
}

/* The MC146818 CMOS real-time clock and the wall clock on it. Read once,
 * the first time anyone asks for the wall time (it costs a wait for the
 * update cycle, which boot should not pay): whole seconds, so up to 1 s
 * behind. Then its update-ended interrupt (once a second, at the edge of
 * each second) disciplines it as NTP would: the first edge steps it to
 * the RTC's second, each later one slews the rate so that the error goes
 * within the next second, against a frequency measured from the first
 * edge (the TSC's calibration is a 1 ms window: 0.1% off under a busy
 * TCG host, seconds an hour). e2e/rtc-host-time checks it. */
#include "arch.h"
#include "clock.h"
#include "irq.h"
#include "spinlock.h"

#define CMOS_ADDR 0x70
#define CMOS_DATA 0x71

#define RTC_IRQ 8
#define REG_B_UIE 0x10 /* update-ended interrupt enable */
#define REG_C_UF 0x10  /* update ended (reading C clears it and the line) */
#define NS 1000000000ll
#define STEP_NS (NS / 4)  /* a larger error is stepped, not slewed */
#define SLEW_NS (NS / 10) /* at most 10% faster or slower for a second */

/* wall(mono) = w_real0 + (mono - w_mono0) * w_rate >> 32: set on the first
 * read and at each RTC edge (under lock, w_seq odd meanwhile), read
 * anywhere without the lock (w_seq even and unchanged around the read) */
static uint32_t w_seq;
static uint64_t w_mono0;                     /* ns, clock_ns() */
static int64_t w_real0;                      /* ns since the epoch at w_mono0 */
static uint64_t w_rate;                      /* wall ns per monotonic ns, 32.32 */
static uint64_t w_irate;                     /* its inverse, 32.32 (clock_realtime_to_mono) */
static bool have_offset;                     /* w_* set */
static int64_t edge_s0;                      /* the first edge's second, 0 before it */
static uint64_t edge_m0;                     /* and its clock_ns() */
static int64_t edge_last;                    /* the last edge's second */
static struct spinlock lock = SPINLOCK_INIT; /* the CMOS ports, the writers of w_* */

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

/* seconds since the epoch from the RTC, or -1 when it reads garbage;
 * under lock */
static int64_t
read_epoch(void)
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

int64_t
rtc_read_epoch(void)
{
	uint64_t f = spin_lock_irqsave(&lock);
	int64_t s = read_epoch();

	spin_unlock_irqrestore(&lock, f);
	return s;
}

static int64_t
wall_at(uint64_t mono)
{
	__int128 d = (__int128)((int64_t)(mono - w_mono0)) * (__int128)w_rate;
	return w_real0 + (int64_t)(d >> 32);
}

/* under lock */
static void
wall_set(uint64_t mono0, int64_t real0, uint64_t rate)
{
	__atomic_store_n(&w_seq, w_seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	w_mono0 = mono0;
	w_real0 = real0;
	w_rate = rate;
	w_irate = ((1ull << 63) / rate) << 1;
	__atomic_store_n(&w_seq, w_seq + 1, __ATOMIC_RELEASE);
}

static void
ensure_offset(void)
{
	uint64_t f;

	if (__atomic_load_n(&have_offset, __ATOMIC_ACQUIRE))
		return;
	f = spin_lock_irqsave(&lock);
	if (!have_offset) {
		int64_t s = read_epoch();
		wall_set(clock_ns(), s < 0 ? 0 : s * NS, 1ull << 32);
		__atomic_store_n(&have_offset, true, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&lock, f);
}

/* An edge: the RTC has just become second s (at monotonic m, less the
 * interrupt's latency). Under lock. */
static void
edge(int64_t s, uint64_t m)
{
	int64_t err, r;
	uint64_t rate, per_s;

	if (!have_offset || !edge_s0 || s <= edge_s0) {
		/* the first edge (or the RTC set back): step to it */
		wall_set(m, s * NS, 1ull << 32);
		__atomic_store_n(&have_offset, true, __ATOMIC_RELEASE);
		edge_s0 = s, edge_m0 = m;
		return;
	}
	r = wall_at(m);
	err = s * NS - r;
	if (err > STEP_NS || err < -STEP_NS) {
		wall_set(m, s * NS, w_rate);
		return;
	}
	/* monotonic ns per RTC second since the first edge; the rate that
	 * keeps up with it, plus the error spread over the next second */
	per_s = (m - edge_m0) / (uint64_t)(s - edge_s0);
	if (!per_s)
		return;
	rate = ((uint64_t)NS << 32) / per_s;
	err = err > SLEW_NS ? SLEW_NS : err < -SLEW_NS ? -SLEW_NS : err;
	rate = (uint64_t)((int64_t)rate + (int64_t)rate * err / NS);
	wall_set(m, r, rate);
}

static void
on_rtc(struct trapframe *tf, void *arg)
{
	uint64_t m = clock_ns();
	int64_t s;

	spin_lock(&lock);
	if (cmos(0x0c) & REG_C_UF) {
		s = read_epoch();
		if (s > 0 && s != edge_last)
			edge(s, m);
		edge_last = s;
	}
	spin_unlock(&lock);
}

/* The update-ended interrupt on: the RTC's edges start disciplining the
 * wall clock within a second. No RTC (its registers read 0xff, as on
 * Firecracker) or no line for it: the wall clock stays as first read. */
void
rtc_init(void)
{
	uint64_t f;
	int v;

	if (cmos(0x0a) == 0xff && cmos(0x0b) == 0xff)
		return;
	v = irq_register_isa(RTC_IRQ, on_rtc, NULL);
	if (v < 0)
		return;
	f = spin_lock_irqsave(&lock);
	cmos(0x0c);
	outb(CMOS_ADDR, 0x0b);
	outb(CMOS_DATA, (uint8_t)(inb(CMOS_DATA) | REG_B_UIE));
	cmos(0x0c);
	spin_unlock_irqrestore(&lock, f);
}

uint64_t
clock_realtime_ns(void)
{
	uint32_t q;
	int64_t r;

	ensure_offset();
	do {
		q = __atomic_load_n(&w_seq, __ATOMIC_ACQUIRE);
		r = wall_at(clock_ns());
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((q & 1) || q != __atomic_load_n(&w_seq, __ATOMIC_RELAXED));
	return r > 0 ? (uint64_t)r : 0;
}

uint64_t
clock_realtime_to_mono(uint64_t realtime_ns)
{
	uint32_t q;
	int64_t m;

	ensure_offset();
	do {
		q = __atomic_load_n(&w_seq, __ATOMIC_ACQUIRE);
		__int128 d = (__int128)((int64_t)realtime_ns - w_real0) * (__int128)w_irate;
		m = (int64_t)w_mono0 + (int64_t)(d >> 32);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((q & 1) || q != __atomic_load_n(&w_seq, __ATOMIC_RELAXED));
	return m > 0 ? (uint64_t)m : 0;
}

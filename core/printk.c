/* Kernel log, console and error streams over the serial ports, with the
 * COM2 record framing of docs/host-guest.md. */
#include "printk.h"
#include "arch.h"
#include "cmdline.h"
#include "errno.h"
#include "lib.h"
#include "spinlock.h"

#define REC_SEP '\x1e'

static bool have_com1, have_com2;
static int log_level = 6;
static struct spinlock log_lock = SPINLOCK_INIT;
/* while non-zero (an NMI dump runs) a record waits only so long for the
 * lock, which the interrupted code may hold, then goes out without it */
static int log_emergency;

void
printk_init(void)
{
	have_com1 = serial_init(COM1);
	/* Probed, not configured: tools/unum always adds COM2, while a disk
	 * image booted by plain QEMU (tools/unum image) has COM1 alone, and
	 * the same image must serve both. Without COM2 everything (log,
	 * stderr, the exit record) goes to COM1, unframed. */
	have_com2 = serial_init(COM2);
}

static int
set_loglevel(const char *v)
{
	uint64_t n;

	if (!v || parse_u64(v, strlen(v), &n, false) || n > 7)
		return -EINVAL;
	log_level = (int)n;
	return 0;
}
CMDLINE_KEY("loglevel", set_loglevel);

static int
set_quiet(const char *v)
{
	if (v)
		return -EINVAL;
	log_level = 4;
	return 0;
}
CMDLINE_KEY("quiet", set_quiet);

void
console_write(const char *buf, size_t n)
{
	if (have_com1)
		serial_write(COM1, buf, n);
}

void
console_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}

void
errstream_write(const char *buf, size_t n)
{
	size_t i, start = 0;

	if (!have_com2) {
		console_write(buf, n);
		return;
	}
	/* a literal record separator is sent doubled */
	for (i = 0; i < n; i++) {
		if (buf[i] != REC_SEP)
			continue;
		serial_write(COM2, buf + start, i + 1 - start);
		start = i;
	}
	serial_write(COM2, buf + start, n - start);
}

/* one record: text without its level prefix, newline added if missing */
static void
emit_record(const char *text, size_t n)
{
	static const char sep = REC_SEP;
	uint64_t f = irq_save();
	bool locked = true;

	if (__atomic_load_n(&log_emergency, __ATOMIC_RELAXED)) {
		long spins = 1 << 22;
		while (!(locked = spin_trylock(&log_lock)) && --spins)
			cpu_relax();
	} else {
		spin_lock(&log_lock);
	}
	if (have_com2) {
		serial_write(COM2, &sep, 1);
		serial_write(COM2, text, n);
		if (!n || text[n - 1] != '\n')
			serial_write(COM2, "\n", 1);
	} else {
		console_write(text, n);
		if (!n || text[n - 1] != '\n')
			console_write("\n", 1);
	}
	if (locked)
		spin_unlock(&log_lock);
	irq_restore(f);
}

void
printk_emergency(bool on)
{
	__atomic_add_fetch(&log_emergency, on ? 1 : -1, __ATOMIC_SEQ_CST);
}

void
vprintk(const char *fmt, va_list ap)
{
	int level = 6;

	if (fmt[0] == '<' && fmt[1] >= '0' && fmt[1] <= '7' && fmt[2] == '>') {
		level = fmt[1] - '0';
		fmt += 3;
	}
	vprintk_level(level, fmt, ap);
}

void
printk_level(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk_level(level, fmt, ap);
	va_end(ap);
}

void
printk_flush(void)
{
	if (have_com1)
		serial_flush(COM1);
	if (have_com2)
		serial_flush(COM2);
}

void
vprintk_level(int level, const char *fmt, va_list ap)
{
	char buf[512];
	int n;
	char *p = buf, *nl;

	if (level > log_level)
		return;
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	/* each line is its own record so the host's framing stays simple */
	while (p < buf + n) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = buf + n;
		emit_record(p, nl - p);
		p = nl + 1;
	}
}

void
printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void
printk_final_record(const char *text)
{
	emit_record(text, strlen(text));
}

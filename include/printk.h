/* Kernel log and console.
 * printk(LEVEL "fmt", ...) writes one kernel record: on COM2 framed as
 * docs/host-guest.md says (0x1e ... \n), on COM1 when COM2 is absent.
 * Records below the loglevel (kernel argument loglevel=N, default 6 =
 * info) are dropped. console_write() is the console stream (COM1): the
 * app's stdout, or the banner when there is no app. */
#ifndef UNUM_PRINTK_H
#define UNUM_PRINTK_H

#include "types.h"

#define KERN_EMERG "<0>"
#define KERN_ERR "<3>"
#define KERN_WARN "<4>"
#define KERN_NOTICE "<5>"
#define KERN_INFO "<6>"
#define KERN_DEBUG "<7>"

void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);
/* the level as a number, for code that passes it along (dumps) */
void printk_level(int level, const char *fmt, ...) __printf(2, 3);
void vprintk_level(int level, const char *fmt, va_list ap);
/* wait until both UARTs have sent every byte (before power-off) */
void printk_flush(void);
/* probe the UARTs (COM2 for the log when there is one): first at boot */
void printk_init(void);

/* The console (COM1); every byte goes out as given. */
void console_write(const char *buf, size_t n);
void console_printf(const char *fmt, ...) __printf(1, 2);
/* The error stream (COM2, 0x1e escaped; COM1 when absent) */
void errstream_write(const char *buf, size_t n);

/* Records from a context that may have interrupted the log's own lock
 * (an NMI): on, each waits a bounded time for the lock, then goes out
 * without it. Nests; every on has its off. */
void printk_emergency(bool on);

/* The last record: "unum: exit N" or "unum: panic: WHY". */
void printk_final_record(const char *text);

/* Panic: print "panic: WHY", a backtrace, the final record, power off
 * with status 125. Never returns. */
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;
/* panic from a trap: the frame is dumped first */
struct trapframe;
void panic_trap(const struct trapframe *tf, const char *fmt, ...) __printf(2, 3) __noreturn;

#define assert(c)                                                                                  \
	do {                                                                                       \
		if (!(c))                                                                          \
			panic("assertion failed: %s (%s:%d)", #c, __FILE__, __LINE__);             \
	} while (0)

/* The host's NMI (tools/unum sends one when --timeout expires): this CPU
 * prints where it was; the last CPU in prints every thread and ends with
 * the record "unum: nmi: dump done" (core/nmi.c). Returns to the
 * interrupted code. */
void nmi_report(const struct trapframe *tf);

/* serial driver (drivers/serial.c) */
#define COM1 0x3f8
#define COM2 0x2f8
bool serial_init(uint16_t port); /* false when no UART answers */
void serial_write(uint16_t port, const char *buf, size_t n);
void serial_flush(uint16_t port);     /* until the transmitter is empty */
void serial_rx_enable(uint16_t port); /* a receive interrupt per byte */
int serial_getc(uint16_t port);       /* a received byte, or -1 */

#endif

/* The panic path: one message, a backtrace, the final record, power off
 * with status 125. A panic inside a panic skips straight to power-off. */
#include "arch.h"
#include "lib.h"
#include "power.h"
#include "printk.h"

static volatile int panicking;

static void __noreturn
panic_finish(const char *msg, uintptr_t rbp, uintptr_t rip, bool trace)
{
	char rec[300];

	if (trace)
		arch_backtrace(rbp, rip, 0);
	fmt_snprintf(rec, sizeof(rec), "unum: panic: %s", msg);
	printk_final_record(rec);
	power_off(125);
}

static bool
enter_panic(void)
{
	irq_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST)) {
		printk_final_record("unum: panic: recursive panic");
		power_off(125);
	}
	return true;
}

void
panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	enter_panic();
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(KERN_EMERG "panic: %s", msg);
	panic_finish(msg, (uintptr_t)__builtin_frame_address(0), 0, true);
}

void
panic_trap(const struct trapframe *tf, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	enter_panic();
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(KERN_EMERG "panic: %s", msg);
	arch_dump_frame(tf, 0);
	panic_finish(msg, tf->rbp, tf->rip, true);
}

/* The test build's kernel_run: the in-guest cases (include/ktest.h) and
 * the test-only kernel arguments that make the kernel misbehave on
 * purpose, so the host side can check how failures end:
 *   test.hang          spin forever with interrupts off (timeout path)
 *   test.fault=KIND    rodata | null | ud | div: an unhandled exception;
 *                      stack: a thread recursing through its guard page */
#include "cmdline.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "power.h"
#include "printk.h"
#include "sched.h"

static const char *fault_kind;
static bool hang;

static int
set_fault(const char *v)
{
	static char kind[16];

	if (!v || strlen(v) >= sizeof(kind))
		return -EINVAL;
	memcpy(kind, v, strlen(v) + 1);
	fault_kind = kind;
	return 0;
}
CMDLINE_KEY("test.fault", set_fault);

static int
set_hang(const char *v)
{
	hang = true;
	return v ? -EINVAL : 0;
}
CMDLINE_KEY("test.hang", set_hang);

static const char victim[] = "read-only";
static volatile int *volatile null_ptr = (volatile int *)16;

static volatile int depth_limit = 1 << 30; /* never reached: the guard page is */

static __noinline int
recurse(volatile int n)
{
	volatile char pad[256];

	pad[0] = (char)n;
	if (n >= depth_limit)
		return 0;
	return recurse(n + 1) + pad[0];
}

static void *
overflow_thread(void *arg)
{
	return (void *)(uintptr_t)recurse(0);
}

static __noinline void
deliberate_fault(const char *kind)
{
	if (!strcmp(kind, "stack")) {
		struct thread *t = thread_create(overflow_thread, NULL, "overflow", -1);
		thread_join(t, NULL);
	}
	if (!strcmp(kind, "rodata"))
		*(volatile char *)victim = 'X';
	else if (!strcmp(kind, "null"))
		(void)*null_ptr;
	else if (!strcmp(kind, "ud"))
		__asm__ volatile("ud2");
	else if (!strcmp(kind, "div")) {
		volatile int zero = 0;
		printk("%d", 1 / zero);
	}
	panic("test.fault=%s: unknown kind (rodata, null, ud, div, stack)", kind);
}

void
kernel_run(void)
{
	if (hang)
		for (;;)
			__asm__ volatile("cli; pause");
	if (fault_kind)
		deliberate_fault(fault_kind);
	kernel_exit(ktest_run_all() ? 1 : 0);
}

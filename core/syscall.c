/* The system-call table and its dispatch (include/syscall.h). */
#include "syscall.h"
#include "arch.h"
#include "cmdline.h"
#include "errno.h"
#include "lib.h"
#include "printk.h"
#include "sched.h"
#include "sections.h"
#include "signal.h"
#include "sysnames.h"

#define NR_MAX 512

static syscall_fn_t table[NR_MAX];
static uint8_t warned[NR_MAX / 8];
static bool strace;

static int
set_strace(const char *v)
{
	strace = true;
	return v ? -EINVAL : 0;
}
CMDLINE_KEY("strace", set_strace);

void
syscall_init(void)
{
	for (const struct syscall_def *d = __start_syscalls; d < __stop_syscalls; d++) {
		if (d->nr < 0 || d->nr >= NR_MAX || table[d->nr])
			panic("syscall %s: number %d taken or out of range", d->name, d->nr);
		table[d->nr] = d->fn;
	}
}

static const char *
name_of(long nr)
{
	return nr >= 0 && nr < SYSCALL_NAMES_MAX && syscall_names[nr] ? syscall_names[nr] : "?";
}

long
syscall_call(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long r;

	if (nr < 0 || nr >= NR_MAX || !table[nr]) {
		if (nr >= 0 && nr < NR_MAX && !(warned[nr / 8] & (1 << (nr % 8)))) {
			warned[nr / 8] |= 1 << (nr % 8);
			printk(KERN_WARN "syscall %ld (%s) not implemented: -ENOSYS", nr,
			       name_of(nr));
		}
		r = -ENOSYS;
	} else {
		if (strace && (nr == __NR_exit || nr == __NR_exit_group)) /* no return */
			printk(KERN_INFO "[%d] %s(%#lx) = ?", thread_self()->t_id, name_of(nr), a0);
		r = table[nr](a0, a1, a2, a3, a4, a5);
	}
	if (strace)
		printk(KERN_INFO "[%d] %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %ld",
		       thread_self()->t_id, name_of(nr), a0, a1, a2, a3, a4, a5, r);
	return r;
}

long
syscall_dispatch(struct syscall_frame *f)
{
	long nr = (long)f->rax;

	f->rax = (uint64_t)syscall_call(nr, (long)f->rdi, (long)f->rsi, (long)f->rdx, (long)f->r10,
	                                (long)f->r8, (long)f->r9);
	/* a signal to deliver, a call to restart; with interrupts off for
	 * the last look, so one sent after it reaches the app by its IPI
	 * (syscall_entry returns with interrupts off until the app runs) */
	irq_disable();
	while (signal_exit_work((long)f->rax)) {
		irq_enable();
		signal_syscall_exit(f, nr);
		irq_disable();
	}
	return (long)f->rax;
}

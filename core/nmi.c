/* The host's NMI. tools/unum injects one on every CPU (QMP inject-nmi)
 * when --timeout expires, so that a hang ends with where each CPU was and
 * what every thread waits in, not with silence. Each CPU prints its
 * interrupted frame and backtrace, one CPU at a time; the last one in
 * prints every thread (with the backtrace of each one switched out) and
 * the record "unum: nmi: dump done", on which the host stops the VM. The
 * interrupted code then goes on: the dump changes nothing it holds (the
 * log's and the thread list's locks are waited for only so long). */
#include "arch.h"
#include "netdev.h"
#include "printk.h"
#include "sched.h"
#include "uaccess.h"

static int turn;    /* one CPU prints at a time */
static int arrived; /* CPUs through, over all NMIs */

void
nmi_report(const struct trapframe *tf)
{
	struct thread *t = this_cpu()->current;
	long spins = 1 << 24;
	bool mine;

	printk_emergency(true);
	while (!(mine = !__atomic_exchange_n(&turn, 1, __ATOMIC_ACQUIRE)) && --spins)
		cpu_relax();
	printk(KERN_EMERG "nmi: CPU %u, thread %d %s%s", this_cpu()->cpu_index, t ? t->t_id : -1,
	       t ? t->t_name : "-", tf->rip < USER_TOP ? " (in the app)" : "");
	arch_dump_frame(tf, 0);
	arch_backtrace(tf->rbp, tf->rip, 0);
	if (mine)
		__atomic_store_n(&turn, 0, __ATOMIC_RELEASE);
	if (__atomic_add_fetch(&arrived, 1, __ATOMIC_ACQ_REL) % sched_cpu_count() == 0) {
		printk(KERN_EMERG "nmi: threads:");
		thread_dump_all(0);
		netdev_dump_all();
		printk(KERN_EMERG "unum: nmi: dump done");
	}
	printk_emergency(false);
}

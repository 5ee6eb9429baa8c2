/* Per-CPU timers: a sorted list per CPU and the CPU's one-shot hardware
 * timer programmed for its head (include/sched.h). Tickless: with no
 * timer armed, the hardware timer is off. */
#include "acpi.h"
#include "arch.h"
#include "clock.h"
#include "sched.h"
#include "spinlock.h"

static struct {
	struct list_node list; /* sorted by deadline */
	struct spinlock lock;
} cpu_timers[MAX_CPUS];

void
timer_cpu_init(int cpu)
{
	list_init(&cpu_timers[cpu].list);
}

void
timer_init(struct timer *tm, void (*fn)(struct timer *tm))
{
	list_init(&tm->tm_link);
	tm->tm_fn = fn;
	tm->tm_cpu = -1;
	tm->tm_deadline = 0;
	tm->tm_running = false;
}

/* program this CPU's hardware for its earliest timer (caller: lock held) */
static void
reprogram(int cpu)
{
	struct list_node *h = &cpu_timers[cpu].list;

	if (list_empty(h))
		clock_timer_arm(0);
	else
		clock_timer_arm(list_first_entry(h, struct timer, tm_link)->tm_deadline);
}

static bool
remove_locked(struct timer *tm)
{
	if (tm->tm_cpu < 0)
		return false;
	list_del(&tm->tm_link);
	tm->tm_cpu = -1;
	return true;
}

static bool cancel(struct timer *tm);

void
timer_arm(struct timer *tm, uint64_t deadline_ns)
{
	uint64_t f = irq_save();
	int cpu = this_cpu()->cpu_index;
	struct list_node *h = &cpu_timers[cpu].list, *n;
	bool first;

	cancel(tm);
	spin_lock(&cpu_timers[cpu].lock);
	tm->tm_deadline = deadline_ns ? deadline_ns : 1;
	tm->tm_cpu = cpu;
	list_for_each(n, h) if (list_entry(n, struct timer, tm_link)->tm_deadline >
	                        tm->tm_deadline) break;
	list_add_before(n, &tm->tm_link);
	first = h->next == &tm->tm_link;
	if (first)
		reprogram(cpu);
	spin_unlock(&cpu_timers[cpu].lock);
	irq_restore(f);
}

/* remove tm from its list if it is on one; does not wait for a running
 * callback (timer_arm may be called from the callback itself) */
static bool
cancel(struct timer *tm)
{
	uint64_t f = irq_save();
	bool was;

	for (;;) {
		int cpu = READ_ONCE(tm->tm_cpu);
		if (cpu < 0) {
			irq_restore(f);
			return false;
		}
		spin_lock(&cpu_timers[cpu].lock);
		if (tm->tm_cpu == cpu)
			break;
		spin_unlock(&cpu_timers[cpu].lock); /* it moved or fired: look again */
	}
	int cpu = tm->tm_cpu;
	was = remove_locked(tm);
	/* the hardware may stay armed for it: a spurious interrupt finds
	 * nothing due and re-programs */
	spin_unlock(&cpu_timers[cpu].lock);
	irq_restore(f);
	return was;
}

/* Like del_timer_sync: after it returns the callback is not running
 * anywhere, so the timer's memory may be freed. Never call it from the
 * timer's own callback. */
bool
timer_cancel(struct timer *tm)
{
	bool was = cancel(tm);

	while (__atomic_load_n(&tm->tm_running, __ATOMIC_ACQUIRE))
		cpu_relax();
	return was;
}

void
timer_interrupt(void)
{
	int cpu = this_cpu()->cpu_index;
	struct list_node *h = &cpu_timers[cpu].list;

	spin_lock(&cpu_timers[cpu].lock);
	for (;;) {
		struct timer *tm;
		if (list_empty(h))
			break;
		tm = list_first_entry(h, struct timer, tm_link);
		if (tm->tm_deadline > clock_ns())
			break;
		remove_locked(tm);
		__atomic_store_n(&tm->tm_running, true, __ATOMIC_RELAXED);
		/* the function may re-arm this or another timer */
		spin_unlock(&cpu_timers[cpu].lock);
		tm->tm_fn(tm);
		__atomic_store_n(&tm->tm_running, false, __ATOMIC_RELEASE);
		spin_lock(&cpu_timers[cpu].lock);
	}
	reprogram(cpu);
	spin_unlock(&cpu_timers[cpu].lock);
}

/* Threads: creation with a guarded kernel stack and an FPU area, exit,
 * join and detach (include/sched.h). A thread's memory is freed only
 * after it is off its CPU (thread_finish, called by the scheduler from
 * the next thread on that CPU). */
#include "arch.h"
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "sched.h"
#include "sched_impl.h"

struct joiner {
	struct list_node link;
	struct thread *t;
};

static struct list_node all_threads = LIST_HEAD_INIT(all_threads);
static struct spinlock all_lock = SPINLOCK_INIT;
static size_t nthreads;
static int next_tid = THREAD_KERNEL_ID1; /* kernel threads */
static int next_app_tid = 1;             /* app threads: the first is the pid */
static uint64_t app_exited_ns;           /* CPU time of finished app threads; all_lock */

static struct thread *
thread_alloc(const char *name, bool fpu)
{
	struct thread *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	if (fpu) {
		t->t_fpu_raw = kmalloc(arch_fpu_area_size() + 64);
		if (!t->t_fpu_raw) {
			kfree(t);
			return NULL;
		}
		t->t_fpu = (void *)ALIGN_UP((uintptr_t)t->t_fpu_raw, 64);
		arch_fpu_init_area(t->t_fpu);
	}
	fmt_snprintf(t->t_name, sizeof(t->t_name), "%s", name);
	list_init(&t->t_joiners);
	list_init(&t->t_rq);
	t->t_lock = (struct spinlock)SPINLOCK_INIT;
	t->t_affinity = ~0ull;
	t->t_migrate_to = -1;
	t->t_timer.tm_cpu = -1;
	t->t_id = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
	return t;
}

static void
thread_free(struct thread *t)
{
	uint64_t f = spin_lock_irqsave(&all_lock);

	list_del(&t->t_all);
	nthreads--;
	spin_unlock_irqrestore(&all_lock, f);
	if (t->t_stack_owned)
		kstack_free(t->t_kstack_lo);
	kfree(t->t_fpu_raw);
	kfree(t);
}

static void
publish(struct thread *t)
{
	uint64_t f = spin_lock_irqsave(&all_lock);

	list_add_tail(&all_threads, &t->t_all);
	nthreads++;
	spin_unlock_irqrestore(&all_lock, f);
}

/* a thread whose stack is laid out to enter arch_thread_entry */
static struct thread *
thread_new(void *(*fn)(void *), void *arg, const char *name, bool idle)
{
	struct thread *t = thread_alloc(name, !idle);
	uint64_t *sp;
	int err;

	if (!t)
		return ERR_PTR(-ENOMEM);
	err = kstack_alloc(&t->t_kstack_lo, &t->t_kstack_hi);
	if (err) {
		kfree(t->t_fpu_raw);
		kfree(t);
		return ERR_PTR(err);
	}
	t->t_stack_owned = true;
	t->t_fn = fn;
	t->t_arg = arg;
	t->t_idle = idle;
	/* popped by arch_switch: r15 r14 r13 r12 rbx rbp, then ret; two zero
	 * words on top end backtraces and keep the entry 16-byte aligned */
	sp = (uint64_t *)t->t_kstack_hi;
	*--sp = 0;
	*--sp = 0;
	*--sp = (uintptr_t)arch_thread_entry;
	*--sp = 0;              /* rbp */
	*--sp = 0;              /* rbx */
	*--sp = (uintptr_t)fn;  /* r12 */
	*--sp = (uintptr_t)arg; /* r13 */
	*--sp = 0;              /* r14 */
	*--sp = 0;              /* r15 */
	t->t_rsp = (uintptr_t)sp;
	t->t_state = T_READY;
	publish(t);
	return t;
}

struct thread *
thread_create_suspended(void *(*fn)(void *), void *arg, const char *name)
{
	return thread_new(fn, arg, name, false);
}

void
thread_start_created(struct thread *t, int cpu)
{
	if (cpu >= 0 && cpu < sched_cpu_count())
		t->t_affinity = 1ull << cpu;
	else
		cpu = sched_least_loaded(t);
	sched_enqueue_new(t, cpu);
}

struct thread *
thread_create(void *(*fn)(void *), void *arg, const char *name, int cpu)
{
	struct thread *t = thread_new(fn, arg, name, false);

	if (!IS_ERR(t))
		thread_start_created(t, cpu);
	return t;
}

struct thread *
thread_create_idle(int cpu)
{
	struct thread *t = thread_new(sched_idle_main, NULL, "idle", true);

	if (IS_ERR(t))
		panic("out of memory: idle thread of CPU %d", cpu);
	t->t_affinity = 1ull << cpu;
	t->t_cpu = cpu;
	return t;
}

/* the code already running on a boot stack becomes a thread */
struct thread *
thread_adopt_boot(const char *name, uintptr_t lo, uintptr_t hi, bool idle)
{
	struct thread *t = thread_alloc(name, !idle);

	if (!t)
		panic("out of memory: thread struct for %s", name);
	t->t_kstack_lo = lo; /* not from kstack_alloc: never freed */
	t->t_kstack_hi = hi;
	t->t_idle = idle;
	t->t_state = T_RUNNING;
	t->t_on_cpu = true;
	t->t_cpu = sched_this_cpu();
	t->t_started_ns = clock_ns();
	t->t_acct_on = true;
	if (idle)
		t->t_affinity = 1ull << t->t_cpu;
	arch_set_kstack(lo, hi);
	publish(t);
	return t;
}

/* first C of a new thread (arch_thread_entry) */
void
thread_start(void *arg, void *(*fn)(void *))
{
	sched_after_switch();
	irq_enable();
	thread_exit(fn(arg));
}

void
thread_exit(void *result)
{
	struct thread *t = thread_self();

	t->t_result = result;
	irq_disable();
	__atomic_store_n(&t->t_state, T_DEAD, __ATOMIC_RELEASE);
	sched_switch_dead();
}

/* t is off its CPU for good (interrupts off, on another thread) */
void
thread_finish(struct thread *t)
{
	struct list_node *n, *tmp;
	bool detached;

	if (t->t_acct_app) { /* its time stays the app's after it is freed */
		spin_lock(&all_lock);
		app_exited_ns += t->t_runtime_ns;
		t->t_acct_banked = true;
		spin_unlock(&all_lock);
	}
	spin_lock(&t->t_lock);
	t->t_finished = true;
	__atomic_store_n(&t->t_on_cpu, false, __ATOMIC_RELEASE);
	detached = t->t_detached;
	list_for_each_safe(n, tmp, &t->t_joiners)
	{
		struct joiner *j = list_entry(n, struct joiner, link);
		list_del(&j->link);
		sched_wake(j->t);
	}
	spin_unlock(&t->t_lock);
	if (detached)
		thread_free(t);
}

int
thread_join(struct thread *t, void **result)
{
	return thread_join_until(t, result, 0);
}

int
thread_join_until(struct thread *t, void **result, uint64_t deadline_ns)
{
	struct joiner j = {.t = thread_self()};
	uint64_t f;
	bool in_time = true;

	might_sleep();
	if (t == thread_self())
		return -EDEADLK;
	for (;;) {
		f = spin_lock_irqsave(&t->t_lock);
		if (t->t_detached) {
			spin_unlock_irqrestore(&t->t_lock, f);
			return -EINVAL;
		}
		if (t->t_finished)
			break;
		if (!in_time) {
			spin_unlock_irqrestore(&t->t_lock, f);
			return -ETIMEDOUT;
		}
		list_init(&j.link);
		list_add_tail(&t->t_joiners, &j.link);
		sched_prepare_block();
		spin_unlock_irqrestore(&t->t_lock, f);
		in_time = sched_block_until(deadline_ns);
		f = spin_lock_irqsave(&t->t_lock);
		if (!list_unlinked(&j.link))
			list_del(&j.link); /* woken by something else, or timed out */
		spin_unlock_irqrestore(&t->t_lock, f);
	}
	spin_unlock_irqrestore(&t->t_lock, f);
	if (result)
		*result = t->t_result;
	thread_free(t);
	return 0;
}

void
thread_detach(struct thread *t)
{
	uint64_t f = spin_lock_irqsave(&t->t_lock);
	bool finished = t->t_finished;

	t->t_detached = true;
	spin_unlock_irqrestore(&t->t_lock, f);
	if (finished)
		thread_free(t);
}

/* interrupts off: a switch between reading t_started_ns and t_runtime_ns
 * would count the time spent off the CPU */
uint64_t
thread_cpu_ns(void)
{
	uint64_t f = irq_save();
	struct thread *t = thread_self();
	uint64_t ns = t->t_runtime_ns + (clock_ns() - t->t_started_ns);

	irq_restore(f);
	return ns;
}

uint64_t
thread_cpu_ns_of(struct thread *t)
{
	uint64_t run, started, now;
	uint32_t seq;
	bool on;

	do {
		while ((seq = __atomic_load_n(&t->t_acct_seq, __ATOMIC_ACQUIRE)) & 1)
			cpu_relax();
		run = t->t_runtime_ns;
		started = t->t_started_ns;
		on = t->t_acct_on;
		now = clock_ns(); /* inside: the snapshot holds at 'now' */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (__atomic_load_n(&t->t_acct_seq, __ATOMIC_RELAXED) != seq);
	return run + (on && now > started ? now - started : 0);
}

uint64_t
thread_app_cpu_ns(void)
{
	uint64_t f = spin_lock_irqsave(&all_lock), sum = app_exited_ns;
	struct list_node *n;

	list_for_each(n, &all_threads)
	{
		struct thread *t = list_entry(n, struct thread, t_all);
		if (t->t_acct_app && !t->t_acct_banked)
			sum += thread_cpu_ns_of(t);
	}
	spin_unlock_irqrestore(&all_lock, f);
	return sum;
}

void
thread_set_app(struct thread *t)
{
	t->t_app = true;
	t->t_acct_app = true;
	t->t_id = __atomic_fetch_add(&next_app_tid, 1, __ATOMIC_RELAXED);
}

size_t
thread_count(void)
{
	return nthreads;
}

size_t
thread_app_count(void)
{
	uint64_t f = spin_lock_irqsave(&all_lock);
	struct list_node *n;
	size_t c = 0;

	list_for_each(n, &all_threads)
	{
		struct thread *t = list_entry(n, struct thread, t_all);
		c += t->t_app && __atomic_load_n(&t->t_state, __ATOMIC_RELAXED) != T_DEAD;
	}
	spin_unlock_irqrestore(&all_lock, f);
	return c;
}

/* For watchdogs and the NMI dump: every thread, its state and, for one
 * switched out, the backtrace from where it switched (arch_switch saved
 * rbp and the return address at the top of its stack). The list lock is
 * waited for only so long: the caller may have interrupted its holder;
 * then the walk goes without it, racy but better than silence. */
void
thread_dump_all(int level)
{
	static const char *const names[] = {"running", "blocking", "blocked", "ready", "dead"};
	uint64_t f = irq_save();
	long spins = 1 << 22;
	bool locked;
	struct list_node *n;

	while (!(locked = spin_trylock(&all_lock)) && --spins)
		cpu_relax();
	list_for_each(n, &all_threads)
	{
		struct thread *t = list_entry(n, struct thread, t_all);
		int s = __atomic_load_n(&t->t_state, __ATOMIC_RELAXED);
		const uintptr_t *saved = (const uintptr_t *)t->t_rsp;

		printk_level(level, "thread %d %-15s %-8s cpu %d%s switches %lu", t->t_id,
		             t->t_name, s >= 0 && s <= T_DEAD ? names[s] : "?", t->t_cpu,
		             t->t_on_cpu ? " (on it)" : "", (unsigned long)t->t_switches);
		/* r15 r14 r13 r12 rbx rbp, then the return address */
		if (!t->t_on_cpu && !t->t_idle && s != T_DEAD && t->t_rsp >= t->t_kstack_lo &&
		    t->t_rsp + 7 * sizeof(uintptr_t) <= t->t_kstack_hi)
			arch_backtrace(saved[5], saved[6], level);
	}
	if (locked)
		spin_unlock(&all_lock);
	irq_restore(f);
}

struct thread *
thread_find_if(bool (*pick)(struct thread *t, void *arg), void *arg)
{
	uint64_t f = spin_lock_irqsave(&all_lock);
	struct list_node *n;
	struct thread *found = NULL;

	list_for_each(n, &all_threads)
	{
		struct thread *t = list_entry(n, struct thread, t_all);
		if (t->t_state != T_DEAD && pick(t, arg)) {
			found = t;
			break;
		}
	}
	spin_unlock_irqrestore(&all_lock, f);
	return found;
}

/* a thread by its id, or NULL (XXX: a linear walk; fine for one app) */
struct thread *
thread_find(int tid)
{
	uint64_t f = spin_lock_irqsave(&all_lock);
	struct list_node *n;
	struct thread *found = NULL;

	list_for_each(n, &all_threads)
	{
		struct thread *t = list_entry(n, struct thread, t_all);
		if (t->t_id == tid && t->t_state != T_DEAD)
			found = t;
	}
	spin_unlock_irqrestore(&all_lock, f);
	return found;
}

/* The scheduler (include/sched.h; DESIGN.md, Scheduler).
 * - Each CPU owns a run queue (c->rq) that only it touches, with
 *   interrupts off: no lock on the switch path.
 * - Other CPUs hand it threads through c->incoming, a lock-free MPSC
 *   queue, and send an IPI only when it is idle (c->idle).
 * - A thread's state moves by CAS (RUNNING, BLOCKING, BLOCKED, READY), so
 *   a wake that races with a block is never lost: it finds BLOCKING and
 *   turns it back to RUNNING, or finds BLOCKED and queues the thread.
 * - A thread switched out on one CPU may be run by another only when its
 *   t_on_cpu has dropped: the old CPU clears it after the switch.
 * - Tickless: the slice timer is armed only while another thread waits. */
#include "sched.h"
#include "acpi.h"
#include "arch.h"
#include "clock.h"
#include "cmdline.h"
#include "errno.h"
#include "irq.h"
#include "ksym.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "sched_impl.h"
#include "sections.h"

#define SLICE_NS 4000000ull /* 4 ms */

struct cpu_sched {
	struct list_node rq;        /* READY threads: own CPU, irqs off */
	int nready;                 /* rq length; others read it for placement */
	struct mpsc_queue incoming; /* threads handed over by any CPU */
	int idle;                   /* 1 while halted or about to halt */
	bool need_resched;          /* own CPU, irqs off */
	bool online;
	struct thread *idle_thread;
	struct thread *from; /* the thread being switched away from */
	struct timer slice;  /* armed while rq is not empty */
	uint64_t last_switch_ns;
	bool running_idle; /* the idle thread has the CPU (for stats) */
	struct sched_cpu_stats st;
} __aligned(64);

static struct cpu_sched cpus[MAX_CPUS];
static int ncpus_online = 1;

static inline struct cpu_sched *
this_sched(void)
{
	return &cpus[(int)this_cpu()->cpu_index];
}

struct thread *
thread_self(void)
{
	return this_cpu()->current;
}

int
sched_this_cpu(void)
{
	return (int)this_cpu()->cpu_index;
}

int
sched_cpu_count(void)
{
	return ncpus_online;
}

/* The slice timer is armed lazily and never cancelled: programming the
 * hardware timer at every switch would cost more than the switch. When
 * it fires it preempts only a thread that has had a whole slice. */
static void
on_slice(struct timer *tm)
{
	struct cpu_sched *c = this_sched();
	uint64_t now = clock_ns();

	/* The timer code cleared tm_cpu (plain stores) before calling us;
	 * kick() pushes, fences, then reads tm_cpu. A full barrier between
	 * that store and our look at the queue: either kick sees -1 and
	 * sends the IPI, or we see its push. Without it both could miss and
	 * the pushed thread would wait for our current one to block. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (list_empty(&c->rq) && mpsc_empty(&c->incoming))
		return; /* alone again: stay tickless */
	uint64_t started = thread_self()->t_started_ns;

	if (now - started < SLICE_NS && !thread_self()->t_idle) {
		timer_arm(tm, started + SLICE_NS);
		return;
	}
	c->need_resched = true;
}

static void arm_slice(struct cpu_sched *c);
static void drain_incoming(struct cpu_sched *c);

/* Another CPU handed us a thread: an idle CPU switches to it; a busy one
 * takes it onto its run queue and starts the slice timer, so the thread
 * now running shares the CPU from its next slice on. */
static void
on_ipi(struct trapframe *tf, void *arg)
{
	struct cpu_sched *c = this_sched();

	if (thread_self()->t_idle) {
		c->need_resched = true;
	} else {
		drain_incoming(c);
		arm_slice(c);
	}
}

/* pull everything handed to this CPU onto its run queue (irqs off) */
static void
drain_incoming(struct cpu_sched *c)
{
	struct mpsc_node *n;

	while ((n = mpsc_pop(&c->incoming))) {
		struct thread *t = container_of(n, struct thread, t_wake);
		list_add_tail(&c->rq, &t->t_rq);
		c->nready++;
	}
}

/* After a push to another CPU's queue: an IPI when it is idle (it must
 * wake), and when it runs a lone thread with no slice timer armed (else
 * the new thread would wait until that one blocks). A CPU with a slice
 * armed finds the thread at its next switch, with no IPI. */
static void
kick(int cpu)
{
	struct cpu_sched *c = &cpus[cpu];

	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* push before the idle check */
	if (__atomic_load_n(&c->idle, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&c->slice.tm_cpu, __ATOMIC_RELAXED) < 0) {
		this_sched()->st.ipis_sent++;
		lapic_send_ipi(platform.cpu_apic_id[cpu], VEC_IPI);
	}
}

/* hand a READY thread to 'cpu' */
static void
enqueue(struct thread *t, int cpu)
{
	t->t_cpu = cpu;
	mpsc_push(&cpus[cpu].incoming, &t->t_wake);
	if (cpu != (int)this_cpu()->cpu_index) {
		kick(cpu);
	} else if (thread_self()->t_idle) {
		this_sched()->need_resched = true;
	} else {
		drain_incoming(this_sched());
		arm_slice(this_sched());
	}
}

static bool
allowed(const struct thread *t, int cpu)
{
	return (t->t_affinity >> cpu) & 1;
}

/* an idle CPU the thread may run on, or -1 */
static int
find_idle(const struct thread *t, int prefer)
{
	if (prefer >= 0 && allowed(t, prefer) && READ_ONCE(cpus[prefer].idle) &&
	    !READ_ONCE(cpus[prefer].nready))
		return prefer;
	for (int i = 0; i < ncpus_online; i++)
		if (allowed(t, i) && READ_ONCE(cpus[i].idle) && !READ_ONCE(cpus[i].nready) &&
		    mpsc_empty(&cpus[i].incoming))
			return i;
	return -1;
}

/* where a woken thread should run: its own CPU when idle, else any idle
 * CPU, else the waker's (which is running, so needs no IPI) */
static int
place_woken(struct thread *t)
{
	int me = (int)this_cpu()->cpu_index, cpu = find_idle(t, t->t_cpu);

	if (cpu >= 0)
		return cpu;
	if (allowed(t, me))
		return me;
	return t->t_cpu; /* pinned elsewhere: queue there, it runs in turn */
}

bool
sched_wake(struct thread *t)
{
	/* A full barrier first: the waker stored the condition (w_done, a
	 * futex word, a queue) and now reads t_state; the sleeper stored
	 * BLOCKING (sched_prepare_block, seq_cst) and then reads the
	 * condition. Without it x86 lets the condition's store sit in the
	 * store buffer past our load: we read RUNNING and do nothing, the
	 * sleeper reads the old condition and blocks for good (Linux's
	 * try_to_wake_up has the same smp_mb for the same reason). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (;;) {
		int s = __atomic_load_n(&t->t_state, __ATOMIC_ACQUIRE);
		if (s == T_BLOCKING) {
			if (__atomic_compare_exchange_n(&t->t_state, &s, T_RUNNING, false,
			                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return true;
		} else if (s == T_BLOCKED) {
			if (__atomic_compare_exchange_n(&t->t_state, &s, T_READY, false,
			                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				uint64_t f = irq_save();
				if (t->t_cpu != (int)this_cpu()->cpu_index)
					this_sched()->st.wakeups_remote++;
				enqueue(t, place_woken(t));
				irq_restore(f);
				return true;
			}
		} else {
			return false;
		}
	}
}

void
sched_kick(struct thread *t)
{
	uint64_t f = irq_save();
	int cpu = __atomic_load_n(&t->t_cpu, __ATOMIC_RELAXED);

	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the caller's news before the look */
	if (__atomic_load_n(&t->t_state, __ATOMIC_RELAXED) == T_RUNNING &&
	    __atomic_load_n(&t->t_on_cpu, __ATOMIC_RELAXED) && cpu != (int)this_cpu()->cpu_index) {
		this_sched()->st.ipis_sent++;
		lapic_send_ipi(platform.cpu_apic_id[cpu], VEC_IPI);
	}
	irq_restore(f);
}

/* give waiting threads to idle CPUs (own run queue, irqs off) */
static void
balance(struct cpu_sched *c)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &c->rq)
	{
		struct thread *t = list_entry(n, struct thread, t_rq);
		int cpu = find_idle(t, -1);
		if (cpu < 0 || cpu == (int)this_cpu()->cpu_index)
			continue;
		list_del(&t->t_rq);
		c->nready--;
		enqueue(t, cpu);
	}
}

static void
account(struct cpu_sched *c, struct thread *prev, uint64_t now)
{
	uint64_t d = now - c->last_switch_ns;

	prev->t_runtime_ns += d;
	if (prev->t_idle)
		c->st.idle_ns += d;
	else
		c->st.busy_ns += d;
	c->last_switch_ns = now;
}

static void
arm_slice(struct cpu_sched *c)
{
	if (!list_empty(&c->rq) && c->slice.tm_cpu < 0 && !c->slice.tm_running)
		timer_arm(&c->slice, thread_self()->t_started_ns + SLICE_NS);
}

/* the core: pick the next thread and switch to it (interrupts off).
 * 'yield': prev gives up the CPU to a waiting thread if there is one. */
static void
schedule(bool yield)
{
	struct percpu *pc = this_cpu();
	struct cpu_sched *c = &cpus[pc->cpu_index];
	struct thread *prev = pc->current, *next;
	int s = T_BLOCKING;

	c->need_resched = false;
	drain_incoming(c);
	/* a wake since sched_prepare_block() made it RUNNING: then it stays */
	__atomic_compare_exchange_n(&prev->t_state, &s, T_BLOCKED, false, __ATOMIC_ACQ_REL,
	                            __ATOMIC_ACQUIRE);
	s = __atomic_load_n(&prev->t_state, __ATOMIC_ACQUIRE);
	if (s == T_RUNNING && prev->t_migrate_to >= 0) {
		/* it runs on the other CPU once this one is off its stack */
		int to = prev->t_migrate_to;
		prev->t_migrate_to = -1;
		prev->t_state = T_READY;
		enqueue(prev, to);
	} else if (s == T_RUNNING && !prev->t_idle) {
		if (!yield || list_empty(&c->rq)) {
			arm_slice(c);
			return; /* keeps the CPU */
		}
		prev->t_state = T_READY;
		list_add_tail(&c->rq, &prev->t_rq);
		c->nready++;
	}
	if (!list_empty(&c->rq)) {
		next = list_first_entry(&c->rq, struct thread, t_rq);
		list_del(&next->t_rq);
		c->nready--;
	} else {
		next = c->idle_thread;
	}
	if (next == prev) {
		next->t_state = T_RUNNING;
		arm_slice(c);
		return;
	}
	balance(c);
	/* wait until the CPU it last ran on is completely off its stack */
	while (__atomic_load_n(&next->t_on_cpu, __ATOMIC_ACQUIRE))
		cpu_relax();
	next->t_state = T_RUNNING;
	next->t_on_cpu = true;
	next->t_cpu = pc->cpu_index;
	/* a seqcount on both: thread_cpu_ns_of reads them from other CPUs */
	__atomic_add_fetch(&prev->t_acct_seq, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&next->t_acct_seq, 1, __ATOMIC_ACQ_REL);
	account(c, prev, clock_ns());
	next->t_started_ns = c->last_switch_ns;
	prev->t_acct_on = false;
	next->t_acct_on = true;
	__atomic_add_fetch(&prev->t_acct_seq, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&next->t_acct_seq, 1, __ATOMIC_RELEASE);
	c->st.switches++;
	prev->t_switches++;
	if (!prev->t_idle) {
		arch_fpu_save(prev->t_fpu);
		prev->t_fs_base = arch_fs_base();
	}
	c->from = prev;
	pc->current = next;
	c->running_idle = next->t_idle;
	/* an interrupt that woke the halted idle thread may switch right
	 * here, inside it, before idle_loop clears the flag */
	if (!next->t_idle)
		__atomic_store_n(&c->idle, 0, __ATOMIC_RELAXED);
	arch_set_kstack(next->t_kstack_lo, next->t_kstack_hi);
	if (!next->t_idle) {
		arch_set_fs_base(next->t_fs_base);
		arch_fpu_restore(next->t_fpu);
	}
	arch_switch(&prev->t_rsp, next->t_rsp);
	/* back in prev, on some CPU, after someone switched to it */
	sched_after_switch();
}

/* the tail of every switch, run by the thread switched to (new threads
 * call it first thing): the thread we came from is off our stack now */
void
sched_after_switch(void)
{
	struct cpu_sched *c = this_sched();
	struct thread *from = c->from;

	c->from = NULL;
	if (from) {
		if (__atomic_load_n(&from->t_state, __ATOMIC_ACQUIRE) == T_DEAD)
			thread_finish(from);
		else
			__atomic_store_n(&from->t_on_cpu, false, __ATOMIC_RELEASE);
	}
	arm_slice(c);
}

void
sched_yield(void)
{
	uint64_t f = irq_save();

	schedule(true);
	irq_restore(f);
}

void
sched_prepare_block(void)
{
	__atomic_store_n(&thread_self()->t_state, T_BLOCKING, __ATOMIC_SEQ_CST);
}

void
sched_cancel_block(void)
{
	int s = T_BLOCKING;

	__atomic_compare_exchange_n(&thread_self()->t_state, &s, T_RUNNING, false, __ATOMIC_ACQ_REL,
	                            __ATOMIC_ACQUIRE);
}

/* thread_exit's last switch: no sleep, so no might_sleep (irqs are off) */
void
sched_switch_dead(void)
{
	struct thread *t = thread_self();

	schedule(false);
	panic("thread_exit: dead thread %s ran again", t->t_name);
}

static bool sleep_checks;       /* armed after boot */
static uintptr_t *catch_caller; /* the test hook, or NULL */
static const char **catch_fn;

void
sched_might_sleep_arm(void)
{
	__atomic_store_n(&sleep_checks, true, __ATOMIC_RELEASE);
}

void
sched_might_sleep_catch(uintptr_t *caller, const char **fn)
{
	catch_fn = fn;
	__atomic_store_n(&catch_caller, caller, __ATOMIC_RELEASE);
}

void
sched_might_sleep_at(const char *fn, uintptr_t caller)
{
	uint32_t depth = arch_atomic_depth();
	bool irqs = arch_irqs_enabled();
	uintptr_t *c, off;
	const char *name;

	if ((!depth && irqs) || !__atomic_load_n(&sleep_checks, __ATOMIC_ACQUIRE))
		return;
	c = __atomic_exchange_n(&catch_caller, NULL, __ATOMIC_ACQ_REL);
	if (c) {
		*c = caller;
		*catch_fn = fn;
		return;
	}
	name = ksym_lookup(caller, &off);
	panic("might_sleep: %s called from %s+%#lx with %u spinlock(s) held, interrupts %s", fn,
	      name ? name : "?", name ? off : caller, depth, irqs ? "on" : "off");
}

void
sched_block(void)
{
	uint64_t f;

	might_sleep();
	f = irq_save();

	schedule(false);
	irq_restore(f);
}

static void
on_wait_timeout(struct timer *tm)
{
	struct thread *t = container_of(tm, struct thread, t_timer);

	t->t_timed_out = true;
	sched_wake(t);
}

bool
sched_block_until(uint64_t deadline_ns)
{
	struct thread *t = thread_self();

	if (!deadline_ns) {
		sched_block();
		return true;
	}
	t->t_timed_out = false;
	timer_init(&t->t_timer, on_wait_timeout);
	timer_arm(&t->t_timer, deadline_ns);
	sched_block();
	timer_cancel(&t->t_timer);
	return !t->t_timed_out;
}

void
sched_sleep_until(uint64_t deadline_ns)
{
	might_sleep();
	while (clock_ns() < deadline_ns) {
		sched_prepare_block();
		sched_block_until(deadline_ns);
	}
}

void
sched_sleep_ns(uint64_t ns)
{
	sched_sleep_until(clock_ns() + ns);
}

/* the end of every interrupt: switch if something asked for it, unless
 * the interrupted code holds a spinlock (its unlock comes first; the
 * next interrupt switches) */
void
sched_preempt_check(void)
{
	struct cpu_sched *c = this_sched();

	/* Not a thread between sched_prepare_block() and its sched_block():
	 * schedule() would take its BLOCKING for a block, and if it was
	 * interrupted before it looked at its condition (or armed its
	 * timeout), no wake may ever come (join_with_deadline hung so: the
	 * NMI dump showed main BLOCKED in schedule <- trap_dispatch <-
	 * thread_join_until). It blocks or cancels in a moment by itself;
	 * need_resched stays set for the next interrupt. */
	if (c->need_resched && c->online && !arch_atomic_depth() &&
	    __atomic_load_n(&thread_self()->t_state, __ATOMIC_RELAXED) != T_BLOCKING)
		schedule(true);
}

int
sched_migrate_self(int cpu)
{
	struct thread *t = thread_self();
	uint64_t f;

	if (cpu < 0 || cpu >= ncpus_online)
		return -EINVAL;
	t->t_affinity = 1ull << cpu;
	if (cpu == sched_this_cpu())
		return 0;
	f = irq_save();
	t->t_migrate_to = cpu;
	schedule(false);
	irq_restore(f);
	return 0;
}

void
sched_set_affinity(struct thread *t, uint64_t mask)
{
	t->t_affinity = mask ? mask : ~0ull;
}

/* racy by design when cpu is another CPU: figures for reports */
void
sched_stats(int cpu, struct sched_cpu_stats *st)
{
	struct cpu_sched *c = &cpus[cpu];
	uint64_t last = READ_ONCE(c->last_switch_ns), now = clock_ns();

	*st = c->st;
	/* include the stretch running since the last switch */
	if (now > last) {
		if (READ_ONCE(c->running_idle))
			st->idle_ns += now - last;
		else
			st->busy_ns += now - last;
	}
}

/* How long an idle CPU watches its queue before it halts. A wake-up that
 * arrives meanwhile needs no IPI, and the CPU needs no wake from halt:
 * both cost far more than a short poll (most of all under emulation). */
static uint64_t idle_poll_ns = 30000;

static int
set_idle_poll(const char *v)
{
	return v ? parse_u64(v, strlen(v), &idle_poll_ns, false) : -EINVAL;
}
CMDLINE_KEY("idle_poll", set_idle_poll);

static void
idle_poll(struct cpu_sched *c)
{
	uint64_t end;

	if (!idle_poll_ns)
		return;
	end = clock_ns() + idle_poll_ns;
	irq_enable();
	while (mpsc_empty(&c->incoming) && list_empty(&c->rq) && !c->need_resched &&
	       clock_ns() < end)
		cpu_relax();
	irq_disable();
}

/* each CPU's idle thread: poll briefly, then halt until an interrupt
 * brings work */
static void __noreturn
idle_loop(struct cpu_sched *c)
{
	for (;;) {
		irq_disable();
		idle_poll(c);
		__atomic_store_n(&c->idle, 1, __ATOMIC_SEQ_CST);
		if (!mpsc_empty(&c->incoming) || !list_empty(&c->rq) || c->need_resched) {
			__atomic_store_n(&c->idle, 0, __ATOMIC_RELAXED);
			schedule(false);
			continue;
		}
		cpu_wait_irq();
		__atomic_store_n(&c->idle, 0, __ATOMIC_RELAXED);
		schedule(false);
	}
}

static void
cpu_init(int cpu, struct thread *idle)
{
	struct cpu_sched *c = &cpus[cpu];

	list_init(&c->rq);
	mpsc_init(&c->incoming);
	timer_init(&c->slice, on_slice);
	timer_cpu_init(cpu);
	c->idle_thread = idle;
	c->last_switch_ns = clock_ns();
	c->running_idle = idle == this_cpu()->current;
}

/* the boot CPU: its boot thread becomes an ordinary thread ("main") and
 * a fresh idle thread is made for it */
void
sched_init(void)
{
	struct thread *main = thread_adopt_boot("main", (uintptr_t)boot_stack_bottom,
	                                        (uintptr_t)boot_stack_top, false);
	struct thread *idle = thread_create_idle(0);

	cpu_init(0, idle);
	this_cpu()->current = main;
	irq_set_handler(VEC_IPI, on_ipi, NULL);
	clock_set_timer_handler(timer_interrupt);
	cpus[0].online = true;
}

/* an AP, on its boot stack: that stack becomes its idle thread */
void
sched_start_cpu(void)
{
	struct percpu *pc = this_cpu();
	struct thread *idle = thread_adopt_boot("idle", pc->kstack_lo, pc->kstack_hi, true);
	struct cpu_sched *c = &cpus[pc->cpu_index];

	pc->current = idle;
	cpu_init(pc->cpu_index, idle);
	c->online = true;
	mm_smp_join(__atomic_add_fetch(&ncpus_online, 1, __ATOMIC_SEQ_CST));
	idle_loop(c);
}

/* the boot CPU's idle thread body */
void *
sched_idle_main(void *arg)
{
	idle_loop(this_sched());
}

int
sched_least_loaded(const struct thread *t)
{
	int best = -1, load = INT32_MAX;

	for (int i = 0; i < ncpus_online; i++) {
		int l;
		if (!allowed(t, i))
			continue;
		l = READ_ONCE(cpus[i].nready) + !READ_ONCE(cpus[i].idle);
		if (l < load) {
			load = l;
			best = i;
		}
	}
	return best < 0 ? sched_this_cpu() : best;
}

void
sched_enqueue_new(struct thread *t, int cpu)
{
	uint64_t f = irq_save();

	t->t_state = T_READY;
	enqueue(t, cpu);
	irq_restore(f);
}

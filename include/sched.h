/* Threads and the scheduler (DESIGN.md, Scheduler): one run queue per
 * CPU touched only by that CPU with interrupts off; wake-ups from other
 * CPUs arrive through a lock-free MPSC queue per CPU, with an IPI only
 * when the CPU is idle; thread states change by compare-and-swap so no
 * wake-up is lost; preemption by a one-shot deadline armed only when
 * another thread is runnable.
 *
 * Blocking, the one pattern every primitive uses:
 *   sched_prepare_block();            // state RUNNING -> BLOCKING
 *   if (!condition) sched_block();    // sleeps unless a wake came first
 *   else sched_cancel_block();
 * and the waker: set condition; sched_wake(t).
 */
#ifndef UNUM_SCHED_H
#define UNUM_SCHED_H

#include "mpsc.h"
#include "queue.h"
#include "spinlock.h"
#include "types.h"

enum thread_state {
	T_RUNNING,  /* on a CPU, or switching away from it */
	T_BLOCKING, /* about to block; a wake turns it back to RUNNING */
	T_BLOCKED,  /* switched out, on no queue; a wake makes it READY */
	T_READY,    /* on a run queue or an incoming queue */
	T_DEAD,     /* exited; its stack is freed once it is switched out */
};

#define THREAD_NAME_MAX 16
#define THREAD_STACK_SIZE (16 * 1024)

struct timer {
	struct list_node tm_link; /* on its CPU's timer list; own CPU, irqs off */
	uint64_t tm_deadline;     /* monotonic ns */
	void (*tm_fn)(struct timer *tm);
	int tm_cpu;      /* -1 when not armed */
	bool tm_running; /* its function is running (timer_cancel waits) */
};

struct thread {
	uintptr_t t_rsp;                    /* saved stack pointer while switched out */
	uintptr_t t_kstack_lo, t_kstack_hi; /* guard page below lo */
	bool t_stack_owned;                 /* from kstack_alloc (not a boot stack) */
	int t_state;                        /* enum thread_state, CAS only */
	int t_cpu;                          /* CPU whose queues hold it */
	bool t_on_cpu;                      /* still on a CPU (until the switch is done) */
	bool t_detached, t_idle;
	struct mpsc_node t_wake; /* link on a CPU's incoming queue */
	struct list_node t_rq;   /* link on a CPU's run queue */
	struct list_node t_all;  /* link on the list of all threads */
	void *t_fpu;             /* XSAVE/FXSAVE area, 64-byte aligned */
	uint64_t t_fs_base;
	void *(*t_fn)(void *);
	void *t_arg, *t_result;
	struct list_node t_joiners; /* threads in thread_join, under t_lock */
	struct timer t_timer;       /* sleeps and wait timeouts */
	bool t_timed_out;           /* set by t_timer's expiry */
	struct spinlock t_lock;     /* t_joiners, t_detached */
	uint64_t t_runtime_ns;      /* time on a CPU; updated at each switch */
	uint64_t t_switches;
	uint64_t t_started_ns; /* when it last got a CPU */
	/* t_runtime_ns, t_started_ns and t_acct_on change together at a
	 * switch, inside t_acct_seq odd (a seqcount: readers on other CPUs
	 * retry); t_acct_on: on a CPU since t_started_ns */
	uint32_t t_acct_seq;
	bool t_acct_on;
	bool t_acct_app;     /* an app thread, for good (t_app ends at exit) */
	bool t_acct_banked;  /* its time moved to the app's exited sum */
	uint64_t t_affinity; /* bit per CPU; all ones = anywhere */
	int t_migrate_to;    /* CPU to move to at the next switch, or -1 */
	bool t_finished;     /* off its CPU for good; under t_lock */
	void *t_fpu_raw;     /* allocation behind t_fpu */
	int t_id;
	uint32_t *t_clear_tid;           /* app threads: zeroed and woken at exit */
	uint64_t t_sigmask;              /* app signals blocked (bit sig-1); own thread */
	uint64_t t_sigpending;           /* raised, not yet delivered; atomic */
	uintptr_t t_altstack, t_altsize; /* sigaltstack; own thread */
	bool t_on_altstack;
	bool t_app;                             /* runs app code (its signals are the app's) */
	bool t_sigrestore;                      /* t_sigsaved goes back at system-call exit */
	uint64_t t_sigsaved;                    /* the mask sigsuspend/ppoll replaced; own thread */
	uint64_t t_sigwaiting;                  /* the set rt_sigtimedwait waits for; own thread */
	long (*t_restart_fn)(struct thread *t); /* what restart_syscall resumes */
	uint64_t t_restart_args[3];
	char t_name[THREAD_NAME_MAX];
};

/* --- threads (core/sched/thread.c) --- */
/* Create a thread running fn(arg) on 'cpu' (-1: the least loaded CPU).
 * Returns the thread or ERR_PTR(-ENOMEM / -EAGAIN). */
struct thread *thread_create(void *(*fn)(void *), void *arg, const char *name, int cpu);
/* the same in two steps, for a creator that must finish something (write
 * the new thread's id where the app expects it) before the thread runs */
struct thread *thread_create_suspended(void *(*fn)(void *), void *arg, const char *name);
void thread_start_created(struct thread *t, int cpu);
/* Wait for t to exit, free it, return its result. A detached thread
 * cannot be joined (-EINVAL). */
int thread_join(struct thread *t, void **result);
/* the same with a deadline (monotonic ns; 0 = none): -ETIMEDOUT, and t
 * may be joined again later */
int thread_join_until(struct thread *t, void **result, uint64_t deadline_ns);
void thread_detach(struct thread *t);
/* a thread by id (NULL when none or dead); the first live thread for
 * which pick(t, arg) is true (pick runs under the list lock, irqs off) */
struct thread *thread_find(int tid);
struct thread *thread_find_if(bool (*pick)(struct thread *t, void *arg), void *arg);
void thread_exit(void *result) __noreturn;
struct thread *thread_self(void);
size_t thread_count(void);     /* every thread, the kernel's too (sysinfo's procs) */
size_t thread_app_count(void); /* the app's live threads (/proc/self/status) */
/* CPU time the calling thread has had, ns */
uint64_t thread_cpu_ns(void);
/* CPU time of thread t (any thread, from any CPU), ns */
uint64_t thread_cpu_ns_of(struct thread *t);
/* CPU time of the app: its live and exited threads together, ns */
uint64_t thread_app_cpu_ns(void);
/* Make a new (not yet started) thread an app thread: it takes its id from
 * the app's own id space, so the first one (the main thread) has id 1,
 * the pid, as Linux gives the main thread the pid for tid; kernel
 * threads number from THREAD_KERNEL_ID1 and never collide. */
void thread_set_app(struct thread *t);
/* for watchdogs and the NMI dump: every thread, its state, and the
 * backtrace of each one switched out (bounded wait for the list lock) */
void thread_dump_all(int level);
#define THREAD_KERNEL_ID1 (1 << 22) /* Linux's PID_MAX_LIMIT: above every app tid */

/* --- scheduler (core/sched/sched.c) --- */
void sched_init(void);                 /* boot CPU, before any thread */
void sched_start_cpu(void) __noreturn; /* an AP's idle loop */
void sched_yield(void);
void sched_prepare_block(void);
void sched_cancel_block(void);
void sched_block(void);
/* thread_exit's last switch, from a T_DEAD thread with interrupts off */
void sched_switch_dead(void) __noreturn;
/* sched_block with a deadline (monotonic ns; 0 = none): false when the
 * deadline passed before a wake */
bool sched_block_until(uint64_t deadline_ns);
/* wake a thread that blocks or is about to; true when this call woke it */
bool sched_wake(struct thread *t);
/* make a thread that is running on another CPU take an interrupt soon
 * (an IPI), so it passes through an interrupt return (a signal for it).
 * A thread on this CPU, or not running, passes through a return to its
 * code anyway before it runs app code again. */
void sched_kick(struct thread *t);
/* from the timer interrupt and other interrupt handlers */
void sched_preempt_check(void);
int sched_cpu_count(void);
int sched_this_cpu(void);
/* move the calling thread to 'cpu' (affinity pinning) */
int sched_migrate_self(int cpu);
void sched_set_affinity(struct thread *t, uint64_t mask);

struct sched_cpu_stats {
	uint64_t busy_ns, idle_ns, switches, ipis_sent, wakeups_remote;
};
void sched_stats(int cpu, struct sched_cpu_stats *st);

/* --- timers (core/time/timer.c) ---
 * One sorted list per CPU under a per-CPU lock; a timer is armed on the
 * calling CPU and its function runs there, in interrupt context, with
 * interrupts off. timer_cancel works from any CPU. */
void timer_init(struct timer *tm, void (*fn)(struct timer *tm));
void timer_arm(struct timer *tm, uint64_t deadline_ns);
/* true when it had not fired; waits for a running callback to finish
 * (never call it from the timer's own callback) */
bool timer_cancel(struct timer *tm);
void timer_cpu_init(int cpu);
void timer_interrupt(void); /* the clock interrupt's handler */

/* Every call that may sleep (mutex, semaphore, wait queue, futex wait,
 * join, sleeps, sched_block) says might_sleep() first. Sleeping with a
 * spinlock held deadlocks the CPU, and with interrupts off it loses the
 * wake-up, even when the call happens not to sleep this time; so this
 * panics naming the sleeping function and its caller, always, once the
 * boot thread has made the scheduler run (sched_might_sleep_arm).
 * Typical use: void mutex_lock(...) { might_sleep(); ... } */
void sched_might_sleep_at(const char *fn, uintptr_t caller);
#define might_sleep() sched_might_sleep_at(__func__, (uintptr_t)__builtin_return_address(0))
/* from now on might_sleep checks (the boot thread, once interrupts run) */
void sched_might_sleep_arm(void);
/* test hook: the next violation stores its caller in *caller (and its
 * function in *fn) instead of panicking, once; NULL disarms it */
void sched_might_sleep_catch(uintptr_t *caller, const char **fn);

/* sleep with nanosecond resolution; never returns early */
void sched_sleep_ns(uint64_t ns);
void sched_sleep_until(uint64_t deadline_ns);

/* SMP start-up (arch/x86_64/smp.c): every CPU of the platform tables */
void smp_boot_aps(void);
int smp_online_cpus(void);

#endif

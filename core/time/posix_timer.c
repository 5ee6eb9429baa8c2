/* Timers that raise signals (include/signal.h): POSIX timers
 * (timer_create, timer_settime, timer_gettime, timer_getoverrun,
 * timer_delete; Linux's kernel/time/posix-timers.c semantics) on the
 * wall clocks and on the CPU-time clocks (the app's, a thread's), and
 * alarm/setitimer (ITIMER_REAL; ITIMER_VIRTUAL and ITIMER_PROF on the
 * app's CPU time). An interval timer whose signal is still pending does
 * not fire again: when the signal is taken it moves on past the present,
 * counting the periods it skipped as the overrun (si_overrun,
 * timer_getoverrun). The CPU-time timers are watched by one poll timer,
 * armed for the soonest moment one could expire. Exercised by
 * tests/guest/posix_timer.c and posix_cputimer.c. */
#include "../proc/signal_impl.h"
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "syscall.h"
#include "uaccess.h"
#include "uapi/time.h"

#define MAX_TIMERS 1024
#define NS 1000000000u
#define MIN_POLL_NS 100000u /* the CPU-time poll's shortest step */

struct ptimer {
	int pt_id;
	int pt_clock;        /* CLOCK_REALTIME, _MONOTONIC, _BOOTTIME or a CPU-time clock */
	int pt_notify;       /* SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD_ID */
	bool pt_target_gone; /* SIGEV_THREAD_ID's thread exited */
	bool pt_cpu;         /* on a CPU-time clock: watched by cpu_poll, not pt_timer */
	bool pt_clock_gone;  /* the thread whose CPU time it counts exited */
	struct thread *pt_cpu_thread; /* that thread; NULL: the app's CPU time */
	struct list_node pt_cpu_link; /* on cpu_timers, when pt_cpu */
	struct timer pt_timer;        /* armed for pt_expires unless SIGEV_NONE or pt_cpu */
	uint64_t pt_expires;          /* ns of the next expiry on its clock (monotonic
	                               * for the wall clocks); 0: disarmed */
	uint64_t pt_interval;         /* ns; 0: one-shot */
	uint64_t pt_overrun, pt_overrun_last;
	struct sigqueue pt_sq; /* its signal, queued while pending */
};

/* by id; under signal_lock, like everything in a ptimer */
static struct ptimer *timers[MAX_TIMERS];
/* the timers on CPU-time clocks; under signal_lock */
static struct list_node cpu_timers = LIST_HEAD_INIT(cpu_timers);
/* ITIMER_VIRTUAL and ITIMER_PROF: the app's CPU ns of the next expiry
 * (0: disarmed) and the interval; under signal_lock */
static struct {
	uint64_t expires, incr;
} itimers[ITIMER_PROF + 1];
static struct timer cpu_poll_tm; /* watches all of them; under signal_lock */

static void cpu_poll(struct timer *tm);

/* a clock's present: CPU ns for the CPU-time ones, else monotonic ns */
static uint64_t
now_of(const struct ptimer *pt)
{
	if (!pt->pt_cpu)
		return clock_ns();
	return pt->pt_cpu_thread ? thread_cpu_ns_of(pt->pt_cpu_thread) : thread_app_cpu_ns();
}

static uint64_t
ns_left(uint64_t expires, uint64_t now)
{
	return expires > now ? expires - now : 0;
}

/* arm the poll for the soonest moment an armed CPU-time timer could
 * expire: a thread's clock runs at most as fast as the wall clock, the
 * app's at most that fast on every CPU at once (lock held) */
static void
cpu_poll_arm_locked(void)
{
	uint64_t step = ~0ull, app = 0, ncpus = (uint64_t)sched_cpu_count();
	bool have_app = false;
	struct list_node *n;

	for (int i = ITIMER_VIRTUAL; i <= ITIMER_PROF; i++) {
		if (!itimers[i].expires)
			continue;
		if (!have_app)
			app = thread_app_cpu_ns(), have_app = true;
		step = MIN(step, ns_left(itimers[i].expires, app) / ncpus);
	}
	list_for_each(n, &cpu_timers)
	{
		struct ptimer *pt = list_entry(n, struct ptimer, pt_cpu_link);
		if (!pt->pt_expires || pt->pt_notify == SIGEV_NONE || pt->pt_sq.sq_queued)
			continue; /* a pending one moves on when its signal is taken */
		if (pt->pt_cpu_thread) {
			step =
			    MIN(step, ns_left(pt->pt_expires, thread_cpu_ns_of(pt->pt_cpu_thread)));
			continue;
		}
		if (!have_app)
			app = thread_app_cpu_ns(), have_app = true;
		step = MIN(step, ns_left(pt->pt_expires, app) / ncpus);
	}
	if (step == ~0ull)
		return;
	if (!cpu_poll_tm.tm_fn)
		timer_init(&cpu_poll_tm, cpu_poll);
	timer_arm(&cpu_poll_tm, clock_ns() + MAX(step, (uint64_t)MIN_POLL_NS));
}

/* periods of iv to add to *exp to pass 'now' (0 when it is ahead) */
static uint64_t
forward(uint64_t *exp, uint64_t iv, uint64_t now)
{
	uint64_t n;

	if (now < *exp)
		return 0;
	n = (now - *exp) / iv + 1;
	*exp += n * iv;
	return n;
}

/* the signal was taken (signal_take, lock held): move an interval timer
 * past now and report the periods it skipped */
static void
on_taken(struct sigqueue *sq, struct ksiginfo *info)
{
	struct ptimer *pt = container_of(sq, struct ptimer, pt_sq);

	if (pt->pt_interval && pt->pt_expires) {
		uint64_t n = forward(&pt->pt_expires, pt->pt_interval, now_of(pt));
		pt->pt_overrun += n ? n - 1 : 0;
		if (pt->pt_cpu)
			cpu_poll_arm_locked();
		else
			timer_arm(&pt->pt_timer, pt->pt_expires);
	}
	pt->pt_overrun_last = pt->pt_overrun;
	pt->pt_overrun = 0;
	info->si_uid = (int32_t)MIN(pt->pt_overrun_last, (uint64_t)INT32_MAX); /* si_overrun */
}

/* pt expired: its signal (lock held) */
static void
fire_locked(struct ptimer *pt)
{
	if (!pt->pt_interval)
		pt->pt_expires = 0;
	if (pt->pt_target_gone || !signal_queue_locked(&pt->pt_sq))
		pt->pt_expires = 0; /* nobody to tell */
}

/* interrupt context */
static void
on_expiry(struct timer *tm)
{
	struct ptimer *pt = container_of(tm, struct ptimer, pt_timer);
	uint64_t f = spin_lock_irqsave(&signal_lock);

	/* a late run for a timer that was re-set or deleted meanwhile does nothing */
	if (pt->pt_expires && pt->pt_expires <= clock_ns() && !pt->pt_sq.sq_queued)
		fire_locked(pt);
	spin_unlock_irqrestore(&signal_lock, f);
}

/* the CPU-time timers' poll (interrupt context): fire the expired ones */
static void
cpu_poll(struct timer *tm)
{
	uint64_t f = spin_lock_irqsave(&signal_lock), app = thread_app_cpu_ns();
	struct list_node *n;

	for (int i = ITIMER_VIRTUAL; i <= ITIMER_PROF; i++) {
		if (!itimers[i].expires || app < itimers[i].expires)
			continue;
		signal_raise_process_locked(i == ITIMER_PROF ? SIGPROF : SIGVTALRM);
		if (itimers[i].incr)
			forward(&itimers[i].expires, itimers[i].incr, app);
		else
			itimers[i].expires = 0;
	}
	list_for_each(n, &cpu_timers)
	{
		struct ptimer *pt = list_entry(n, struct ptimer, pt_cpu_link);
		if (pt->pt_expires && pt->pt_notify != SIGEV_NONE && !pt->pt_sq.sq_queued &&
		    pt->pt_expires <=
		        (pt->pt_cpu_thread ? thread_cpu_ns_of(pt->pt_cpu_thread) : app))
			fire_locked(pt);
	}
	cpu_poll_arm_locked();
	spin_unlock_irqrestore(&signal_lock, f);
}

/* a CPU-time clock id: the app's (*tid -1), the caller's thread's (0)
 * or thread *tid's; -EINVAL for no such clock. Ids made by
 * clock_getcpuclockid and pthread_getcpuclockid are ~id << 3 | kind
 * (uapi/time.h). XXX: the PROF, VIRT and SCHED kinds all count the whole
 * CPU time (user and system are not told apart). */
static int
cpu_clock_id(int clk, int *tid)
{
	int id = ~(clk >> 3);

	if (clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID) {
		*tid = clk == CLOCK_PROCESS_CPUTIME_ID ? -1 : 0;
		return 0;
	}
	if (clk >= 0 || (clk & 3) > CPUCLOCK_SCHED)
		return -EINVAL;
	if (clk & CPUCLOCK_PERTHREAD) {
		*tid = id;
		return 0;
	}
	*tid = -1;
	return id == 0 || id == 1 ? 0 : -EINVAL; /* 0: the caller's process; the app is 1 */
}

static struct ptimer *
lookup_locked(long id)
{
	return id >= 0 && id < MAX_TIMERS ? timers[id] : NULL;
}

SYSCALL(timer_create)
{
	struct linux_sigevent ev = {.signo = SIGALRM, .notify = SIGEV_SIGNAL};
	struct thread *target = NULL, *cpu_thread = NULL;
	struct ptimer *pt;
	int clk = (int)a0, id, cpu_tid = -1;
	bool cpu = clk < 0 || clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID;
	uint64_t f;

	if (cpu && cpu_clock_id(clk, &cpu_tid))
		return -EINVAL;
	if (!cpu && clk > CLOCK_MONOTONIC && clk < CLOCK_BOOTTIME)
		return -EOPNOTSUPP; /* the raw and coarse clocks have no timers (Linux) */
	if (!cpu && clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME)
		return clk > CLOCK_BOOTTIME && clk < CLOCK_TAI ? -EOPNOTSUPP : -EINVAL;
	if (a1 && copy_from_user(&ev, (void *)a1, sizeof(ev)))
		return -EFAULT;
	if (ev.notify != SIGEV_NONE && ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_THREAD &&
	    ev.notify != SIGEV_THREAD_ID)
		return -EINVAL;
	if (ev.notify != SIGEV_NONE && (ev.signo <= 0 || ev.signo > NSIG))
		return -EINVAL;
	pt = kzalloc(sizeof(*pt));
	if (!pt)
		return -EAGAIN;
	timer_init(&pt->pt_timer, on_expiry);
	pt->pt_clock = clk;
	pt->pt_notify =
	    ev.notify == SIGEV_THREAD ? SIGEV_SIGNAL : ev.notify; /* as Linux takes it */
	f = spin_lock_irqsave(&signal_lock);
	if (ev.notify == SIGEV_THREAD_ID) {
		target = thread_find(ev.tid);
		if (!target || !target->t_app) {
			spin_unlock_irqrestore(&signal_lock, f);
			kfree(pt);
			return -EINVAL;
		}
	}
	if (cpu_tid >= 0) {
		cpu_thread = cpu_tid ? thread_find(cpu_tid) : thread_self();
		if (!cpu_thread || !cpu_thread->t_app) {
			spin_unlock_irqrestore(&signal_lock, f);
			kfree(pt);
			return -EINVAL;
		}
	}
	for (id = 0; id < MAX_TIMERS && timers[id]; id++)
		;
	if (id == MAX_TIMERS) {
		spin_unlock_irqrestore(&signal_lock, f);
		kfree(pt);
		return -EAGAIN;
	}
	pt->pt_id = id;
	pt->pt_cpu = cpu;
	pt->pt_cpu_thread = cpu_thread;
	if (cpu)
		list_add_tail(&cpu_timers, &pt->pt_cpu_link);
	pt->pt_sq.sq_target = target;
	pt->pt_sq.sq_taken = on_taken;
	pt->pt_sq.sq_info = (struct ksiginfo){.si_signo = ev.signo,
	                                      .si_code = SI_TIMER,
	                                      .si_pid = id, /* si_timerid */
	                                      .si_value = a1 ? ev.value : (uint64_t)id};
	timers[id] = pt;
	spin_unlock_irqrestore(&signal_lock, f);
	if (copy_to_user((void *)a2, &id, sizeof(id))) {
		f = spin_lock_irqsave(&signal_lock);
		timers[id] = NULL;
		if (cpu)
			list_del(&pt->pt_cpu_link);
		spin_unlock_irqrestore(&signal_lock, f);
		kfree(pt);
		return -EFAULT;
	}
	return 0;
}

/* time to the next expiry and the interval (lock held) */
static void
get_locked(struct ptimer *pt, struct linux_itimerspec *v)
{
	uint64_t exp = pt->pt_expires, left = 0, now = exp ? now_of(pt) : 0;

	if (exp && exp <= now && pt->pt_interval)
		forward(&exp, pt->pt_interval, now);
	if (exp > now)
		left = exp - now;
	else if (exp && pt->pt_notify != SIGEV_NONE)
		left = 1; /* expired, its signal not taken yet (Linux says 1 ns too) */
	*v = (struct linux_itimerspec){(int64_t)(pt->pt_interval / NS),
	                               (int64_t)(pt->pt_interval % NS), (int64_t)(left / NS),
	                               (int64_t)(left % NS)};
}

SYSCALL(timer_settime)
{
	struct linux_itimerspec nv, ov;
	struct ptimer *pt;
	uint64_t f, value, now;

	if (!a2)
		return -EINVAL; /* Linux: no new setting */
	if (copy_from_user(&nv, (void *)a2, sizeof(nv)))
		return -EFAULT;
	if (nv.int_sec < 0 || nv.int_nsec < 0 || nv.int_nsec >= NS || nv.val_sec < 0 ||
	    nv.val_nsec < 0 || nv.val_nsec >= NS)
		return -EINVAL;
	value = (uint64_t)nv.val_sec * NS + (uint64_t)nv.val_nsec;
	f = spin_lock_irqsave(&signal_lock);
	if (!(pt = lookup_locked(a0))) {
		spin_unlock_irqrestore(&signal_lock, f);
		return -EINVAL;
	}
	if (pt->pt_clock_gone) {
		spin_unlock_irqrestore(&signal_lock, f);
		return -ESRCH; /* its thread exited (Linux) */
	}
	get_locked(pt, &ov);
	signal_unqueue_locked(&pt->pt_sq); /* a signal of the old setting is dropped */
	pt->pt_overrun = pt->pt_overrun_last = 0;
	pt->pt_interval = value ? (uint64_t)nv.int_sec * NS + (uint64_t)nv.int_nsec : 0;
	now = now_of(pt);
	if (!value)
		pt->pt_expires = 0; /* a pending run of on_expiry finds nothing to do */
	else if (!(a1 & TIMER_ABSTIME))
		pt->pt_expires = now + value;
	else if (pt->pt_clock == CLOCK_REALTIME)
		pt->pt_expires = clock_realtime_to_mono(value);
	else
		pt->pt_expires = value;
	if (value && !pt->pt_expires)
		pt->pt_expires = 1; /* before boot: long past */
	if (pt->pt_expires && pt->pt_notify != SIGEV_NONE && pt->pt_cpu)
		cpu_poll_arm_locked();
	else if (pt->pt_expires && pt->pt_notify != SIGEV_NONE)
		timer_arm(&pt->pt_timer, pt->pt_expires);
	spin_unlock_irqrestore(&signal_lock, f);
	return a3 && copy_to_user((void *)a3, &ov, sizeof(ov)) ? -EFAULT : 0;
}

SYSCALL(timer_gettime)
{
	struct linux_itimerspec v;
	struct ptimer *pt;
	uint64_t f = spin_lock_irqsave(&signal_lock);

	if (!(pt = lookup_locked(a0))) {
		spin_unlock_irqrestore(&signal_lock, f);
		return -EINVAL;
	}
	get_locked(pt, &v);
	spin_unlock_irqrestore(&signal_lock, f);
	return copy_to_user((void *)a1, &v, sizeof(v)) ? -EFAULT : 0;
}

SYSCALL(timer_getoverrun)
{
	struct ptimer *pt;
	long r = -EINVAL;
	uint64_t f = spin_lock_irqsave(&signal_lock);

	if ((pt = lookup_locked(a0)))
		r = (long)MIN(pt->pt_overrun_last, (uint64_t)INT32_MAX);
	spin_unlock_irqrestore(&signal_lock, f);
	return r;
}

SYSCALL(timer_delete)
{
	struct ptimer *pt;
	uint64_t f = spin_lock_irqsave(&signal_lock);

	if (!(pt = lookup_locked(a0))) {
		spin_unlock_irqrestore(&signal_lock, f);
		return -EINVAL;
	}
	timers[a0] = NULL;
	pt->pt_expires = 0;
	if (pt->pt_cpu)
		list_del(&pt->pt_cpu_link);
	signal_unqueue_locked(&pt->pt_sq);
	spin_unlock_irqrestore(&signal_lock, f);
	timer_cancel(&pt->pt_timer); /* waits for a running on_expiry */
	kfree(pt);
	return 0;
}

void
ptimer_thread_exit_locked(struct thread *t)
{
	for (int i = 0; i < MAX_TIMERS; i++) {
		if (timers[i] && timers[i]->pt_sq.sq_target == t) {
			timers[i]->pt_target_gone = true;
			timers[i]->pt_sq.sq_target = NULL;
		}
		if (timers[i] && timers[i]->pt_cpu_thread == t) {
			/* its clock stops for good: it never expires again */
			timers[i]->pt_clock_gone = true;
			timers[i]->pt_cpu_thread = NULL;
			timers[i]->pt_expires = 0;
		}
	}
}

/* --- alarm and setitimer(ITIMER_REAL): SIGALRM to the process --- */
static struct {
	struct timer tm;
	uint64_t interval_ns;
	uint64_t deadline_ns;
	bool armed;
} alarm_t;

static void
on_alarm(struct timer *tm)
{
	signal_send(NULL, SIGALRM, NULL);
	if (alarm_t.interval_ns) {
		alarm_t.deadline_ns += alarm_t.interval_ns;
		timer_arm(tm, alarm_t.deadline_ns);
	} else {
		alarm_t.armed = false;
	}
}

/* the time left and the interval, in ns; arm anew (0: disarm) */
static void
set_alarm(uint64_t value_ns, uint64_t interval_ns, uint64_t *old_left, uint64_t *old_interval)
{
	uint64_t now = clock_ns();

	if (alarm_t.tm.tm_fn == NULL)
		timer_init(&alarm_t.tm, on_alarm);
	timer_cancel(&alarm_t.tm);
	if (old_left)
		*old_left =
		    alarm_t.armed && alarm_t.deadline_ns > now ? alarm_t.deadline_ns - now : 0;
	if (old_interval)
		*old_interval = alarm_t.interval_ns;
	alarm_t.armed = value_ns != 0;
	alarm_t.interval_ns = value_ns ? interval_ns : 0;
	if (value_ns) {
		alarm_t.deadline_ns = now + value_ns;
		timer_arm(&alarm_t.tm, alarm_t.deadline_ns);
	}
}

SYSCALL(alarm)
{
	uint64_t left;

	set_alarm((uint64_t)(uint32_t)a0 * NS, 0, &left, NULL);
	return (long)((left + NS - 1) / NS);
}

static void
to_itv(struct linux_itimerval *v, uint64_t left, uint64_t interval)
{
	v->int_sec = (int64_t)(interval / NS);
	v->int_usec = (int64_t)(interval % NS / 1000u);
	v->val_sec = (int64_t)(left / NS);
	v->val_usec = (int64_t)(left % NS / 1000u);
}

/* ITIMER_VIRTUAL, ITIMER_PROF: like set_alarm, on the app's CPU time.
 * XXX: both count all of it, user and system time alike. */
static void
set_cpu_itimer(int which, uint64_t value_ns, uint64_t interval_ns, uint64_t *old_left,
               uint64_t *old_interval)
{
	uint64_t f = spin_lock_irqsave(&signal_lock), now = thread_app_cpu_ns();

	if (old_left) /* one that expired but has not moved on says 1 us */
		*old_left =
		    itimers[which].expires ? MAX(ns_left(itimers[which].expires, now), 1000u) : 0;
	if (old_interval)
		*old_interval = itimers[which].incr;
	itimers[which].expires = value_ns ? now + value_ns : 0;
	itimers[which].incr = value_ns ? interval_ns : 0;
	cpu_poll_arm_locked();
	spin_unlock_irqrestore(&signal_lock, f);
}

SYSCALL(setitimer)
{
	struct linux_itimerval nv, ov;
	uint64_t left, interval, value_ns, interval_ns;

	/* a NULL value disarms, as Linux 6.1 takes it (it warns once) */
	if (!a1)
		memset(&nv, 0, sizeof(nv));
	else if (copy_from_user(&nv, (void *)a1, sizeof(nv)))
		return -EFAULT;
	if (a0 != ITIMER_REAL && a0 != ITIMER_VIRTUAL && a0 != ITIMER_PROF)
		return -EINVAL;
	if (nv.val_sec < 0 || nv.int_sec < 0 || nv.val_usec < 0 || nv.val_usec >= 1000000 ||
	    nv.int_usec < 0 || nv.int_usec >= 1000000)
		return -EINVAL;
	value_ns = (uint64_t)nv.val_sec * NS + (uint64_t)nv.val_usec * 1000u;
	interval_ns = (uint64_t)nv.int_sec * NS + (uint64_t)nv.int_usec * 1000u;
	if (a0 == ITIMER_REAL)
		set_alarm(value_ns, interval_ns, &left, &interval);
	else
		set_cpu_itimer((int)a0, value_ns, interval_ns, &left, &interval);
	to_itv(&ov, left, interval);
	return a2 && copy_to_user((void *)a2, &ov, sizeof(ov)) ? -EFAULT : 0;
}

SYSCALL(getitimer)
{
	struct linux_itimerval v;
	uint64_t now = clock_ns(), left, interval;

	if (a0 == ITIMER_VIRTUAL || a0 == ITIMER_PROF) {
		uint64_t f = spin_lock_irqsave(&signal_lock);
		left = itimers[a0].expires
		           ? MAX(ns_left(itimers[a0].expires, thread_app_cpu_ns()), 1000u)
		           : 0;
		interval = itimers[a0].incr;
		spin_unlock_irqrestore(&signal_lock, f);
		to_itv(&v, left, interval);
	} else if (a0 == ITIMER_REAL) {
		to_itv(&v,
		       alarm_t.armed && alarm_t.deadline_ns > now ? alarm_t.deadline_ns - now : 0,
		       alarm_t.interval_ns);
	} else {
		return -EINVAL;
	}
	return copy_to_user((void *)a1, &v, sizeof(v)) ? -EFAULT : 0;
}

/* Timers that raise signals (include/signal.h): POSIX timers
 * (timer_create, timer_settime, timer_gettime, timer_getoverrun,
 * timer_delete; Linux's kernel/time/posix-timers.c semantics) and
 * alarm/setitimer(ITIMER_REAL). An interval timer whose signal is still
 * pending does not fire again: when the signal is taken it moves on past
 * the present, counting the periods it skipped as the overrun (si_overrun,
 * timer_getoverrun). Exercised by tests/guest/posix_timer.c. */
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

struct ptimer {
	int pt_id;
	int pt_clock;          /* CLOCK_REALTIME, _MONOTONIC or _BOOTTIME */
	int pt_notify;         /* SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD_ID */
	bool pt_target_gone;   /* SIGEV_THREAD_ID's thread exited */
	struct timer pt_timer; /* armed for pt_expires unless SIGEV_NONE */
	uint64_t pt_expires;   /* monotonic ns of the next expiry; 0: disarmed */
	uint64_t pt_interval;  /* ns; 0: one-shot */
	uint64_t pt_overrun, pt_overrun_last;
	struct sigqueue pt_sq; /* its signal, queued while pending */
};

/* by id; under signal_lock, like everything in a ptimer */
static struct ptimer *timers[MAX_TIMERS];

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
		uint64_t n = forward(&pt->pt_expires, pt->pt_interval, clock_ns());
		pt->pt_overrun += n ? n - 1 : 0;
		timer_arm(&pt->pt_timer, pt->pt_expires);
	}
	pt->pt_overrun_last = pt->pt_overrun;
	pt->pt_overrun = 0;
	info->si_uid = (int32_t)MIN(pt->pt_overrun_last, (uint64_t)INT32_MAX); /* si_overrun */
}

/* interrupt context */
static void
on_expiry(struct timer *tm)
{
	struct ptimer *pt = container_of(tm, struct ptimer, pt_timer);
	uint64_t f = spin_lock_irqsave(&signal_lock);

	/* a late run for a timer that was re-set or deleted meanwhile does nothing */
	if (pt->pt_expires && pt->pt_expires <= clock_ns() && !pt->pt_sq.sq_queued) {
		if (!pt->pt_interval)
			pt->pt_expires = 0;
		if (pt->pt_target_gone || !signal_queue_locked(&pt->pt_sq))
			pt->pt_expires = 0; /* nobody to tell */
	}
	spin_unlock_irqrestore(&signal_lock, f);
}

static struct ptimer *
lookup_locked(long id)
{
	return id >= 0 && id < MAX_TIMERS ? timers[id] : NULL;
}

SYSCALL(timer_create)
{
	struct linux_sigevent ev = {.signo = SIGALRM, .notify = SIGEV_SIGNAL};
	struct thread *target = NULL;
	struct ptimer *pt;
	int clk = (int)a0, id;
	uint64_t f;

	if (clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL; /* XXX: no timers on the CPU-time clocks yet */
	if (clk > CLOCK_MONOTONIC && clk < CLOCK_BOOTTIME)
		return -EOPNOTSUPP; /* the raw and coarse clocks have no timers (Linux) */
	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME)
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
	for (id = 0; id < MAX_TIMERS && timers[id]; id++)
		;
	if (id == MAX_TIMERS) {
		spin_unlock_irqrestore(&signal_lock, f);
		kfree(pt);
		return -EAGAIN;
	}
	pt->pt_id = id;
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
	uint64_t now = clock_ns(), exp = pt->pt_expires, left = 0;

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
	get_locked(pt, &ov);
	signal_unqueue_locked(&pt->pt_sq); /* a signal of the old setting is dropped */
	pt->pt_overrun = pt->pt_overrun_last = 0;
	pt->pt_interval = value ? (uint64_t)nv.int_sec * NS + (uint64_t)nv.int_nsec : 0;
	now = clock_ns();
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
	if (pt->pt_expires && pt->pt_notify != SIGEV_NONE)
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

SYSCALL(setitimer)
{
	struct linux_itimerval nv, ov;
	uint64_t left, interval;

	/* a NULL value disarms, as Linux 6.1 takes it (it warns once) */
	if (!a1)
		memset(&nv, 0, sizeof(nv));
	else if (copy_from_user(&nv, (void *)a1, sizeof(nv)))
		return -EFAULT;
	if (a0 != ITIMER_REAL)
		return -EINVAL; /* XXX: ITIMER_VIRTUAL and ITIMER_PROF are not there */
	if (nv.val_usec < 0 || nv.val_usec >= 1000000 || nv.int_usec < 0 || nv.int_usec >= 1000000)
		return -EINVAL;
	set_alarm((uint64_t)nv.val_sec * NS + (uint64_t)nv.val_usec * 1000u,
	          (uint64_t)nv.int_sec * NS + (uint64_t)nv.int_usec * 1000u, &left, &interval);
	to_itv(&ov, left, interval);
	return a2 && copy_to_user((void *)a2, &ov, sizeof(ov)) ? -EFAULT : 0;
}

SYSCALL(getitimer)
{
	struct linux_itimerval v;
	uint64_t now = clock_ns();

	if (a0 != 0)
		return -EINVAL;
	to_itv(&v, alarm_t.armed && alarm_t.deadline_ns > now ? alarm_t.deadline_ns - now : 0,
	       alarm_t.interval_ns);
	return copy_to_user((void *)a1, &v, sizeof(v)) ? -EFAULT : 0;
}

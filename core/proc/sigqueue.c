/* Sending and waiting for app signals (include/signal.h): the queue of
 * pending siginfo (Linux's kernel/signal.c: real-time signals queue one
 * entry per send, a standard signal already pending is not queued
 * again), kill and tgkill, rt_sigqueueinfo, and the waits a signal ends:
 * rt_sigsuspend, pause, rt_sigtimedwait, nanosleep. Exercised by
 * tests/guest/posix_signal.c and posix_timer.c. */
#include "arch.h"
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "signal_impl.h"
#include "syscall.h"
#include "uaccess.h"

struct spinlock signal_lock = SPINLOCK_INIT;
uint64_t signal_shared_pending;
static struct list_node queue = LIST_HEAD_INIT(queue); /* struct sigqueue, oldest first */

static uint64_t *
pending_of(struct thread *t)
{
	return t ? &t->t_sigpending : &signal_shared_pending;
}

/* would t take a process signal sig now? */
static bool
wants(struct thread *t, void *arg)
{
	uint64_t bit = BIT(*(int *)arg);

	return t->t_app && (!(t->t_sigmask & bit) || (t->t_sigwaiting & bit));
}

static bool
wants_and_sleeps(struct thread *t, void *arg)
{
	int s = __atomic_load_n(&t->t_state, __ATOMIC_RELAXED);

	return (s == T_BLOCKED || s == T_BLOCKING) && wants(t, arg);
}

static bool
wants_and_runs(struct thread *t, void *arg)
{
	return __atomic_load_n(&t->t_state, __ATOMIC_RELAXED) == T_RUNNING && wants(t, arg);
}

/* sig just became pending for t (NULL: the process): make who takes it
 * see it. A thread in a system call sees it on its way out, and the
 * thread an interrupt interrupted at the interrupt's return; one blocked
 * in an interruptible wait must be woken, and one running app code on
 * another CPU kicked. Lock held. */
static void
wake_locked(struct thread *t, int sig)
{
	if (t) {
		if (!sched_wake(t) && !(t->t_sigmask & BIT(sig)))
			sched_kick(t);
		return;
	}
	if (wants_and_runs(thread_self(), &sig))
		return;
	if ((t = thread_find_if(wants_and_sleeps, &sig))) {
		sched_wake(t);
		return;
	}
	/* else every thread that takes it runs, or is ready to */
	if ((t = thread_find_if(wants_and_runs, &sig)))
		sched_kick(t);
}

bool
signal_queue_locked(struct sigqueue *sq)
{
	struct thread *t = sq->sq_target;
	int sig = sq->sq_info.si_signo;

	if (t && !t->t_app)
		return false;
	list_add_tail(&queue, &sq->sq_link);
	sq->sq_queued = true;
	__atomic_fetch_or(pending_of(t), BIT(sig), __ATOMIC_ACQ_REL);
	wake_locked(t, sig);
	return true;
}

void
signal_raise_process_locked(int sig)
{
	if (signal_shared_pending & BIT(sig))
		return; /* one is enough */
	__atomic_fetch_or(&signal_shared_pending, BIT(sig), __ATOMIC_ACQ_REL);
	wake_locked(NULL, sig);
}

/* is another entry of sig for t still queued? (lock held) */
static bool
more_queued(struct thread *t, int sig)
{
	struct list_node *n;

	list_for_each(n, &queue)
	{
		struct sigqueue *q = list_entry(n, struct sigqueue, sq_link);
		if (q->sq_target == t && q->sq_info.si_signo == sig)
			return true;
	}
	return false;
}

void
signal_unqueue_locked(struct sigqueue *sq)
{
	if (!sq->sq_queued)
		return;
	list_del(&sq->sq_link);
	sq->sq_queued = false;
	if (!more_queued(sq->sq_target, sq->sq_info.si_signo))
		__atomic_fetch_and(pending_of(sq->sq_target), ~BIT(sq->sq_info.si_signo),
		                   __ATOMIC_ACQ_REL);
}

int
signal_take(struct thread *t, uint64_t allowed, struct ksiginfo *info)
{
	struct sigqueue *found = NULL, *gone = NULL;
	struct list_node *n;
	uint64_t f = spin_lock_irqsave(&signal_lock);
	uint64_t own = __atomic_load_n(&t->t_sigpending, __ATOMIC_ACQUIRE) & allowed;
	uint64_t shared = __atomic_load_n(&signal_shared_pending, __ATOMIC_ACQUIRE) & allowed;
	struct thread *target = own ? t : NULL;
	int sig;

	if (!own && !shared) {
		spin_unlock_irqrestore(&signal_lock, f);
		return 0;
	}
	sig = __builtin_ctzll(own ? own : shared) + 1;
	list_for_each(n, &queue)
	{
		struct sigqueue *q = list_entry(n, struct sigqueue, sq_link);
		if (q->sq_target == target && q->sq_info.si_signo == sig) {
			found = q;
			break;
		}
	}
	if (found) {
		*info = found->sq_info;
		signal_unqueue_locked(found);
		if (found->sq_taken)
			found->sq_taken(found, info);
		else
			gone = found;
	} else {
		/* sent without a siginfo (kill, SIGPIPE, alarm): as from kill */
		*info = (struct ksiginfo){.si_signo = sig, .si_code = SI_USER, .si_pid = 1};
		__atomic_fetch_and(pending_of(target), ~BIT(sig), __ATOMIC_ACQ_REL);
	}
	spin_unlock_irqrestore(&signal_lock, f);
	kfree(gone);
	return sig;
}

/* the one sender: to thread t, to thread 'tid' (t NULL, tid > 0), or to
 * the process (both unset) */
static long
send(struct thread *t, int tid, int sig, const struct ksiginfo *info, bool from_irq)
{
	struct sigqueue *sq = NULL;
	uint64_t f;

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (!from_irq && (info || sig >= 32)) {
		sq = kzalloc(sizeof(*sq));
		if (!sq && sig >= 32)
			return -EAGAIN;
		if (sq)
			sq->sq_info =
			    info ? *info : (struct ksiginfo){.si_code = SI_USER, .si_pid = 1};
		if (sq)
			sq->sq_info.si_signo = sig;
	}
	f = spin_lock_irqsave(&signal_lock);
	if (tid > 0 && (!(t = thread_find(tid)) || !t->t_app)) {
		spin_unlock_irqrestore(&signal_lock, f);
		kfree(sq);
		return -ESRCH;
	}
	if (!sig || (sig < 32 && (*pending_of(t) & BIT(sig)))) {
		/* a probe; or a standard signal already pending: one is enough */
		spin_unlock_irqrestore(&signal_lock, f);
		kfree(sq);
		return 0;
	}
	if (sq) {
		sq->sq_target = t;
		list_add_tail(&queue, &sq->sq_link);
		sq->sq_queued = true;
	}
	__atomic_fetch_or(pending_of(t), BIT(sig), __ATOMIC_ACQ_REL);
	wake_locked(t, sig);
	spin_unlock_irqrestore(&signal_lock, f);
	return 0;
}

long
signal_raise(struct thread *t, int sig)
{
	return send(t, 0, sig, NULL, true);
}

long
signal_send(struct thread *t, int sig, const struct ksiginfo *info)
{
	return send(t, 0, sig, info, info == NULL);
}

void
signal_thread_exit(struct thread *t)
{
	struct list_node *n, *tmp;
	uint64_t f = spin_lock_irqsave(&signal_lock);

	t->t_app = false;
	list_for_each_safe(n, tmp, &queue)
	{
		struct sigqueue *q = list_entry(n, struct sigqueue, sq_link);
		if (q->sq_target != t)
			continue;
		list_del(&q->sq_link);
		q->sq_queued = false;
		if (!q->sq_taken)
			kfree(q);
	}
	__atomic_store_n(&t->t_sigpending, 0, __ATOMIC_RELEASE);
	ptimer_thread_exit_locked(t);
	/* it may have been the one woken for a process signal */
	for (uint64_t p = signal_shared_pending; p; p &= p - 1) {
		int sig = __builtin_ctzll(p) + 1;
		wake_locked(NULL, sig);
	}
	spin_unlock_irqrestore(&signal_lock, f);
}

bool
signal_pending(void)
{
	struct thread *t = thread_self();
	uint64_t p = __atomic_load_n(&t->t_sigpending, __ATOMIC_ACQUIRE) |
	             __atomic_load_n(&signal_shared_pending, __ATOMIC_ACQUIRE);

	if (!t->t_app)
		return false; /* the kernel's own threads take no signals */
	return p & ~t->t_sigmask & ~__atomic_load_n(&signal_ignored, __ATOMIC_RELAXED);
}

int
signal_sleep_until(uint64_t deadline_ns)
{
	for (;;) {
		if (deadline_ns && clock_ns() >= deadline_ns)
			return 0;
		sched_prepare_block();
		if (signal_pending()) {
			sched_cancel_block();
			return -EINTR;
		}
		sched_block_until(deadline_ns);
	}
}

long
signal_wait_mask(const void *uset, size_t size)
{
	struct thread *t = thread_self();
	uint64_t set;

	if (size != 8)
		return -EINVAL;
	if (copy_from_user(&set, uset, 8))
		return -EFAULT;
	if (!t->t_sigrestore)
		t->t_sigsaved = t->t_sigmask;
	t->t_sigrestore = true;
	t->t_sigmask = set & ~UNBLOCKABLE;
	return 0;
}

static long
nanosleep_restart(struct thread *t)
{
	return signal_nanosleep(t->t_restart_args[0], true, (void *)t->t_restart_args[1]);
}

long
signal_nanosleep(uint64_t deadline_ns, bool relative, void *urem)
{
	struct thread *t = thread_self();
	uint64_t now, left;

	if (!signal_sleep_until(deadline_ns))
		return 0;
	if (!relative)
		return -ERESTARTNOHAND; /* an absolute deadline restarts as it is */
	now = clock_ns();
	left = deadline_ns > now ? deadline_ns - now : 0;
	int64_t rem[2] = {(int64_t)(left / 1000000000u), (int64_t)(left % 1000000000u)};
	if (urem && copy_to_user(urem, rem, sizeof(rem)))
		return -EFAULT;
	t->t_restart_fn = nanosleep_restart;
	t->t_restart_args[0] = deadline_ns;
	t->t_restart_args[1] = (uintptr_t)urem;
	return -ERESTART_RESTARTBLOCK;
}

SYSCALL(pause)
{
	signal_sleep_until(0);
	return -ERESTARTNOHAND;
}

SYSCALL(rt_sigsuspend)
{
	long err = signal_wait_mask((const void *)a0, (size_t)a1);

	if (err)
		return err;
	signal_sleep_until(0);
	return -ERESTARTNOHAND;
}

/* rt_sigtimedwait(set, info, timeout, sigsetsize): take a signal of set
 * (pending or to come), -EAGAIN at the timeout, -EINTR when a signal
 * outside the set that has a handler comes first */
SYSCALL(rt_sigtimedwait)
{
	struct thread *t = thread_self();
	struct ksiginfo info;
	uint64_t set, deadline = 0;
	bool timed = a2 != 0;
	long sig;

	if (a3 != 8)
		return -EINVAL;
	if (copy_from_user(&set, (void *)a0, 8))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	if (timed) {
		int64_t ts[2];
		if (copy_from_user(ts, (void *)a2, sizeof(ts)))
			return -EFAULT;
		if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
			return -EINVAL;
		deadline = clock_ns() + (uint64_t)ts[0] * 1000000000u + (uint64_t)ts[1];
	}
	t->t_sigwaiting = set;
	for (;;) {
		if ((sig = signal_take(t, set, &info)))
			break;
		if (signal_pending()) {
			sig = -EINTR;
			break;
		}
		if (timed && clock_ns() >= deadline) {
			sig = -EAGAIN;
			break;
		}
		sched_prepare_block();
		if (((__atomic_load_n(&t->t_sigpending, __ATOMIC_ACQUIRE) |
		      __atomic_load_n(&signal_shared_pending, __ATOMIC_ACQUIRE)) &
		     set) ||
		    signal_pending()) {
			sched_cancel_block();
			continue;
		}
		sched_block_until(deadline);
	}
	t->t_sigwaiting = 0;
	if (sig > 0 && a1 && copy_to_user((void *)a1, &info, sizeof(info)))
		return -EFAULT;
	return sig;
}

/* --- kill and friends: the app is pid 1, its threads are by tid --- */
SYSCALL(kill)
{
	if ((int)a0 != 1 && (int)a0 != 0 && (int)a0 != -1)
		return -ESRCH;
	return send(NULL, 0, (int)a1, NULL, false);
}

SYSCALL(tgkill)
{
	struct ksiginfo info = {.si_code = SI_TKILL, .si_pid = 1};

	if ((int)a0 <= 0 || (int)a1 <= 0) /* pid_t: an int, whatever the upper half */
		return -EINVAL;
	if ((int)a0 != 1)
		return -ESRCH;
	return send(NULL, (int)a1, (int)a2, &info, false);
}

SYSCALL(tkill)
{
	struct ksiginfo info = {.si_code = SI_TKILL, .si_pid = 1};

	if ((int)a0 <= 0)
		return -EINVAL;
	return send(NULL, (int)a0, (int)a1, &info, false);
}

static long
queueinfo(int tgid, int tid, int sig, const void *uinfo)
{
	struct ksiginfo info;

	if (copy_from_user(&info, uinfo, sizeof(info)))
		return -EFAULT;
	if (tgid != 1)
		return -ESRCH; /* XXX: no other process; from another one SI_USER would be -EPERM */
	info.si_signo = sig;
	return send(NULL, tid, sig, &info, false);
}

SYSCALL(rt_sigqueueinfo)
{
	return queueinfo((int)a0, 0, (int)a1, (const void *)a2);
}

SYSCALL(rt_tgsigqueueinfo)
{
	if (a0 <= 0 || a1 <= 0)
		return -EINVAL;
	return queueinfo((int)a0, (int)a1, (int)a2, (const void *)a3);
}

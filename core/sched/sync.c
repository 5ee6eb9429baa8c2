/* Mutex, condition variable, semaphore and wait queue on the futex and
 * the scheduler (include/sync.h). The mutex follows the three-state
 * design of Drepper's "Futexes Are Tricky": a CAS takes a free lock with
 * no system work; a contended locker marks the word 2 and sleeps, so an
 * unlock knows whether anyone must be woken. Nobody spins unboundedly. */
#include "sync.h"
#include "clock.h"
#include "errno.h"
#include "sched.h"

#define SPIN_TRIES 64 /* brief optimism before sleeping */

static inline uint32_t
cas(uint32_t *w, uint32_t old, uint32_t new)
{
	__atomic_compare_exchange_n(w, &old, new, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
	return old;
}

bool
mutex_trylock(struct mutex *m)
{
	if (cas(&m->m_word, 0, 1) != 0)
		return false;
	m->m_owner = thread_self();
	return true;
}

/* false when the deadline passed first */
static bool
mutex_lock_until(struct mutex *m, uint64_t deadline_ns)
{
	uint32_t c;

	might_sleep();
	c = cas(&m->m_word, 0, 1);
	for (int i = 0; c != 0 && i < SPIN_TRIES; i++) {
		cpu_relax();
		c = cas(&m->m_word, 0, 1);
	}
	/* contended: the word says "sleepers" (2) from now on while held;
	 * taking it as 2 costs at most one needless wake at unlock */
	if (c != 0)
		c = __atomic_exchange_n(&m->m_word, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		int e = futex_wait(&m->m_word, 2, deadline_ns, FUTEX_BITSET_MATCH_ANY);
		c = __atomic_exchange_n(&m->m_word, 2, __ATOMIC_ACQUIRE);
		if (c != 0 && e == -ETIMEDOUT)
			return false;
	}
	m->m_owner = thread_self();
	return true;
}

void
mutex_lock(struct mutex *m)
{
	mutex_lock_until(m, 0);
}

void
mutex_unlock(struct mutex *m)
{
	m->m_owner = NULL;
	if (__atomic_fetch_sub(&m->m_word, 1, __ATOMIC_RELEASE) != 1) {
		__atomic_store_n(&m->m_word, 0, __ATOMIC_RELEASE);
		futex_wake(&m->m_word, 1, FUTEX_BITSET_MATCH_ANY);
	}
}

bool
cond_wait_until(struct condvar *cv, struct mutex *m, uint64_t deadline_ns)
{
	uint32_t seq = __atomic_load_n(&cv->cv_seq, __ATOMIC_ACQUIRE);
	int err;

	mutex_unlock(m);
	err = futex_wait(&cv->cv_seq, seq, deadline_ns, FUTEX_BITSET_MATCH_ANY);
	/* retake as contended: others may have been requeued onto the mutex */
	if (__atomic_exchange_n(&m->m_word, 2, __ATOMIC_ACQUIRE) != 0)
		while (__atomic_exchange_n(&m->m_word, 2, __ATOMIC_ACQUIRE) != 0)
			futex_wait(&m->m_word, 2, 0, FUTEX_BITSET_MATCH_ANY);
	m->m_owner = thread_self();
	return err != -ETIMEDOUT;
}

void
cond_wait(struct condvar *cv, struct mutex *m)
{
	cond_wait_until(cv, m, 0);
}

void
cond_signal(struct condvar *cv)
{
	__atomic_fetch_add(&cv->cv_seq, 1, __ATOMIC_RELEASE);
	futex_wake(&cv->cv_seq, 1, FUTEX_BITSET_MATCH_ANY);
}

void
cond_broadcast(struct condvar *cv)
{
	__atomic_fetch_add(&cv->cv_seq, 1, __ATOMIC_RELEASE);
	futex_wake(&cv->cv_seq, INT32_MAX, FUTEX_BITSET_MATCH_ANY);
}

static bool
sem_trydown(struct semaphore *s)
{
	uint32_t c = __atomic_load_n(&s->s_count, __ATOMIC_RELAXED);

	while (c > 0)
		if (__atomic_compare_exchange_n(&s->s_count, &c, c - 1, false, __ATOMIC_ACQUIRE,
		                                __ATOMIC_RELAXED))
			return true;
	return false;
}

bool
sem_down_until(struct semaphore *s, uint64_t deadline_ns)
{
	bool ok = true;

	might_sleep();
	if (sem_trydown(s))
		return true;
	__atomic_fetch_add(&s->s_waiters, 1, __ATOMIC_SEQ_CST);
	while (!sem_trydown(s)) {
		if (futex_wait(&s->s_count, 0, deadline_ns, FUTEX_BITSET_MATCH_ANY) == -ETIMEDOUT) {
			ok = sem_trydown(s);
			break;
		}
	}
	__atomic_fetch_sub(&s->s_waiters, 1, __ATOMIC_SEQ_CST);
	return ok;
}

void
sem_down(struct semaphore *s)
{
	sem_down_until(s, 0);
}

void
sem_up(struct semaphore *s)
{
	__atomic_fetch_add(&s->s_count, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&s->s_waiters, __ATOMIC_SEQ_CST))
		futex_wake(&s->s_count, 1, FUTEX_BITSET_MATCH_ANY);
}

struct wq_entry {
	struct list_node link;
	struct thread *t;
};

void
waitq_init(struct waitq *wq)
{
	wq->wq_lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&wq->wq_list);
}

bool
waitq_wait(struct waitq *wq, bool (*cond)(void *arg), void *arg, uint64_t deadline_ns)
{
	struct wq_entry e = {.t = thread_self()};
	bool ok;
	uint64_t f;

	might_sleep();
	for (;;) {
		f = spin_lock_irqsave(&wq->wq_lock);
		list_add_tail(&wq->wq_list, &e.link);
		sched_prepare_block();
		spin_unlock_irqrestore(&wq->wq_lock, f);
		ok = cond(arg);
		if (ok)
			sched_cancel_block();
		else if (!sched_block_until(deadline_ns))
			ok = cond(arg);
		f = spin_lock_irqsave(&wq->wq_lock);
		if (!list_unlinked(&e.link))
			list_del(&e.link);
		spin_unlock_irqrestore(&wq->wq_lock, f);
		if (ok || (deadline_ns && clock_ns() >= deadline_ns))
			return ok || cond(arg);
	}
}

void
waitq_wake_all(struct waitq *wq)
{
	uint64_t f = spin_lock_irqsave(&wq->wq_lock);

	while (!list_empty(&wq->wq_list)) {
		struct wq_entry *e = list_first_entry(&wq->wq_list, struct wq_entry, link);
		list_del(&e->link);
		sched_wake(e->t);
	}
	spin_unlock_irqrestore(&wq->wq_lock, f);
}

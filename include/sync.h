/* Blocking synchronisation for the kernel and the app, all on the
 * scheduler's block/wake (include/sched.h) and one futex:
 * - futex: Linux semantics (WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAIT_BITSET,
 *   WAKE_BITSET, WAKE_OP, and the PI locks without the inheritance;
 *   private and shared alike, since there is one address space); the
 *   word may be a kernel or an app address (app addresses are read with
 *   copy_from_user: -EFAULT, never a crash);
 * - mutex: one word, lock-free when uncontended (0 free, 1 locked, 2
 *   locked with sleepers); contended lockers sleep on the futex;
 * - condvar: a sequence word and the futex; semaphore; wait queue.
 * Every blocking call but mutex_lock has a timed form; deadlines are
 * monotonic ns. */
#ifndef UNUM_SYNC_H
#define UNUM_SYNC_H

#include "queue.h"
#include "spinlock.h"
#include "types.h"
#include "uapi/futex.h"

/* --- futex (core/sched/futex.c) --- */

/* Sleep while *addr == val, until woken or 'deadline_ns' (0: none).
 * 0 when woken; -EAGAIN when *addr != val; -ETIMEDOUT; -EFAULT; -EINVAL
 * (misaligned, bitset 0). */
int futex_wait(uint32_t *addr, uint32_t val, uint64_t deadline_ns, uint32_t bitset);
/* Wake up to n waiters on addr whose bitset meets 'bitset': the number woken */
int futex_wake(uint32_t *addr, int n, uint32_t bitset);
/* Wake n on addr, move up to n2 more to addr2. With 'check', first
 * compare *addr with val3 (-EAGAIN when different). Returns the number
 * woken plus moved (CMP_REQUEUE) or woken (REQUEUE), as Linux does. */
int futex_requeue(uint32_t *addr, int n, uint32_t *addr2, int n2, bool check, uint32_t val3);
/* The system call's multiplexer, for the Linux door: 'timeout_ns' is
 * already read from the app (relative for WAIT, absolute for
 * WAIT_BITSET; UINT64_MAX = none). A signal ends its waits, as on Linux:
 * -ERESTARTSYS without a timeout, -ERESTARTNOHAND with one. Its words
 * are the app's: one at or above USER_TOP is -EFAULT before any access
 * (the kernel's own words go to futex_wait and futex_wake above), and a
 * shared one (no FUTEX_PRIVATE_FLAG) must be mapped, as on Linux. */
long futex_op(uint32_t *addr, int op, uint32_t val, uint64_t timeout_ns, uint32_t *addr2,
              uint32_t val3);

/* --- mutex, condvar, semaphore (core/sched/sync.c) --- */
struct mutex {
	uint32_t m_word;        /* 0 free, 1 locked, 2 locked + sleepers */
	struct thread *m_owner; /* for assertions and dumps */
};
#define MUTEX_INIT                                                                                 \
	{                                                                                          \
		0, NULL                                                                            \
	}
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);

struct condvar {
	uint32_t cv_seq;
};
#define CONDVAR_INIT                                                                               \
	{                                                                                          \
		0                                                                                  \
	}
void cond_wait(struct condvar *cv, struct mutex *m);
/* false on timeout (the mutex is held again either way) */
bool cond_wait_until(struct condvar *cv, struct mutex *m, uint64_t deadline_ns);
void cond_signal(struct condvar *cv);
void cond_broadcast(struct condvar *cv);

struct semaphore {
	uint32_t s_count;
	uint32_t s_waiters;
};
#define SEMAPHORE_INIT(n)                                                                          \
	{                                                                                          \
		(n), 0                                                                             \
	}
void sem_down(struct semaphore *s);
bool sem_down_until(struct semaphore *s, uint64_t deadline_ns);
void sem_up(struct semaphore *s);

/* --- wait queue: wait for a condition someone else makes true (the
 * drivers'); what the app can wait for (pipes, the tty, eventfds, epoll)
 * has a poll head instead (include/poll.h) --- */
struct waitq {
	struct spinlock wq_lock;
	struct list_node wq_list;
};
void waitq_init(struct waitq *wq);
/* Block until cond(arg) is true or the deadline passes (0: none);
 * cond is checked under no lock: the waker sets state, then wakes.
 * Returns true when cond held. */
bool waitq_wait(struct waitq *wq, bool (*cond)(void *arg), void *arg, uint64_t deadline_ns);
void waitq_wake_all(struct waitq *wq);

#endif

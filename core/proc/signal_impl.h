/* Inside the signal subsystem (core/proc/signal.c, core/time/posix_timer.c): the
 * queue of pending siginfo. One lock guards the queue, the pending bits
 * (they are also read without it) and the POSIX timers' state. */
#ifndef UNUM_SIGNAL_IMPL_H
#define UNUM_SIGNAL_IMPL_H

#include "queue.h"
#include "signal.h"
#include "spinlock.h"

#define BIT(s) (1ull << ((s)-1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))

struct sigqueue {
	struct list_node sq_link; /* on the pending queue; under signal_lock */
	struct thread *sq_target; /* NULL: the process */
	struct ksiginfo sq_info;
	bool sq_queued; /* on the queue; under signal_lock */
	/* a timer's own entry (never freed): called under signal_lock when
	 * its signal is taken, to fill in the overrun and re-arm; NULL for
	 * an entry from kmalloc, freed once taken */
	void (*sq_taken)(struct sigqueue *sq, struct ksiginfo *info);
};

extern struct spinlock signal_lock;
/* signals sent to the process, not yet taken (bit sig-1); changed under
 * signal_lock, read without it */
extern uint64_t signal_shared_pending;
/* signals whose action discards them (core/proc/signal.c, atomic) */
extern uint64_t signal_ignored;

/* take one pending signal of 'allowed' for thread t (its own first, then
 * the process's; the lowest number first) with its siginfo: the signal,
 * or 0 when none is pending */
int signal_take(struct thread *t, uint64_t allowed, struct ksiginfo *info);

/* queue sq (lock held) and make its signal pending on its target; false
 * when the target thread is gone */
bool signal_queue_locked(struct sigqueue *sq);
/* make sig pending on the process with no siginfo (lock held; any
 * context): what alarm and the interval timers send */
void signal_raise_process_locked(int sig);
/* take sq back off the queue, if it is on it (lock held) */
void signal_unqueue_locked(struct sigqueue *sq);
/* the posix timers' part of a thread's exit (lock held) */
void ptimer_thread_exit_locked(struct thread *t);

#endif

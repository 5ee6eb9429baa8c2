/* Waiting that scales (core/event/poll.c), as Linux's wait queues and
 * poll_table: every object that can become ready (a pipe end, an
 * eventfd, the tty, an epoll) has a poll_head; whoever waits for it
 * (a thread blocked in read, poll/select, an epoll interest) puts a
 * poll_entry on that head, and a change calls poll_wake(head, events),
 * which runs the callback of each entry of that object only, with the
 * events that happened (POLLIN, POLLOUT, POLLHUP, POLLERR) so that a
 * callback may ignore what it does not wait for. Exclusive entries
 * (epoll's EPOLLEXCLUSIVE) come after the others, and a wake-up stops at
 * the first exclusive one whose callback says it woke a waiter, as
 * Linux's wake_up with nr_exclusive 1.
 *
 * A file's poll op (include/vfs.h) reports its readiness and, given a
 * poll_table, registers the caller on each head behind the file:
 *   static int my_poll(struct file *f, struct poll_table *pt) {
 *       poll_register(pt, &obj->head);   // first, then look
 *       return obj->len ? POLLIN : 0;
 *   }
 * A thread waiting for one object (a blocking read):
 *   struct poll_sleeper s;  struct poll_waiter w;
 *   poll_sleeper_init(&s);
 *   poll_waiter_add(&w, &s, &obj->head, POLLIN | POLLHUP);
 *   for (;;) {
 *       poll_sleeper_arm(&s);           // before looking at the state
 *       if (ready) break;
 *       if (poll_sleep(&s, deadline)) break; // -EINTR, -ETIMEDOUT
 *   }
 *   poll_waiter_del(&w);
 * and the other side: change the state, then poll_wake(&obj->head, POLLIN).
 * Callbacks run under the head's spinlock with interrupts off (wakes may
 * come from an interrupt handler): they must not sleep. */
#ifndef UNUM_POLL_H
#define UNUM_POLL_H

#include "queue.h"
#include "spinlock.h"
#include "types.h"

struct poll_head {
	struct spinlock lock;
	struct list_node entries;
};
#define POLL_HEAD_INIT(h)                                                                          \
	{                                                                                          \
		SPINLOCK_INIT, LIST_HEAD_INIT((h).entries)                                         \
	}

struct poll_entry;
/* events: what changed (0: anything may have); under the head's lock.
 * Nonzero: a waiter was woken (counts for exclusive entries only) */
typedef int (*poll_wake_fn)(struct poll_entry *e, int events);

struct poll_entry {
	struct list_node link;
	struct poll_head *head; /* NULL: on no head */
	poll_wake_fn wake;
	bool exclusive;
};

void poll_head_init(struct poll_head *h);
void poll_entry_add(struct poll_head *h, struct poll_entry *e, poll_wake_fn wake);
/* at the tail, after the entries every wake-up runs */
void poll_entry_add_exclusive(struct poll_head *h, struct poll_entry *e, poll_wake_fn wake);
/* off its head (no-op when on none); once this returns, its callback
 * neither runs nor will */
void poll_entry_del(struct poll_entry *e);
/* run the callback of every entry on h, up to the first exclusive one
 * that woke a waiter */
void poll_wake(struct poll_head *h, int events);

/* how a poll op registers its caller (NULL: the caller only asks) */
struct poll_table {
	void (*queue)(struct poll_table *pt, struct poll_head *h);
};
static inline void
poll_register(struct poll_table *pt, struct poll_head *h)
{
	if (pt)
		pt->queue(pt, h);
}

/* --- a thread's sleep on one or more heads --- */
struct thread;
struct poll_sleeper {
	struct thread *t;
	int woken; /* atomic: an entry's callback ran since poll_sleeper_arm */
};
/* one head's entry for a sleeper; wakes it for events in mask (or 0) */
struct poll_waiter {
	struct poll_entry e;
	struct poll_sleeper *s;
	int mask;
};
void poll_sleeper_init(struct poll_sleeper *s); /* for the calling thread */
void poll_sleeper_arm(struct poll_sleeper *s);
void poll_waiter_add(struct poll_waiter *w, struct poll_sleeper *s, struct poll_head *h, int mask);
void poll_waiter_del(struct poll_waiter *w);
/* block until a waiter's callback ran since poll_sleeper_arm (0), the
 * deadline (monotonic ns, 0 none: -ETIMEDOUT) or a pending signal
 * (-EINTR, include/signal.h) */
int poll_sleep(struct poll_sleeper *s, uint64_t deadline_ns);

/* epoll (core/event/epoll.c): f's last reference went (file_put, before
 * its release op); its interests leave every epoll watching it */
struct file;
void epoll_file_release(struct file *f);

#endif

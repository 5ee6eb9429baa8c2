/* Intrusive lock-free multi-producer single-consumer FIFO: the scheduler's
 * cross-CPU wake-up queue (DESIGN.md "Scheduler"). Dmitry Vyukov's
 * node-based algorithm with a stub node: push is one exchange and one
 * store, pop never waits. Host test: make unit && build/tests/unit/test_mpsc
 * (and test_mpsc_tsan, the same under ThreadSanitizer). */
#ifndef UNUM_MPSC_H
#define UNUM_MPSC_H

#include "types.h"

/*
 * Typical use (a run queue's wake-up list; t->wake is a struct mpsc_node):
 *   waker, any CPU, interrupts off:
 *     if (mpsc_push(&rq->wakeq, &t->wake) &&
 *         __atomic_exchange_n(&rq->sleeping, 0, __ATOMIC_SEQ_CST))
 *             send the IPI;
 *   owner CPU, the only consumer:
 *     while ((n = mpsc_pop(&rq->wakeq)) != NULL)
 *             make container_of(n, struct thread, wake) runnable;
 *   owner CPU going idle:
 *     __atomic_store_n(&rq->sleeping, 1, __ATOMIC_SEQ_CST);
 *     if (mpsc_empty(&rq->wakeq)) halt until the IPI;
 *     else clear sleeping and pop again (spin while pop says NULL).
 * The flag's accesses must be seq_cst, like the queue's exchange and
 * mpsc_empty's load: then either the idle CPU sees the push or the waker
 * sees the flag (see mpsc_push and mpsc_empty).
 *
 * The queue is a singly linked list from mq_head (oldest) to mq_tail
 * (newest). The stub node stands in it whenever it would otherwise hold
 * no node, so a producer always has a predecessor to link to. A node is
 * popped only once its successor is linked: the last node pushed stays
 * until another node (or the stub, pushed back by the consumer) follows.
 */

struct mpsc_node {
	struct mpsc_node *next; /* set by push (NULL, then the successor); atomic */
};

/* 128 bytes, 64-aligned: the producers' end and the consumer's end sit
 * on separate cache lines, so pushes do not bounce the consumer's line. */
struct mpsc_queue {
	/* the newest node (or the stub): exchanged by every producer and by
	 * the consumer when it pushes the stub back; atomic */
	struct mpsc_node *mq_tail __aligned(64);
	/* the oldest node not yet popped, or the stub: the consumer's alone */
	struct mpsc_node *mq_head __aligned(64);
	/* placeholder node: pushed back by the consumer, next set by producers */
	struct mpsc_node mq_stub;
};

/* An empty queue: the stub alone. Not concurrent with anything. */
static inline void
mpsc_init(struct mpsc_queue *q)
{
	q->mq_stub.next = NULL;
	q->mq_head = &q->mq_stub;
	q->mq_tail = &q->mq_stub;
}

/*
 * Append n. Any CPU, any number at once; wait-free (an exchange and a
 * store). n must not be in any queue; its other fields are visible to the
 * consumer that pops it. Between the exchange and the store (the
 * window) n is in the queue but not yet reachable: the consumer sees
 * neither it nor anything pushed after it (mpsc_pop says NULL,
 * mpsc_empty says false), so call with interrupts off to keep the window
 * a few instructions long.
 *
 * Returns true when n went in right behind the stub. That is so whenever
 * the queue was empty just before (as mpsc_empty would have said), the
 * case where the consumer may be going to sleep and needs waking; it can
 * also be true, needlessly, while the consumer is taking the last node
 * before the stub. Returns false when an earlier node, not yet popped,
 * is ahead of n: the consumer cannot find the queue empty before it has
 * popped n, so waking it is the business of whoever pushed that node.
 */
static inline bool
mpsc_push(struct mpsc_queue *q, struct mpsc_node *n)
{
	struct mpsc_node *prev;

	/* Plain: nobody else reads or writes n->next until the exchange
	 * below publishes n (its release half), and the consumer gets n
	 * through the link's release. Not atomic on purpose, so that
	 * ThreadSanitizer checks this claim and the exchange's orderings. */
	n->next = NULL;
	/* Release: the producer that links behind n (it exchanges n out of
	 * mq_tail, reading our value) then writes n->next only after our
	 * NULL above; no NULL can land on its link. Acquire: the same for
	 * prev's pusher, whose NULL into prev->next must come before our
	 * link into it. Seq_cst on top, free on x86 where an exchange is a
	 * full barrier anyway: it puts the exchange in the single total
	 * order with mpsc_empty's load and the caller's idle flag, which the
	 * sleep/wake handshake above needs (acq_rel alone would let the
	 * waker read the flag before the idle CPU reads mq_tail and miss). */
	prev = __atomic_exchange_n(&q->mq_tail, n, __ATOMIC_SEQ_CST);
	/* Release: n's fields and n->next == NULL happen before the
	 * consumer's acquire load that finds n here. */
	__atomic_store_n(&prev->next, n, __ATOMIC_RELEASE);
	return prev == &q->mq_stub;
}

/*
 * Take the oldest node. The single consumer only, never concurrently
 * with itself; wait-free. Returns NULL when the queue is empty, and also
 * when the next node is inside its producer's window (see mpsc_push):
 * it and every node pushed after it become visible, in order, to a later
 * call once that producer stores its link. Try again later; mpsc_empty
 * tells the two NULLs apart. The popped node may be pushed again at once,
 * here or anywhere: no producer touches it any more.
 */
static inline struct mpsc_node *
mpsc_pop(struct mpsc_queue *q)
{
	struct mpsc_node *head = q->mq_head, *next;

	/* Acquire, on every load of a next pointer: pairs with the link's
	 * release in mpsc_push, so the node found and its contents (and its
	 * own next == NULL) are those its producer wrote. */
	next = __atomic_load_n(&head->next, __ATOMIC_ACQUIRE);
	if (head == &q->mq_stub) {
		if (next == NULL)
			return NULL;      /* empty, or the first push in its window */
		q->mq_head = head = next; /* skip the stub */
		next = __atomic_load_n(&head->next, __ATOMIC_ACQUIRE);
	}
	if (next != NULL) {
		q->mq_head = next;
		return head;
	}
	/* head is the last linked node. Relaxed: only compared, never
	 * dereferenced. We reached head through its link, after its
	 * exchange, so we read head or a newer tail, never an older one; a
	 * newer one means a producer is in its window behind head. (Pushing
	 * the stub anyway would also be safe: the exchange reads the newest.) */
	if (__atomic_load_n(&q->mq_tail, __ATOMIC_RELAXED) != head)
		return NULL;
	/* head is the newest: put the stub behind it so head can go. A
	 * producer may have slipped in between; then the stub goes after its
	 * node, and its link may not be there yet. */
	mpsc_push(q, &q->mq_stub);
	next = __atomic_load_n(&head->next, __ATOMIC_ACQUIRE);
	if (next != NULL) {
		q->mq_head = next;
		return head;
	}
	return NULL; /* that producer is in its window; head waits for it */
}

/*
 * True when the queue holds no node: every push whose exchange comes
 * before this call's load of mq_tail (in the seq_cst total order) has
 * been popped. A push in its window makes it false while mpsc_pop still
 * says NULL: spin, do not sleep. The consumer only (it reads mq_head).
 */
static inline bool
mpsc_empty(const struct mpsc_queue *q)
{
	/* head at the stub means every node before it was popped; tail at
	 * the stub means nothing was pushed after it (had a producer linked
	 * stub->next, it exchanged mq_tail first). Seq_cst: ordered after
	 * the caller's seq_cst store of its idle flag, so a push this load
	 * misses is a push whose seq_cst exchange comes later, and that
	 * producer then reads the flag (see mpsc_push). */
	return q->mq_head == &q->mq_stub &&
	       __atomic_load_n(&q->mq_tail, __ATOMIC_SEQ_CST) == &q->mq_stub;
}

#endif

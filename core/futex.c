/* Futexes (include/sync.h), with Linux's semantics: a hash of waiter
 * lists keyed by address, each under a spinlock that is also held while
 * the futex word is compared, so a wake between the compare and the
 * sleep cannot be lost. */
#include "arch.h"
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "sched.h"
#include "signal.h"
#include "sync.h"
#include "uaccess.h"

#define NBUCKETS 256

struct futex_waiter {
	struct list_node fw_link;
	struct thread *fw_thread;
	uintptr_t fw_key;
	uint32_t fw_bitset;
	bool fw_queued; /* under the bucket lock */
};

static struct bucket {
	struct spinlock lock;
	struct list_node waiters;
} buckets[NBUCKETS];
static bool buckets_ready;

static struct bucket *
bucket_of(uintptr_t key)
{
	if (unlikely(!buckets_ready)) {
		for (int i = 0; i < NBUCKETS; i++)
			list_init(&buckets[i].waiters);
		__atomic_store_n(&buckets_ready, true, __ATOMIC_RELEASE);
	}
	key >>= 2;
	return &buckets[(key ^ (key >> 8) ^ (key >> 16)) % NBUCKETS];
}

void
futex_init(void)
{
	bucket_of(0);
}

/* read the word: kernel addresses directly, app addresses guarded */
static int
load(const uint32_t *addr, uint32_t *v)
{
	if ((uintptr_t)addr >= USER_TOP) {
		*v = __atomic_load_n(addr, __ATOMIC_SEQ_CST);
		return 0;
	}
	return copy_from_user(v, addr, sizeof(*v)) ? -EFAULT : 0;
}

/* intr: the app's wait, which a signal ends with -EINTR */
static int
wait_common(uint32_t *addr, uint32_t val, uint64_t deadline_ns, uint32_t bitset, bool intr)
{
	struct futex_waiter w = { .fw_thread = thread_self(), .fw_key = (uintptr_t)addr,
				  .fw_bitset = bitset };
	struct bucket *b;
	uint32_t cur;
	uint64_t f;
	int err;

	if (((uintptr_t)addr & 3) || !bitset)
		return -EINVAL;
	b = bucket_of((uintptr_t)addr);
	f = spin_lock_irqsave(&b->lock);
	err = load(addr, &cur);
	if (err || cur != val) {
		spin_unlock_irqrestore(&b->lock, f);
		return err ? err : -EAGAIN;
	}
	list_add_tail(&b->waiters, &w.fw_link);
	w.fw_queued = true;
	sched_prepare_block();
	spin_unlock_irqrestore(&b->lock, f);

	bool signalled = false;
	for (;;) {
		if (intr && signal_pending()) {
			sched_cancel_block();
			signalled = true;
			break;
		}
		bool in_time = sched_block_until(deadline_ns);
		if (!__atomic_load_n(&w.fw_queued, __ATOMIC_ACQUIRE) || !in_time)
			break;
		/* woken by something else: sleep again unless dequeued meanwhile */
		sched_prepare_block();
		if (!__atomic_load_n(&w.fw_queued, __ATOMIC_ACQUIRE)) {
			sched_cancel_block();
			break;
		}
	}
	/* the waker dequeues; a timeout leaves us queued, maybe on another
	 * bucket after a requeue: find it under its lock */
	for (;;) {
		struct bucket *nb = bucket_of(READ_ONCE(w.fw_key));
		f = spin_lock_irqsave(&nb->lock);
		if (nb != bucket_of(w.fw_key)) {
			spin_unlock_irqrestore(&nb->lock, f);
			continue;
		}
		bool queued = w.fw_queued;
		if (queued) {
			list_del(&w.fw_link);
			w.fw_queued = false;
		}
		spin_unlock_irqrestore(&nb->lock, f);
		return !queued ? 0 : signalled ? -EINTR : -ETIMEDOUT;
	}
}

int
futex_wait(uint32_t *addr, uint32_t val, uint64_t deadline_ns, uint32_t bitset)
{
	return wait_common(addr, val, deadline_ns, bitset, false);
}

/* the app's FUTEX_WAIT: a signal ends it; without a timeout a handler
 * with SA_RESTART waits again, with one it is -EINTR (Linux's rules) */
static long
app_wait(uint32_t *addr, uint32_t val, uint64_t deadline_ns, uint32_t bitset)
{
	int r = wait_common(addr, val, deadline_ns, bitset, true);

	if (r == -EINTR)
		return deadline_ns ? -ERESTARTNOHAND : -ERESTARTSYS;
	return r;
}

/* wake up to n matching waiters of b (lock held); the count woken */
static int
wake_locked(struct bucket *b, uintptr_t key, int n, uint32_t bitset)
{
	struct list_node *p, *tmp;
	int woken = 0;

	list_for_each_safe(p, tmp, &b->waiters) {
		struct futex_waiter *w = list_entry(p, struct futex_waiter, fw_link);
		if (woken >= n)
			break;
		if (w->fw_key != key || !(w->fw_bitset & bitset))
			continue;
		list_del(&w->fw_link);
		struct thread *t = w->fw_thread;
		/* once fw_queued drops, w (on the sleeper's stack) may vanish */
		__atomic_store_n(&w->fw_queued, false, __ATOMIC_RELEASE);
		sched_wake(t);
		woken++;
	}
	return woken;
}

int
futex_wake(uint32_t *addr, int n, uint32_t bitset)
{
	struct bucket *b;
	uint64_t f;
	int woken;

	if (((uintptr_t)addr & 3) || !bitset)
		return -EINVAL;
	if (n <= 0)
		return 0;
	b = bucket_of((uintptr_t)addr);
	f = spin_lock_irqsave(&b->lock);
	woken = wake_locked(b, (uintptr_t)addr, n, bitset);
	spin_unlock_irqrestore(&b->lock, f);
	return woken;
}

int
futex_requeue(uint32_t *addr, int n, uint32_t *addr2, int n2, bool check, uint32_t val3)
{
	struct bucket *b1, *b2, *lo, *hi;
	struct list_node *p, *tmp;
	uint64_t f;
	int woken, moved = 0;

	if (((uintptr_t)addr & 3) || ((uintptr_t)addr2 & 3) || n < 0 || n2 < 0)
		return -EINVAL;
	b1 = bucket_of((uintptr_t)addr);
	b2 = bucket_of((uintptr_t)addr2);
	lo = b1 < b2 ? b1 : b2;
	hi = b1 < b2 ? b2 : b1;
	f = irq_save();
	spin_lock(&lo->lock);
	if (hi != lo)
		spin_lock(&hi->lock);
	if (check) {
		uint32_t cur;
		int err = load(addr, &cur);
		if (err || cur != val3) {
			woken = err ? err : -EAGAIN;
			goto out;
		}
	}
	woken = wake_locked(b1, (uintptr_t)addr, n, FUTEX_BITSET_MATCH_ANY);
	list_for_each_safe(p, tmp, &b1->waiters) {
		struct futex_waiter *w = list_entry(p, struct futex_waiter, fw_link);
		if (moved >= n2)
			break;
		if (w->fw_key != (uintptr_t)addr)
			continue;
		list_del(&w->fw_link);
		WRITE_ONCE(w->fw_key, (uintptr_t)addr2);
		list_add_tail(&b2->waiters, &w->fw_link);
		moved++;
	}
	if (check)
		woken += moved;
out:
	if (hi != lo)
		spin_unlock(&hi->lock);
	spin_unlock(&lo->lock);
	irq_restore(f);
	return woken;
}

long
futex_op(uint32_t *addr, int op, uint32_t val, uint64_t timeout_ns, uint32_t *addr2,
	 uint32_t val3)
{
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	uint64_t deadline = 0;

	switch (cmd) {
	case FUTEX_WAIT:
		if (timeout_ns != UINT64_MAX)
			deadline = clock_ns() + timeout_ns + 1;
		return app_wait(addr, val, deadline, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAIT_BITSET:
		if (timeout_ns != UINT64_MAX) {
			deadline = timeout_ns;
			if (op & FUTEX_CLOCK_REALTIME)
				deadline = clock_realtime_to_mono(timeout_ns);
			if (!deadline)
				deadline = 1; /* long past */
		}
		return app_wait(addr, val, deadline, val3);
	case FUTEX_WAKE:
		return futex_wake(addr, (int)MIN(val, (uint32_t)INT32_MAX), FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAKE_BITSET:
		return futex_wake(addr, (int)MIN(val, (uint32_t)INT32_MAX), val3);
	case FUTEX_REQUEUE:
		return futex_requeue(addr, (int)MIN(val, (uint32_t)INT32_MAX), addr2,
				     (int)MIN((uint32_t)timeout_ns, (uint32_t)INT32_MAX), false, 0);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(addr, (int)MIN(val, (uint32_t)INT32_MAX), addr2,
				     (int)MIN((uint32_t)timeout_ns, (uint32_t)INT32_MAX), true, val3);
	default:
		return -ENOSYS;
	}
}

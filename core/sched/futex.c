/* Futexes (include/sync.h), with Linux's semantics: a hash of waiter
 * lists keyed by address, each under a spinlock that is also held while
 * the futex word is compared, so a wake between the compare and the
 * sleep cannot be lost.
 * PI futexes (LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI) keep Linux's
 * locking protocol: the word holds the owner's TID and FUTEX_WAITERS
 * while someone sleeps; unlock hands the lock to the first waiter by
 * writing its TID. Priority inheritance itself is absent (the scheduler
 * has no priorities to lend), and so are WAIT_REQUEUE_PI and
 * CMP_REQUEUE_PI (-ENOSYS: glibc's and musl's condition variables do not
 * use them). */
#include "arch.h"
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "sched.h"
#include "signal.h"
#include "sync.h"
#include "uaccess.h"
#include "vma.h"

#define NBUCKETS 256

struct futex_waiter {
	struct list_node fw_link;
	struct thread *fw_thread;
	uintptr_t fw_key;
	uint32_t fw_bitset;
	bool fw_pi;     /* waits in LOCK_PI: woken only by UNLOCK_PI */
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

/* read the word: kernel addresses directly, app addresses guarded. Under
 * a bucket lock an app page not yet mapped gives -EFAULT (the fault path
 * does not page in under a spinlock): drop the lock, fault_in(), retry,
 * as Linux's futex code does. */
static int
load(const uint32_t *addr, uint32_t *v)
{
	if ((uintptr_t)addr >= USER_TOP) {
		*v = __atomic_load_n(addr, __ATOMIC_SEQ_CST);
		return 0;
	}
	return copy_from_user(v, addr, sizeof(*v)) ? -EFAULT : 0;
}

/* after a failed access under the lock, with it dropped: 0 when the
 * word is mapped now ('write': writable) and the caller should retry */
static int
fault_in(uint32_t *addr, bool write)
{
	if ((uintptr_t)addr >= USER_TOP)
		return -EFAULT; /* kernel words do not fault */
	return vma_fault_in((uintptr_t)addr, write);
}

/* intr: the app's wait, which a signal ends with -EINTR */
static int
wait_common(uint32_t *addr, uint32_t val, uint64_t deadline_ns, uint32_t bitset, bool intr)
{
	struct futex_waiter w = {
	    .fw_thread = thread_self(), .fw_key = (uintptr_t)addr, .fw_bitset = bitset};
	struct bucket *b;
	uint32_t cur;
	uint64_t f;
	int err;

	might_sleep();
	if (((uintptr_t)addr & 3) || !bitset)
		return -EINVAL;
	b = bucket_of((uintptr_t)addr);
retry:
	f = spin_lock_irqsave(&b->lock);
	err = load(addr, &cur);
	if (err || cur != val) {
		spin_unlock_irqrestore(&b->lock, f);
		if (err && !(err = fault_in(addr, false)))
			goto retry;
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

	list_for_each_safe(p, tmp, &b->waiters)
	{
		struct futex_waiter *w = list_entry(p, struct futex_waiter, fw_link);
		if (woken >= n)
			break;
		if (w->fw_key != key || !(w->fw_bitset & bitset) || w->fw_pi)
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

/* the two bucket locks of requeue and wake_op, the lower address first
 * (*lo, *hi: the order taken, for unlock2); interrupts off */
static uint64_t
lock2(struct bucket *b1, struct bucket *b2, struct bucket **lo, struct bucket **hi)
{
	uint64_t f;

	*lo = b1 < b2 ? b1 : b2;
	*hi = b1 < b2 ? b2 : b1;
	f = irq_save();
	spin_lock(&(*lo)->lock);
	if (*hi != *lo)
		spin_lock(&(*hi)->lock);
	return f;
}

static void
unlock2(struct bucket *lo, struct bucket *hi, uint64_t f)
{
	if (hi != lo)
		spin_unlock(&hi->lock);
	spin_unlock(&lo->lock);
	irq_restore(f);
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
retry:
	f = lock2(b1, b2, &lo, &hi);
	if (check) {
		uint32_t cur;
		int err = load(addr, &cur);
		if (err == -EFAULT) {
			unlock2(lo, hi, f);
			if ((err = fault_in(addr, false)))
				return err;
			goto retry;
		}
		if (cur != val3) {
			woken = -EAGAIN;
			goto out;
		}
	}
	woken = wake_locked(b1, (uintptr_t)addr, n, FUTEX_BITSET_MATCH_ANY);
	list_for_each_safe(p, tmp, &b1->waiters)
	{
		struct futex_waiter *w = list_entry(p, struct futex_waiter, fw_link);
		if (moved >= n2)
			break;
		if (w->fw_key != (uintptr_t)addr || w->fw_pi)
			continue;
		list_del(&w->fw_link);
		WRITE_ONCE(w->fw_key, (uintptr_t)addr2);
		list_add_tail(&b2->waiters, &w->fw_link);
		moved++;
	}
	if (check)
		woken += moved;
out:
	unlock2(lo, hi, f);
	return woken;
}

/* FUTEX_WAKE_OP: *addr2 = *addr2 OP oparg, atomically; wake n on addr
 * and, when the old *addr2 CMP cmparg holds, n2 on addr2; the sum woken.
 * The encoding (Linux's): op 4 bits (8: oparg is a shift), cmp 4 bits,
 * oparg and cmparg 12 bits each, signed. */
static long
wake_op(uint32_t *addr, int n, uint32_t *addr2, int n2, uint32_t enc)
{
	int op = (enc >> 28) & 7, cmp = (enc >> 24) & 15;
	int32_t oparg = (int32_t)(enc << 8) >> 20, cmparg = (int32_t)(enc << 20) >> 20;
	struct bucket *b1, *b2, *lo, *hi;
	uint32_t old, neu;
	long r;
	uint64_t f;
	bool hit;

	if (((uintptr_t)addr & 3) || ((uintptr_t)addr2 & 3) || n < 0 || n2 < 0)
		return -EINVAL;
	if (enc & (8u << 28))
		oparg = (int32_t)(1u << (oparg & 31)); /* Linux masks a bad shift */
	if (op > 4 || cmp > 5)
		return -ENOSYS;
	b1 = bucket_of((uintptr_t)addr);
	b2 = bucket_of((uintptr_t)addr2);
retry:
	f = lock2(b1, b2, &lo, &hi);
	for (;;) { /* the update of *addr2, retried while others change it */
		if ((r = load(addr2, &old)))
			goto fault;
		switch (op) {
		case 0:
			neu = (uint32_t)oparg;
			break; /* FUTEX_OP_SET */
		case 1:
			neu = old + (uint32_t)oparg;
			break; /* ADD */
		case 2:
			neu = old | (uint32_t)oparg;
			break; /* OR */
		case 3:
			neu = old & ~(uint32_t)oparg;
			break; /* ANDN */
		default:
			neu = old ^ (uint32_t)oparg;
			break; /* XOR */
		}
		if ((r = cmpxchg_user32(addr2, old, neu)) < 0)
			goto fault;
		if ((uint32_t)r == old)
			break;
	}
	switch (cmp) {
	case 0:
		hit = (int32_t)old == cmparg;
		break; /* FUTEX_OP_CMP_EQ */
	case 1:
		hit = (int32_t)old != cmparg;
		break; /* NE */
	case 2:
		hit = (int32_t)old < cmparg;
		break; /* LT */
	case 3:
		hit = (int32_t)old <= cmparg;
		break; /* LE */
	case 4:
		hit = (int32_t)old > cmparg;
		break; /* GT */
	default:
		hit = (int32_t)old >= cmparg;
		break; /* GE */
	}
	r = n ? wake_locked(b1, (uintptr_t)addr, n, FUTEX_BITSET_MATCH_ANY) : 0;
	if (hit && n2)
		r += wake_locked(b2, (uintptr_t)addr2, n2, FUTEX_BITSET_MATCH_ANY);
	unlock2(lo, hi, f);
	return r;
fault: /* nothing changed yet: page *addr2 in for writing, start again */
	unlock2(lo, hi, f);
	if ((r = fault_in(addr2, true)))
		return r;
	goto retry;
}

/* a waiter of the PI futex at key other than 'but' (bucket lock held) */
static struct futex_waiter *
pi_waiter(struct bucket *b, uintptr_t key, struct futex_waiter *but)
{
	struct list_node *p;

	list_for_each(p, &b->waiters)
	{
		struct futex_waiter *w = list_entry(p, struct futex_waiter, fw_link);
		if (w->fw_key == key && w->fw_pi && w != but)
			return w;
	}
	return NULL;
}

/* LOCK_PI and TRYLOCK_PI (try: never sleep): 0 once the word holds our
 * TID; -EDEADLK when it did already; -EAGAIN (try) or -ETIMEDOUT;
 * -ERESTARTNOINTR after a signal (Linux restarts the lock);
 * -ESRCH when the owner named in the word does not exist; -EFAULT */
static long
lock_pi(uint32_t *addr, uint64_t deadline_ns, bool try)
{
	struct thread *self = thread_self();
	uint32_t tid = (uint32_t)self->t_id, cur;
	struct futex_waiter w = {.fw_thread = self,
	                         .fw_key = (uintptr_t)addr,
	                         .fw_bitset = FUTEX_BITSET_MATCH_ANY,
	                         .fw_pi = true};
	struct bucket *b;
	uint64_t f;
	long r;

	if (!try)
		might_sleep();
	if ((uintptr_t)addr & 3)
		return -EINVAL;
	b = bucket_of((uintptr_t)addr);
	for (;;) {
		if ((r = load(addr, &cur)))
			return r;
		uint32_t owner = cur & FUTEX_TID_MASK;
		if (owner == tid)
			return -EDEADLK;
		if (owner && !thread_find((int)owner))
			return -ESRCH;
		f = spin_lock_irqsave(&b->lock);
		if (!owner) { /* free (maybe its owner died): take it */
			uint32_t neu = tid | (cur & FUTEX_OWNER_DIED) |
			               (pi_waiter(b, (uintptr_t)addr, NULL) ? FUTEX_WAITERS : 0);
			r = cmpxchg_user32(addr, cur, neu);
			spin_unlock_irqrestore(&b->lock, f);
			if (r < 0) {
				if ((r = fault_in(addr, true)))
					return r;
				continue; /* paged in now */
			}
			if ((uint32_t)r == cur)
				return 0;
			continue; /* changed meanwhile */
		}
		if (try) {
			spin_unlock_irqrestore(&b->lock, f);
			return -EAGAIN;
		}
		/* owned: mark the word, so its owner unlocks through us. The
		 * compare-and-swap runs even when the bit is set already: 'cur'
		 * was read before the bucket lock, and an unlock in between may
		 * have freed the word; sleeping on that stale value would wait
		 * for an unlock that never comes. */
		r = cmpxchg_user32(addr, cur, cur | FUTEX_WAITERS);
		if (r < 0 || (uint32_t)r != cur) {
			spin_unlock_irqrestore(&b->lock, f);
			if (r < 0 && (r = fault_in(addr, true)))
				return r;
			continue;
		}
		list_add_tail(&b->waiters, &w.fw_link);
		w.fw_queued = true;
		sched_prepare_block();
		spin_unlock_irqrestore(&b->lock, f);
		break;
	}
	/* UNLOCK_PI dequeues us once the word names us: the lock is ours */
	bool signalled = false;
	for (;;) {
		if (!__atomic_load_n(&w.fw_queued, __ATOMIC_ACQUIRE)) {
			sched_cancel_block();
			break;
		}
		if (signal_pending()) {
			sched_cancel_block();
			signalled = true;
			break;
		}
		if (!sched_block_until(deadline_ns))
			break; /* timed out */
		sched_prepare_block();
	}
	f = spin_lock_irqsave(&b->lock);
	bool queued = w.fw_queued;
	if (queued) {
		list_del(&w.fw_link);
		w.fw_queued = false;
	}
	spin_unlock_irqrestore(&b->lock, f);
	if (!queued)
		return 0;
	/* the WAITERS bit may outlive us: the owner's unlock then finds no
	 * one and frees the word (Linux leaves it so too) */
	return signalled ? -ERESTARTNOINTR : -ETIMEDOUT;
}

/* UNLOCK_PI: the first waiter becomes the owner (its TID in the word,
 * FUTEX_WAITERS kept when more wait), else the word is freed; -EPERM
 * when the word does not name us */
static long
unlock_pi(uint32_t *addr)
{
	uint32_t tid = (uint32_t)thread_self()->t_id, cur;
	struct bucket *b;
	uint64_t f;
	long r;

	if ((uintptr_t)addr & 3)
		return -EINVAL;
	b = bucket_of((uintptr_t)addr);
	for (;;) {
		if ((r = load(addr, &cur)))
			return r;
		if ((cur & FUTEX_TID_MASK) != tid)
			return -EPERM;
		f = spin_lock_irqsave(&b->lock);
		struct futex_waiter *w = pi_waiter(b, (uintptr_t)addr, NULL);
		uint32_t neu = 0;
		if (w)
			neu = (uint32_t)w->fw_thread->t_id |
			      (pi_waiter(b, (uintptr_t)addr, w) ? FUTEX_WAITERS : 0);
		r = cmpxchg_user32(addr, cur, neu);
		if (r >= 0 && (uint32_t)r == cur && w) {
			list_del(&w->fw_link);
			struct thread *t = w->fw_thread;
			__atomic_store_n(&w->fw_queued, false, __ATOMIC_RELEASE);
			sched_wake(t);
		}
		spin_unlock_irqrestore(&b->lock, f);
		if (r < 0) {
			if ((r = fault_in(addr, true)))
				return r;
			continue; /* paged in now */
		}
		if ((uint32_t)r == cur)
			return 0;
	}
}

/* The app's futex word, as Linux's get_futex_key takes it: aligned
 * (-EINVAL), then in the app's half (-EFAULT: a word at or above USER_TOP
 * is never read, compared or keyed for the app; the kernel's own words
 * reach futex_wait and futex_wake directly, never through futex_op). A
 * shared word (no FUTEX_PRIVATE_FLAG) is keyed by its page, which must be
 * mapped readable (-EFAULT), even for the calls that do not read it. */
static int
app_word(uint32_t *addr, int op)
{
	if ((uintptr_t)addr & 3)
		return -EINVAL;
	if (!user_range_ok(addr, sizeof(*addr)))
		return -EFAULT;
	if (!(op & FUTEX_PRIVATE_FLAG))
		return vma_fault_in((uintptr_t)addr, false);
	return 0;
}

/* the words a command keys, in Linux's order: addr, then addr2 for the
 * two-word commands; the first refusal */
static int
app_words(int cmd, int op, uint32_t *addr, uint32_t *addr2)
{
	int err;

	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_TRYLOCK_PI:
	case FUTEX_UNLOCK_PI:
		return app_word(addr, op);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
	case FUTEX_WAKE_OP:
		if ((err = app_word(addr, op)))
			return err;
		return app_word(addr2, op);
	default:
		return 0; /* -ENOSYS below */
	}
}

long
futex_op(uint32_t *addr, int op, uint32_t val, uint64_t timeout_ns, uint32_t *addr2, uint32_t val3)
{
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	uint64_t deadline = 0;
	int err;

	if ((err = app_words(cmd, op, addr, addr2)))
		return err;
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
	case FUTEX_CMP_REQUEUE:
		/* Linux: either count negative as an int is EINVAL */
		if ((int32_t)val < 0 || (int32_t)(uint32_t)timeout_ns < 0)
			return -EINVAL;
		if (cmd == FUTEX_REQUEUE)
			return futex_requeue(addr, (int)val, addr2, (int)(uint32_t)timeout_ns,
			                     false, 0);
		return futex_requeue(addr, (int)MIN(val, (uint32_t)INT32_MAX), addr2,
		                     (int)MIN((uint32_t)timeout_ns, (uint32_t)INT32_MAX), true,
		                     val3);
	case FUTEX_WAKE_OP:
		return wake_op(addr, (int)MIN(val, (uint32_t)INT32_MAX), addr2,
		               (int)MIN((uint32_t)timeout_ns, (uint32_t)INT32_MAX), val3);
	case FUTEX_LOCK_PI:  /* an absolute CLOCK_REALTIME timeout */
	case FUTEX_LOCK_PI2: /* CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME */
		if (timeout_ns != UINT64_MAX) {
			deadline = timeout_ns;
			if (cmd == FUTEX_LOCK_PI || (op & FUTEX_CLOCK_REALTIME))
				deadline = clock_realtime_to_mono(timeout_ns);
			if (!deadline)
				deadline = 1;
		}
		return lock_pi(addr, deadline, false);
	case FUTEX_TRYLOCK_PI:
		return lock_pi(addr, 0, true);
	case FUTEX_UNLOCK_PI:
		return unlock_pi(addr);
	default: /* WAIT_REQUEUE_PI, CMP_REQUEUE_PI among them */
		return -ENOSYS;
	}
}

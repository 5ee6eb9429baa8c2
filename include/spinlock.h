/* Ticket spinlock for short kernel critical sections that may also be
 * entered from interrupt handlers (the _irqsave forms). The scheduler's
 * hot path takes none of these. A held lock counts in the CPU's atomic
 * depth (arch_atomic_enter): no preemption, no sleep (sched_might_sleep
 * panics) and no paging-in of app memory (a fault gives -EFAULT) until
 * the last one is released. */
#ifndef UNUM_SPINLOCK_H
#define UNUM_SPINLOCK_H

#include "arch.h"

struct spinlock {
	volatile uint32_t next, owner;
};
#define SPINLOCK_INIT                                                                              \
	{                                                                                          \
		0, 0                                                                               \
	}

static inline void
spin_lock(struct spinlock *l)
{
	uint32_t me;

	arch_atomic_enter();
	me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		cpu_relax();
}

static inline bool
spin_trylock(struct spinlock *l)
{
	uint32_t me = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	uint32_t expect = me;

	arch_atomic_enter();
	/* take a ticket only if it would be served at once */
	if (__atomic_compare_exchange_n(&l->next, &expect, me + 1, false, __ATOMIC_ACQUIRE,
	                                __ATOMIC_RELAXED))
		return true;
	arch_atomic_leave();
	return false;
}

static inline void
spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
	arch_atomic_leave();
}

static inline uint64_t
spin_lock_irqsave(struct spinlock *l)
{
	uint64_t f = irq_save();

	spin_lock(l);
	return f;
}

static inline void
spin_unlock_irqrestore(struct spinlock *l, uint64_t f)
{
	spin_unlock(l);
	irq_restore(f);
}

#endif

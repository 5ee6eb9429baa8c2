/* In-guest tests of atomic context (include/spinlock.h, sched.h
 * might_sleep, the page-fault path): a sleeping call under a spinlock or
 * with interrupts off is caught and named; an app page is never paged in
 * under a spinlock (the access gives -EFAULT), and the futex drops its
 * lock, faults the page in and retries. */
#include "clock.h"
#include "errno.h"
#include "ksym.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "sched.h"
#include "sync.h"
#include "uaccess.h"
#include "vma.h"

static void
expect_caught(uintptr_t caller, const char *fn, const char *want_fn, const char *want_caller)
{
	uintptr_t off;
	const char *name = caller ? ksym_lookup(caller, &off) : NULL;

	if (!fn || strcmp(fn, want_fn))
		ktest_fail(__FILE__, __LINE__, "might_sleep function: got %s, want %s",
		           fn ? fn : "(not caught)", want_fn);
	if (!name || strcmp(name, want_caller))
		ktest_fail(__FILE__, __LINE__, "might_sleep caller: got %s, want %s",
		           name ? name : "(none)", want_caller);
}

KTEST(might_sleep_fires_under_spinlock)
{
	static struct spinlock l = SPINLOCK_INIT;
	struct mutex m = MUTEX_INIT;
	uintptr_t caller = 0;
	const char *fn = NULL;

	EXPECT_EQ(arch_atomic_depth(), 0);
	sched_might_sleep_catch(&caller, &fn);
	spin_lock(&l);
	EXPECT_EQ(arch_atomic_depth(), 1);
	mutex_lock(&m); /* free: it would not sleep, but it may, so it is wrong */
	spin_unlock(&l);
	sched_might_sleep_catch(NULL, NULL);
	mutex_unlock(&m);
	EXPECT_EQ(arch_atomic_depth(), 0);
	expect_caught(caller, fn, "mutex_lock_until", "ktest_might_sleep_fires_under_spinlock");
}

KTEST(might_sleep_fires_with_interrupts_off)
{
	struct semaphore s = {.s_count = 1};
	uintptr_t caller = 0;
	const char *fn = NULL;
	uint64_t f;

	sched_might_sleep_catch(&caller, &fn);
	f = irq_save();
	EXPECT(sem_down_until(&s, 0));
	irq_restore(f);
	sched_might_sleep_catch(NULL, NULL);
	expect_caught(caller, fn, "sem_down_until", "ktest_might_sleep_fires_with_interrupts_off");
}

KTEST(might_sleep_quiet_where_sleeping_is_allowed)
{
	struct mutex m = MUTEX_INIT;
	uintptr_t caller = 0;
	const char *fn = NULL;

	sched_might_sleep_catch(&caller, &fn);
	mutex_lock(&m);
	mutex_unlock(&m);
	sched_sleep_ns(1000);
	sched_might_sleep_catch(NULL, NULL);
	EXPECT_EQ(caller, 0);
}

KTEST(spin_trylock_counts_only_when_taken)
{
	static struct spinlock l = SPINLOCK_INIT;

	EXPECT(spin_trylock(&l));
	EXPECT_EQ(arch_atomic_depth(), 1);
	EXPECT(!spin_trylock(&l));
	EXPECT_EQ(arch_atomic_depth(), 1);
	spin_unlock(&l);
	EXPECT_EQ(arch_atomic_depth(), 0);
}

/* a fresh anonymous app page, never touched */
static uint32_t *
fresh_page(void)
{
	long a = vma_map(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);

	if (a < 0) {
		ktest_fail(__FILE__, __LINE__, "vma_map: got %ld", a);
		return NULL;
	}
	return (uint32_t *)a;
}

KTEST(no_paging_in_under_spinlock)
{
	static struct spinlock l = SPINLOCK_INIT;
	uint32_t *p = fresh_page(), v = 7;
	long r;

	if (!p)
		return;
	EXPECT(!(mm_pte_raw((uintptr_t)p) & PTE_P));
	spin_lock(&l);
	r = copy_from_user(&v, p, sizeof(v));
	spin_unlock(&l);
	EXPECT_EQ(r, -EFAULT);
	EXPECT(!(mm_pte_raw((uintptr_t)p) & PTE_P));
	EXPECT_EQ(vma_fault_in((uintptr_t)p, true), 0);
	EXPECT(mm_pte_raw((uintptr_t)p) & PTE_W);
	EXPECT_EQ(copy_from_user(&v, p, sizeof(v)), 0);
	EXPECT_EQ(v, 0);
	EXPECT_EQ(vma_unmap((uintptr_t)p, PAGE_SIZE), 0);
	EXPECT_EQ(vma_fault_in((uintptr_t)p, false), -EFAULT);
}

KTEST(futex_on_untouched_app_page)
{
	uint32_t *p = fresh_page();

	if (!p)
		return;
	/* the word is read under the bucket lock: fault in, retry */
	EXPECT_EQ(futex_wait(p, 1, 0, FUTEX_BITSET_MATCH_ANY), -EAGAIN);
	EXPECT_EQ(vma_unmap((uintptr_t)p, PAGE_SIZE), 0);
	if (!(p = fresh_page()))
		return;
	EXPECT_EQ(futex_wait(p, 0, clock_ns() + 1000000, FUTEX_BITSET_MATCH_ANY), -ETIMEDOUT);
	EXPECT_EQ(vma_unmap((uintptr_t)p, PAGE_SIZE), 0);
	if (!(p = fresh_page()))
		return;
	EXPECT_EQ(futex_requeue(p, 1, p + 1, 1, true, 0), 0);
	EXPECT_EQ(vma_unmap((uintptr_t)p, PAGE_SIZE), 0);
	/* unmapped: -EFAULT, not a retry forever */
	EXPECT_EQ(futex_wait(p, 0, 0, FUTEX_BITSET_MATCH_ANY), -EFAULT);
}

/* lwIP's OS layer (lwip/sys.h) on the kernel: mutexes, semaphores and
 * condition variables of include/sync.h, kernel threads, the monotonic
 * clock, a nestable interrupts-off lock for SYS_ARCH_PROTECT, and
 * mem_malloc on the kernel heap within a budget set from the guest's
 * memory. The timers are net/timers.c. Exercised by every boot with a
 * network (tests/e2e/net-*.sh) and tests/kernel/test_net.c. */
#include "arch.h"
#include "clock.h"
#include "lib.h"
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "mm.h"
#include "net_impl.h"
#include "printk.h"
#include "random.h"
#include "sched.h"
#include "shim/stdlib.h"
#include "spinlock.h"

/* --- memory: each block carries its size, so the budget can be kept --- */

#define MEM_HDR 16                       /* keeps kmalloc's 16-byte alignment */
static uint64_t mem_budget = UINT64_MAX; /* bytes; net_mem_set_budget */
static uint64_t mem_used;                /* bytes, atomic */

void
net_mem_set_budget(uint64_t bytes)
{
	mem_budget = bytes;
}

uint64_t
net_mem_used(void)
{
	return __atomic_load_n(&mem_used, __ATOMIC_RELAXED);
}

void *
net_mem_malloc(size_t size)
{
	uint64_t total = size + MEM_HDR;
	uint64_t *h;

	if (__atomic_add_fetch(&mem_used, total, __ATOMIC_RELAXED) > mem_budget)
		goto err_budget;
	h = kmalloc(total);
	if (!h)
		goto err_budget;
	h[0] = total;
	return (char *)h + MEM_HDR;
err_budget:
	__atomic_sub_fetch(&mem_used, total, __ATOMIC_RELAXED);
	return NULL;
}

void *
net_mem_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size - MEM_HDR)
		return NULL;
	p = net_mem_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void
net_mem_free(void *p)
{
	uint64_t *h;

	if (!p)
		return;
	h = (uint64_t *)((char *)p - MEM_HDR);
	__atomic_sub_fetch(&mem_used, h[0], __ATOMIC_RELAXED);
	kfree(h);
}

/* --- the little libc lwIP needs --- */

int
atoi(const char *s)
{
	int n = 0, neg = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return neg ? -n : n;
}

uint32_t
net_rand32(void)
{
	uint32_t r;

	random_bytes(&r, sizeof(r));
	return r;
}

void
net_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk_level(7, fmt, ap);
	va_end(ap);
}

void
net_assert_failed(const char *msg, const char *file, int line)
{
	panic("lwip: assertion \"%s\" failed at %s:%d", msg, file, line);
}

/* lwIP's raw API is only called with the core lock held (lwipopts.h);
 * before net_init has the stack running nobody else can call it */
static bool core_checked;

void
net_core_lock_checked(void)
{
	core_checked = true;
}

void
net_assert_core_locked(void)
{
	if (core_checked && lock_tcpip_core.m_owner != thread_self())
		panic("lwip: core called without the core lock from %p",
		      __builtin_return_address(0));
}

/* --- SYS_ARCH_PROTECT: interrupts off and one spinlock, nestable on the
 * CPU that holds it --- */

static struct spinlock prot_lock;
static int prot_cpu = -1;   /* the holder, under prot_lock */
static unsigned prot_depth; /* the holder's nesting */

sys_prot_t
sys_arch_protect(void)
{
	uint64_t f = irq_save();
	int cpu = sched_this_cpu();

	if (READ_ONCE(prot_cpu) == cpu) {
		prot_depth++;
		return f;
	}
	spin_lock(&prot_lock);
	prot_cpu = cpu;
	prot_depth = 1;
	return f;
}

void
sys_arch_unprotect(sys_prot_t f)
{
	if (--prot_depth == 0) {
		prot_cpu = -1;
		spin_unlock(&prot_lock);
	}
	irq_restore(f);
}

/* --- time --- */

void
sys_init(void)
{
}

u32_t
sys_now(void)
{
	return (u32_t)(clock_ns() / 1000000);
}

/* ms from now to a deadline in ns, for lwIP's "time waited" results */
static u32_t
ms_since(uint64_t start_ns)
{
	return (u32_t)((clock_ns() - start_ns) / 1000000);
}

static uint64_t
deadline_of(u32_t timeout_ms)
{
	return timeout_ms ? clock_ns() + (uint64_t)timeout_ms * 1000000 : 0;
}

/* --- mutexes and semaphores --- */

err_t
sys_mutex_new(sys_mutex_t *m)
{
	*m = (struct mutex)MUTEX_INIT;
	return ERR_OK;
}

void
sys_mutex_lock(sys_mutex_t *m)
{
	mutex_lock(m);
}

void
sys_mutex_unlock(sys_mutex_t *m)
{
	mutex_unlock(m);
}

void
sys_mutex_free(sys_mutex_t *m)
{
}

err_t
sys_sem_new(sys_sem_t *s, u8_t count)
{
	*s = (struct semaphore)SEMAPHORE_INIT(count);
	return ERR_OK;
}

void
sys_sem_signal(sys_sem_t *s)
{
	sem_up(s);
}

u32_t
sys_arch_sem_wait(sys_sem_t *s, u32_t timeout_ms)
{
	uint64_t start = clock_ns();

	if (!sem_down_until(s, deadline_of(timeout_ms)))
		return SYS_ARCH_TIMEOUT;
	return ms_since(start);
}

void
sys_sem_free(sys_sem_t *s)
{
}

/* --- mailboxes: a ring of pointers --- */

err_t
sys_mbox_new(sys_mbox_t *mb, int size)
{
	if (size <= 0)
		size = 64;
	*mb = (struct sys_mbox){.mb_lock = MUTEX_INIT,
	                        .mb_not_empty = CONDVAR_INIT,
	                        .mb_not_full = CONDVAR_INIT,
	                        .mb_size = (unsigned)size};
	mb->mb_slots = kmalloc(sizeof(void *) * (size_t)size);
	return mb->mb_slots ? ERR_OK : ERR_MEM;
}

static void
mbox_put(sys_mbox_t *mb, void *msg)
{
	mb->mb_slots[(mb->mb_head + mb->mb_count) % mb->mb_size] = msg;
	mb->mb_count++;
	cond_signal(&mb->mb_not_empty);
}

void
sys_mbox_post(sys_mbox_t *mb, void *msg)
{
	mutex_lock(&mb->mb_lock);
	while (mb->mb_count == mb->mb_size)
		cond_wait(&mb->mb_not_full, &mb->mb_lock);
	mbox_put(mb, msg);
	mutex_unlock(&mb->mb_lock);
}

err_t
sys_mbox_trypost(sys_mbox_t *mb, void *msg)
{
	err_t e = ERR_MEM;

	mutex_lock(&mb->mb_lock);
	if (mb->mb_count < mb->mb_size) {
		mbox_put(mb, msg);
		e = ERR_OK;
	}
	mutex_unlock(&mb->mb_lock);
	return e;
}

err_t
sys_mbox_trypost_fromisr(sys_mbox_t *mb, void *msg)
{
	return sys_mbox_trypost(mb, msg); /* never called from an interrupt here */
}

static void *
mbox_take(sys_mbox_t *mb)
{
	void *msg = mb->mb_slots[mb->mb_head];

	mb->mb_head = (mb->mb_head + 1) % mb->mb_size;
	mb->mb_count--;
	cond_signal(&mb->mb_not_full);
	return msg;
}

u32_t
sys_arch_mbox_fetch(sys_mbox_t *mb, void **msg, u32_t timeout_ms)
{
	uint64_t start = clock_ns(), deadline = deadline_of(timeout_ms);
	void *m;

	mutex_lock(&mb->mb_lock);
	while (mb->mb_count == 0) {
		if (!deadline) {
			cond_wait(&mb->mb_not_empty, &mb->mb_lock);
		} else if (!cond_wait_until(&mb->mb_not_empty, &mb->mb_lock, deadline) &&
		           mb->mb_count == 0) {
			mutex_unlock(&mb->mb_lock);
			return SYS_ARCH_TIMEOUT;
		}
	}
	m = mbox_take(mb);
	mutex_unlock(&mb->mb_lock);
	if (msg)
		*msg = m;
	return ms_since(start);
}

u32_t
sys_arch_mbox_tryfetch(sys_mbox_t *mb, void **msg)
{
	void *m;

	mutex_lock(&mb->mb_lock);
	if (mb->mb_count == 0) {
		mutex_unlock(&mb->mb_lock);
		return SYS_MBOX_EMPTY;
	}
	m = mbox_take(mb);
	mutex_unlock(&mb->mb_lock);
	if (msg)
		*msg = m;
	return 0;
}

void
sys_mbox_free(sys_mbox_t *mb)
{
	if (mb->mb_count)
		panic("lwip: mailbox freed with %u messages in it", mb->mb_count);
	kfree(mb->mb_slots);
	mb->mb_slots = NULL;
}

/* --- threads --- */

struct thread_start {
	lwip_thread_fn fn;
	void *arg;
};

static void *
thread_trampoline(void *p)
{
	struct thread_start st = *(struct thread_start *)p;

	kfree(p);
	st.fn(st.arg);
	return NULL;
}

/* lwIP's stack size and priority are ignored: kernel threads have one
 * stack size and one priority */
sys_thread_t
sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize, int prio)
{
	struct thread_start *st = kmalloc(sizeof(*st));
	struct thread *t;

	if (!st)
		panic("lwip: no memory for thread %s", name);
	*st = (struct thread_start){fn, arg};
	t = thread_create(thread_trampoline, st, name, -1);
	if (IS_ERR(t))
		panic("lwip: cannot create thread %s (%ld)", name, (long)(intptr_t)t);
	thread_detach(t);
	return t;
}

/* In-guest tests of threads, the scheduler and synchronisation (issue:
 * threads and the lock-free SMP scheduler). The runner boots this build
 * on 1, 2 and 4 vCPUs. Timings are printed, never asserted. */
#include "arch.h"
#include "clock.h"
#include "errno.h"
#include "ktest.h"
#include "ktests.h"
#include "lib.h"
#include "mm.h"
#include "sched.h"
#include "sync.h"
#include "uaccess.h"
#include "vma.h"

static int
last_cpu(void)
{
	return sched_cpu_count() - 1;
}

/* --- ping-pong: one million wake-ups, across CPUs when there are two --- */
#define PINGPONG_ROUNDS 500000 /* two wake-ups each */
static uint32_t turn;
static volatile uint64_t pp_progress;

static void *
pp_player(void *arg)
{
	uint32_t me = (uint32_t)(uintptr_t)arg;

	for (int i = 0; i < PINGPONG_ROUNDS; i++) {
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != me)
			futex_wait(&turn, !me, 0, FUTEX_BITSET_MATCH_ANY);
		__atomic_store_n(&turn, !me, __ATOMIC_RELEASE);
		futex_wake(&turn, 1, FUTEX_BITSET_MATCH_ANY);
		if (me)
			pp_progress++;
	}
	return NULL;
}

KTEST(pingpong_million_wakeups)
{
	struct sched_cpu_stats a, b;
	uint64_t t0 = clock_ns();

	turn = 0;
	pp_progress = 0;
	sched_stats(0, &a);
	ktest_watchdog_start(&pp_progress, 20);
	struct thread *p0 = thread_create(pp_player, (void *)0, "ping", 0);
	struct thread *p1 = thread_create(pp_player, (void *)1, "pong", last_cpu());
	EXPECT(!IS_ERR(p0) && !IS_ERR(p1));
	EXPECT_EQ(thread_join(p0, NULL), 0);
	EXPECT_EQ(thread_join(p1, NULL), 0);
	ktest_watchdog_stop();
	sched_stats(0, &b);
	EXPECT_EQ(pp_progress, PINGPONG_ROUNDS);
	ktest_note("%d wake-ups on CPUs 0 and %d: %lu ns per wake-up, %lu IPIs from CPU 0",
	           2 * PINGPONG_ROUNDS, last_cpu(),
	           (unsigned long)((clock_ns() - t0) / (2 * PINGPONG_ROUNDS)),
	           (unsigned long)(b.ipis_sent - a.ipis_sent));
}

/* --- mutex: 8 threads x 100,000 increments --- */
static struct mutex counter_lock = MUTEX_INIT;
static uint64_t counter;
static volatile uint64_t counter_progress;

static void *
incrementer(void *arg)
{
	for (int i = 0; i < 100000; i++) {
		mutex_lock(&counter_lock);
		counter++;
		mutex_unlock(&counter_lock);
		counter_progress++;
	}
	return NULL;
}

KTEST(mutex_counter_exact)
{
	struct thread *t[8];

	counter = 0;
	ktest_watchdog_start(&counter_progress, 20);
	for (int i = 0; i < 8; i++)
		t[i] = thread_create(incrementer, NULL, "inc", -1);
	for (int i = 0; i < 8; i++)
		EXPECT_EQ(thread_join(t[i], NULL), 0);
	ktest_watchdog_stop();
	EXPECT_EQ(counter, 800000);
	EXPECT_EQ(counter_lock.m_word, 0);
}

/* --- condvar: bounded buffer, 2 producers, 2 consumers --- */
#define PC_ITEMS 40000
#define PC_SLOTS 8
static struct {
	struct mutex m;
	struct condvar not_full, not_empty;
	uint32_t buf[PC_SLOTS];
	int head, count, produced;
	uint8_t seen[PC_ITEMS];
	int consumed, dup;
} pc;
static volatile uint64_t pc_progress;

static void *
producer(void *arg)
{
	for (;;) {
		mutex_lock(&pc.m);
		while (pc.count == PC_SLOTS && pc.produced < PC_ITEMS)
			cond_wait(&pc.not_full, &pc.m);
		if (pc.produced == PC_ITEMS) {
			mutex_unlock(&pc.m);
			return NULL;
		}
		pc.buf[(pc.head + pc.count) % PC_SLOTS] = pc.produced++;
		pc.count++;
		cond_signal(&pc.not_empty);
		mutex_unlock(&pc.m);
	}
}

static void *
consumer(void *arg)
{
	for (;;) {
		mutex_lock(&pc.m);
		while (pc.count == 0 && pc.consumed < PC_ITEMS)
			cond_wait(&pc.not_empty, &pc.m);
		if (pc.count == 0) {
			mutex_unlock(&pc.m);
			cond_broadcast(&pc.not_empty);
			return NULL;
		}
		uint32_t item = pc.buf[pc.head];
		pc.head = (pc.head + 1) % PC_SLOTS;
		pc.count--;
		if (pc.seen[item]++)
			pc.dup++;
		if (++pc.consumed == PC_ITEMS)
			cond_broadcast(&pc.not_empty);
		pc_progress++;
		cond_signal(&pc.not_full);
		mutex_unlock(&pc.m);
	}
}

KTEST(condvar_bounded_buffer)
{
	struct thread *t[4];

	memset(&pc, 0, sizeof(pc));
	ktest_watchdog_start(&pc_progress, 20);
	t[0] = thread_create(producer, NULL, "prod", -1);
	t[1] = thread_create(producer, NULL, "prod", -1);
	t[2] = thread_create(consumer, NULL, "cons", -1);
	t[3] = thread_create(consumer, NULL, "cons", -1);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(thread_join(t[i], NULL), 0);
	ktest_watchdog_stop();
	EXPECT_EQ(pc.consumed, PC_ITEMS);
	EXPECT_EQ(pc.dup, 0);
	int missing = 0;
	for (int i = 0; i < PC_ITEMS; i++)
		missing += pc.seen[i] != 1;
	EXPECT_EQ(missing, 0);
}

/* --- preemption: a spinner does not starve a thread on its CPU --- */
static volatile bool stop_spin;
static volatile uint64_t spins;

static void *
spinner(void *arg)
{
	while (!stop_spin)
		spins++;
	return NULL;
}

static void *
small_job(void *arg)
{
	return (void *)0x600d;
}

KTEST(spinner_does_not_starve)
{
	void *r = NULL;
	int cpu = last_cpu();

	stop_spin = false;
	struct thread *s = thread_create(spinner, NULL, "spinner", cpu);
	/* let it take the CPU first */
	while (spins == 0)
		sched_yield();
	static volatile uint64_t joined;
	joined = 0;
	ktest_watchdog_start(&joined, 10);
	struct thread *j = thread_create(small_job, NULL, "job", cpu);
	EXPECT_EQ(thread_join(j, &r), 0);
	joined = 1;
	EXPECT(r == (void *)0x600d);
	stop_spin = true;
	EXPECT_EQ(thread_join(s, NULL), 0);
	ktest_watchdog_stop();
}

/* --- fairness: two CPU-bound threads on one CPU --- */
static volatile bool stop_count;
static volatile uint64_t counts[2];

static void *
counter_thread(void *arg)
{
	volatile uint64_t *c = &counts[(uintptr_t)arg];

	while (!stop_count)
		(*c)++;
	return NULL;
}

KTEST(two_threads_share_one_cpu_fairly)
{
	int cpu = last_cpu();
	struct thread *t[2];

	stop_count = false;
	counts[0] = counts[1] = 0;
	for (int i = 0; i < 2; i++)
		t[i] = thread_create(counter_thread, (void *)(uintptr_t)i, "count", cpu);
	sched_sleep_ns(1000000000ull);
	stop_count = true;
	for (int i = 0; i < 2; i++)
		EXPECT_EQ(thread_join(t[i], NULL), 0);
	uint64_t lo = MIN(counts[0], counts[1]), hi = MAX(counts[0], counts[1]);
	ktest_note("iterations in 1 s on CPU %d: %lu and %lu", cpu, (unsigned long)counts[0],
	           (unsigned long)counts[1]);
	EXPECT(lo > 0);
	EXPECT(hi * 2 <= lo * 3); /* within a factor of 1.5 */
}

/* --- load spreading: N CPU-bound threads on N CPUs --- */
static volatile uint64_t spread_counts[64];
static volatile int spread_cpu[64];

static void *
spread_thread(void *arg)
{
	volatile uint64_t *c = &spread_counts[(uintptr_t)arg];

	while (!stop_count)
		if (!((*c)++ & 0xfffff))
			spread_cpu[(uintptr_t)arg] = sched_this_cpu();
	return NULL;
}

KTEST(threads_spread_over_cpus)
{
	int n = sched_cpu_count();
	struct sched_cpu_stats before[64], after[64];
	struct thread *t[64];
	uint64_t t0, wall;

	stop_count = false;
	for (int c = 0; c < n; c++)
		sched_stats(c, &before[c]);
	t0 = clock_ns();
	for (int i = 0; i < n; i++) {
		spread_counts[i] = 0;
		t[i] = thread_create(spread_thread, (void *)(uintptr_t)i, "spread", -1);
	}
	sched_sleep_ns(1000000000ull);
	for (int c = 0; c < n; c++)
		sched_stats(c, &after[c]);
	wall = clock_ns() - t0;
	stop_count = true;
	for (int i = 0; i < n; i++) {
		ktest_note("thread %d: on CPU %d (says %d), counted %lu, ran %lu ms, %lu switches",
		           i, t[i]->t_cpu, spread_cpu[i], (unsigned long)spread_counts[i],
		           (unsigned long)(t[i]->t_runtime_ns / 1000000),
		           (unsigned long)t[i]->t_switches);
		EXPECT(spread_counts[i] > 0);
	}
	for (int i = 0; i < n; i++)
		EXPECT_EQ(thread_join(t[i], NULL), 0);
	for (int c = 0; c < n; c++) {
		uint64_t busy = after[c].busy_ns - before[c].busy_ns;
		ktest_note("CPU %d busy %lu%% of 1 s", c, (unsigned long)(busy * 100 / wall));
		/* every CPU ran one of them most of the time */
		EXPECT(busy * 2 > wall);
	}
}

/* --- sleeps never wake early --- */
KTEST(sleep_never_early)
{
	for (int i = 0; i < 5; i++) {
		uint64_t t0 = clock_ns();
		sched_sleep_ns(10000000);
		uint64_t d = clock_ns() - t0;
		EXPECT(d >= 10000000);
		ktest_note("sleep 10 ms: %lu us late", (unsigned long)((d - 10000000) / 1000));
	}
}

/* --- create/join cycles leave memory where it was --- */
static void *
nothing(void *arg)
{
	return arg;
}

KTEST(create_join_10000_no_leak)
{
	uint64_t before, after;
	void *r;
	int bad = 0;

	/* warm the heap's slabs and stack windows first */
	EXPECT_EQ(thread_join(thread_create(nothing, NULL, "warm", -1), NULL), 0);
	before = frame_free_bytes();
	for (int i = 0; i < 10000; i++) {
		struct thread *t = thread_create(nothing, (void *)(uintptr_t)i, "cycle", -1);
		if (IS_ERR(t) || thread_join(t, &r) || r != (void *)(uintptr_t)i)
			bad++;
	}
	after = frame_free_bytes();
	EXPECT_EQ(bad, 0);
	/* slab pages may be kept for reuse: allow a few, never growth */
	EXPECT(before - after <= 16 * PAGE_SIZE || after >= before);
	ktest_note("free before %lu KiB, after %lu KiB", (unsigned long)(before >> 10),
	           (unsigned long)(after >> 10));
}

/* --- registers survive preemption inside interrupt handling --- */
static volatile long reg_result[4];

static void *
gpr_thread(void *arg)
{
	uintptr_t i = (uintptr_t)arg;

	for (int k = 0; k < 40 && !reg_result[i]; k++)
		reg_result[i] = gpr_check(0x1000 * (i + 1) + k, 200000);
	return NULL;
}

static void *
vec_thread(void *arg)
{
	uintptr_t i = (uintptr_t)arg;

	for (int k = 0; k < 40 && !reg_result[i]; k++)
		reg_result[i] = vec_check(0x7000000 * (i + 1) + k, 200000, cpu_features.avx);
	return NULL;
}

KTEST(registers_survive_preemption)
{
	/* all four on one CPU: each is switched out in its timer interrupt's
	 * handler, with its frame on its own stack (not the shared IST) */
	int cpu = last_cpu();
	struct thread *t[4];
	uint64_t sw0, sw1;
	struct sched_cpu_stats st;

	sched_stats(cpu, &st);
	sw0 = st.switches;
	for (int i = 0; i < 4; i++) {
		reg_result[i] = 0;
		t[i] = thread_create(i < 2 ? gpr_thread : vec_thread, (void *)(uintptr_t)i, "regs",
		                     cpu);
	}
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(thread_join(t[i], NULL), 0);
	sched_stats(cpu, &st);
	sw1 = st.switches;
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(reg_result[i], 0);
	EXPECT(sw1 - sw0 >= 8); /* they really were switched */
	ktest_note("%lu switches on CPU %d (%s)", (unsigned long)(sw1 - sw0), cpu,
	           cpu_features.avx ? "xmm+ymm" : "xmm");
}

/* --- futex semantics --- */
static uint32_t fw;
static volatile int woke_count;

static void *
futex_waiter(void *arg)
{
	uint32_t bits = (uint32_t)(uintptr_t)arg;

	if (futex_wait(&fw, 0, 0, bits) == 0)
		__atomic_fetch_add(&woke_count, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void
wait_blocked(struct thread *t)
{
	while (__atomic_load_n(&t->t_state, __ATOMIC_ACQUIRE) != T_BLOCKED)
		sched_yield();
}

/* a word in a fresh app page, paged in: futex_op is the app's door and
 * takes app words only (NULL after a failure, reported) */
static uint32_t *
app_word(void)
{
	long a = vma_map(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);

	if (a < 0 || vma_fault_in((uintptr_t)a, true)) {
		ktest_fail(__FILE__, __LINE__, "an app page: got %ld", a);
		return NULL;
	}
	return (uint32_t *)a;
}

KTEST(futex_semantics)
{
	uint32_t *aw = app_word();
	uint64_t t0;

	if (!aw)
		return;
	*aw = 1;

	fw = 1;
	EXPECT_EQ(futex_wait(&fw, 0, 0, FUTEX_BITSET_MATCH_ANY), -EAGAIN);
	EXPECT_EQ(futex_wait((uint32_t *)((char *)&fw + 1), 1, 0, FUTEX_BITSET_MATCH_ANY), -EINVAL);
	EXPECT_EQ(futex_wait(&fw, 1, 0, 0), -EINVAL);
	EXPECT_EQ(futex_wait((uint32_t *)0x1000, 0, 0, FUTEX_BITSET_MATCH_ANY), -EFAULT);
	EXPECT_EQ(futex_wake(&fw, 1, FUTEX_BITSET_MATCH_ANY), 0);
	/* relative and absolute timeouts */
	t0 = clock_ns();
	EXPECT_EQ(futex_op(aw, FUTEX_WAIT, 1, 5000000, NULL, 0), -ETIMEDOUT);
	EXPECT(clock_ns() - t0 >= 5000000);
	t0 = clock_ns();
	EXPECT_EQ(futex_op(aw, FUTEX_WAIT_BITSET, 1, t0 + 3000000, NULL, FUTEX_BITSET_MATCH_ANY),
	          -ETIMEDOUT);
	EXPECT(clock_ns() >= t0 + 3000000);
	EXPECT_EQ(futex_op(aw, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 1,
	                   clock_realtime_ns() + 2000000, NULL, FUTEX_BITSET_MATCH_ANY),
	          -ETIMEDOUT);
	/* bitsets: a wake for bit 1 leaves the bit-2 waiter asleep */
	fw = 0;
	woke_count = 0;
	struct thread *a = thread_create(futex_waiter, (void *)1, "fw1", -1);
	struct thread *b = thread_create(futex_waiter, (void *)2, "fw2", -1);
	wait_blocked(a);
	wait_blocked(b);
	EXPECT_EQ(futex_wake(&fw, 10, 1), 1);
	EXPECT_EQ(thread_join(a, NULL), 0);
	EXPECT_EQ(woke_count, 1);
	EXPECT_EQ(futex_wake(&fw, 10, 2), 1);
	EXPECT_EQ(thread_join(b, NULL), 0);
	EXPECT_EQ(woke_count, 2);
	EXPECT_EQ(vma_unmap((uintptr_t)aw, PAGE_SIZE), 0);
}

/* the app's door refuses the kernel's words (Linux: EFAULT), mapped or
 * not, and before it reads them; the kernel's own calls keep them */
KTEST(futex_op_refuses_kernel_words)
{
	uint32_t *aw = app_word(), *hole = (uint32_t *)0xffffc00000000000ul;

	if (!aw)
		return;
	fw = 0;
	EXPECT_EQ(futex_op(&fw, FUTEX_WAIT, 0, 1000000, NULL, 0), -EFAULT);
	EXPECT_EQ(futex_op(&fw, FUTEX_WAIT, 1, 1000000, NULL, 0), -EFAULT);
	EXPECT_EQ(futex_op(&fw, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0, NULL, 0), -EFAULT);
	EXPECT_EQ(futex_op(hole, FUTEX_WAIT, 0, 1000000, NULL, 0), -EFAULT);
	EXPECT_EQ(futex_op(hole, FUTEX_UNLOCK_PI, 0, 0, NULL, 0), -EFAULT);
	EXPECT_EQ(futex_op((uint32_t *)((char *)&fw + 1), FUTEX_WAKE, 1, 0, NULL, 0), -EINVAL);
	EXPECT_EQ(futex_op(aw, FUTEX_REQUEUE, 1, 1, &fw, 0), -EFAULT);
	EXPECT_EQ(futex_op(aw, FUTEX_WAKE_OP, 1, 1, hole, 0), -EFAULT);
	EXPECT_EQ(futex_op((uint32_t *)(USER_TOP - 4), FUTEX_WAKE, 1, 0, NULL, 0), -EFAULT);
	EXPECT_EQ(
	    futex_op((uint32_t *)(USER_TOP - 4), FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0, NULL, 0),
	    0); /* a private word is keyed by its address alone: none to wake */
	EXPECT_EQ(futex_wait(&fw, 1, 0, FUTEX_BITSET_MATCH_ANY), -EAGAIN);
	EXPECT_EQ(futex_wake(&fw, 1, FUTEX_BITSET_MATCH_ANY), 0);
	EXPECT_EQ(vma_unmap((uintptr_t)aw, PAGE_SIZE), 0);
}

static uint32_t *rq1, *rq2;

static void *
requeue_waiter(void *arg)
{
	if (futex_wait(rq1, 0, 0, FUTEX_BITSET_MATCH_ANY) == 0)
		__atomic_fetch_add(&woke_count, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

KTEST(futex_requeue_and_cmp_requeue)
{
	struct thread *t[4];

	if (!(rq1 = app_word()))
		return;
	rq2 = rq1 + 1;
	*rq1 = 0;
	*rq2 = 0;
	woke_count = 0;
	for (int i = 0; i < 4; i++)
		t[i] = thread_create(requeue_waiter, NULL, "rq", -1);
	for (int i = 0; i < 4; i++)
		wait_blocked(t[i]);
	EXPECT_EQ(futex_op(rq1, FUTEX_CMP_REQUEUE, 1, 2, rq2, 7), -EAGAIN); /* *rq1 != 7 */
	/* wake 1, move 2 to rq2: 3 counted; one stays on rq1 */
	EXPECT_EQ(futex_op(rq1, FUTEX_CMP_REQUEUE, 1, 2, rq2, 0), 3);
	EXPECT_EQ(futex_wake(rq2, 10, FUTEX_BITSET_MATCH_ANY), 2);
	EXPECT_EQ(futex_op(rq1, FUTEX_REQUEUE, 0, 1, rq2, 0), 0); /* moves the last */
	EXPECT_EQ(futex_wake(rq1, 10, FUTEX_BITSET_MATCH_ANY), 0);
	EXPECT_EQ(futex_wake(rq2, 10, FUTEX_BITSET_MATCH_ANY), 1);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(thread_join(t[i], NULL), 0);
	EXPECT_EQ(woke_count, 4);
	EXPECT_EQ(vma_unmap((uintptr_t)rq1, PAGE_SIZE), 0);
}

KTEST(timed_waits_time_out)
{
	struct mutex m = MUTEX_INIT;
	struct condvar cv = CONDVAR_INIT;
	struct semaphore s = SEMAPHORE_INIT(0);
	uint64_t t0 = clock_ns();

	EXPECT(!sem_down_until(&s, t0 + 2000000));
	EXPECT(clock_ns() >= t0 + 2000000);
	sem_up(&s);
	EXPECT(sem_down_until(&s, clock_ns() + 2000000));
	mutex_lock(&m);
	t0 = clock_ns();
	EXPECT(!cond_wait_until(&cv, &m, t0 + 2000000));
	EXPECT(clock_ns() >= t0 + 2000000);
	EXPECT(m.m_word != 0); /* held again */
	mutex_unlock(&m);
	EXPECT(mutex_trylock(&m));
	EXPECT(!mutex_trylock(&m));
	mutex_unlock(&m);
}

/* --- more threads than memory allows: an error, not a panic --- */
static struct semaphore hold = SEMAPHORE_INIT(0);

static void *
holder(void *arg)
{
	sem_down(&hold);
	return NULL;
}

KTEST(thread_exhaustion_is_an_error)
{
	static struct thread *ts[20000];
	int n = 0;
	long err = 0;

	while (n < (int)ARRAY_SIZE(ts)) {
		struct thread *t = thread_create(holder, NULL, "hold", -1);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			break;
		}
		ts[n++] = t;
	}
	ktest_note("%d threads before the error %ld", n, err);
	EXPECT(err == -ENOMEM || err == -EAGAIN);
	for (int i = 0; i < n; i++)
		sem_up(&hold);
	for (int i = 0; i < n; i++)
		EXPECT_EQ(thread_join(ts[i], NULL), 0);
}

/* --- each thread keeps its own FS base (the app's TLS pointer) --- */
static volatile int fs_bad;

static void *
fs_thread(void *arg)
{
	uint64_t mine = 0x7f0000000000ull + ((uintptr_t)arg << 12);

	wrmsr(MSR_FS_BASE, mine);
	for (int i = 0; i < 200; i++) {
		sched_yield();
		if (rdmsr(MSR_FS_BASE) != mine)
			fs_bad++;
	}
	return NULL;
}

KTEST(fs_base_is_per_thread)
{
	struct thread *t[3];
	uint64_t before = rdmsr(MSR_FS_BASE);

	fs_bad = 0;
	for (int i = 0; i < 3; i++)
		t[i] = thread_create(fs_thread, (void *)(uintptr_t)(i + 1), "fs", 0);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(thread_join(t[i], NULL), 0);
	EXPECT_EQ(fs_bad, 0);
	EXPECT_EQ(rdmsr(MSR_FS_BASE), before);
}

/* --- joins and sleeps have deadlines too --- */
/* the joined thread runs until the test lets it go, so the deadline
 * passes first however late a loaded host schedules either vCPU */
static struct semaphore sleepy_go = SEMAPHORE_INIT(0);

static void *
sleepy(void *arg)
{
	sem_down(&sleepy_go);
	return arg;
}

KTEST(join_with_deadline)
{
	struct thread *t = thread_create(sleepy, (void *)7, "sleepy", -1);
	void *r = NULL;

	EXPECT_EQ(thread_join_until(t, &r, clock_ns() + 1000000), -ETIMEDOUT);
	sem_up(&sleepy_go);
	EXPECT_EQ(thread_join_until(t, &r, 0), 0);
	EXPECT(r == (void *)7);
}

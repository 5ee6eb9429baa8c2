/* In-guest checks of the futex operations glibc and musl lean on beyond
 * WAIT/WAKE: FUTEX_WAKE_OP (its op encoding, the compare on the old value
 * of the second word, the sum woken) and the PI locks (the owner's TID in
 * the word, FUTEX_WAITERS, EDEADLK, EPERM), through raw system calls and
 * through PTHREAD_PRIO_INHERIT mutexes under contention. Built three ways
 * like every tests/guest program; run as the app, and passes on Linux. */
#define _GNU_SOURCE
#include "tap.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Linux's values (<linux/futex.h>, which musl's toolchain lacks) */
#define FUTEX_WAIT 0
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_TID_MASK 0x3fffffffu
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_ANDN 3
#define FUTEX_OP_XOR 4
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_NE 1
#define FUTEX_OP_CMP_LT 2
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP(op, oparg, cmp, cmparg)                                                           \
	((((op)&0xf) << 28) | (((cmp)&0xf) << 24) | (((oparg)&0xfff) << 12) | ((cmparg)&0xfff))

static long
futex(uint32_t *uaddr, int op, uint32_t val, uintptr_t val2, uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static uint32_t w1, w2;
static int started;

/* waits on the word given while it is 0 */
static void *
waiter(void *arg)
{
	uint32_t *w = arg;

	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(w, __ATOMIC_SEQ_CST) == 0)
		futex(w, FUTEX_WAIT, 0, 0, NULL, 0);
	return NULL;
}

static void
pause_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

static uint32_t pi_word;
static int pi_errs;

static void *
pi_contender(void *arg)
{
	(void)arg;
	uint32_t tid = (uint32_t)syscall(SYS_gettid);
	if (futex(&pi_word, FUTEX_LOCK_PI, 0, 0, NULL, 0) != 0 ||
	    (__atomic_load_n(&pi_word, __ATOMIC_SEQ_CST) & FUTEX_TID_MASK) != tid)
		pi_errs++;
	if (futex(&pi_word, FUTEX_UNLOCK_PI, 0, 0, NULL, 0) != 0)
		pi_errs++;
	return NULL;
}

static int hold, release;

/* holds pi_word until told */
static void *
pi_holder(void *arg)
{
	(void)arg;
	if (futex(&pi_word, FUTEX_LOCK_PI, 0, 0, NULL, 0))
		pi_errs++;
	__atomic_store_n(&hold, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&release, __ATOMIC_SEQ_CST))
		pause_ms(1);
	if (futex(&pi_word, FUTEX_UNLOCK_PI, 0, 0, NULL, 0))
		pi_errs++;
	return NULL;
}

#define NTHREADS 4
#define ROUNDS 5000
static pthread_mutex_t pim;
static long counter;

static void *
bump(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		if (pthread_mutex_lock(&pim))
			return (void *)1;
		long c = counter;
		if (i % 64 == 0)
			sched_yield(); /* let others find it held */
		counter = c + 1;
		pthread_mutex_unlock(&pim);
	}
	return NULL;
}

int
main(void)
{
	pthread_t t[NTHREADS];

	/* WAKE_OP: *w2 += 5 (old 0), wake 1 on w1, and on w2 when old == 0 */
	w1 = w2 = 0;
	pthread_create(&t[0], NULL, waiter, &w1);
	pthread_create(&t[1], NULL, waiter, &w2);
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < 2)
		pause_ms(1);
	pause_ms(50); /* both asleep on their words */
	__atomic_store_n(&w1, 1, __ATOMIC_SEQ_CST);
	long r =
	    futex(&w1, FUTEX_WAKE_OP, 1, 1, &w2, FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0));
	CHECK(w2 == 5, "WAKE_OP ADD updates the second word");
	/* w2 is now 5: the waiter on it re-checks and leaves */
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	CHECK(r == 2, "WAKE_OP wakes on both words when the compare holds: the sum (2)");
	if (r != 2)
		printf("# WAKE_OP returned %ld\n", r);

	w2 = 7;
	r = futex(&w1, FUTEX_WAKE_OP, 1, 1, &w2, FUTEX_OP(FUTEX_OP_OR, 8, FUTEX_OP_CMP_GT, 10));
	CHECK(r == 0 && w2 == 15, "WAKE_OP OR; compare false, nobody waiting: 0");
	r = futex(&w1, FUTEX_WAKE_OP, 1, 1, &w2,
	          FUTEX_OP((FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_EQ, 15));
	CHECK(r == 0 && w2 == 16, "WAKE_OP SET with the shift flag: 1 << 4");
	r = futex(&w1, FUTEX_WAKE_OP, 1, 1, &w2, FUTEX_OP(FUTEX_OP_ANDN, 16, FUTEX_OP_CMP_NE, 0));
	CHECK(r == 0 && w2 == 0, "WAKE_OP ANDN");
	r = futex(&w1, FUTEX_WAKE_OP, 1, 1, &w2, FUTEX_OP(FUTEX_OP_XOR, 0x7ff, FUTEX_OP_CMP_LT, 1));
	CHECK(r == 0 && w2 == 0x7ff, "WAKE_OP XOR");
	r = futex(&w1, FUTEX_WAKE_OP, 1, 1, &w2,
	          FUTEX_OP(FUTEX_OP_ADD, -1 & 0xfff, FUTEX_OP_CMP_EQ, 0));
	CHECK(r == 0 && w2 == 0x7fe, "WAKE_OP's 12-bit argument is signed (ADD -1)");
	errno = 0;
	CHECK(futex(&w1, FUTEX_WAKE_OP, 1, 1, &w2, (7u << 28)) == -1 && errno == ENOSYS,
	      "WAKE_OP with an unknown op: ENOSYS");

	/* PI: the TID in the word */
	uint32_t tid = (uint32_t)syscall(SYS_gettid);
	pi_word = 0;
	CHECK(futex(&pi_word, FUTEX_LOCK_PI, 0, 0, NULL, 0) == 0 && pi_word == tid,
	      "LOCK_PI on a free word stores the caller's TID");
	errno = 0;
	CHECK(futex(&pi_word, FUTEX_LOCK_PI, 0, 0, NULL, 0) == -1 && errno == EDEADLK,
	      "LOCK_PI by the owner: EDEADLK");
	errno = 0;
	CHECK(futex(&pi_word, FUTEX_TRYLOCK_PI, 0, 0, NULL, 0) == -1 && errno == EDEADLK,
	      "TRYLOCK_PI by the owner: EDEADLK");
	pthread_create(&t[0], NULL, pi_contender, NULL);
	for (int i = 0; i < 2000 && !(__atomic_load_n(&pi_word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS);
	     i++)
		pause_ms(1);
	CHECK(pi_word == (tid | FUTEX_WAITERS), "a contender sets FUTEX_WAITERS in the word");
	CHECK(futex(&pi_word, FUTEX_UNLOCK_PI, 0, 0, NULL, 0) == 0,
	      "UNLOCK_PI by the owner hands it over");
	pthread_join(t[0], NULL);
	CHECK(pi_errs == 0 && pi_word == 0,
	      "the contender owned it (its TID in the word), then freed it");
	errno = 0;
	CHECK(futex(&pi_word, FUTEX_UNLOCK_PI, 0, 0, NULL, 0) == -1 && errno == EPERM,
	      "UNLOCK_PI of a lock not held: EPERM");
	pthread_create(&t[0], NULL, pi_holder, NULL);
	while (!__atomic_load_n(&hold, __ATOMIC_SEQ_CST))
		pause_ms(1);
	errno = 0;
	CHECK(futex(&pi_word, FUTEX_TRYLOCK_PI, 0, 0, NULL, 0) == -1 && errno == EAGAIN,
	      "TRYLOCK_PI of a lock another thread holds: EAGAIN");
	errno = 0;
	CHECK(futex(&pi_word, FUTEX_UNLOCK_PI, 0, 0, NULL, 0) == -1 && errno == EPERM,
	      "UNLOCK_PI of another's lock: EPERM");
	__atomic_store_n(&release, 1, __ATOMIC_SEQ_CST);
	pthread_join(t[0], NULL);
	CHECK(pi_errs == 0 && pi_word == 0, "the holder unlocked it");
	pi_word = tid + 1000000; /* no such thread */
	errno = 0;
	CHECK(futex(&pi_word, FUTEX_TRYLOCK_PI, 0, 0, NULL, 0) == -1 && errno == ESRCH,
	      "TRYLOCK_PI of a word naming no thread: ESRCH");
	pi_word = 0;

	/* PTHREAD_PRIO_INHERIT mutexes under contention: the count is exact */
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	CHECK(pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT) == 0,
	      "PTHREAD_PRIO_INHERIT attribute");
	CHECK(pthread_mutex_init(&pim, &a) == 0, "a priority-inheritance mutex");
	CHECK(pthread_mutex_lock(&pim) == 0 && pthread_mutex_trylock(&pim) == EBUSY &&
	          pthread_mutex_unlock(&pim) == 0,
	      "lock, trylock (EBUSY), unlock");
	int created = 0;
	for (int i = 0; i < NTHREADS; i++)
		created += pthread_create(&t[i], NULL, bump, NULL) == 0;
	int bad = 0;
	for (int i = 0; i < created; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		bad += ret != NULL;
	}
	CHECK(created == NTHREADS && bad == 0 && counter == (long)NTHREADS * ROUNDS,
	      "4 threads x 5000 increments under a PI mutex: exact count");
	if (counter != (long)NTHREADS * ROUNDS)
		printf("# counter %ld\n", counter);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_destroy(&pim);
	pthread_mutex_init(&pim, &a);
	CHECK(pthread_mutex_lock(&pim) == 0 && pthread_mutex_lock(&pim) == EDEADLK,
	      "an error-checking PI mutex locked twice: EDEADLK");
	pthread_mutex_unlock(&pim);
	return tap_done();
}

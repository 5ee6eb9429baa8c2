/* The scheduler benchmarks of the bench kernel (tools/bench/kernel/bench.c
 * runs them; tools/bench/sections/20-sched.sh): futex ping-pong on one CPU
 * or across two, thread create + join. The Linux side is the same program
 * as pthreads (tools/bench/progs/schedbench.c). */
#include "bench.h"
#include "clock.h"
#include "lib.h"
#include "printk.h"
#include "sched.h"
#include "sync.h"

static uint32_t word;

/* each op: one hand-over of the turn, so ops = 2 * rounds */
static uint64_t rounds;

static void *
player(void *arg)
{
	uint32_t me = (uint32_t)(uintptr_t)arg;

	for (uint64_t i = 0; i < rounds; i++) {
		while (__atomic_load_n(&word, __ATOMIC_ACQUIRE) != me)
			futex_wait(&word, !me, 0, FUTEX_BITSET_MATCH_ANY);
		__atomic_store_n(&word, !me, __ATOMIC_RELEASE);
		futex_wake(&word, 1, FUTEX_BITSET_MATCH_ANY);
	}
	return NULL;
}

uint64_t
bench_pingpong(uint64_t ops, int cpu_a, int cpu_b)
{
	uint64_t t0;

	word = 0;
	rounds = ops / 2;
	sched_migrate_self(cpu_a);
	struct thread *b = thread_create(player, (void *)1, "player1", cpu_b);
	if (IS_ERR(b))
		panic("bench: thread_create failed: %ld", PTR_ERR(b));
	mark_bench_start();
	t0 = clock_ns();
	player((void *)0);
	thread_join(b, NULL);
	t0 = clock_ns() - t0;
	mark_bench_stop();
	return t0;
}

static void *
nothing(void *arg)
{
	return arg;
}

uint64_t
bench_create_join(uint64_t ops)
{
	uint64_t t0;

	mark_bench_start();
	t0 = clock_ns();
	for (uint64_t i = 0; i < ops; i++) {
		struct thread *t = thread_create(nothing, NULL, "bench", -1);
		if (IS_ERR(t) || thread_join(t, NULL))
			panic("bench: create/join failed");
	}
	t0 = clock_ns() - t0;
	mark_bench_stop();
	return t0;
}

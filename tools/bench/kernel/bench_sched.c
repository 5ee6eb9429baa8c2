/* The bench kernel (BUILD/bench/kernel-bench.elf, tools/bench/bench.mk:
 * the kernel's objects with this kernel_run instead of core/run.c's), the
 * in-kernel side of the scheduler benchmarks (tools/bench/sections/
 * 20-sched.sh): the kernel argument bench=NAME (bench.ops=N) runs one,
 * prints "bench NAME OPS NS" on the console and exits. The Linux side is
 * the same program as pthreads (tools/bench/progs/schedbench.c).
 * mark_bench_start/stop bracket the timed part for the icount plugin.
 *   pingpong-same   futex ping-pong, both threads on CPU 0 (one switch per op)
 *   pingpong-cross  the same across CPUs 0 and 1 (one wake-up per op)
 *   create-join     create a thread that returns at once, join it */
#include "clock.h"
#include "cmdline.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "power.h"
#include "printk.h"
#include "sched.h"
#include "sync.h"

/* empty, and called (noipa: the compiler may not see that they do nothing) */
static __used __attribute__((noipa)) void
mark_bench_start(void)
{
}
static __used __attribute__((noipa)) void
mark_bench_stop(void)
{
}

static char bench_name[32];
static uint64_t bench_ops = 100000;

static int
set_bench(const char *v)
{
	if (!v || strlen(v) >= sizeof(bench_name))
		return -EINVAL;
	memcpy(bench_name, v, strlen(v) + 1);
	return 0;
}
CMDLINE_KEY("bench", set_bench);

static int
set_ops(const char *v)
{
	return v ? parse_u64(v, strlen(v), &bench_ops, true) : -EINVAL;
}
CMDLINE_KEY("bench.ops", set_ops);

static uint32_t word;

/* each op: one hand-over of the turn, so ops = 2 * rounds */
static void *
player(void *arg)
{
	uint32_t me = (uint32_t)(uintptr_t)arg;

	for (uint64_t i = 0; i < bench_ops / 2; i++) {
		while (__atomic_load_n(&word, __ATOMIC_ACQUIRE) != me)
			futex_wait(&word, !me, 0, FUTEX_BITSET_MATCH_ANY);
		__atomic_store_n(&word, !me, __ATOMIC_RELEASE);
		futex_wake(&word, 1, FUTEX_BITSET_MATCH_ANY);
	}
	return NULL;
}

static uint64_t
pingpong(int cpu_a, int cpu_b)
{
	uint64_t t0;

	word = 0;
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

static uint64_t
create_join(void)
{
	uint64_t t0;

	mark_bench_start();
	t0 = clock_ns();
	for (uint64_t i = 0; i < bench_ops; i++) {
		struct thread *t = thread_create(nothing, NULL, "bench", -1);
		if (IS_ERR(t) || thread_join(t, NULL))
			panic("bench: create/join failed");
	}
	t0 = clock_ns() - t0;
	mark_bench_stop();
	return t0;
}

void
kernel_run(void)
{
	uint64_t ns;
	int other = sched_cpu_count() > 1 ? 1 : 0;

	if (!bench_name[0])
		panic("bench kernel: no bench=NAME (pingpong-same, pingpong-cross, create-join)");
	if (!strcmp(bench_name, "pingpong-same"))
		ns = pingpong(0, 0);
	else if (!strcmp(bench_name, "pingpong-cross"))
		ns = pingpong(0, other);
	else if (!strcmp(bench_name, "create-join"))
		ns = create_join();
	else
		panic("bench=%s: unknown (pingpong-same, pingpong-cross, create-join)", bench_name);
	console_printf("bench %s %lu %lu\n", bench_name, (unsigned long)bench_ops,
	               (unsigned long)ns);
	kernel_exit(0);
}

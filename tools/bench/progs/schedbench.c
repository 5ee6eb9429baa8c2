/*
 * Linux side of the scheduler benchmarks (tools/bench/sections/20-sched.sh):
 * the three of tests/kernel/bench_sched.c with pthreads and the raw futex
 * syscall, same op definitions, same output line "bench NAME OPS NS".
 * Built static non-PIE (fixed addresses for the icount marks) by bench.mk.
 *   tools/bench/linux-guest --cpus 2 build/bench/schedbench pingpong-cross 20000
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The icount plugin marks these by address (nm); noipa keeps them as two
 * separate, really called functions (no inlining, no identical-code folding). */
__attribute__((noipa)) void
mark_bench_start(void)
{
	__asm__ volatile("");
}
__attribute__((noipa)) void
mark_bench_stop(void)
{
	__asm__ volatile("");
}

static uint64_t ops;
static uint32_t word;

struct player {
	uint32_t me;
	int want_cpu;            /* where it is pinned; -1: not pinned */
	int cpu_first, cpu_last; /* sched_getcpu() before and after its rounds */
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void
die(const char *what, int err)
{
	fprintf(stderr, "schedbench: %s: %s\n", what, strerror(err));
	exit(1);
}

static void
futex_wait(uint32_t *w, uint32_t val)
{
	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void
futex_wake(uint32_t *w, int n)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/* each op: one hand-over of the turn, so ops = 2 * rounds */
static void *
player(void *arg)
{
	struct player *p = arg;
	uint32_t me = p->me;

	p->cpu_first = sched_getcpu();
	for (uint64_t i = 0; i < ops / 2; i++) {
		while (__atomic_load_n(&word, __ATOMIC_ACQUIRE) != me)
			futex_wait(&word, !me);
		__atomic_store_n(&word, !me, __ATOMIC_RELEASE);
		futex_wake(&word, 1);
	}
	p->cpu_last = sched_getcpu();
	return NULL;
}

static void
check_cpu(const struct player *p)
{
	if (p->cpu_first == p->want_cpu && p->cpu_last == p->want_cpu)
		return;
	fprintf(stderr, "schedbench: player %u pinned to CPU %d ran on CPU %d, then %d\n", p->me,
	        p->want_cpu, p->cpu_first, p->cpu_last);
	exit(1);
}

static uint64_t
pingpong(int cpu_a, int cpu_b)
{
	struct player a = {0, cpu_a, -1, -1}, b = {1, cpu_b, -1, -1};
	pthread_attr_t attr;
	pthread_t tb;
	cpu_set_t set;
	uint64_t t0;
	int err;

	word = 0;
	CPU_ZERO(&set);
	CPU_SET(cpu_a, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity", errno);
	CPU_ZERO(&set);
	CPU_SET(cpu_b, &set);
	pthread_attr_init(&attr);
	err = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (err)
		die("pthread_attr_setaffinity_np", err);
	err = pthread_create(&tb, &attr, player, &b);
	if (err)
		die("pthread_create", err);
	pthread_attr_destroy(&attr);
	mark_bench_start();
	t0 = now_ns();
	player(&a);
	pthread_join(tb, NULL);
	t0 = now_ns() - t0;
	mark_bench_stop();
	check_cpu(&a);
	check_cpu(&b);
	return t0;
}

static void *
nothing(void *arg)
{
	return arg;
}

/* unpinned, as ours (thread_create on the least loaded CPU) */
static uint64_t
create_join(void)
{
	uint64_t t0;
	pthread_t t;
	int err;

	mark_bench_start();
	t0 = now_ns();
	for (uint64_t i = 0; i < ops; i++) {
		err = pthread_create(&t, NULL, nothing, NULL);
		if (err)
			die("pthread_create", err);
		err = pthread_join(t, NULL);
		if (err)
			die("pthread_join", err);
	}
	t0 = now_ns() - t0;
	mark_bench_stop();
	return t0;
}

int
main(int argc, char **argv)
{
	const char *name;
	uint64_t ns;
	char *end;

	if (argc != 3)
		goto usage;
	name = argv[1];
	ops = strtoull(argv[2], &end, 10);
	if (*end || !ops)
		goto usage;
	if (!strcmp(name, "pingpong-same"))
		ns = pingpong(0, 0);
	else if (!strcmp(name, "pingpong-cross"))
		ns = pingpong(0, 1);
	else if (!strcmp(name, "create-join"))
		ns = create_join();
	else
		goto usage;
	printf("bench %s %llu %llu\n", name, (unsigned long long)ops, (unsigned long long)ns);
	return 0;
usage:
	fprintf(stderr, "usage: schedbench pingpong-same|pingpong-cross|create-join OPS\n");
	return 2;
}

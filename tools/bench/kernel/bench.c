/* The bench kernel (BUILD/bench/kernel-bench.elf, tools/bench/bench.mk:
 * the kernel's objects with this kernel_run instead of core/run.c's): the
 * kernel argument bench=NAME (bench.ops=N, default 100000) runs one
 * benchmark, prints "bench NAME OPS NS" on the console and exits.
 *   pingpong-same   futex ping-pong, both threads on CPU 0 (one switch per op)
 *   pingpong-cross  the same across CPUs 0 and 1 (one wake-up per op)
 *   create-join     create a thread that returns at once, join it
 *                   (these three: tools/bench/sections/20-sched.sh)
 *   net-arp         raw ARP round trips over virtio-net with QEMU user
 *                   networking (sections/50-net.sh; needs a device) */
#include "bench.h"
#include "cmdline.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "power.h"
#include "printk.h"
#include "sched.h"

/* empty, and called (noipa: the compiler may not see that they do nothing) */
__attribute__((noipa)) void
mark_bench_start(void)
{
}
__attribute__((noipa)) void
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

#define NAMES "pingpong-same, pingpong-cross, create-join, net-arp"

void
kernel_run(void)
{
	uint64_t ns;
	int other = sched_cpu_count() > 1 ? 1 : 0;

	if (!bench_name[0])
		panic("bench kernel: no bench=NAME (" NAMES ")");
	if (!strcmp(bench_name, "pingpong-same"))
		ns = bench_pingpong(bench_ops, 0, 0);
	else if (!strcmp(bench_name, "pingpong-cross"))
		ns = bench_pingpong(bench_ops, 0, other);
	else if (!strcmp(bench_name, "create-join"))
		ns = bench_create_join(bench_ops);
	else if (!strcmp(bench_name, "net-arp"))
		ns = bench_net_arp(bench_ops);
	else
		panic("bench=%s: unknown (" NAMES ")", bench_name);
	console_printf("bench %s %lu %lu\n", bench_name, (unsigned long)bench_ops,
	               (unsigned long)ns);
	kernel_exit(0);
}

/* The one benchmark still in the test kernel: bench=net-arp bench.ops=N
 * (tools/bench/sections/50-net.sh) runs bench_net_arp() (test_net.c,
 * which has the frame helpers it needs) instead of the tests, prints
 * "bench net-arp OPS NS" on the console and exits. XXX: it should move to
 * the bench kernel (tools/bench/kernel/, as the scheduler benchmarks did)
 * with those helpers. mark_bench_start/stop bracket the timed part for the
 * icount plugin. */
#include "cmdline.h"
#include "errno.h"
#include "ktests.h"
#include "lib.h"
#include "printk.h"

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

/* true when a benchmark was asked for (and has run) */
bool
bench_run(void)
{
	uint64_t ns;

	if (!bench_name[0])
		return false;
	if (strcmp(bench_name, "net-arp"))
		panic("bench=%s: not in the test kernel (net-arp; the scheduler's are in "
		      "build/bench/kernel-bench.elf)",
		      bench_name);
	ns = bench_net_arp(bench_ops); /* test_net.c */
	console_printf("bench %s %lu %lu\n", bench_name, (unsigned long)bench_ops,
	               (unsigned long)ns);
	return true;
}

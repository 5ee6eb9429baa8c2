/* The bench kernel's benchmarks (tools/bench/kernel/): bench.c parses
 * bench=NAME and bench.ops=N and runs the one named; each takes the
 * number of operations and returns the ns they took, bracketed by
 * mark_bench_start/stop for the icount plugin, and panics naming what
 * failed (a benchmark has no other way to say so). */
#ifndef UNUM_BENCH_H
#define UNUM_BENCH_H

#include "types.h"

/* empty milestones around the measured part (tools/bench/markers.sh) */
void mark_bench_start(void);
void mark_bench_stop(void);

/* bench_sched.c: futex ping-pong between a thread on cpu_a and one on
 * cpu_b (one hand-over per op); thread create + join */
uint64_t bench_pingpong(uint64_t ops, int cpu_a, int cpu_b);
uint64_t bench_create_join(uint64_t ops);
/* bench_net.c: ARP request/reply round trips with the user-net gateway */
uint64_t bench_net_arp(uint64_t ops);

#endif

/* Shared between the test build's files (tests/kernel/): what one case
 * file or benchmark asks of another. */
#ifndef UNUM_KTESTS_H
#define UNUM_KTESTS_H

#include "netdev.h"
#include "types.h"

/* bench_net.c: run the benchmark bench=NAME asked for; true when one
 * was asked for (and has run) */
bool bench_run(void);
/* milestones around a benchmark's measured part, for tools/bench */
void mark_bench_start(void);
void mark_bench_stop(void);

/* test_net.c: N ARP round trips with the gateway, ns in total */
uint64_t bench_net_arp(uint64_t ops);

/* test_virtio_rng.c: test.virtio's value, "" without it */
const char *ktest_want_virtio(void);
/* test_netdev.c: nd is the fake device the netdev cases register */
bool ktest_netdev_is_fake(const struct netdev *nd);

/* vecregs.S: fill and check vector (avx: AVX too) or general registers
 * across iters yields; 0, or 1 + the first register found changed */
long vec_check(uint64_t seed, long iters, int avx);
long gpr_check(uint64_t seed, long iters);

#endif

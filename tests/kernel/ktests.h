/* Shared between the test build's files (tests/kernel/): what one case
 * file asks of another (raw_frames.h: the frame helpers, which the bench
 * kernel links too). */
#ifndef UNUM_KTESTS_H
#define UNUM_KTESTS_H

#include "netdev.h"
#include "types.h"

/* test_virtio_rng.c: test.virtio's value, "" without it */
const char *ktest_want_virtio(void);
/* test_netdev.c: nd is the fake device the netdev cases register */
bool ktest_netdev_is_fake(const struct netdev *nd);

/* vecregs.S: fill and check vector (avx: AVX too) or general registers
 * across iters yields; 0, or 1 + the first register found changed */
long vec_check(uint64_t seed, long iters, int avx);
long gpr_check(uint64_t seed, long iters);

#endif

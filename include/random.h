/* Random bytes for the kernel and getrandom (drivers/random.c). */
#ifndef UNUM_RANDOM_H
#define UNUM_RANDOM_H

#include "types.h"

void random_seed(const void *seed, size_t len);
/* start-up (core/main.c): seeded with the TSC, the RTC's time and the
 * initrd's /.unum/seed (docs/host-guest.md) */
void random_init(void);
void random_bytes(void *buf, size_t n);
/* Fold entropy from a device (virtio-rng) into the generator, with
 * RDSEED (else RDRAND) values when the CPU has them. */
void random_mix(const void *buf, size_t len);

/* The virtio-rng device's own bytes, before any mixing
 * (drivers/virtio_rng.c): sleeps until the device delivered (by
 * interrupt). The number of bytes read (n unless the device stopped
 * giving); -ENODEV without a device; -EIO when it failed (no answer for
 * 10 s, or a broken queue; then marked FAILED). */
long virtio_rng_read(void *buf, size_t n);
/* bytes the device delivered since boot (the first went to random_mix) */
uint64_t virtio_rng_delivered(void);

#endif

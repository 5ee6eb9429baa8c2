/* Random bytes for the kernel and getrandom (drivers/random.c). */
#ifndef UNUM_RANDOM_H
#define UNUM_RANDOM_H

#include "types.h"

void random_seed(const void *seed, size_t len);
void random_bytes(void *buf, size_t n);

#endif

/* Kernel randomness: RDRAND where the CPU has it, mixed into a
 * xoshiro256** generator seeded from the host (the initrd's /.unum/seed),
 * the TSC, RDSEED/RDRAND, and the virtio-rng device's bytes (random_mix,
 * drivers/virtio_rng.c). XXX: not a cryptographic generator. */
#include "random.h"
#include "arch.h"
#include "clock.h"
#include "lib.h"
#include "spinlock.h"
#include "vfs.h"

static uint64_t s[4] = {0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull, 0x94d049bb133111ebull,
                        0x2545f4914f6cdd1dull};
static struct spinlock lock = SPINLOCK_INIT;

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
next(void)
{
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

void
random_seed(const void *seed, size_t len)
{
	uint64_t f = spin_lock_irqsave(&lock);
	const uint8_t *p = seed;

	for (size_t i = 0; i < len; i++)
		s[i % 4] ^= (uint64_t)p[i] << (8 * (i % 8));
	s[0] ^= rdtsc();
	for (int i = 0; i < 16; i++)
		next();
	spin_unlock_irqrestore(&lock, f);
}

void
random_init(void)
{
	/* Per-boot noise first: a disk image's /.unum/seed was baked in when
	 * the image was made and is the same at every boot, so the TSC and
	 * the RTC's time go in whatever the seed (RDRAND, when the CPU has
	 * it, joins every draw in random_bytes). */
	uint64_t noise[2] = {rdtsc(), (uint64_t)rtc_read_epoch()};
	struct vnode *v;

	random_seed(noise, sizeof(noise));
	if (!vfs_lookup(NULL, "/.unum/seed", true, &v)) {
		size_t size;
		const void *b = vfs_bytes(v, &size);
		if (b)
			random_seed(b, size);
		vfs_put(v);
	}
}

void
random_mix(const void *buf, size_t len)
{
	uint64_t f = spin_lock_irqsave(&lock), hw;
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		s[(i / 8) % 4] ^= (uint64_t)p[i] << (8 * (i % 8));
	for (int i = 0; i < 4; i++) {
		if ((cpu_features.rdseed && arch_rdseed(&hw)) ||
		    (cpu_features.rdrand && arch_rdrand(&hw)))
			s[i] ^= hw;
		next();
	}
	s[1] ^= rdtsc();
	for (int i = 0; i < 16; i++)
		next();
	if (!(s[0] | s[1] | s[2] | s[3])) /* the one state xoshiro never leaves */
		s[0] = 0x9e3779b97f4a7c15ull;
	spin_unlock_irqrestore(&lock, f);
}

void
random_bytes(void *buf, size_t n)
{
	uint8_t *out = buf;
	uint64_t f = spin_lock_irqsave(&lock);

	while (n) {
		uint64_t v = next(), hw;
		if (cpu_features.rdrand && arch_rdrand(&hw))
			v ^= hw;
		size_t k = MIN(n, sizeof(v));
		memcpy(out, &v, k);
		out += k;
		n -= k;
	}
	spin_unlock_irqrestore(&lock, f);
}

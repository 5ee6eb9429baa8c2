/* virtio-rng delivers exactly the bytes of the file behind QEMU's
 * `-object rng-random,filename=FILE`. tests/run writes FILE from a seed
 * (rng_file() there) and tells the kernel: test.rngseed=N, and the
 * transport it should come through: test.virtio=mmio-v1|mmio-v2|
 * pci-modern|pci-legacy. Without test.rngseed there must be no device. */
#include "cmdline.h"
#include "errno.h"
#include "ktest.h"
#include "ktests.h"
#include "lib.h"
#include "mm.h"
#include "random.h"
#include "virtio.h"

static uint64_t rngseed;
static char want_transport[16];

static int
set_seed(const char *v)
{
	return v ? parse_u64(v, strlen(v), &rngseed, false) : -EINVAL;
}
CMDLINE_KEY("test.rngseed", set_seed);

static int
set_transport(const char *v)
{
	if (!v || strlen(v) >= sizeof(want_transport))
		return -EINVAL;
	memcpy(want_transport, v, strlen(v) + 1);
	return 0;
}
CMDLINE_KEY("test.virtio", set_transport);

/* test.virtio's value, "" without it (test_net.c checks its device too) */
const char *
ktest_want_virtio(void)
{
	return want_transport;
}

/* byte 'off' on of the file: xorshift64* from seed ^ golden ratio, each
 * value's 8 bytes little-endian (keep in step with tests/run) */
static void
file_bytes(uint64_t seed, uint64_t off, uint8_t *out, size_t n)
{
	uint64_t x = seed ^ 0x9e3779b97f4a7c15ull, v = 0;

	for (uint64_t i = 0; i < off + n; i++) {
		if (i % 8 == 0) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			v = x * 0x2545f4914f6cdd1dull;
		}
		if (i >= off)
			out[i - off] = (uint8_t)(v >> (8 * (i % 8)));
	}
}

static struct virtio_dev *
rng_dev(void)
{
	for (int i = 0; i < virtio_ndevs(); i++)
		if (virtio_dev_at(i)->device_id == VIRTIO_ID_RNG)
			return virtio_dev_at(i);
	return NULL;
}

KTEST(virtio_rng_delivers_the_file)
{
	static const size_t sizes[] = {1, 7, 512, 4096, 5000, 3};
	struct virtio_dev *d = rng_dev();
	uint8_t *got, *want;
	uint64_t off;

	if (!rngseed) {
		EXPECT(d == NULL); /* none given, none found */
		EXPECT_EQ(virtio_rng_read(&off, sizeof(off)), -ENODEV);
		return;
	}
	if (!d) {
		ktest_fail(__FILE__, __LINE__, "test.rngseed given but no virtio-rng device found");
		return;
	}
	if (want_transport[0] && strcmp(d->ops->name, want_transport))
		ktest_fail(__FILE__, __LINE__, "%s: transport %s, want %s", d->name, d->ops->name,
		           want_transport);
	EXPECT(d->ops->get_status(d) & VIRTIO_STATUS_DRIVER_OK);
	/* the probe mixed the first 64 bytes into the generator */
	off = virtio_rng_delivered();
	EXPECT_EQ(off, 64);
	got = kmalloc(8192);
	want = kmalloc(8192);
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		long n = virtio_rng_read(got, sizes[i]);
		EXPECT_EQ(n, (long)sizes[i]);
		if (n != (long)sizes[i])
			break;
		file_bytes(rngseed, off, want, sizes[i]);
		for (size_t k = 0; k < sizes[i]; k++)
			if (got[k] != want[k]) {
				ktest_fail(__FILE__, __LINE__,
				           "byte %lu of the file: got %#x, want %#x",
				           (unsigned long)(off + k), got[k], want[k]);
				break;
			}
		off += (uint64_t)n;
	}
	EXPECT_EQ(virtio_rng_delivered(), off);
	kfree(got);
	kfree(want);
}

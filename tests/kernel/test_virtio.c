/* The virtio core (drivers/virtio.c) against a fake transport whose ops
 * table lives here, and a test driver for a device id no real device has:
 * unknown features ignored, legacy and modern negotiation, queue sizes
 * (0 and > VIRTQ_MAX_SIZE refused, with the device reset and the boot
 * going on), the legacy ring layout handed to the transport. */
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "virtio.h"

#define FAKE_ID 0x7e57
#define F_UNKNOWN ((1ull << 50) | (1ull << 7) | (1ull << 40)) /* bits we never ask for */

struct fake {
	struct virtio_dev dev;
	uint8_t status;
	bool saw_failed;      /* FAILED was set at some point */
	bool refuse_features; /* clear FEATURES_OK when the driver sets it */
	int resets;
	uint64_t offered, accepted;
	unsigned qmax;          /* queue 0's maximum size; other queues: none */
	unsigned want;          /* the test driver's max_size */
	struct virtqueue setup; /* what queue_setup was given */
	int setups;
	bool probed;
	int create_failed; /* virtq_create returned NULL */
};

static struct fake *
fk(struct virtio_dev *d)
{
	return d->transport;
}

static uint8_t
f_get_status(struct virtio_dev *d)
{
	return fk(d)->status;
}

static void
f_set_status(struct virtio_dev *d, uint8_t s)
{
	struct fake *f = fk(d);

	if (!s)
		f->resets++;
	if (f->refuse_features)
		s &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	if (s & VIRTIO_STATUS_FAILED)
		f->saw_failed = true;
	f->status = s;
}

static uint64_t
f_get_features(struct virtio_dev *d)
{
	return fk(d)->offered;
}

static void
f_set_features(struct virtio_dev *d, uint64_t v)
{
	fk(d)->accepted = v;
}

static void
f_config(struct virtio_dev *d, unsigned off, void *buf, unsigned len)
{
	memset(buf, 0, len);
}

static void
f_write_config(struct virtio_dev *d, unsigned off, const void *buf, unsigned len)
{
}

static unsigned
f_queue_max(struct virtio_dev *d, unsigned index)
{
	return index == 0 ? fk(d)->qmax : 0;
}

static int
f_queue_setup(struct virtio_dev *d, struct virtqueue *vq)
{
	fk(d)->setup = *vq;
	fk(d)->setups++;
	return 0;
}

static void
f_notify(struct virtqueue *vq)
{
}

static int
f_setup_irqs(struct virtio_dev *d)
{
	return 0;
}

static const struct virtio_transport_ops fake_ops = {
    .name = "fake",
    .get_status = f_get_status,
    .set_status = f_set_status,
    .get_features = f_get_features,
    .set_features = f_set_features,
    .read_config = f_config,
    .write_config = f_write_config,
    .queue_max = f_queue_max,
    .queue_setup = f_queue_setup,
    .notify = f_notify,
    .setup_irqs = f_setup_irqs,
};

static int
fake_probe(struct virtio_dev *d)
{
	struct fake *f = fk(d);
	int e;

	f->probed = true;
	e = virtio_negotiate(d, VIRTIO_F_VERSION_1 | VIRTIO_F_RING_EVENT_IDX |
	                            VIRTIO_F_RING_INDIRECT_DESC);
	if (e)
		return e;
	if (!virtq_create(d, 0, f->want, NULL, NULL)) {
		f->create_failed++;
		return -ENODEV;
	}
	e = virtio_setup_irqs(d);
	if (e)
		return e;
	virtio_driver_ok(d);
	return 0;
}
VIRTIO_DRIVER(ktest_fake, FAKE_ID, fake_probe);

/* the fake devices stay in the core's list: they live here for good */
static struct fake fakes[16];
static int nfakes;

static struct fake *
found(bool legacy, uint64_t offered, unsigned qmax, unsigned want)
{
	struct fake *f = &fakes[nfakes++];
	int before = virtio_ndevs();

	f->dev.ops = &fake_ops;
	f->dev.transport = f;
	f->dev.device_id = FAKE_ID;
	f->dev.legacy = legacy;
	fmt_snprintf(f->dev.name, sizeof(f->dev.name), "virtio-fake%d", nfakes);
	f->offered = offered;
	f->qmax = qmax;
	f->want = want;
	f->status = VIRTIO_STATUS_ACKNOWLEDGE; /* left over from firmware: reset clears it */
	virtio_dev_found(&f->dev);
	EXPECT(f->probed);
	EXPECT_EQ(virtio_ndevs(), before + 1);
	EXPECT(virtio_dev_at(before) == &f->dev);
	return f;
}

#define ACCEPTED_STATUS                                                                            \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |            \
	 VIRTIO_STATUS_DRIVER_OK)

KTEST(virtio_unknown_features_ignored)
{
	uint64_t known = VIRTIO_F_VERSION_1 | VIRTIO_F_RING_EVENT_IDX;
	struct fake *f = found(false, known | F_UNKNOWN | VIRTIO_F_ACCESS_PLATFORM, 256, 64);

	EXPECT_EQ(f->accepted, known); /* not INDIRECT: not offered */
	EXPECT_EQ(f->dev.features, known);
	EXPECT_EQ(f->status, ACCEPTED_STATUS);
	EXPECT(!f->saw_failed);
	EXPECT_EQ(f->resets, 1); /* the one reset before the probe */

	/* legacy: 32 feature bits, no VERSION_1, no FEATURES_OK */
	f = found(true, 0xffffffffull | known, 128, 64);
	EXPECT_EQ(f->accepted, VIRTIO_F_RING_EVENT_IDX | VIRTIO_F_RING_INDIRECT_DESC);
	EXPECT_EQ(f->status, ACCEPTED_STATUS & ~VIRTIO_STATUS_FEATURES_OK);
	EXPECT(f->setup.indirect && f->setup.event_idx);
}

KTEST(virtio_queue_layout_handed_to_transport)
{
	struct fake *f = found(false, VIRTIO_F_VERSION_1, 256, 64);
	struct virtqueue *q = &f->setup;

	EXPECT_EQ(f->setups, 1);
	EXPECT_EQ(q->size, 64);
	EXPECT_EQ(f->dev.nvqs, 1);
	EXPECT(f->dev.vqs[0] && f->dev.vqs[0]->size == 64);
	EXPECT_EQ(q->desc_pa % VIRTQ_LEGACY_ALIGN, 0);
	EXPECT_EQ(q->avail_pa, q->desc_pa + 16 * 64);
	EXPECT_EQ(q->used_pa, q->desc_pa + ALIGN_UP(16 * 64 + 2 * (3 + 64), VIRTQ_LEGACY_ALIGN));
	EXPECT(!q->event_idx && !q->indirect);
	EXPECT_EQ(virtq_free_descs(f->dev.vqs[0]), 64);
	/* sizes: a power of two, at most what the driver and the device allow */
	f = found(false, VIRTIO_F_VERSION_1, 100, 64);
	EXPECT_EQ(f->setup.size, 64);
	f = found(false, VIRTIO_F_VERSION_1, 48, 64);
	EXPECT_EQ(f->setup.size, 32);
	f = found(false, VIRTIO_F_VERSION_1, VIRTQ_MAX_SIZE, 0); /* 0: the device's size */
	EXPECT_EQ(f->setup.size, VIRTQ_MAX_SIZE);
	EXPECT_EQ(f->status, ACCEPTED_STATUS);
}

KTEST(virtio_bad_queue_size_refused)
{
	unsigned bad[] = {0, VIRTQ_MAX_SIZE * 2, VIRTQ_MAX_SIZE + 1};

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct fake *f = found(false, VIRTIO_F_VERSION_1, bad[i], 64);
		EXPECT_EQ(f->create_failed, 1);
		EXPECT_EQ(f->setups, 0); /* the transport never saw a queue */
		EXPECT_EQ(f->dev.nvqs, 0);
		EXPECT_EQ(f->status, 0); /* refused: reset */
		EXPECT_EQ(f->resets, 2); /* before the probe, after it failed */
	}
	/* and the boot goes on: the next device works */
	EXPECT_EQ(found(false, VIRTIO_F_VERSION_1, 8, 8)->status, ACCEPTED_STATUS);
}

KTEST(virtio_negotiation_failures_refused)
{
	/* a modern transport whose device does not offer VERSION_1 */
	struct fake *f = found(false, VIRTIO_F_RING_EVENT_IDX, 8, 8);
	EXPECT(f->saw_failed);
	EXPECT_EQ(f->status, 0);
	EXPECT_EQ(f->setups, 0);
	/* a device that does not accept our features */
	f = fakes + nfakes;
	f->refuse_features = true;
	f = found(false, VIRTIO_F_VERSION_1, 8, 8);
	EXPECT(f->saw_failed);
	EXPECT_EQ(f->status, 0);
	EXPECT_EQ(f->setups, 0);
}

#include "mm.h"

/* virtio_mmio_probe's checks, on a page of RAM dressed up as registers */
KTEST(virtio_mmio_probe_checks)
{
	uint32_t *regs = kpage_alloc(0);
	uint64_t pa = mm_v2p(regs);
	int before = virtio_ndevs();

	EXPECT_EQ(virtio_mmio_probe(pa, 512, 12), -EINVAL); /* magic 0 */
	regs[0] = 0x74726976;                               /* "virt" */
	regs[1] = 3;                                        /* no such version */
	EXPECT_EQ(virtio_mmio_probe(pa, 512, 12), -EINVAL);
	regs[1] = 2; /* device id 0: empty slot */
	EXPECT_EQ(virtio_mmio_probe(pa, 512, 12), -ENODEV);
	regs[1] = 1;
	EXPECT_EQ(virtio_mmio_probe(pa, 512, 12), -ENODEV);
	EXPECT_EQ(virtio_mmio_probe(pa, 16, 12), -EINVAL); /* smaller than the registers */
	EXPECT_EQ(virtio_ndevs(), before);                 /* none of them a device */
	kpage_free(regs, 0);
}

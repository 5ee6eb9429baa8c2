/* The virtio-mmio transport (virtio 1.x section 4.2): version 1 (legacy:
 * GuestPageSize, QueuePFN, QueueAlign) and version 2 (modern: split queue
 * addresses, QueueReady), one interrupt line per device (an IOAPIC GSI on
 * microvm). Devices come from virtio_mmio.device= (include/vmmio_args.h).
 * Exercised by the virtio-rng-mmio* boots of tests/run
 * (`--qemu -global --qemu virtio-mmio.force-legacy=false` gives version 2). */
#include "errno.h"
#include "irq.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "virtio.h"
#include "virtio_mmio_reg.h"

struct vmmio {
	volatile uint8_t *regs; /* mapped uncached */
	uint32_t version;       /* 1 or 2 */
	uint32_t gsi;
	int vector; /* 0 until setup_irqs */
	struct virtio_dev dev;
};

static inline struct vmmio *
vm(struct virtio_dev *d)
{
	return d->transport;
}

static inline uint32_t
rd(struct vmmio *m, unsigned off)
{
	return *(volatile uint32_t *)(m->regs + off);
}

static inline void
wr(struct vmmio *m, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(m->regs + off) = v;
}

static uint8_t
get_status(struct virtio_dev *d)
{
	return (uint8_t)rd(vm(d), VMMIO_STATUS);
}

static void
set_status(struct virtio_dev *d, uint8_t status)
{
	wr(vm(d), VMMIO_STATUS, status);
}

static uint64_t
get_features(struct virtio_dev *d)
{
	struct vmmio *m = vm(d);
	uint64_t f;

	wr(m, VMMIO_DEVICE_FEATURES_SEL, 0);
	f = rd(m, VMMIO_DEVICE_FEATURES);
	if (m->version >= 2) {
		wr(m, VMMIO_DEVICE_FEATURES_SEL, 1);
		f |= (uint64_t)rd(m, VMMIO_DEVICE_FEATURES) << 32;
	}
	return f;
}

static void
set_features(struct virtio_dev *d, uint64_t f)
{
	struct vmmio *m = vm(d);

	wr(m, VMMIO_DRIVER_FEATURES_SEL, 0);
	wr(m, VMMIO_DRIVER_FEATURES, (uint32_t)f);
	if (m->version >= 2) {
		wr(m, VMMIO_DRIVER_FEATURES_SEL, 1);
		wr(m, VMMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	}
}

/* Device config [off, off+len). Version 2 (4.2.2.2): a field is read and
 * written in its own width, 1, 2 or 4 bytes in one access when aligned,
 * a 64-bit one as two 32-bit accesses; anything else byte by byte.
 * Version 1 (legacy) config is guest-endian bytes: always byte by byte. */
static void
cfg_access(struct vmmio *m, unsigned off, uint8_t *b, unsigned len, bool write)
{
	volatile uint8_t *r = m->regs + VMMIO_CONFIG + off;
	unsigned w = len == 8 ? 4 : len;

	if (m->version < 2 || (w != 1 && w != 2 && w != 4) || (off & (w - 1)))
		w = 1;

	for (unsigned i = 0; i < len; i += w) {
		if (w == 4) {
			uint32_t v;
			if (write) {
				memcpy(&v, b + i, 4);
				*(volatile uint32_t *)(r + i) = v;
			} else {
				v = *(volatile uint32_t *)(r + i);
				memcpy(b + i, &v, 4);
			}
		} else if (w == 2) {
			uint16_t v;
			if (write) {
				memcpy(&v, b + i, 2);
				*(volatile uint16_t *)(r + i) = v;
			} else {
				v = *(volatile uint16_t *)(r + i);
				memcpy(b + i, &v, 2);
			}
		} else if (write) {
			r[i] = b[i];
		} else {
			b[i] = r[i];
		}
	}
}

/* on version 2 again until the generation holds still (4.2.2.1) */
static void
read_config(struct virtio_dev *d, unsigned off, void *buf, unsigned len)
{
	struct vmmio *m = vm(d);
	uint32_t gen;

	do {
		gen = m->version >= 2 ? rd(m, VMMIO_CONFIG_GENERATION) : 0;
		cfg_access(m, off, buf, len, false);
	} while (m->version >= 2 && gen != rd(m, VMMIO_CONFIG_GENERATION));
}

static void
write_config(struct virtio_dev *d, unsigned off, const void *buf, unsigned len)
{
	cfg_access(vm(d), off, (void *)buf, len, true);
}

static unsigned
queue_max(struct virtio_dev *d, unsigned index)
{
	struct vmmio *m = vm(d);

	wr(m, VMMIO_QUEUE_SEL, index);
	/* a queue already in use is not ours to take */
	if (rd(m, m->version >= 2 ? VMMIO_QUEUE_READY : VMMIO_QUEUE_PFN))
		return 0;
	return rd(m, VMMIO_QUEUE_NUM_MAX);
}

static int
queue_setup(struct virtio_dev *d, struct virtqueue *vq)
{
	struct vmmio *m = vm(d);

	wr(m, VMMIO_QUEUE_SEL, vq->index);
	wr(m, VMMIO_QUEUE_NUM, vq->size);
	if (m->version == 1) {
		/* the legacy layout: used at VIRTQ_LEGACY_ALIGN after desc */
		if (vq->desc_pa % PAGE_SIZE || (vq->desc_pa >> PAGE_SHIFT) >> 32)
			return -EINVAL;
		wr(m, VMMIO_GUEST_PAGE_SIZE, PAGE_SIZE);
		wr(m, VMMIO_QUEUE_ALIGN, VIRTQ_LEGACY_ALIGN);
		wr(m, VMMIO_QUEUE_PFN, (uint32_t)(vq->desc_pa >> PAGE_SHIFT));
		return rd(m, VMMIO_QUEUE_PFN) ? 0 : -EIO;
	}
	wr(m, VMMIO_QUEUE_DESC_LOW, (uint32_t)vq->desc_pa);
	wr(m, VMMIO_QUEUE_DESC_HIGH, (uint32_t)(vq->desc_pa >> 32));
	wr(m, VMMIO_QUEUE_DRIVER_LOW, (uint32_t)vq->avail_pa);
	wr(m, VMMIO_QUEUE_DRIVER_HIGH, (uint32_t)(vq->avail_pa >> 32));
	wr(m, VMMIO_QUEUE_DEVICE_LOW, (uint32_t)vq->used_pa);
	wr(m, VMMIO_QUEUE_DEVICE_HIGH, (uint32_t)(vq->used_pa >> 32));
	wr(m, VMMIO_QUEUE_READY, 1);
	return rd(m, VMMIO_QUEUE_READY) ? 0 : -EIO;
}

static void
notify(struct virtqueue *vq)
{
	wr(vm(vq->dev), VMMIO_QUEUE_NOTIFY, vq->index);
}

/* acknowledge first: a completion after the read raises the line again */
static void
vmmio_interrupt(struct trapframe *tf, void *arg)
{
	struct vmmio *m = arg;
	uint32_t isr = rd(m, VMMIO_INTERRUPT_STATUS);

	if (!isr)
		return;
	wr(m, VMMIO_INTERRUPT_ACK, isr);
	if (isr & VMMIO_INT_VRING)
		for (unsigned i = 0; i < READ_ONCE(m->dev.nvqs); i++)
			virtio_vq_interrupt(m->dev.vqs[i]);
	if (isr & VMMIO_INT_CONFIG)
		virtio_config_interrupt(&m->dev);
}

/* QEMU's virtio-mmio holds its line high while InterruptStatus is not
 * 0: level-triggered, active high */
static int
setup_irqs(struct virtio_dev *d)
{
	struct vmmio *m = vm(d);
	int v, e;

	if (m->vector)
		return 0;
	v = irq_alloc_vector(vmmio_interrupt, m);
	if (v < 0)
		return v;
	e = ioapic_route_flags(m->gsi, v, true, false);
	if (e) {
		irq_set_handler(v, NULL, NULL);
		return e;
	}
	m->vector = v;
	return 0;
}

static const struct virtio_transport_ops mmio_v1_ops = {
    .name = "mmio-v1",
    .get_status = get_status,
    .set_status = set_status,
    .get_features = get_features,
    .set_features = set_features,
    .read_config = read_config,
    .write_config = write_config,
    .queue_max = queue_max,
    .queue_setup = queue_setup,
    .notify = notify,
    .setup_irqs = setup_irqs,
};

static const struct virtio_transport_ops mmio_v2_ops = {
    .name = "mmio-v2",
    .get_status = get_status,
    .set_status = set_status,
    .get_features = get_features,
    .set_features = set_features,
    .read_config = read_config,
    .write_config = write_config,
    .queue_max = queue_max,
    .queue_setup = queue_setup,
    .notify = notify,
    .setup_irqs = setup_irqs,
};

static const char *
id_name(uint32_t id)
{
	static const char *const names[] = {[VIRTIO_ID_NET] = "net",
	                                    [VIRTIO_ID_BLOCK] = "blk",
	                                    [VIRTIO_ID_CONSOLE] = "console",
	                                    [VIRTIO_ID_RNG] = "rng",
	                                    [VIRTIO_ID_BALLOON] = "balloon"};

	return id < ARRAY_SIZE(names) && names[id] ? names[id] : "dev";
}

int
virtio_mmio_probe(uint64_t base, uint64_t size, uint32_t irq)
{
	volatile uint8_t *regs;
	uint32_t magic, version, id;
	struct vmmio *m;

	if (size < VMMIO_CONFIG) {
		printk(KERN_ERR "virtio-mmio@%#lx: %lu bytes, too small for the registers",
		       (unsigned long)base, (unsigned long)size);
		return -EINVAL;
	}
	regs = mm_map_mmio(base, size);
	magic = *(volatile uint32_t *)(regs + VMMIO_MAGIC_VALUE);
	version = *(volatile uint32_t *)(regs + VMMIO_VERSION);
	id = *(volatile uint32_t *)(regs + VMMIO_DEVICE_ID);
	if (magic != VMMIO_MAGIC || (version != 1 && version != 2)) {
		printk(KERN_ERR "virtio-mmio@%#lx: magic %#x version %u: not a virtio-mmio device",
		       (unsigned long)base, magic, version);
		return -EINVAL;
	}
	if (id == 0)
		return -ENODEV; /* an empty slot */
	m = kzalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->regs = regs;
	m->version = version;
	m->gsi = irq;
	m->dev.ops = version == 1 ? &mmio_v1_ops : &mmio_v2_ops;
	m->dev.transport = m;
	m->dev.device_id = (uint16_t)id;
	m->dev.legacy = version == 1;
	fmt_snprintf(m->dev.name, sizeof(m->dev.name), "virtio-%s@mmio %#lx", id_name(id),
	             (unsigned long)base);
	virtio_dev_found(&m->dev);
	return 0;
}

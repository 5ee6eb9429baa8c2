/* virtio (spec 1.x, with the 0.9.5 legacy interface): the four layers of
 * DESIGN.md, "Drivers".
 *   1. register layout: the constants below (status, features, ids) and
 *      the split-ring structures (struct vring_*), shared by every layer;
 *   2. the ring: one device-agnostic split-virtqueue engine
 *      (drivers/virtio_ring.c: indirect descriptors, EVENT_IDX, completion
 *      by interrupt or by polling); pure logic over memory it is given,
 *      so tests/unit runs it against a simulated device;
 *   3. transports behind struct virtio_transport_ops: PCI modern, PCI
 *      legacy (drivers/virtio_pci.c), MMIO v1 and v2 (drivers/virtio_mmio.c);
 *   4. devices (drivers/virtio_blk.c, virtio_net.c, virtio_rng.c,
 *      virtio_balloon.c), which
 *      use only the ring and the transport ops, never a transport's
 *      registers.
 * A device driver registers itself with VIRTIO_DRIVER(); a transport that
 * finds a device fills a struct virtio_dev and calls virtio_dev_found(),
 * which matches a driver and calls its probe.
 *
 * Typical driver:
 *   static int rng_probe(struct virtio_dev *d) {
 *       int e = virtio_negotiate(d, VIRTIO_F_VERSION_1 | VIRTIO_F_RING_EVENT_IDX);
 *       if (e) return e;
 *       struct virtqueue *vq = virtq_create(d, 0, 64, rng_done, st);
 *       if (!vq) return -ENODEV;              // queue missing or bad size
 *       e = virtio_setup_irqs(d);              // MSI-X per queue, or one line
 *       if (e) return e;
 *       virtio_driver_ok(d);
 *       ... virtq_add(vq, bufs, 0, 1, token); virtq_kick(vq); ...
 *   }
 *   VIRTIO_DRIVER(rng, VIRTIO_ID_RNG, rng_probe);
 *
 * Locking: a virtqueue is not locked; its driver serialises virtq_add/
 * virtq_kick/virtq_get on one queue (a spinlock taken with interrupts
 * off, since callbacks run in interrupt context). */
#ifndef UNUM_VIRTIO_H
#define UNUM_VIRTIO_H

#include "types.h"

/* --- 1. register layout --- */

/* device status (all transports) */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* device-independent feature bits */
#define VIRTIO_F_NOTIFY_ON_EMPTY (1ull << 24)
#define VIRTIO_F_ANY_LAYOUT (1ull << 27)
#define VIRTIO_F_RING_INDIRECT_DESC (1ull << 28)
#define VIRTIO_F_RING_EVENT_IDX (1ull << 29)
#define VIRTIO_F_VERSION_1 (1ull << 32)
#define VIRTIO_F_ACCESS_PLATFORM (1ull << 33)

/* device ids (virtio 1.x numbering; PCI ids are 0x1040 + id, legacy
 * PCI 0x1000 + (id - 1) for net/blk, 0x1005 for rng) */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4
#define VIRTIO_ID_BALLOON 5

/* split ring, little-endian as laid out in guest memory */
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1
#define VIRTQ_MAX_SIZE 1024     /* larger queues are refused */
#define VIRTQ_LEGACY_ALIGN 4096 /* used ring alignment of the legacy layout */

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* then uint16_t used_event */
};
struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};
struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[]; /* then uint16_t avail_event */
};

/* --- 2. the ring --- */

struct virtio_dev;
struct virtqueue;
typedef void (*virtq_callback_t)(struct virtqueue *vq);

/* One buffer of a request: guest-physical address and length. */
struct vq_buf {
	uint64_t pa;
	uint32_t len;
};

struct virtqueue {
	struct virtio_dev *dev;
	unsigned index;            /* queue number on the device */
	unsigned size;             /* descriptors, a power of two */
	virtq_callback_t callback; /* from the interrupt, with interrupts off */
	void *priv;                /* the driver's */
	/* the rings, in the legacy contiguous layout (valid for every
	 * transport): desc, then avail, then used at VIRTQ_LEGACY_ALIGN */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint64_t desc_pa, avail_pa, used_pa;
	bool event_idx, indirect; /* negotiated */
	uint16_t msix_vector;     /* the transport's; VIRTIO_NO_VECTOR if none */
	void *ring_state;         /* the ring engine's private state */
};

/* Make queue 'index' of 'dev' with at most 'max_size' descriptors (the
 * device's maximum if smaller), allocate its rings and hand them to the
 * transport. NULL, with a kernel log line naming the device and the
 * reason, when the device has no such queue, reports a size of 0 or one
 * larger than VIRTQ_MAX_SIZE, or memory runs out. Call between
 * virtio_negotiate() and virtio_driver_ok(). */
struct virtqueue *virtq_create(struct virtio_dev *dev, unsigned index, unsigned max_size,
                               virtq_callback_t callback, void *priv);
/* Queue one request: 'out' device-readable buffers then 'in'
 * device-writable ones; 'token' (not NULL) comes back from virtq_get().
 * Uses one indirect descriptor when negotiated and the chain has more
 * than one buffer. 0, or -ENOSPC when there are not enough free
 * descriptors (nothing queued), -EINVAL for an empty request. The device
 * sees it only after virtq_kick(). */
int virtq_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned out, unsigned in,
              void *token);
/* Publish what was added and notify the device unless it said it need
 * not be (VRING_USED_F_NO_NOTIFY, or the avail_event index with
 * EVENT_IDX). */
void virtq_kick(struct virtqueue *vq);
/* The next completed request's token and the bytes the device wrote
 * (*len), or NULL when none is pending. Frees its descriptors. */
void *virtq_get(struct virtqueue *vq, uint32_t *len);
/* Interrupt suppression: disable asks the device not to interrupt;
 * enable asks again and returns false when completions arrived
 * meanwhile (the caller must then drain with virtq_get before sleeping). */
void virtq_disable_cb(struct virtqueue *vq);
bool virtq_enable_cb(struct virtqueue *vq);
unsigned virtq_free_descs(const struct virtqueue *vq);
/* whether a completion waits to be taken by virtq_get */
bool virtq_pending(const struct virtqueue *vq);
/* The watch for a lost notification, called now and then while the
 * queue is busy: when the device has completed nothing since the last
 * call, has buffers it was not told of, and by its event index (or
 * flags) wants to be told, notify it again; true when it did. The
 * suppression protocols (avail_event, used_event, the flags) rest on a
 * store-then-load fence on each side, and QEMU's TCG with one vCPU drops
 * the guest's fences (it emits none without CF_PARALLEL): the store of
 * avail->idx can pass the load of avail_event, and a kick is lost while
 * QEMU's I/O thread stops on the index it saw. Under the queue's lock. */
bool virtq_rescue(struct virtqueue *vq);
/* One KERN_EMERG line of the queue's indices and state, for the NMI dump
 * (read without the queue's lock: a snapshot, maybe torn). */
void virtq_dump(const struct virtqueue *vq, const char *what);

/* --- 3. transports --- */

#define VIRTIO_NO_VECTOR 0xffff

struct virtio_transport_ops {
	const char *name; /* "pci-modern", "pci-legacy", "mmio-v1", "mmio-v2" */
	/* the driver cannot choose a queue's size: the device's maximum is
	 * its size (legacy PCI has no writable QueueNum) */
	bool fixed_queue_size;
	uint8_t (*get_status)(struct virtio_dev *d);
	void (*set_status)(struct virtio_dev *d, uint8_t status); /* 0 resets */
	uint64_t (*get_features)(struct virtio_dev *d);
	void (*set_features)(struct virtio_dev *d, uint64_t features);
	/* device-specific configuration space, byte offset 'off' */
	void (*read_config)(struct virtio_dev *d, unsigned off, void *buf, unsigned len);
	void (*write_config)(struct virtio_dev *d, unsigned off, const void *buf, unsigned len);
	/* the device's maximum size for queue 'index' (0: no such queue) */
	unsigned (*queue_max)(struct virtio_dev *d, unsigned index);
	/* give the device the rings of vq (size, *_pa set); 0 or -errno */
	int (*queue_setup)(struct virtio_dev *d, struct virtqueue *vq);
	void (*notify)(struct virtqueue *vq);
	/* route interrupts for every queue made so far (MSI-X one vector per
	 * queue plus config, else the shared line): each calls
	 * virtio_vq_interrupt(vq) / virtio_config_interrupt(d) */
	int (*setup_irqs)(struct virtio_dev *d);
};

struct virtio_dev {
	const struct virtio_transport_ops *ops;
	void *transport;    /* the transport's state */
	uint16_t device_id; /* VIRTIO_ID_* */
	bool legacy;        /* 0.9.5 interface: 32 feature bits, no FEATURES_OK */
	uint64_t features;  /* negotiated */
	char name[32];      /* for messages: "virtio-blk@pci 00:03.0" */
	struct virtqueue *vqs[8];
	unsigned nvqs;
	void (*config_changed)(struct virtio_dev *d); /* optional, the driver's */
	void *priv;                                   /* the driver's */
};

/* A transport found a device: reset it, match a registered driver by
 * device id and run its probe; with no driver, or when probe fails, the
 * device is reset and left alone (logged). */
void virtio_dev_found(struct virtio_dev *d);

/* called by transports from their interrupt handlers */
void virtio_vq_interrupt(struct virtqueue *vq);
void virtio_config_interrupt(struct virtio_dev *d);

/* --- 4. what device drivers call --- */

/* ACKNOWLEDGE, DRIVER, then agree on features: the device's offer AND
 * 'wanted' (unknown offered bits are ignored; VERSION_1 is required of
 * modern transports and dropped for legacy ones); FEATURES_OK checked
 * on modern devices. 0, or -ENODEV (status FAILED set, logged). */
int virtio_negotiate(struct virtio_dev *d, uint64_t wanted);
static inline bool
virtio_has(const struct virtio_dev *d, uint64_t f)
{
	return (d->features & f) != 0;
}
int virtio_setup_irqs(struct virtio_dev *d);
void virtio_driver_ok(struct virtio_dev *d);
/* mark FAILED and reset: a driver giving up on its device */
void virtio_fail(struct virtio_dev *d, const char *why);
static inline void
virtio_read_config(struct virtio_dev *d, unsigned off, void *buf, unsigned len)
{
	d->ops->read_config(d, off, buf, len);
}

struct virtio_driver {
	const char *name;
	uint16_t device_id;
	int (*probe)(struct virtio_dev *d); /* 0, or -errno: device left alone */
};
#define VIRTIO_DRIVER(n, id, probe_fn)                                                             \
	static const struct virtio_driver __virtio_drv_##n __used __section("virtio_drivers")      \
	    __aligned(8) = {#n, id, probe_fn}

/* every device virtio_dev_found() was given, for tests and /proc */
int virtio_ndevs(void);
struct virtio_dev *virtio_dev_at(int i);

/* Start the devices of the virtio_mmio.device= list (virtio-mmio
 * transport). PCI devices come from pci_init() (drivers/pci.c), which
 * hands vendor 0x1af4 functions to virtio_pci_probe(). Both are called
 * once from start-up, after the scheduler, interrupts and the VFS are up
 * (drivers may sleep, and publish /dev nodes). */
void virtio_init(void);
struct pci_dev;
int virtio_pci_probe(struct pci_dev *p); /* 0, or -errno: not taken */
/* Test hook, set before pci_init: virtio-pci devices act as if they
 * refused their last queue's MSI-X vector (drivers fall back to INTx) */
extern bool virtio_pci_refuse_msix;
/* One virtio-mmio slot (drivers/virtio_mmio.c): registers at 'base'
 * ('size' bytes), interrupt on IOAPIC GSI 'irq'. 0; -ENODEV for an empty
 * slot (device id 0, quietly); -EINVAL for a bad magic value or version
 * (logged); -ENOMEM. virtio_init() calls it for each virtio_mmio.device=. */
int virtio_mmio_probe(uint64_t base, uint64_t size, uint32_t irq);

#endif

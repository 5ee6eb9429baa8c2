/* The virtio core (include/virtio.h, spec 1.x section 3.1 "Device
 * Initialization"): devices found by transports meet their drivers here;
 * feature negotiation, queue creation (the kernel's half of the ring:
 * memory), status changes, interrupt dispatch, the device list.
 * Exercised by tests/kernel/test_virtio.c (a fake transport) and the
 * device boots of tests/run. */
#include "arch.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "sections.h"
#include "virtio_ring.h"
#include "vmmio_args.h"

#define VIRTIO_MAX_DEVS 32
static struct virtio_dev *devs[VIRTIO_MAX_DEVS];
static int ndevs;

int
virtio_ndevs(void)
{
	return __atomic_load_n(&ndevs, __ATOMIC_ACQUIRE);
}

struct virtio_dev *
virtio_dev_at(int i)
{
	return i >= 0 && i < virtio_ndevs() ? devs[i] : NULL;
}

/* indirect tables for the ring engine: kmalloc memory is physically
 * contiguous (one slab page up to 2 KiB, whole frames beyond) */
struct vring_desc *
vring_table_alloc(unsigned n, uint64_t *pa)
{
	struct vring_desc *t = kmalloc(sizeof(*t) * n);

	if (t)
		*pa = mm_v2p(t);
	return t;
}

void
vring_table_free(struct vring_desc *t, unsigned n)
{
	kfree(t);
}

static unsigned
ring_order(unsigned size)
{
	size_t bytes = vring_legacy_bytes(size);
	unsigned order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

static void
reset(struct virtio_dev *d)
{
	d->ops->set_status(d, 0);
	/* a modern device may take a moment; the transports we know reset at once */
	for (int i = 0; i < 1000 && d->ops->get_status(d); i++)
		cpu_relax();
}

static void
free_queues(struct virtio_dev *d)
{
	unsigned n = d->nvqs;

	d->nvqs = 0; /* interrupt handlers walk vqs[0..nvqs) */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < n; i++) {
		struct virtqueue *vq = d->vqs[i];
		d->vqs[i] = NULL;
		kpage_free(vq->desc, ring_order(vq->size));
		kfree(vq->ring_state);
		kfree(vq);
	}
}

void
virtio_dev_found(struct virtio_dev *d)
{
	const struct virtio_driver *drv;
	int e;

	if (ndevs == VIRTIO_MAX_DEVS) {
		printk(KERN_ERR "virtio: %s: more than %d devices, left alone", d->name,
		       VIRTIO_MAX_DEVS);
		return;
	}
	devs[ndevs] = d;
	__atomic_store_n(&ndevs, ndevs + 1, __ATOMIC_RELEASE);
	reset(d);
	for (drv = __start_virtio_drivers; drv < __stop_virtio_drivers; drv++)
		if (drv->device_id == d->device_id)
			break;
	if (drv == __stop_virtio_drivers) {
		printk(KERN_INFO "virtio: %s (%s, device id %u): no driver, left alone", d->name,
		       d->ops->name, d->device_id);
		return;
	}
	printk(KERN_INFO "virtio: %s (%s): driver %s", d->name, d->ops->name, drv->name);
	e = drv->probe(d);
	if (e) {
		printk(KERN_ERR "virtio: %s: driver %s refused the device (%d); reset, left alone",
		       d->name, drv->name, e);
		reset(d);
		free_queues(d);
	}
}

void
virtio_vq_interrupt(struct virtqueue *vq)
{
	/* the line may be shared by every queue of the device */
	if (vq->callback && (vring_pending(vq) || vring_broken(vq)))
		vq->callback(vq);
}

void
virtio_config_interrupt(struct virtio_dev *d)
{
	if (d->config_changed)
		d->config_changed(d);
}

static void
add_status(struct virtio_dev *d, uint8_t bits)
{
	d->ops->set_status(d, d->ops->get_status(d) | bits);
}

int
virtio_negotiate(struct virtio_dev *d, uint64_t wanted)
{
	uint64_t offered, f;

	add_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	add_status(d, VIRTIO_STATUS_DRIVER);
	offered = d->ops->get_features(d);
	if (d->legacy) {
		wanted &= 0xffffffffull & ~VIRTIO_F_VERSION_1;
	} else {
		if (!(offered & VIRTIO_F_VERSION_1)) {
			virtio_fail(d, "modern transport, but the device does not offer VERSION_1");
			return -ENODEV;
		}
		wanted |= VIRTIO_F_VERSION_1;
	}
	f = offered & wanted; /* what we do not know, we do not take */
	d->ops->set_features(d, f);
	if (!d->legacy) {
		add_status(d, VIRTIO_STATUS_FEATURES_OK);
		if (!(d->ops->get_status(d) & VIRTIO_STATUS_FEATURES_OK)) {
			virtio_fail(d, "the device did not accept our features (FEATURES_OK)");
			return -ENODEV;
		}
	}
	d->features = f;
	return 0;
}

/* the queue size to use: the device's maximum, at most 'want', a power of
 * two; 0 with the reason in *why when there is none */
static unsigned
queue_size(struct virtio_dev *d, unsigned max, unsigned want, const char **why)
{
	unsigned size = 1;

	if (max == 0) {
		*why = "no such queue (size 0)";
		return 0;
	}
	if (max > VIRTQ_MAX_SIZE) {
		*why = "size larger than VIRTQ_MAX_SIZE";
		return 0;
	}
	if (d->ops->fixed_queue_size) {
		if (max & (max - 1)) {
			*why = "size not a power of two";
			return 0;
		}
		return max;
	}
	while (size * 2 <= MIN(max, want ? want : max))
		size *= 2;
	return size;
}

struct virtqueue *
virtq_create(struct virtio_dev *d, unsigned index, unsigned max_size, virtq_callback_t callback,
             void *priv)
{
	const char *why = "out of memory";
	unsigned max = d->ops->queue_max(d, index), size;
	struct virtqueue *vq;
	void *ring, *state;
	int e;

	size = queue_size(d, max, max_size, &why);
	if (!size)
		goto err;
	if (d->nvqs == ARRAY_SIZE(d->vqs)) {
		why = "more queues than struct virtio_dev holds";
		goto err;
	}
	vq = kzalloc(sizeof(*vq));
	state = kzalloc(vring_state_bytes(size));
	ring = kpage_alloc(ring_order(size));
	if (!vq || !state || !ring)
		goto err_free;
	vq->dev = d;
	vq->index = index;
	vq->callback = callback;
	vq->priv = priv;
	vq->event_idx = virtio_has(d, VIRTIO_F_RING_EVENT_IDX);
	vq->indirect = virtio_has(d, VIRTIO_F_RING_INDIRECT_DESC);
	vq->msix_vector = VIRTIO_NO_VECTOR;
	vring_setup(vq, size, ring, mm_v2p(ring), state);
	e = d->ops->queue_setup(d, vq);
	if (e) {
		why = "the transport could not set it up";
		goto err_free;
	}
	d->vqs[d->nvqs++] = vq;
	return vq;

err_free:
	if (ring)
		kpage_free(ring, ring_order(size));
	kfree(state);
	kfree(vq);
err:
	printk(KERN_ERR "virtio: %s: queue %u (device size %u): %s; device refused", d->name, index,
	       max, why);
	return NULL;
}

int
virtio_setup_irqs(struct virtio_dev *d)
{
	int e = d->ops->setup_irqs(d);

	if (e)
		printk(KERN_ERR "virtio: %s: no interrupts (%d)", d->name, e);
	return e;
}

void
virtio_driver_ok(struct virtio_dev *d)
{
	add_status(d, VIRTIO_STATUS_DRIVER_OK);
}

void
virtio_fail(struct virtio_dev *d, const char *why)
{
	printk(KERN_ERR "virtio: %s: %s; device marked FAILED and reset", d->name, why);
	add_status(d, VIRTIO_STATUS_FAILED);
	reset(d);
}

void
virtio_init(void)
{
	for (int i = 0; i < vmmio_ndevs; i++)
		virtio_mmio_probe(vmmio_devs[i].base, vmmio_devs[i].size, vmmio_devs[i].irq);
}

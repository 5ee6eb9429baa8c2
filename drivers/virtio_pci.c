/* virtio over PCI (virtio 1.2 4.1): two transports behind one ops table.
 * Modern (1.0+): vendor capabilities locate common, notify, ISR and
 * device config inside memory BARs. Legacy (0.9.5): everything in I/O
 * BAR 0, 32 feature bits, the ring given as one page frame number.
 * Interrupts: MSI-X entry 0 for config changes and entry i+1 for the
 * i-th queue made, or (no MSI-X, e.g. vectors=0) the shared INTx line
 * and the ISR register. Boots in tests/run: q35 with virtio-*-pci
 * modern, disable-modern=on, vectors=0. */
#include "arch.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "pci.h"
#include "printk.h"
#include "virtio.h"
#include "virtio_pci_reg.h"

#define MAX_VQS 8 /* as struct virtio_dev's vqs[] */

struct vpci;
struct vpci_qirq { /* an MSI-X queue handler's argument */
	struct vpci *vp;
	unsigned slot; /* index in vdev.vqs[] */
};

struct vpci {
	struct virtio_dev vdev;
	struct pci_dev *p;
	/* modern: the regions the capabilities point at (mapped BARs) */
	volatile uint8_t *common, *isr, *devcfg, *notify;
	uint32_t notify_mult, notify_len, devcfg_len;
	uint16_t notify_off[MAX_VQS]; /* per vdev.vqs[] slot */
	bool enabled[MAX_VQS];        /* queue_enable written */
	/* legacy */
	uint16_t io;
	bool irqs_done; /* setup_irqs ran */
	struct vpci_qirq qirq[MAX_VQS];
};

static struct vpci *
vp_of(struct virtio_dev *d)
{
	return d->transport;
}

/* --- modern --- */

static uint8_t
mrd8(struct vpci *vp, unsigned off)
{
	return *(volatile uint8_t *)(vp->common + off);
}
static uint16_t
mrd16(struct vpci *vp, unsigned off)
{
	return *(volatile uint16_t *)(vp->common + off);
}
static uint32_t
mrd32(struct vpci *vp, unsigned off)
{
	return *(volatile uint32_t *)(vp->common + off);
}
static void
mwr8(struct vpci *vp, unsigned off, uint8_t v)
{
	*(volatile uint8_t *)(vp->common + off) = v;
}
static void
mwr16(struct vpci *vp, unsigned off, uint16_t v)
{
	*(volatile uint16_t *)(vp->common + off) = v;
}
static void
mwr32(struct vpci *vp, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(vp->common + off) = v;
}
static void
mwr64(struct vpci *vp, unsigned off, uint64_t v)
{
	mwr32(vp, off, (uint32_t)v); /* 4.1.3.1: 64-bit fields as two halves */
	mwr32(vp, off + 4, (uint32_t)(v >> 32));
}

/* the queue slot of vdev.vqs[] holding vq */
static unsigned
slot_of(struct virtio_dev *d, struct virtqueue *vq)
{
	for (unsigned i = 0; i < d->nvqs; i++)
		if (d->vqs[i] == vq)
			return i;
	return d->nvqs; /* being set up: it takes the next slot */
}

static uint8_t
m_get_status(struct virtio_dev *d)
{
	return mrd8(vp_of(d), VCOM_STATUS);
}

static void
m_set_status(struct virtio_dev *d, uint8_t status)
{
	struct vpci *vp = vp_of(d);

	if (status & VIRTIO_STATUS_DRIVER_OK) {
		/* 4.1.5.1.3: a queue is enabled after its vector is chosen,
		 * which setup_irqs does after queue_setup */
		for (unsigned i = 0; i < d->nvqs; i++)
			if (!vp->enabled[i]) {
				mwr16(vp, VCOM_Q_SELECT, d->vqs[i]->index);
				mwr16(vp, VCOM_Q_ENABLE, 1);
				vp->enabled[i] = true;
			}
	}
	if (!status) {
		for (unsigned i = 0; i < MAX_VQS; i++)
			vp->enabled[i] = false;
		for (unsigned i = 0; i < vp->p->msix_n; i++)
			pci_msix_mask(vp->p, i, true);
	}
	mwr8(vp, VCOM_STATUS, status);
}

static uint64_t
m_get_features(struct virtio_dev *d)
{
	struct vpci *vp = vp_of(d);
	uint64_t f;

	mwr32(vp, VCOM_DFSELECT, 0);
	f = mrd32(vp, VCOM_DF);
	mwr32(vp, VCOM_DFSELECT, 1);
	return f | (uint64_t)mrd32(vp, VCOM_DF) << 32;
}

static void
m_set_features(struct virtio_dev *d, uint64_t f)
{
	struct vpci *vp = vp_of(d);

	mwr32(vp, VCOM_GFSELECT, 0);
	mwr32(vp, VCOM_GF, (uint32_t)f);
	mwr32(vp, VCOM_GFSELECT, 1);
	mwr32(vp, VCOM_GF, (uint32_t)(f >> 32));
}

/* config bytes [off, off+len) at 'base', in the field's own width when
 * aligned (a 4-byte field read bytewise could tear) */
static void
cfg_copy(volatile uint8_t *base, unsigned off, void *buf, unsigned len, bool write)
{
	uint8_t *b = buf;

	while (len) {
		unsigned w = (len >= 4 && !(off & 3)) ? 4 : (len >= 2 && !(off & 1)) ? 2 : 1;
		if (w == 4) {
			uint32_t v;
			if (write) {
				memcpy(&v, b, 4);
				*(volatile uint32_t *)(base + off) = v;
			} else {
				v = *(volatile uint32_t *)(base + off);
				memcpy(b, &v, 4);
			}
		} else if (w == 2) {
			uint16_t v;
			if (write) {
				memcpy(&v, b, 2);
				*(volatile uint16_t *)(base + off) = v;
			} else {
				v = *(volatile uint16_t *)(base + off);
				memcpy(b, &v, 2);
			}
		} else if (write) {
			base[off] = *b;
		} else {
			*b = base[off];
		}
		off += w;
		b += w;
		len -= w;
	}
}

static void
m_read_config(struct virtio_dev *d, unsigned off, void *buf, unsigned len)
{
	struct vpci *vp = vp_of(d);
	uint8_t gen;

	if (!vp->devcfg || off + len > vp->devcfg_len || off + len < off) {
		memset(buf, 0, len);
		return;
	}
	do { /* 4.1.4.3: retry while the device changed it under us */
		gen = mrd8(vp, VCOM_CFGGEN);
		cfg_copy(vp->devcfg, off, buf, len, false);
	} while (gen != mrd8(vp, VCOM_CFGGEN));
}

static void
m_write_config(struct virtio_dev *d, unsigned off, const void *buf, unsigned len)
{
	struct vpci *vp = vp_of(d);

	if (vp->devcfg && off + len <= vp->devcfg_len && off + len >= off)
		cfg_copy(vp->devcfg, off, (void *)buf, len, true);
}

static unsigned
m_queue_max(struct virtio_dev *d, unsigned index)
{
	struct vpci *vp = vp_of(d);

	if (index >= mrd16(vp, VCOM_NUMQ))
		return 0;
	mwr16(vp, VCOM_Q_SELECT, index);
	return mrd16(vp, VCOM_Q_SIZE);
}

static int
m_queue_setup(struct virtio_dev *d, struct virtqueue *vq)
{
	struct vpci *vp = vp_of(d);
	unsigned slot = slot_of(d, vq);

	if (slot >= MAX_VQS)
		return -ENOSPC;
	mwr16(vp, VCOM_Q_SELECT, vq->index);
	mwr16(vp, VCOM_Q_SIZE, vq->size);
	mwr64(vp, VCOM_Q_DESC, vq->desc_pa);
	mwr64(vp, VCOM_Q_AVAIL, vq->avail_pa);
	mwr64(vp, VCOM_Q_USED, vq->used_pa);
	vp->notify_off[slot] = mrd16(vp, VCOM_Q_NOFF);
	if ((uint64_t)vp->notify_off[slot] * vp->notify_mult + 2 > vp->notify_len) {
		printk(KERN_ERR "virtio: %s: queue %u notify offset %u outside the notify region",
		       d->name, vq->index, vp->notify_off[slot]);
		return -EINVAL;
	}
	vp->enabled[slot] = false;
	if (mrd8(vp, VCOM_STATUS) & VIRTIO_STATUS_DRIVER_OK) { /* a late queue */
		mwr16(vp, VCOM_Q_ENABLE, 1);
		vp->enabled[slot] = true;
	}
	return 0;
}

static void
m_notify(struct virtqueue *vq)
{
	struct vpci *vp = vp_of(vq->dev);
	unsigned slot = slot_of(vq->dev, vq);

	*(volatile uint16_t *)(vp->notify + vp->notify_off[slot] * vp->notify_mult) = vq->index;
}

/* --- legacy (I/O BAR 0) --- */

static uint8_t
l_get_status(struct virtio_dev *d)
{
	return inb(vp_of(d)->io + VLEG_STATUS);
}

static void
l_set_status(struct virtio_dev *d, uint8_t status)
{
	struct vpci *vp = vp_of(d);

	if (!status)
		for (unsigned i = 0; i < vp->p->msix_n; i++)
			pci_msix_mask(vp->p, i, true);
	outb(vp->io + VLEG_STATUS, status);
}

static uint64_t
l_get_features(struct virtio_dev *d)
{
	return inl(vp_of(d)->io + VLEG_HOST_FEATURES);
}

static void
l_set_features(struct virtio_dev *d, uint64_t f)
{
	outl(vp_of(d)->io + VLEG_GUEST_FEATURES, (uint32_t)f);
}

/* the device config moves by 4 bytes while MSI-X is on (4.1.4.8) */
static unsigned
l_cfg_base(struct vpci *vp)
{
	return vp->io + (vp->p->msix_on ? VLEG_CONFIG_MSIX : VLEG_CONFIG);
}

static void
l_config(struct virtio_dev *d, unsigned off, uint8_t *b, unsigned len, bool write)
{
	struct vpci *vp = vp_of(d);
	unsigned port = l_cfg_base(vp) + off, end = vp->io + vp->p->bar[0].size;

	if (off + len < off || port + len > end) {
		if (!write)
			memset(b, 0, len);
		return;
	}
	for (unsigned i = 0; i < len; i++) /* legacy config is guest-endian bytes */
		if (write)
			outb(port + i, b[i]);
		else
			b[i] = inb(port + i);
}

static void
l_read_config(struct virtio_dev *d, unsigned off, void *buf, unsigned len)
{
	l_config(d, off, buf, len, false);
}
static void
l_write_config(struct virtio_dev *d, unsigned off, const void *buf, unsigned len)
{
	l_config(d, off, (void *)buf, len, true);
}

static unsigned
l_queue_max(struct virtio_dev *d, unsigned index)
{
	struct vpci *vp = vp_of(d);

	if (index > 0xffff)
		return 0;
	outw(vp->io + VLEG_QUEUE_SEL, index);
	return inw(vp->io + VLEG_QUEUE_NUM);
}

static int
l_queue_setup(struct virtio_dev *d, struct virtqueue *vq)
{
	struct vpci *vp = vp_of(d);
	uint64_t pfn = vq->desc_pa >> VLEG_PFN_SHIFT;

	outw(vp->io + VLEG_QUEUE_SEL, vq->index);
	if (inw(vp->io + VLEG_QUEUE_NUM) != vq->size) {
		printk(KERN_ERR "virtio: %s: legacy queue %u has size %u, not %u", d->name,
		       vq->index, inw(vp->io + VLEG_QUEUE_NUM), vq->size);
		return -EINVAL;
	}
	/* the device derives avail and used from the PFN: the legacy
	 * contiguous layout, which virtq_create always makes */
	if ((vq->desc_pa & (VIRTQ_LEGACY_ALIGN - 1)) || pfn > 0xffffffffu ||
	    vq->avail_pa != vq->desc_pa + 16ull * vq->size ||
	    vq->used_pa != ALIGN_UP(vq->avail_pa + 6 + 2ull * vq->size, VIRTQ_LEGACY_ALIGN)) {
		printk(KERN_ERR "virtio: %s: queue %u rings not in the legacy layout", d->name,
		       vq->index);
		return -EINVAL;
	}
	outl(vp->io + VLEG_QUEUE_PFN, (uint32_t)pfn);
	return 0;
}

static void
l_notify(struct virtqueue *vq)
{
	outw(vp_of(vq->dev)->io + VLEG_QUEUE_NOTIFY, vq->index);
}

/* --- interrupts (both) --- */

static void
msix_config_irq(struct trapframe *tf, void *arg)
{
	(void)tf;
	virtio_config_interrupt(arg);
}

static void
msix_queue_irq(struct trapframe *tf, void *arg)
{
	struct vpci_qirq *q = arg;
	struct virtio_dev *d = &q->vp->vdev;

	(void)tf;
	if (q->slot < __atomic_load_n(&d->nvqs, __ATOMIC_ACQUIRE))
		virtio_vq_interrupt(d->vqs[q->slot]);
}

/* INTx: the ISR register says whether it was us, and clears on read */
static bool
intx_irq(void *arg)
{
	struct vpci *vp = arg;
	struct virtio_dev *d = &vp->vdev;
	uint8_t isr = vp->isr ? *vp->isr : inb(vp->io + VLEG_ISR);
	unsigned n = __atomic_load_n(&d->nvqs, __ATOMIC_ACQUIRE);

	if (!isr)
		return false;
	if (isr & VIRTIO_ISR_QUEUE)
		for (unsigned i = 0; i < n; i++)
			virtio_vq_interrupt(d->vqs[i]);
	if (isr & VIRTIO_ISR_CONFIG)
		virtio_config_interrupt(d);
	return true;
}

/* tell the device which MSI-X entry serves the config space or queue
 * slot (the queue already selected); false when it refuses */
static bool
set_vector(struct vpci *vp, int slot, uint16_t entry)
{
	if (vp->common) {
		unsigned reg = slot < 0 ? VCOM_MSIX : VCOM_Q_MSIX;
		if (slot >= 0)
			mwr16(vp, VCOM_Q_SELECT, vp->vdev.vqs[slot]->index);
		mwr16(vp, reg, entry);
		return mrd16(vp, reg) == entry;
	}
	unsigned port = vp->io + (slot < 0 ? VLEG_MSIX_CONFIG : VLEG_MSIX_QUEUE);
	if (slot >= 0)
		outw(vp->io + VLEG_QUEUE_SEL, vp->vdev.vqs[slot]->index);
	outw(port, entry);
	return inw(port) == entry;
}

/* Test hook (tests/kernel/test_virtio_pci.c, test.msix_refuse): act as
 * if the device refused the last queue's MSI-X vector, to exercise the
 * fall back to INTx. */
bool virtio_pci_refuse_msix;

static int
setup_msix(struct vpci *vp)
{
	struct virtio_dev *d = &vp->vdev;
	struct pci_dev *p = vp->p;
	int e;

	if ((e = pci_msix_enable(p)))
		return e;
	if ((e = pci_msix_set(p, 0, msix_config_irq, d)) < 0)
		return e;
	if (!set_vector(vp, -1, 0))
		goto refused;
	for (unsigned i = 0; i < d->nvqs; i++) {
		vp->qirq[i] = (struct vpci_qirq){vp, i};
		if ((e = pci_msix_set(p, i + 1, msix_queue_irq, &vp->qirq[i])) < 0)
			return e;
		if (!set_vector(vp, i, i + 1) || (virtio_pci_refuse_msix && i + 1 == d->nvqs))
			goto refused;
		d->vqs[i]->msix_vector = i + 1;
	}
	return 0;
refused:
	printk(KERN_ERR "virtio: %s: the device refused an MSI-X vector", d->name);
	return -EIO;
}

/* Undo setup_msix, however far it got: every vector register back to
 * NO_VECTOR, then MSI-X off. In that order: on the legacy interface the
 * vector registers exist only while MSI-X is on, and the device config
 * moves back 4 bytes when it goes off (l_cfg_base follows msix_on). */
static void
msix_off(struct vpci *vp)
{
	struct virtio_dev *d = &vp->vdev;

	if (!vp->p->msix_on)
		return;
	set_vector(vp, -1, VIRTIO_NO_VECTOR);
	for (unsigned i = 0; i < d->nvqs; i++) {
		set_vector(vp, i, VIRTIO_NO_VECTOR);
		d->vqs[i]->msix_vector = VIRTIO_NO_VECTOR;
	}
	pci_msix_disable(vp->p);
}

static int
setup_irqs(struct virtio_dev *d)
{
	struct vpci *vp = vp_of(d);
	struct pci_dev *p = vp->p;
	int e;

	if (vp->irqs_done)
		return -EBUSY;
	vp->irqs_done = true;
	if (p->msix_cap && p->msix_n >= d->nvqs + 1) {
		e = setup_msix(vp);
		if (!e) {
			printk(KERN_INFO "virtio: %s: MSI-X, %u queue vectors", d->name, d->nvqs);
			return 0;
		}
		/* out of CPU vectors, or a device refusing one: the line */
		msix_off(vp);
		printk(KERN_INFO "virtio: %s: MSI-X setup failed (%d): INTx instead", d->name, e);
	} else if (p->msix_cap) {
		printk(KERN_INFO "virtio: %s: %u MSI-X entries for %u queues: INTx instead",
		       d->name, p->msix_n, d->nvqs);
	}
	return pci_intx_add(p, intx_irq, vp);
}

static const struct virtio_transport_ops modern_ops = {
    .name = "pci-modern",
    .get_status = m_get_status,
    .set_status = m_set_status,
    .get_features = m_get_features,
    .set_features = m_set_features,
    .read_config = m_read_config,
    .write_config = m_write_config,
    .queue_max = m_queue_max,
    .queue_setup = m_queue_setup,
    .notify = m_notify,
    .setup_irqs = setup_irqs,
};

static const struct virtio_transport_ops legacy_ops = {
    .name = "pci-legacy",
    .fixed_queue_size = true,
    .get_status = l_get_status,
    .set_status = l_set_status,
    .get_features = l_get_features,
    .set_features = l_set_features,
    .read_config = l_read_config,
    .write_config = l_write_config,
    .queue_max = l_queue_max,
    .queue_setup = l_queue_setup,
    .notify = l_notify,
    .setup_irqs = setup_irqs,
};

/* --- probe --- */

/* the region a vendor capability points at, mapped; NULL if its BAR is
 * not a mapped memory BAR or the region overflows it */
static volatile uint8_t *
cap_region(struct pci_dev *p, unsigned cap, uint32_t *len)
{
	unsigned bar = pci_read8(p, cap + VPCI_CAP_BAR);
	uint32_t off = pci_read32(p, cap + VPCI_CAP_OFFSET);
	uint8_t *base;

	*len = pci_read32(p, cap + VPCI_CAP_LENGTH);
	if (bar > 5 || (uint64_t)off + *len > p->bar[bar].size || !(base = pci_map_bar(p, bar)))
		return NULL;
	return base + off;
}

/* 0 when the common, notify and ISR capabilities were found */
static int
find_modern(struct vpci *vp)
{
	struct pci_dev *p = vp->p;
	uint32_t len;

	for (unsigned c = pci_find_cap(p, PCI_CAP_VENDOR, 0); c;
	     c = pci_find_cap(p, PCI_CAP_VENDOR, c)) {
		uint8_t type = pci_read8(p, c + VPCI_CAP_CFG_TYPE);
		volatile uint8_t *r;
		/* the first of each type we can use: a later one may be an
		 * alternative in an I/O BAR (modern-pio-notify) */
		if (type == VPCI_CFG_COMMON && !vp->common && (r = cap_region(p, c, &len)) &&
		    len >= VCOM_Q_USED + 8)
			vp->common = r;
		else if (type == VPCI_CFG_NOTIFY && !vp->notify && (r = cap_region(p, c, &len))) {
			vp->notify = r;
			vp->notify_len = len;
			vp->notify_mult = pci_read32(p, c + VPCI_CAP_NOTIFY_MULT);
		} else if (type == VPCI_CFG_ISR && !vp->isr && (r = cap_region(p, c, &len)) && len)
			vp->isr = r;
		else if (type == VPCI_CFG_DEVICE && !vp->devcfg && (r = cap_region(p, c, &len))) {
			vp->devcfg = r;
			vp->devcfg_len = len;
		}
	}
	return vp->common && vp->notify && vp->isr ? 0 : -ENODEV;
}

static const char *
id_name(uint16_t id)
{
	switch (id) {
	case VIRTIO_ID_NET:
		return "net";
	case VIRTIO_ID_BLOCK:
		return "blk";
	case VIRTIO_ID_CONSOLE:
		return "console";
	case VIRTIO_ID_RNG:
		return "rng";
	case VIRTIO_ID_BALLOON:
		return "balloon";
	default:
		return NULL;
	}
}

int
virtio_pci_probe(struct pci_dev *p)
{
	struct vpci *vp;
	uint16_t id;
	bool transitional =
	    p->device >= VIRTIO_PCI_TRANS_FIRST && p->device <= VIRTIO_PCI_TRANS_LAST;

	if (p->vendor != VIRTIO_PCI_VENDOR)
		return -ENODEV;
	if (p->device >= VIRTIO_PCI_MODERN_BASE && p->device <= VIRTIO_PCI_MODERN_BASE + 0x3f)
		id = p->device - VIRTIO_PCI_MODERN_BASE;
	else if (transitional)
		id = p->subsys_id;
	else
		return -ENODEV;
	if (!(vp = kzalloc(sizeof(*vp))))
		return -ENOMEM;
	vp->p = p;
	pci_enable(p); /* decoding on, and bus mastering: the device reads our rings */
	if (find_modern(vp) == 0) {
		vp->vdev.ops = &modern_ops;
	} else if (transitional && p->bar[0].io && p->bar[0].size >= VLEG_CONFIG) {
		vp->common = vp->notify = vp->isr = vp->devcfg = NULL;
		vp->io = (uint16_t)p->bar[0].pa;
		vp->vdev.ops = &legacy_ops;
		vp->vdev.legacy = true;
	} else {
		printk(KERN_ERR "pci %s: virtio device without usable modern capabilities "
		                "or legacy I/O BAR",
		       p->name);
		kfree(vp);
		return -ENODEV;
	}
	vp->vdev.transport = vp;
	vp->vdev.device_id = id;
	if (id_name(id))
		fmt_snprintf(vp->vdev.name, sizeof(vp->vdev.name), "virtio-%s@pci %s", id_name(id),
		             p->name);
	else
		fmt_snprintf(vp->vdev.name, sizeof(vp->vdev.name), "virtio-%u@pci %s", id, p->name);
	virtio_dev_found(&vp->vdev);
	return 0;
}

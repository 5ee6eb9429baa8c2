/* virtio-blk (virtio 1.2 spec, section 5.2) on any transport: one request
 * queue, many requests in flight, completion by interrupt; each disk is a
 * block device (include/blkdev.h) named vda, vdb, ... vdz, vdaa ... in
 * probe order, as Linux names them. While requests are out, a timer
 * looks every WATCH_NS for a completion no interrupt announced and a
 * notification the device missed (virtq_rescue, include/virtio.h: QEMU's
 * TCG with one vCPU can lose either); none is armed when the disk idles.
 * Exercised by tests/e2e/blk-disk.sh (tools/unum run --disk FILE). */
#include "blkdev.h"
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "sched.h"
#include "spinlock.h"
#include "sync.h"
#include "virtio.h"

/* feature bits (5.2.3) */
#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)
#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)

#define WATCH_NS (20 * 1000 * 1000ull)

/* configuration space offsets (5.2.4) */
#define CFG_CAPACITY 0  /* le64, 512-byte sectors */
#define CFG_SIZE_MAX 8  /* le32, bytes per segment */
#define CFG_SEG_MAX 12  /* le32, segments per request */
#define CFG_BLK_SIZE 20 /* le32, logical block size */

/* request types and status (5.2.6) */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0

#define VBLK_QUEUE 256        /* descriptors asked for */
#define VBLK_SEGS 128         /* data segments per request, at most */
#define VBLK_MAX_BYTES MiB(1) /* per request; longer ones are split above us */

struct vblk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

/* one request with the device: header and status must be memory it can
 * reach (the heap's direct map), so they live here, not on a stack. Sized
 * by the request's own worst case (req_bufs): a 4 KiB request takes ~100
 * bytes of heap, not the ~2 KiB that room for VBLK_SEGS would */
struct vblk_req {
	struct vblk_hdr vr_hdr;
	uint8_t vr_status; /* written by the device */
	struct blk_req *vr_breq;
	struct vblk_req *vr_next; /* the completion list in vblk_done */
	struct vq_buf vr_bufs[];  /* header, data segments, status */
};

struct vblk {
	struct blkdev vb_bd;
	struct virtio_dev *vb_dev;
	struct virtqueue *vb_vq;
	struct spinlock vb_lock; /* the queue: add, kick, get (irqs off) */
	struct waitq vb_space;   /* submitters waiting for descriptors */
	unsigned vb_need;        /* descriptors the last full attempt wanted */
	uint32_t vb_seg_bytes;   /* longest segment */
	bool vb_flush;           /* FLUSH negotiated */
	bool vb_waited;          /* a submitter waited for ring space once
	                          * (logged the first time), under vb_lock */
	struct timer vb_watch;   /* armed while requests are out (vb_watching) */
	bool vb_watching;        /* under vb_lock */
	uint64_t vb_rescues;     /* times the watch found either */
};

static int nvblk; /* disks probed: the next name's letter */

/* Split [buf, buf + len) into physically contiguous segments of at most
 * 'max' bytes. Returns the count, or -EINVAL past 'room'. */
static int
segments(const uint8_t *buf, size_t len, uint32_t max, struct vq_buf *out, unsigned room)
{
	unsigned n = 0;

	while (len) {
		uint64_t pa = mm_v2p(buf);
		size_t k = MIN(len, PAGE_SIZE - (pa & (PAGE_SIZE - 1)));
		if (n && out[n - 1].pa + out[n - 1].len == pa && out[n - 1].len + k <= max) {
			out[n - 1].len += (uint32_t)k;
		} else {
			if (n == room)
				return -EINVAL;
			out[n].pa = pa;
			out[n++].len = (uint32_t)MIN(k, max);
			k = out[n - 1].len;
		}
		buf += k;
		len -= k;
	}
	return (int)n;
}

/* data segments a request can need: segments() starts one at each page
 * boundary (len / PAGE_SIZE + 2 pages at most) and, when a segment holds
 * less than a page, after every full one */
static unsigned
req_segs(const struct vblk *vb, const struct blk_req *r)
{
	size_t n = r->br_len / PAGE_SIZE + 2;

	if (r->br_op == BLK_FLUSH)
		return 0;
	if (vb->vb_seg_bytes < PAGE_SIZE)
		n += r->br_len / vb->vb_seg_bytes;
	return (unsigned)MIN(n, (size_t)VBLK_SEGS);
}

static bool
has_space(void *arg)
{
	struct vblk *vb = arg;

	return virtq_free_descs(vb->vb_vq) >= READ_ONCE(vb->vb_need);
}

static int
vblk_submit(struct blkdev *d, struct blk_req *r)
{
	struct vblk *vb = d->bd_priv;
	unsigned room = req_segs(vb, r), out = 1, in = 1;
	struct vblk_req *q = kmalloc(sizeof(*q) + (room + 2) * sizeof(q->vr_bufs[0]));
	bool write = r->br_op == BLK_WRITE, waited = false;
	uint64_t f;
	int n = 0, err;

	if (!q)
		return -ENOMEM;
	/* a FLUSH comes only when negotiated: bd_cache is vb_flush */
	q->vr_hdr.type = r->br_op == BLK_FLUSH ? VIRTIO_BLK_T_FLUSH
	                 : write               ? VIRTIO_BLK_T_OUT
	                                       : VIRTIO_BLK_T_IN;
	q->vr_hdr.reserved = 0;
	q->vr_hdr.sector = r->br_op == BLK_FLUSH ? 0 : r->br_sector;
	q->vr_status = 0xff;
	q->vr_breq = r;
	q->vr_bufs[0] = (struct vq_buf){mm_v2p(&q->vr_hdr), sizeof(q->vr_hdr)};
	if (r->br_op != BLK_FLUSH) {
		n = segments(r->br_buf, r->br_len, vb->vb_seg_bytes, &q->vr_bufs[1], room);
		if (n < 0) {
			kfree(q);
			return n;
		}
		out += write ? n : 0;
		in += write ? 0 : n;
	}
	q->vr_bufs[1 + n] = (struct vq_buf){mm_v2p(&q->vr_status), 1};
	f = spin_lock_irqsave(&vb->vb_lock);
	while ((err = virtq_add(vb->vb_vq, q->vr_bufs, out, in, q)) == -ENOSPC) {
		/* a full ring: wait for completions to free descriptors */
		WRITE_ONCE(vb->vb_need, vb->vb_vq->indirect ? 1 : out + in);
		if (virtq_free_descs(vb->vb_vq) == vb->vb_vq->size)
			break; /* it can never fit (bd_max_bytes prevents this) */
		if (!vb->vb_waited)
			waited = vb->vb_waited = true;
		spin_unlock_irqrestore(&vb->vb_lock, f);
		if (waited) {
			/* once per disk: tests/e2e/blk-disk.sh looks for it */
			printk(KERN_INFO "%s: ring full: submitters wait for descriptors",
			       vb->vb_bd.bd_name);
			waited = false;
		}
		waitq_wait(&vb->vb_space, has_space, vb, 0);
		f = spin_lock_irqsave(&vb->vb_lock);
	}
	if (!err) {
		virtq_kick(vb->vb_vq);
		if (!vb->vb_watching) {
			vb->vb_watching = true;
			timer_arm(&vb->vb_watch, clock_ns() + WATCH_NS);
		}
	}
	spin_unlock_irqrestore(&vb->vb_lock, f);
	if (err)
		kfree(q);
	return err == -ENOSPC ? -EINVAL : err;
}

/* the queue's interrupt (interrupts off): take every completion, then
 * end the requests outside the queue lock */
static void
vblk_done(struct virtqueue *vq)
{
	struct vblk *vb = vq->priv;
	struct vblk_req *done = NULL, *q;
	uint32_t len;

	spin_lock(&vb->vb_lock);
	while ((q = virtq_get(vq, &len))) {
		q->vr_next = done;
		done = q;
	}
	spin_unlock(&vb->vb_lock);
	if (!done)
		return;
	while ((q = done)) {
		done = q->vr_next;
		if (q->vr_status != VIRTIO_BLK_S_OK)
			printk(KERN_ERR "%s: request type %u sector %lu: status %u",
			       vb->vb_bd.bd_name, q->vr_hdr.type, (unsigned long)q->vr_hdr.sector,
			       q->vr_status);
		blk_complete(q->vr_breq, q->vr_status == VIRTIO_BLK_S_OK ? 0 : -EIO);
		kfree(q);
	}
	waitq_wake_all(&vb->vb_space);
}

/* the watch (timer, interrupts off): again in WATCH_NS while requests are out */
static void
vblk_watch(struct timer *tm)
{
	struct vblk *vb = container_of(tm, struct vblk, vb_watch);
	bool missed, rescued;

	spin_lock(&vb->vb_lock);
	missed = virtq_pending(vb->vb_vq);
	rescued = virtq_rescue(vb->vb_vq);
	if ((missed || rescued) && !vb->vb_rescues++)
		printk(KERN_INFO "%s: %s lost; the watch took it (logged once)", vb->vb_bd.bd_name,
		       missed ? "an interrupt" : "a notification");
	vb->vb_watching = virtq_free_descs(vb->vb_vq) != vb->vb_vq->size;
	if (vb->vb_watching)
		timer_arm(&vb->vb_watch, clock_ns() + WATCH_NS);
	spin_unlock(&vb->vb_lock);
	if (missed)
		vblk_done(vb->vb_vq);
}

/* a configuration change: the capacity may have grown or shrunk */
static void
vblk_config_changed(struct virtio_dev *d)
{
	struct vblk *vb = d->priv;
	uint64_t cap;

	virtio_read_config(d, CFG_CAPACITY, &cap, sizeof(cap));
	if (cap != READ_ONCE(vb->vb_bd.bd_sectors)) {
		WRITE_ONCE(vb->vb_bd.bd_sectors, cap);
		printk(KERN_INFO "%s: capacity now %lu sectors", vb->vb_bd.bd_name,
		       (unsigned long)cap);
	}
}

static const struct blkdev_ops vblk_ops = {.submit = vblk_submit};

/* limits from the configuration: segment size, request size, block size */
static void
read_limits(struct vblk *vb)
{
	struct virtio_dev *d = vb->vb_dev;
	uint32_t seg_max = VBLK_SEGS, size_max = 0, bs = BLK_SECTOR_SIZE;
	size_t max;

	if (virtio_has(d, VIRTIO_BLK_F_SEG_MAX))
		virtio_read_config(d, CFG_SEG_MAX, &seg_max, 4);
	if (virtio_has(d, VIRTIO_BLK_F_SIZE_MAX))
		virtio_read_config(d, CFG_SIZE_MAX, &size_max, 4);
	if (virtio_has(d, VIRTIO_BLK_F_BLK_SIZE))
		virtio_read_config(d, CFG_BLK_SIZE, &bs, 4);
	if (bs < BLK_SECTOR_SIZE || bs > 65536 || (bs & (bs - 1))) {
		printk(KERN_WARN "%s: block size %u ignored, 512 used", d->name, bs);
		bs = BLK_SECTOR_SIZE;
	}
	seg_max = MIN(MAX(seg_max, 2u), (uint32_t)VBLK_SEGS);
	if (!vb->vb_vq->indirect) /* a chain of header, segments, status */
		seg_max = MIN(seg_max, vb->vb_vq->size - 2);
	vb->vb_seg_bytes = size_max >= BLK_SECTOR_SIZE ? size_max : UINT32_MAX;
	/* worst case: every page elsewhere, and the first one partial */
	max = (size_t)(seg_max - 1) * MIN((size_t)vb->vb_seg_bytes, (size_t)PAGE_SIZE);
	max = ALIGN_DOWN(MIN(max, (size_t)VBLK_MAX_BYTES), (size_t)bs);
	vb->vb_bd.bd_block_size = bs;
	vb->vb_bd.bd_max_bytes = MAX(max, (size_t)bs);
}

static int
vblk_probe(struct virtio_dev *d)
{
	struct vblk *vb = kzalloc(sizeof(*vb));
	int e;

	if (!vb)
		return -ENOMEM;
	e = virtio_negotiate(d, VIRTIO_F_VERSION_1 | VIRTIO_F_RING_EVENT_IDX |
	                            VIRTIO_F_RING_INDIRECT_DESC | VIRTIO_BLK_F_SIZE_MAX |
	                            VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE |
	                            VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_RO);
	if (e)
		goto err_free;
	vb->vb_dev = d;
	vb->vb_vq = virtq_create(d, 0, VBLK_QUEUE, vblk_done, vb);
	if (!vb->vb_vq) {
		e = -ENODEV;
		goto err_free;
	}
	waitq_init(&vb->vb_space);
	timer_init(&vb->vb_watch, vblk_watch);
	vb->vb_flush = virtio_has(d, VIRTIO_BLK_F_FLUSH);
	virtio_read_config(d, CFG_CAPACITY, &vb->vb_bd.bd_sectors, 8);
	vb->vb_bd.bd_readonly = virtio_has(d, VIRTIO_BLK_F_RO);
	vb->vb_bd.bd_cache = vb->vb_flush;
	read_limits(vb);
	if ((e = blk_disk_name(vb->vb_bd.bd_name, sizeof(vb->vb_bd.bd_name), "vd",
	                       (unsigned)nvblk)))
		goto err_free;
	vb->vb_bd.bd_ops = &vblk_ops;
	vb->vb_bd.bd_priv = vb;
	d->priv = vb;
	d->config_changed = vblk_config_changed;
	if ((e = virtio_setup_irqs(d)))
		goto err_free; /* XXX: the queue's memory stays with the device record */
	virtio_driver_ok(d);
	if ((e = blk_register(&vb->vb_bd))) {
		virtio_fail(d, "block device not registered");
		goto err_free;
	}
	nvblk++;
	printk(KERN_INFO "%s: %s (%s), queue %u, requests of up to %lu KiB, %s%s%s",
	       vb->vb_bd.bd_name, d->name, d->ops->name, vb->vb_vq->size,
	       (unsigned long)(vb->vb_bd.bd_max_bytes >> 10), vb->vb_flush ? "flush" : "no flush",
	       vb->vb_vq->indirect ? ", indirect" : "", vb->vb_vq->event_idx ? ", event-idx" : "");
	return 0;
err_free:
	d->priv = NULL;
	d->config_changed = NULL;
	kfree(vb);
	return e;
}

VIRTIO_DRIVER(blk, VIRTIO_ID_BLOCK, vblk_probe);

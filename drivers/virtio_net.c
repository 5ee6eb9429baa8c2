/* virtio-net (virtio 1.2, section 5.1) under the frame API of
 * include/netdev.h: one RX and one TX queue with interrupts, MAC, MTU and
 * link status from the configuration space, checksum offload both ways,
 * mergeable RX buffers; any transport (legacy or modern). Interrupts only
 * wake the device's thread, which delivers frames, completes sends and
 * refills the RX ring (so receivers and done() callbacks never run in
 * interrupt context). While the device is busy, and for a second after,
 * the thread also wakes every WATCH_TICK_NS to catch a notification or an
 * interrupt lost on the way (virtq_rescue says how, on QEMU's TCG); an
 * idle guest is not woken. Tests: tests/kernel/test_net.c (tests/run device
 * boots); benchmark: tools/bench/sections/50-net.sh. */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "netdev_driver.h"
#include "printk.h"
#include "random.h"
#include "sched.h"
#include "virtio.h"
#include "virtio_net_reg.h"

#define RING_MAX 256               /* descriptors per queue, at most */
#define RX_BUF_SIZE 2048           /* one kmalloc slot: never crosses a page */
#define RX_ETH_OFF 14              /* Ethernet header here: IP 4-byte aligned */
#define RX_BUFS_MAX (2 * RING_MAX) /* buffers in the ring and with receivers */
#define RX_JOIN_MAX 65562          /* largest frame joined from several buffers */
/* the largest MTU one RX buffer holds (a VLAN-tagged frame of it), which
 * bounds the MTU without MRG_RXBUF; with it, frames are joined */
#define RX_ONE_BUF_MTU (RX_BUF_SIZE - RX_ETH_OFF - ETH_HLEN - ETH_VLAN_HLEN)

#define WORK_RX 1
#define WORK_TX 2
#define WORK_CONFIG 4
#define WORK_REFILL 8
#define WORK_WATCH 16 /* a send found the thread idle: watch again */

#define WATCH_TICK_NS (20 * 1000 * 1000ull)   /* how often the watch looks */
#define WATCH_SPAN_NS (1000 * 1000 * 1000ull) /* for how long after the last work */

struct vnet_rxbuf {
	struct netdev_frame rb_frame;
	uint8_t *rb_mem;          /* RX_BUF_SIZE bytes, or a joined frame */
	bool rb_joined;           /* rb_mem is a join: freed, not recycled */
	struct list_node rb_link; /* on vn_rx_free, under vn_rx_lock */
};

struct vnet_txreq {
	struct virtio_net_hdr tr_hdr;
	void *tr_copy; /* the frame copied (tx.done == NULL), or NULL */
	void (*tr_done)(void *arg);
	void *tr_arg;
};

struct vnet {
	struct netdev vn_nd;
	struct virtio_dev *vn_dev;
	struct virtqueue *vn_rxq, *vn_txq;
	unsigned vn_hdr_len; /* 10 or 12 */
	bool vn_mrg;         /* MRG_RXBUF negotiated */
	bool vn_rx_split;    /* header in its own descriptor (legacy, no ANY_LAYOUT) */
	struct thread *vn_thread;
	uint32_t vn_work; /* WORK_*, atomic */
	/* RX: under vn_rx_lock (interrupts off) with the queue */
	struct spinlock vn_rx_lock;
	struct list_node vn_rx_free; /* recycled buffers */
	unsigned vn_rx_bufs;         /* allocated, in all places */
	unsigned vn_rx_posted;       /* in the ring */
	/* TX: under vn_tx_lock with the queue; senders wait on vn_tx_wait */
	struct spinlock vn_tx_lock;
	struct waitq vn_tx_wait;
	bool vn_tx_refused; /* a NOWAIT send found the ring full (under vn_tx_lock) */
	bool vn_idle;       /* the thread sleeps without its watch (atomic) */
};

static void
kick_thread(struct vnet *vn, uint32_t work)
{
	__atomic_fetch_or(&vn->vn_work, work, __ATOMIC_RELEASE);
	sched_wake(vn->vn_thread);
}

/* queue callbacks: from the interrupt, interrupts off */
static void
rx_interrupt(struct virtqueue *vq)
{
	struct vnet *vn = vq->priv;

	spin_lock(&vn->vn_rx_lock);
	virtq_disable_cb(vq);
	spin_unlock(&vn->vn_rx_lock);
	__atomic_fetch_add(&vn->vn_nd.nd_stats.interrupts, 1, __ATOMIC_RELAXED);
	kick_thread(vn, WORK_RX);
}

static void
tx_interrupt(struct virtqueue *vq)
{
	struct vnet *vn = vq->priv;

	spin_lock(&vn->vn_tx_lock);
	virtq_disable_cb(vq);
	spin_unlock(&vn->vn_tx_lock);
	__atomic_fetch_add(&vn->vn_nd.nd_stats.interrupts, 1, __ATOMIC_RELAXED);
	kick_thread(vn, WORK_TX);
}

static void
config_interrupt(struct virtio_dev *d)
{
	struct vnet *vn = d->priv;

	__atomic_fetch_add(&vn->vn_nd.nd_stats.interrupts, 1, __ATOMIC_RELAXED);
	kick_thread(vn, WORK_CONFIG);
}

/* --- receiving --- */

static struct vnet_rxbuf *
rxbuf_alloc(size_t size)
{
	struct vnet_rxbuf *rb = kzalloc(sizeof(*rb));

	if (!rb)
		return NULL;
	rb->rb_mem = kmalloc(size);
	if (!rb->rb_mem) {
		kfree(rb);
		return NULL;
	}
	list_init(&rb->rb_link);
	return rb;
}

static void
rxbuf_free(struct vnet_rxbuf *rb)
{
	kfree(rb->rb_mem);
	kfree(rb);
}

/* Post one buffer; under vn_rx_lock. 0 or -ENOSPC. */
static int
rx_post(struct vnet *vn, struct vnet_rxbuf *rb)
{
	unsigned pad = RX_ETH_OFF - vn->vn_hdr_len;
	uint64_t pa = mm_v2p(rb->rb_mem);
	struct vq_buf b[2];
	int e;

	if (vn->vn_rx_split) {
		b[0] = (struct vq_buf){pa + pad, vn->vn_hdr_len};
		b[1] = (struct vq_buf){pa + RX_ETH_OFF, RX_BUF_SIZE - RX_ETH_OFF};
		e = virtq_add(vn->vn_rxq, b, 0, 2, rb);
	} else {
		b[0] = (struct vq_buf){pa + pad, RX_BUF_SIZE - pad};
		e = virtq_add(vn->vn_rxq, b, 0, 1, rb);
	}
	if (!e)
		vn->vn_rx_posted++;
	return e;
}

/* Fill the RX ring: recycled buffers first, then new ones up to
 * RX_BUFS_MAX. Allocation happens outside the lock. */
static void
rx_refill(struct vnet *vn)
{
	bool added = false;

	for (;;) {
		struct vnet_rxbuf *rb = NULL;
		uint64_t f = spin_lock_irqsave(&vn->vn_rx_lock);
		bool room = vn->vn_rx_posted < vn->vn_rxq->size &&
		            virtq_free_descs(vn->vn_rxq) >= (vn->vn_rx_split ? 2u : 1u);

		if (room && !list_empty(&vn->vn_rx_free)) {
			rb = list_first_entry(&vn->vn_rx_free, struct vnet_rxbuf, rb_link);
			list_del(&rb->rb_link);
		} else if (room && vn->vn_rx_bufs < RX_BUFS_MAX) {
			vn->vn_rx_bufs++;
			spin_unlock_irqrestore(&vn->vn_rx_lock, f);
			rb = rxbuf_alloc(RX_BUF_SIZE);
			f = spin_lock_irqsave(&vn->vn_rx_lock);
			if (!rb)
				vn->vn_rx_bufs--;
		}
		if (rb && rx_post(vn, rb) == 0) {
			added = true;
			spin_unlock_irqrestore(&vn->vn_rx_lock, f);
			continue;
		}
		if (rb)
			list_add_head(&vn->vn_rx_free, &rb->rb_link);
		if (added)
			virtq_kick(vn->vn_rxq);
		spin_unlock_irqrestore(&vn->vn_rx_lock, f);
		return;
	}
}

static void
vnet_rx_done(struct netdev *nd, struct netdev_frame *fr)
{
	struct vnet *vn = nd->nd_priv;
	struct vnet_rxbuf *rb = container_of(fr, struct vnet_rxbuf, rb_frame);
	uint64_t f;

	if (rb->rb_joined) {
		rxbuf_free(rb);
		return;
	}
	f = spin_lock_irqsave(&vn->vn_rx_lock);
	list_add_tail(&vn->vn_rx_free, &rb->rb_link);
	spin_unlock_irqrestore(&vn->vn_rx_lock, f);
	/* the driver's own thread refills after each batch anyway */
	if (thread_self() != vn->vn_thread)
		kick_thread(vn, WORK_REFILL);
}

static struct vnet_rxbuf *
rx_get(struct vnet *vn, uint32_t *len)
{
	uint64_t f = spin_lock_irqsave(&vn->vn_rx_lock);
	struct vnet_rxbuf *rb = virtq_get(vn->vn_rxq, len);

	if (rb)
		vn->vn_rx_posted--;
	spin_unlock_irqrestore(&vn->vn_rx_lock, f);
	return rb;
}

static void
rx_recycle(struct vnet *vn, struct vnet_rxbuf *rb)
{
	uint64_t f = spin_lock_irqsave(&vn->vn_rx_lock);

	list_add_tail(&vn->vn_rx_free, &rb->rb_link);
	spin_unlock_irqrestore(&vn->vn_rx_lock, f);
}

/* A frame spread over 'n' buffers (MRG_RXBUF): join it into one new
 * buffer, recycling the pieces. NULL when it cannot (counted as dropped). */
static struct vnet_rxbuf *
rx_join(struct vnet *vn, struct vnet_rxbuf *first, uint32_t len, unsigned n)
{
	struct vnet_rxbuf *j = rxbuf_alloc(RX_JOIN_MAX + RX_ETH_OFF);
	uint32_t have = len - vn->vn_hdr_len;
	bool ok = j && have <= RX_JOIN_MAX;

	if (ok)
		memcpy(j->rb_mem + RX_ETH_OFF, first->rb_mem + RX_ETH_OFF, have);
	rx_recycle(vn, first);
	for (unsigned i = 1; i < n; i++) {
		uint32_t l;
		struct vnet_rxbuf *rb = rx_get(vn, &l);

		if (!rb) {
			/* the device announced more buffers than it used */
			printk(KERN_ERR "%s: frame of %u buffers ends after %u\n",
			       vn->vn_nd.nd_name, n, i);
			ok = false;
			break;
		}
		unsigned pad = RX_ETH_OFF - vn->vn_hdr_len;
		if (ok && l <= RX_BUF_SIZE - pad && have + l <= RX_JOIN_MAX) {
			memcpy(j->rb_mem + RX_ETH_OFF + have, rb->rb_mem + pad, l);
			have += l;
		} else {
			ok = false;
		}
		rx_recycle(vn, rb);
	}
	if (!ok) {
		if (j)
			rxbuf_free(j);
		return NULL;
	}
	j->rb_joined = true;
	j->rb_frame.nf_len = have;
	__atomic_fetch_add(&vn->vn_nd.nd_stats.rx_copied, 1, __ATOMIC_RELAXED);
	return j;
}

static void
rx_one(struct vnet *vn, struct vnet_rxbuf *rb, uint32_t len)
{
	struct virtio_net_hdr h = {0};
	unsigned pad = RX_ETH_OFF - vn->vn_hdr_len;
	unsigned nbufs = 1;

	if (len < vn->vn_hdr_len + ETH_HLEN || len > RX_BUF_SIZE - pad) {
		__atomic_fetch_add(&vn->vn_nd.nd_stats.rx_dropped, 1, __ATOMIC_RELAXED);
		rx_recycle(vn, rb);
		return;
	}
	memcpy(&h, rb->rb_mem + pad, vn->vn_hdr_len);
	if (vn->vn_mrg)
		nbufs = h.num_buffers;
	if (nbufs > 1) {
		rb = rx_join(vn, rb, len, nbufs);
		if (!rb) {
			__atomic_fetch_add(&vn->vn_nd.nd_stats.rx_dropped, 1, __ATOMIC_RELAXED);
			return;
		}
	} else {
		rb->rb_frame.nf_len = len - vn->vn_hdr_len;
	}
	rb->rb_frame.nf_data = rb->rb_mem + RX_ETH_OFF;
	rb->rb_frame.nf_flags = 0;
	if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		rb->rb_frame.nf_flags = NETDEV_RX_CSUM_VALID | NETDEV_RX_CSUM_PARTIAL;
		rb->rb_frame.nf_csum_start = h.csum_start;
		rb->rb_frame.nf_csum_offset = h.csum_offset;
	} else if (h.flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		rb->rb_frame.nf_flags = NETDEV_RX_CSUM_VALID;
	}
	netdev_deliver(&vn->vn_nd, &rb->rb_frame);
}

/* deliver what the device has written; true when it did anything */
static bool
rx_poll(struct vnet *vn)
{
	struct vnet_rxbuf *rb;
	uint32_t len;
	bool any = false;

	while ((rb = rx_get(vn, &len))) {
		rx_one(vn, rb, len);
		any = true;
	}
	return any;
}

/* --- sending --- */

static void
tx_free(struct vnet_txreq *tr)
{
	if (tr->tr_done)
		tr->tr_done(tr->tr_arg);
	kfree(tr->tr_copy);
	kfree(tr);
}

/* complete what the device has sent (the device's thread); room after a
 * refused NOWAIT send is the netdev's news (netdev_tx_room) */
static void
tx_reclaim(struct vnet *vn)
{
	bool any = false, refused = false;

	for (;;) {
		uint32_t len;
		uint64_t f = spin_lock_irqsave(&vn->vn_tx_lock);
		struct vnet_txreq *tr = virtq_get(vn->vn_txq, &len);

		if (tr) {
			refused |= vn->vn_tx_refused;
			vn->vn_tx_refused = false;
		}
		spin_unlock_irqrestore(&vn->vn_tx_lock, f);
		if (!tr)
			break;
		tx_free(tr);
		any = true;
	}
	if (any)
		waitq_wake_all(&vn->vn_tx_wait);
	if (refused)
		netdev_tx_room(&vn->vn_nd);
}

struct tx_room {
	struct vnet *vn;
	unsigned need;
};

static bool
tx_has_room(void *arg)
{
	struct tx_room *r = arg;

	return virtq_free_descs(r->vn->vn_txq) >= r->need;
}

static int
vnet_send(struct netdev *nd, const struct netdev_tx *tx)
{
	struct vnet *vn = nd->nd_priv;
	struct vnet_txreq *tr = kzalloc(sizeof(*tr));
	struct vq_buf b[1 + NETDEV_MAX_SEGS];
	unsigned n = 1;
	int e;

	if (!tr)
		return -ENOMEM;
	if (tx->flags & NETDEV_TX_CSUM) {
		tr->tr_hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		tr->tr_hdr.csum_start = tx->csum_start;
		tr->tr_hdr.csum_offset = tx->csum_offset;
		__atomic_fetch_add(&nd->nd_stats.tx_csum, 1, __ATOMIC_RELAXED);
	}
	tr->tr_hdr.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	b[0] = (struct vq_buf){mm_v2p(&tr->tr_hdr), vn->vn_hdr_len};
	uint32_t total = 0;
	for (unsigned i = 0; i < tx->nsegs; i++)
		total += tx->segs[i].len;
	if (!tx->done) {
		uint8_t *p = tr->tr_copy = kmalloc(total);

		if (!p) {
			kfree(tr);
			return -ENOMEM;
		}
		for (unsigned i = 0; i < tx->nsegs; i++) {
			memcpy(p, tx->segs[i].base, tx->segs[i].len);
			p += tx->segs[i].len;
		}
		b[n++] = (struct vq_buf){mm_v2p(tr->tr_copy), total};
	} else {
		for (unsigned i = 0; i < tx->nsegs; i++)
			if (tx->segs[i].len)
				b[n++] = (struct vq_buf){mm_v2p(tx->segs[i].base), tx->segs[i].len};
		tr->tr_done = tx->done;
		tr->tr_arg = tx->arg;
	}
	for (bool waited = false;; waited = true) {
		uint64_t f = spin_lock_irqsave(&vn->vn_tx_lock);

		e = virtq_add(vn->vn_txq, b, n, 0, tr);
		if (!e) {
			virtq_kick(vn->vn_txq);
			if (__atomic_load_n(&vn->vn_idle, __ATOMIC_SEQ_CST))
				kick_thread(vn, WORK_WATCH);
		} else if (e == -ENOSPC && (tx->flags & NETDEV_TX_NOWAIT))
			vn->vn_tx_refused = true; /* the next completion says there is room */
		spin_unlock_irqrestore(&vn->vn_tx_lock, f);
		if (e != -ENOSPC || (tx->flags & NETDEV_TX_NOWAIT))
			break;
		if (!waited)
			__atomic_fetch_add(&nd->nd_stats.tx_waits, 1, __ATOMIC_RELAXED);
		/* with indirect descriptors one is enough, else one per buffer */
		struct tx_room r = {vn, vn->vn_txq->indirect ? 1 : n};
		if (r.need > vn->vn_txq->size) {
			e = -EINVAL;
			break;
		}
		waitq_wait(&vn->vn_tx_wait, tx_has_room, &r, 0);
	}
	if (e) {
		tr->tr_done = NULL; /* not sent: no completion */
		tx_free(tr);
		return e == -ENOSPC ? -EAGAIN : e;
	}
	__atomic_fetch_add(&nd->nd_stats.tx_frames, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&nd->nd_stats.tx_bytes, total, __ATOMIC_RELAXED);
	return 0;
}

/* --- the device's thread --- */

static bool
link_status(struct vnet *vn)
{
	uint16_t st;

	if (!virtio_has(vn->vn_dev, VIRTIO_NET_F_STATUS))
		return true;
	virtio_read_config(vn->vn_dev, VIRTIO_NET_CFG_STATUS, &st, sizeof(st));
	return st & VIRTIO_NET_S_LINK_UP;
}

/* ask for interrupts again; false when work arrived meanwhile */
static bool
enable_interrupts(struct vnet *vn)
{
	uint64_t f = spin_lock_irqsave(&vn->vn_rx_lock);
	bool rx = virtq_enable_cb(vn->vn_rxq);

	spin_unlock_irqrestore(&vn->vn_rx_lock, f);
	f = spin_lock_irqsave(&vn->vn_tx_lock);
	bool tx = virtq_enable_cb(vn->vn_txq);
	spin_unlock_irqrestore(&vn->vn_tx_lock, f);
	return rx && tx;
}

/* The watch, every WATCH_TICK_NS while it runs: completions no interrupt
 * announced, and buffers the device was not told of (virtq_rescue). True
 * when it found either. */
static bool
vnet_watch(struct vnet *vn)
{
	struct netdev_stats *ns = &vn->vn_nd.nd_stats;
	uint64_t f = spin_lock_irqsave(&vn->vn_rx_lock);
	bool missed = virtq_pending(vn->vn_rxq), rescued = virtq_rescue(vn->vn_rxq);

	spin_unlock_irqrestore(&vn->vn_rx_lock, f);
	f = spin_lock_irqsave(&vn->vn_tx_lock);
	missed |= virtq_pending(vn->vn_txq);
	rescued |= virtq_rescue(vn->vn_txq);
	spin_unlock_irqrestore(&vn->vn_tx_lock, f);
	if (missed) {
		__atomic_fetch_add(&ns->missed_interrupts, 1, __ATOMIC_RELAXED);
		__atomic_fetch_or(&vn->vn_work, WORK_RX | WORK_TX, __ATOMIC_RELAXED);
	}
	if (rescued)
		__atomic_fetch_add(&ns->rescues, 1, __ATOMIC_RELAXED);
	return missed || rescued;
}

/* whether a send is still in the device: then the watch goes on */
static bool
tx_outstanding(struct vnet *vn)
{
	uint64_t f = spin_lock_irqsave(&vn->vn_tx_lock);
	bool busy = virtq_free_descs(vn->vn_txq) != vn->vn_txq->size;

	spin_unlock_irqrestore(&vn->vn_tx_lock, f);
	return busy;
}

static void *
vnet_thread(void *arg)
{
	struct vnet *vn = arg;
	uint64_t worked = 0; /* clock_ns() at the last work */

	for (;;) {
		uint32_t work;

		sched_prepare_block();
		work = __atomic_exchange_n(&vn->vn_work, 0, __ATOMIC_ACQUIRE);
		if (!work) {
			uint64_t now = clock_ns();

			if (now - worked < WATCH_SPAN_NS) {
				if (!sched_block_until(now + WATCH_TICK_NS) && vnet_watch(vn))
					worked = clock_ns();
				continue;
			}
			/* idle, unless a send is still out: a sender from now
			 * on sees vn_idle and wakes us (WORK_WATCH) */
			__atomic_store_n(&vn->vn_idle, true, __ATOMIC_SEQ_CST);
			if (tx_outstanding(vn)) {
				__atomic_store_n(&vn->vn_idle, false, __ATOMIC_RELAXED);
				sched_cancel_block();
				worked = now - WATCH_SPAN_NS + WATCH_TICK_NS; /* one more look */
				continue;
			}
			sched_block();
			__atomic_store_n(&vn->vn_idle, false, __ATOMIC_RELAXED);
			continue;
		}
		sched_cancel_block();
		worked = clock_ns();
		if (work & WORK_CONFIG)
			netdev_set_link(&vn->vn_nd, link_status(vn));
		do {
			tx_reclaim(vn);
			rx_poll(vn);
			rx_refill(vn);
		} while (!enable_interrupts(vn));
	}
	return NULL;
}

/* --- probe --- */

static void
vnet_dump(struct netdev *nd)
{
	struct vnet *vn = nd->nd_priv;
	unsigned nfree = 0;

	for (struct list_node *n = vn->vn_rx_free.next; n != &vn->vn_rx_free && nfree < 4096;
	     n = n->next)
		nfree++;
	printk(KERN_EMERG "  rx buffers %u: %u posted, %u free, %u with receivers; work %#x%s",
	       vn->vn_rx_bufs, vn->vn_rx_posted, nfree, vn->vn_rx_bufs - vn->vn_rx_posted - nfree,
	       READ_ONCE(vn->vn_work), vn->vn_tx_refused ? ", a send refused" : "");
	virtq_dump(vn->vn_rxq, "rx");
	virtq_dump(vn->vn_txq, "tx");
}

static const struct netdev_ops vnet_ops = {
    .send = vnet_send,
    .rx_done = vnet_rx_done,
    .dump = vnet_dump,
};

/* VIRTIO_NET_F_MTU when we can take the device's MTU: with it negotiated
 * the device may send frames that large (5.1.6.3.1), so without
 * MRG_RXBUF they must fit one RX buffer; else 0, and the device keeps
 * to 1500. Config may be read before FEATURES_OK (3.1.1 step 4). */
static uint64_t
mtu_feature(struct virtio_dev *d)
{
	uint64_t offer = d->ops->get_features(d);
	uint16_t mtu;

	if (!(offer & VIRTIO_NET_F_MTU))
		return 0;
	if (offer & VIRTIO_NET_F_MRG_RXBUF)
		return VIRTIO_NET_F_MTU;
	virtio_read_config(d, VIRTIO_NET_CFG_MTU, &mtu, sizeof(mtu));
	if (mtu <= RX_ONE_BUF_MTU)
		return VIRTIO_NET_F_MTU;
	printk(KERN_INFO "virtio: %s: MTU %u does not fit our %u-byte RX buffers without "
	                 "MRG_RXBUF: not negotiated, 1500 used\n",
	       d->name, mtu, RX_BUF_SIZE);
	return 0;
}

static int
vnet_probe(struct virtio_dev *d)
{
	struct vnet *vn;
	uint16_t mtu;
	int e;

	e = virtio_negotiate(d, VIRTIO_F_VERSION_1 | VIRTIO_F_RING_EVENT_IDX |
	                            VIRTIO_F_RING_INDIRECT_DESC | VIRTIO_F_ANY_LAYOUT |
	                            VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_MAC |
	                            mtu_feature(d) | VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_STATUS);
	if (e)
		return e;
	vn = kzalloc(sizeof(*vn));
	if (!vn)
		return -ENOMEM;
	vn->vn_dev = d;
	d->priv = vn;
	vn->vn_mrg = virtio_has(d, VIRTIO_NET_F_MRG_RXBUF);
	vn->vn_hdr_len = vn->vn_mrg || virtio_has(d, VIRTIO_F_VERSION_1)
	                     ? VIRTIO_NET_HDR_LEN
	                     : VIRTIO_NET_HDR_LEGACY_LEN;
	/* 5.1.6.6 (legacy): without ANY_LAYOUT the header has its own
	 * descriptor; mergeable buffers hold header and data together */
	vn->vn_rx_split = d->legacy && !vn->vn_mrg && !virtio_has(d, VIRTIO_F_ANY_LAYOUT);
	vn->vn_rx_lock = (struct spinlock)SPINLOCK_INIT;
	vn->vn_tx_lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&vn->vn_rx_free);
	waitq_init(&vn->vn_tx_wait);

	struct netdev *nd = &vn->vn_nd;
	nd->nd_ops = &vnet_ops;
	nd->nd_priv = vn;
	if (virtio_has(d, VIRTIO_NET_F_MAC)) {
		virtio_read_config(d, VIRTIO_NET_CFG_MAC, nd->nd_mac, ETH_ALEN);
	} else {
		/* a random locally administered unicast address */
		random_bytes(nd->nd_mac, ETH_ALEN);
		nd->nd_mac[0] = (nd->nd_mac[0] & 0xfe) | 0x02;
	}
	nd->nd_mtu = 1500;
	if (virtio_has(d, VIRTIO_NET_F_MTU)) {
		virtio_read_config(d, VIRTIO_NET_CFG_MTU, &mtu, sizeof(mtu));
		/* any 16-bit MTU fits a frame joined from several buffers
		 * (RX_JOIN_MAX, with MRG_RXBUF), else mtu_feature saw it fit
		 * one buffer; below 68 is no IPv4 MTU (RFC 791): ignored */
		if (mtu >= 68)
			nd->nd_mtu = mtu;
	}
	nd->nd_link_up = link_status(vn); /* before anyone can look */
	if (virtio_has(d, VIRTIO_NET_F_CSUM))
		nd->nd_features |= NETDEV_F_TX_CSUM;
	if (virtio_has(d, VIRTIO_NET_F_GUEST_CSUM))
		nd->nd_features |= NETDEV_F_RX_CSUM;

	vn->vn_rxq = virtq_create(d, VIRTIO_NET_RXQ, RING_MAX, rx_interrupt, vn);
	vn->vn_txq = virtq_create(d, VIRTIO_NET_TXQ, RING_MAX, tx_interrupt, vn);
	if (!vn->vn_rxq || !vn->vn_txq) {
		e = -ENODEV;
		goto err_free;
	}
	vn->vn_thread = thread_create_suspended(vnet_thread, vn, "virtio-net");
	if (IS_ERR(vn->vn_thread)) {
		e = PTR_ERR(vn->vn_thread);
		goto err_free;
	}
	d->config_changed = config_interrupt;
	e = virtio_setup_irqs(d);
	if (e) {
		/* XXX: the suspended thread and the rings stay allocated: the
		 * virtio core has no way yet to take queues back */
		d->config_changed = NULL;
		return e;
	}
	virtio_driver_ok(d);
	e = netdev_register(nd);
	if (e) {
		/* XXX: as above, the thread and rings stay allocated */
		virtio_fail(d, "no room for another network device");
		return e;
	}
	/* first run: link state, fill the RX ring */
	vn->vn_work = WORK_CONFIG | WORK_REFILL;
	thread_start_created(vn->vn_thread, -1);
	printk(KERN_INFO "%s: %s, %u-byte header%s%s%s\n", nd->nd_name, d->name, vn->vn_hdr_len,
	       vn->vn_mrg ? ", mergeable rx" : "", vn->vn_rxq->event_idx ? ", event-idx" : "",
	       vn->vn_rxq->indirect ? ", indirect" : "");
	return 0;

err_free:
	/* XXX: queues made before the failure stay with the device (the core
	 * resets it); their memory is not returned */
	kfree(vn);
	d->priv = NULL;
	return e;
}
VIRTIO_DRIVER(net, VIRTIO_ID_NET, vnet_probe);

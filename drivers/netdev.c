/* Network devices at the frame level (include/netdev.h): the list of
 * devices, argument checks for sending, delivery of received frames to a
 * callback or a queue, link state. Exercised by tests/kernel/test_net.c
 * (virtio-net under QEMU user networking) and test_netdev.c (a fake). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "netdev_driver.h"
#include "printk.h"

#define NETDEV_MAX 8

static struct netdev *devs[NETDEV_MAX];
static int ndevs;
static struct spinlock devs_lock = SPINLOCK_INIT;

int
netdev_register(struct netdev *nd)
{
	uint64_t f;

	if (!nd->nd_mtu)
		nd->nd_mtu = 1500;
	list_init(&nd->nd_rxq);
	nd->nd_rxq_len = 0;
	waitq_init(&nd->nd_rxq_wait);
	nd->nd_lock = (struct spinlock)SPINLOCK_INIT;
	f = spin_lock_irqsave(&devs_lock);
	if (ndevs == NETDEV_MAX) {
		spin_unlock_irqrestore(&devs_lock, f);
		printk(KERN_ERR "netdev: more than %d devices, one left out\n", NETDEV_MAX);
		return -ENOSPC;
	}
	fmt_snprintf(nd->nd_name, sizeof(nd->nd_name), "eth%d", ndevs);
	devs[ndevs] = nd;
	__atomic_store_n(&ndevs, ndevs + 1, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&devs_lock, f);
	printk(KERN_INFO "%s: %02x:%02x:%02x:%02x:%02x:%02x mtu %u%s%s\n", nd->nd_name,
	       nd->nd_mac[0], nd->nd_mac[1], nd->nd_mac[2], nd->nd_mac[3], nd->nd_mac[4],
	       nd->nd_mac[5], nd->nd_mtu, nd->nd_features & NETDEV_F_TX_CSUM ? " tx-csum" : "",
	       nd->nd_features & NETDEV_F_RX_CSUM ? " rx-csum" : "");
	return 0;
}

int
netdev_count(void)
{
	return __atomic_load_n(&ndevs, __ATOMIC_ACQUIRE);
}

struct netdev *
netdev_at(int i)
{
	return i >= 0 && i < netdev_count() ? devs[i] : NULL;
}

struct netdev *
netdev_find(const char *name)
{
	for (int i = 0; i < netdev_count(); i++)
		if (!strcmp(devs[i]->nd_name, name))
			return devs[i];
	return NULL;
}

const char *
netdev_name(const struct netdev *nd)
{
	return nd->nd_name;
}

const uint8_t *
netdev_mac(const struct netdev *nd)
{
	return nd->nd_mac;
}

unsigned
netdev_mtu(const struct netdev *nd)
{
	return nd->nd_mtu;
}

uint32_t
netdev_features(const struct netdev *nd)
{
	return nd->nd_features;
}

bool
netdev_link_up(const struct netdev *nd)
{
	return READ_ONCE(nd->nd_link_up);
}

void
netdev_set_link_cb(struct netdev *nd, netdev_link_fn fn, void *arg)
{
	uint64_t f = spin_lock_irqsave(&nd->nd_lock);

	nd->nd_link_fn = fn;
	nd->nd_link_arg = arg;
	spin_unlock_irqrestore(&nd->nd_lock, f);
}

void
netdev_set_tx_room_cb(struct netdev *nd, netdev_room_fn fn, void *arg)
{
	uint64_t f = spin_lock_irqsave(&nd->nd_lock);

	nd->nd_room_fn = fn;
	nd->nd_room_arg = arg;
	spin_unlock_irqrestore(&nd->nd_lock, f);
}

void
netdev_tx_room(struct netdev *nd)
{
	uint64_t f = spin_lock_irqsave(&nd->nd_lock);
	netdev_room_fn fn = nd->nd_room_fn;
	void *arg = nd->nd_room_arg;

	spin_unlock_irqrestore(&nd->nd_lock, f);
	if (fn)
		fn(nd, arg);
}

void
netdev_set_link(struct netdev *nd, bool up)
{
	uint64_t f;
	netdev_link_fn fn;
	void *arg;

	if (READ_ONCE(nd->nd_link_up) == up)
		return;
	WRITE_ONCE(nd->nd_link_up, up);
	__atomic_fetch_add(&nd->nd_stats.link_changes, 1, __ATOMIC_RELAXED);
	printk(KERN_INFO "%s: link %s\n", nd->nd_name, up ? "up" : "down");
	f = spin_lock_irqsave(&nd->nd_lock);
	fn = nd->nd_link_fn;
	arg = nd->nd_link_arg;
	spin_unlock_irqrestore(&nd->nd_lock, f);
	if (fn)
		fn(nd, up, arg);
}

/* A zero-copy segment must have a physical address the driver can compute
 * (mm_v2p): the direct map or the kernel image. Kernel stacks (mm/kstack.c)
 * sit above the direct map at 0xffffc00000000000, so 64 TiB of direct map
 * is the bound here. */
static bool
dma_reachable(const void *p, uint32_t len)
{
	uintptr_t v = (uintptr_t)p;

	if (v >= MM_KERNEL_VMA)
		return v + len > v; /* no wrap-around */
	return v >= MM_DIRECT_BASE && v + len <= MM_DIRECT_BASE + (1ul << 46);
}

int
netdev_send(struct netdev *nd, const struct netdev_tx *tx)
{
	uint64_t len = 0;

	if (!tx->nsegs || tx->nsegs > NETDEV_MAX_SEGS)
		return -EINVAL;
	for (unsigned i = 0; i < tx->nsegs; i++) {
		len += tx->segs[i].len;
		if (tx->done && tx->segs[i].len &&
		    !dma_reachable(tx->segs[i].base, tx->segs[i].len))
			return -EINVAL;
	}
	if (len < ETH_HLEN || len > ETH_HLEN + ETH_VLAN_HLEN + (uint64_t)nd->nd_mtu)
		return -EINVAL;
	if (tx->flags & NETDEV_TX_CSUM) {
		if (!(nd->nd_features & NETDEV_F_TX_CSUM))
			return -EINVAL;
		if ((uint64_t)tx->csum_start + tx->csum_offset + 2 > len)
			return -EINVAL;
	}
	int e = nd->nd_ops->send(nd, tx);
	if (e == -EAGAIN)
		__atomic_fetch_add(&nd->nd_stats.tx_busy, 1, __ATOMIC_RELAXED);
	return e;
}

void
netdev_set_rx(struct netdev *nd, netdev_rx_fn fn, void *arg)
{
	uint64_t f = spin_lock_irqsave(&nd->nd_lock);

	nd->nd_rx_fn = fn;
	nd->nd_rx_arg = arg;
	spin_unlock_irqrestore(&nd->nd_lock, f);
}

void
netdev_deliver(struct netdev *nd, struct netdev_frame *f)
{
	uint64_t fl;
	netdev_rx_fn fn;
	void *arg;

	f->nf_dev = nd;
	nd->nd_stats.rx_frames++;
	nd->nd_stats.rx_bytes += f->nf_len;
	if (f->nf_flags & NETDEV_RX_CSUM_VALID)
		nd->nd_stats.rx_csum_valid++;
	fl = spin_lock_irqsave(&nd->nd_lock);
	fn = nd->nd_rx_fn;
	arg = nd->nd_rx_arg;
	if (!fn) {
		if (nd->nd_rxq_len >= NETDEV_RXQ_MAX) {
			spin_unlock_irqrestore(&nd->nd_lock, fl);
			__atomic_fetch_add(&nd->nd_stats.rx_dropped, 1, __ATOMIC_RELAXED);
			nd->nd_ops->rx_done(nd, f);
			return;
		}
		list_add_tail(&nd->nd_rxq, &f->nf_link);
		nd->nd_rxq_len++;
	}
	spin_unlock_irqrestore(&nd->nd_lock, fl);
	if (fn)
		fn(nd, f, arg);
	else
		waitq_wake_all(&nd->nd_rxq_wait);
}

static bool
rxq_nonempty(void *arg)
{
	struct netdev *nd = arg;

	return !list_empty((struct list_node *)&nd->nd_rxq);
}

struct netdev_frame *
netdev_recv(struct netdev *nd, uint64_t deadline_ns)
{
	struct netdev_frame *f = NULL;
	uint64_t fl;

	for (;;) {
		fl = spin_lock_irqsave(&nd->nd_lock);
		if (!list_empty(&nd->nd_rxq)) {
			f = list_first_entry(&nd->nd_rxq, struct netdev_frame, nf_link);
			list_del(&f->nf_link);
			nd->nd_rxq_len--;
		}
		spin_unlock_irqrestore(&nd->nd_lock, fl);
		if (f)
			return f;
		if (!waitq_wait(&nd->nd_rxq_wait, rxq_nonempty, nd, deadline_ns))
			return NULL;
	}
}

void
netdev_rx_done(struct netdev_frame *f)
{
	struct netdev *nd = f->nf_dev;

	nd->nd_ops->rx_done(nd, f);
}

void
netdev_get_stats(const struct netdev *nd, struct netdev_stats *st)
{
	*st = nd->nd_stats;
}

void
netdev_dump_all(void)
{
	int n = __atomic_load_n(&ndevs, __ATOMIC_ACQUIRE);

	for (int i = 0; i < n; i++) {
		struct netdev *nd = devs[i];
		const struct netdev_stats *s = &nd->nd_stats;

		printk(KERN_EMERG "nmi: %s: link %s rx %llu (dropped %llu) tx %llu (waits %llu, "
		                  "busy %llu) interrupts %llu (missed %llu, rescues %llu) rxq %u",
		       nd->nd_name, READ_ONCE(nd->nd_link_up) ? "up" : "down",
		       (unsigned long long)s->rx_frames, (unsigned long long)s->rx_dropped,
		       (unsigned long long)s->tx_frames, (unsigned long long)s->tx_waits,
		       (unsigned long long)s->tx_busy, (unsigned long long)s->interrupts,
		       (unsigned long long)s->missed_interrupts, (unsigned long long)s->rescues,
		       nd->nd_rxq_len);
		if (nd->nd_ops->dump)
			nd->nd_ops->dump(nd);
	}
}

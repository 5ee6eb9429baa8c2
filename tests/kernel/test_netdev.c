/* The frame API of include/netdev.h and the driver side of
 * include/netdev_driver.h (drivers/netdev.c), against a fake network
 * device made here: no QEMU device, so these cases run in every
 * kernel-test boot. The fake keeps a TX ring of FAKE_TX_RING frames the
 * test completes by hand (fake_complete), and a pool of RX frames the
 * test "receives" (fake_rx) through netdev_deliver. Covered: the RX
 * callback, the bounded RX queue and its drop count, NETDEV_TX_NOWAIT on
 * a full ring, waiting for room, the link callback, zero-copy done()
 * callbacks, and checksum-offload fields both ways. Names avoid "net_"
 * so the virtio-net boots (test.only=net_) leave them out. */
#include "clock.h"
#include "errno.h"
#include "ktest.h"
#include "ktests.h"
#include "lib.h"
#include "netdev_driver.h"
#include "sched.h"
#include "spinlock.h"
#include "sync.h"

#define FAKE_TX_RING 4
#define FAKE_RX_FRAMES (NETDEV_RXQ_MAX + 8)
#define FAKE_FRAME_LEN 60

struct fake_tx { /* one frame in the fake's TX ring, as the device saw it */
	unsigned flags;
	uint16_t csum_start, csum_offset;
	uint32_t len;
	uint8_t bytes[FAKE_FRAME_LEN]; /* the first bytes, read at send time */
	void (*done)(void *arg);
	void *arg;
};

struct fake {
	struct netdev nd;
	struct spinlock lock; /* tx[], ntx, rx_free */
	struct fake_tx tx[FAKE_TX_RING];
	unsigned ntx;      /* frames in the ring, oldest at tx[0] */
	struct waitq room; /* senders waiting for ntx < FAKE_TX_RING */
	bool refused;      /* a NOWAIT send found the ring full (under lock) */
	struct netdev_frame rx[FAKE_RX_FRAMES];
	uint8_t rx_mem[FAKE_RX_FRAMES][2 + FAKE_FRAME_LEN];
	bool rx_busy[FAKE_RX_FRAMES]; /* delivered, not handed back */
	unsigned rx_returned;         /* rx_done calls */
};

static struct fake fake;
static bool registered;

static bool
has_room(void *arg)
{
	struct fake *fk = arg;

	return READ_ONCE(fk->ntx) < FAKE_TX_RING;
}

static int
fake_send(struct netdev *nd, const struct netdev_tx *tx)
{
	struct fake *fk = nd->nd_priv;
	struct fake_tx t = {.flags = tx->flags,
	                    .csum_start = tx->csum_start,
	                    .csum_offset = tx->csum_offset,
	                    .done = tx->done,
	                    .arg = tx->arg};
	uint64_t f;

	for (unsigned i = 0; i < tx->nsegs; i++) {
		uint32_t n =
		    MIN(tx->segs[i].len, (uint32_t)FAKE_FRAME_LEN - MIN(t.len, FAKE_FRAME_LEN));
		memcpy(t.bytes + MIN(t.len, FAKE_FRAME_LEN), tx->segs[i].base, n);
		t.len += tx->segs[i].len;
	}
	for (;;) {
		f = spin_lock_irqsave(&fk->lock);
		if (fk->ntx < FAKE_TX_RING)
			break;
		if (tx->flags & NETDEV_TX_NOWAIT) {
			fk->refused = true; /* as drivers/virtio_net.c */
			spin_unlock_irqrestore(&fk->lock, f);
			return -EAGAIN;
		}
		spin_unlock_irqrestore(&fk->lock, f);
		__atomic_fetch_add(&nd->nd_stats.tx_waits, 1, __ATOMIC_RELAXED);
		waitq_wait(&fk->room, has_room, fk, 0);
	}
	fk->tx[fk->ntx++] = t;
	spin_unlock_irqrestore(&fk->lock, f);
	__atomic_fetch_add(&nd->nd_stats.tx_frames, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&nd->nd_stats.tx_bytes, t.len, __ATOMIC_RELAXED);
	if (tx->flags & NETDEV_TX_CSUM)
		__atomic_fetch_add(&nd->nd_stats.tx_csum, 1, __ATOMIC_RELAXED);
	return 0;
}

static void
fake_rx_done(struct netdev *nd, struct netdev_frame *f)
{
	struct fake *fk = nd->nd_priv;
	uint64_t fl = spin_lock_irqsave(&fk->lock);

	fk->rx_busy[f - fk->rx] = false;
	fk->rx_returned++;
	spin_unlock_irqrestore(&fk->lock, fl);
}

static const struct netdev_ops fake_ops = {
    .send = fake_send,
    .rx_done = fake_rx_done,
};

/* the device "sent" its n oldest frames: zero-copy ones get done() */
static void
fake_complete(struct fake *fk, unsigned n)
{
	struct fake_tx done[FAKE_TX_RING];
	uint64_t f = spin_lock_irqsave(&fk->lock);

	n = MIN(n, fk->ntx);
	memcpy(done, fk->tx, n * sizeof(done[0]));
	memmove(fk->tx, fk->tx + n, (fk->ntx - n) * sizeof(fk->tx[0]));
	fk->ntx -= n;
	bool refused = n && fk->refused;
	if (n)
		fk->refused = false;
	spin_unlock_irqrestore(&fk->lock, f);
	waitq_wake_all(&fk->room);
	for (unsigned i = 0; i < n; i++)
		if (done[i].done)
			done[i].done(done[i].arg);
	if (refused)
		netdev_tx_room(&fk->nd);
}

/* a frame "arrived": byte 14 holds 'seq'; NULL when the pool is empty */
static struct netdev_frame *
fake_rx(struct fake *fk, uint8_t seq, uint32_t flags, uint16_t cstart, uint16_t coff)
{
	struct netdev_frame *fr = NULL;
	uint64_t f = spin_lock_irqsave(&fk->lock);

	for (int i = 0; i < FAKE_RX_FRAMES && !fr; i++)
		if (!fk->rx_busy[i]) {
			fk->rx_busy[i] = true;
			fr = &fk->rx[i];
			fr->nf_data = fk->rx_mem[i] + 2;
		}
	spin_unlock_irqrestore(&fk->lock, f);
	if (!fr)
		return NULL;
	memset(fr->nf_data, 0xff, ETH_ALEN);
	memcpy(fr->nf_data + 6, fk->nd.nd_mac, ETH_ALEN);
	fr->nf_data[12] = 0x08;
	fr->nf_data[13] = 0x00;
	fr->nf_data[14] = seq;
	fr->nf_len = FAKE_FRAME_LEN;
	fr->nf_flags = flags;
	fr->nf_csum_start = cstart;
	fr->nf_csum_offset = coff;
	netdev_deliver(&fk->nd, fr);
	return fr;
}

static unsigned
rx_busy_count(struct fake *fk)
{
	unsigned n = 0;

	for (int i = 0; i < FAKE_RX_FRAMES; i++)
		n += READ_ONCE(fk->rx_busy[i]);
	return n;
}

/* the fake, registered once for all the cases below */
static struct fake *
the_fake(void)
{
	static const uint8_t mac[ETH_ALEN] = {0x02, 0x00, 0x00, 0xfa, 0xce, 0x01};

	if (registered)
		return &fake;
	fake.lock = (struct spinlock)SPINLOCK_INIT;
	waitq_init(&fake.room);
	fake.nd.nd_ops = &fake_ops;
	fake.nd.nd_priv = &fake;
	memcpy(fake.nd.nd_mac, mac, ETH_ALEN);
	fake.nd.nd_features = NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM;
	fake.nd.nd_link_up = true;
	EXPECT_EQ(netdev_register(&fake.nd), 0);
	registered = true;
	return &fake;
}

bool
ktest_netdev_is_fake(const struct netdev *nd)
{
	return registered && nd == &fake.nd;
}

KTEST(fake_netdev_registers)
{
	struct fake *fk = the_fake();
	struct netdev *nd = &fk->nd;
	char want[NETDEV_NAME_MAX];

	/* named after the devices before it, found by name and index */
	fmt_snprintf(want, sizeof(want), "eth%d", netdev_count() - 1);
	EXPECT(!strcmp(netdev_name(nd), want));
	EXPECT(netdev_find(want) == nd);
	EXPECT(netdev_at(netdev_count() - 1) == nd);
	EXPECT(netdev_at(netdev_count()) == NULL);
	EXPECT(netdev_at(-1) == NULL);
	EXPECT_EQ(netdev_mtu(nd), 1500); /* nd_mtu 0 means 1500 */
	EXPECT_EQ(netdev_mac(nd)[5], 0x01);
	EXPECT_EQ(netdev_features(nd), NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM);
	EXPECT(netdev_link_up(nd));
}

/* no callback: up to NETDEV_RXQ_MAX frames wait for netdev_recv, in
 * order; further ones are dropped, counted and handed back at once */
KTEST(fake_netdev_rx_queue_overflow_drops)
{
	struct fake *fk = the_fake();
	struct netdev *nd = &fk->nd;
	struct netdev_stats st0, st1;
	unsigned ret0 = fk->rx_returned;
	struct netdev_frame *fr;

	netdev_get_stats(nd, &st0);
	for (int i = 0; i < NETDEV_RXQ_MAX + 5; i++)
		EXPECT(fake_rx(fk, (uint8_t)i, 0, 0, 0) != NULL);
	netdev_get_stats(nd, &st1);
	EXPECT_EQ(st1.rx_dropped - st0.rx_dropped, 5);
	EXPECT_EQ(st1.rx_frames - st0.rx_frames, NETDEV_RXQ_MAX + 5);
	EXPECT_EQ(st1.rx_bytes - st0.rx_bytes, (NETDEV_RXQ_MAX + 5) * FAKE_FRAME_LEN);
	EXPECT_EQ(fk->rx_returned - ret0, 5); /* the dropped ones */
	EXPECT_EQ(rx_busy_count(fk), NETDEV_RXQ_MAX);
	for (int i = 0; i < NETDEV_RXQ_MAX; i++) {
		fr = netdev_recv(nd, clock_ns() + 1000000000ull);
		EXPECT(fr != NULL);
		if (!fr)
			break;
		EXPECT(fr->nf_dev == nd);
		EXPECT_EQ(fr->nf_len, FAKE_FRAME_LEN);
		if (fr->nf_data[14] != (uint8_t)i)
			ktest_fail(__FILE__, __LINE__, "frame %d came as %u", i, fr->nf_data[14]);
		netdev_rx_done(fr);
	}
	/* empty: the deadline ends the wait */
	EXPECT(netdev_recv(nd, clock_ns() + 2000000) == NULL);
	EXPECT_EQ(rx_busy_count(fk), 0);
	EXPECT_EQ(fk->rx_returned - ret0, NETDEV_RXQ_MAX + 5);
}

struct rx_seen {
	struct netdev_frame *frames[8];
	unsigned n;
	void *arg;
	struct netdev *nd;
};

static void
on_rx(struct netdev *nd, struct netdev_frame *f, void *arg)
{
	struct rx_seen *s = arg;

	s->nd = nd;
	if (s->n < ARRAY_SIZE(s->frames))
		s->frames[s->n] = f; /* kept: handed back by the case */
	s->n++;
}

/* a callback gets each frame with its argument and owns it until
 * netdev_rx_done; frames queued before it was set stay queued */
KTEST(fake_netdev_rx_callback)
{
	struct fake *fk = the_fake();
	struct netdev *nd = &fk->nd;
	struct rx_seen seen = {0};
	struct netdev_frame *early, *fr;

	early = fake_rx(fk, 100, 0, 0, 0); /* no callback yet: queued */
	EXPECT(early != NULL);
	netdev_set_rx(nd, on_rx, &seen);
	for (int i = 0; i < 3; i++)
		EXPECT(fake_rx(fk, (uint8_t)(101 + i), 0, 0, 0) != NULL);
	EXPECT_EQ(seen.n, 3);
	EXPECT(seen.nd == nd);
	for (unsigned i = 0; i < 3 && i < seen.n; i++)
		EXPECT_EQ(seen.frames[i]->nf_data[14], 101 + i);
	EXPECT_EQ(rx_busy_count(fk), 4); /* the receiver still owns them */
	for (unsigned i = 0; i < 3 && i < seen.n; i++)
		netdev_rx_done(seen.frames[i]);
	fr = netdev_recv(nd, clock_ns() + 1000000000ull);
	EXPECT(fr == early);
	if (fr)
		netdev_rx_done(fr);
	netdev_set_rx(nd, NULL, NULL);
	EXPECT(fake_rx(fk, 104, 0, 0, 0) != NULL);
	EXPECT_EQ(seen.n, 3); /* back to the queue */
	fr = netdev_recv(nd, clock_ns() + 1000000000ull);
	EXPECT(fr != NULL);
	if (fr) {
		EXPECT_EQ(fr->nf_data[14], 104);
		netdev_rx_done(fr);
	}
	EXPECT_EQ(rx_busy_count(fk), 0);
}

/* the device's checksum verdicts reach the receiver as it set them */
KTEST(fake_netdev_rx_checksum_flags)
{
	struct fake *fk = the_fake();
	struct netdev *nd = &fk->nd;
	struct netdev_stats st0, st1;
	struct netdev_frame *fr;

	netdev_get_stats(nd, &st0);
	EXPECT(fake_rx(fk, 1, NETDEV_RX_CSUM_VALID, 0, 0) != NULL);
	EXPECT(fake_rx(fk, 2, NETDEV_RX_CSUM_VALID | NETDEV_RX_CSUM_PARTIAL, 34, 6) != NULL);
	EXPECT(fake_rx(fk, 3, 0, 0, 0) != NULL);
	netdev_get_stats(nd, &st1);
	EXPECT_EQ(st1.rx_csum_valid - st0.rx_csum_valid, 2);
	fr = netdev_recv(nd, clock_ns() + 1000000000ull);
	EXPECT(fr && fr->nf_flags == NETDEV_RX_CSUM_VALID);
	if (fr)
		netdev_rx_done(fr);
	fr = netdev_recv(nd, clock_ns() + 1000000000ull);
	EXPECT(fr && fr->nf_flags == (NETDEV_RX_CSUM_VALID | NETDEV_RX_CSUM_PARTIAL));
	if (fr) {
		EXPECT_EQ(fr->nf_csum_start, 34);
		EXPECT_EQ(fr->nf_csum_offset, 6);
		netdev_rx_done(fr);
	}
	fr = netdev_recv(nd, clock_ns() + 1000000000ull);
	EXPECT(fr && fr->nf_flags == 0);
	if (fr)
		netdev_rx_done(fr);
}

static uint8_t frame[FAKE_FRAME_LEN];
static struct netdev_seg seg1 = {frame, FAKE_FRAME_LEN};

static void
never_done(void *arg)
{
	ktest_fail(__FILE__, __LINE__, "done() of a send that was refused");
}

static void *
complete_later(void *arg)
{
	sched_sleep_ns(20000000);
	fake_complete(arg, 1);
	return NULL;
}

/* a full ring: -EAGAIN with NOWAIT (nothing queued, no done()); without
 * it the sender waits until the device frees room */
KTEST(fake_netdev_tx_full_ring)
{
	struct fake *fk = the_fake();
	struct netdev *nd = &fk->nd;
	struct netdev_tx tx = {.segs = &seg1, .nsegs = 1, .flags = NETDEV_TX_NOWAIT};
	struct netdev_stats st0, st1;
	struct thread *t;

	fake_complete(fk, FAKE_TX_RING);
	netdev_get_stats(nd, &st0);
	for (int i = 0; i < FAKE_TX_RING; i++)
		EXPECT_EQ(netdev_send(nd, &tx), 0);
	tx.done = never_done;
	tx.arg = NULL;
	EXPECT_EQ(netdev_send(nd, &tx), -EAGAIN);
	EXPECT_EQ(fk->ntx, FAKE_TX_RING);
	fake_complete(fk, 1);
	tx.done = NULL;
	EXPECT_EQ(netdev_send(nd, &tx), 0); /* room again */
	/* waiting: another thread completes one after 20 ms */
	tx.flags = 0;
	t = thread_create(complete_later, fk, "fake-tx", -1);
	EXPECT(!IS_ERR(t));
	if (IS_ERR(t))
		return;
	EXPECT_EQ(netdev_send(nd, &tx), 0);
	thread_join(t, NULL);
	netdev_get_stats(nd, &st1);
	EXPECT_EQ(st1.tx_frames - st0.tx_frames, FAKE_TX_RING + 2);
	EXPECT_EQ(st1.tx_waits - st0.tx_waits, 1);
	EXPECT_EQ(fk->ntx, FAKE_TX_RING);
	fake_complete(fk, FAKE_TX_RING);
}

static unsigned zc_calls;
static void *zc_last;
static void
zc_done(void *arg)
{
	zc_calls++;
	zc_last = arg;
}

static unsigned room_calls;
static struct netdev *room_nd;
static void
room_cb(struct netdev *nd, void *arg)
{
	room_calls++;
	room_nd = nd;
	EXPECT(arg == &room_calls);
}

/* the room callback: once when the device frees room after a NOWAIT send
 * was refused (however many were), never without a refusal, nor while
 * the ring stays full; tx_busy counts the refusals */
KTEST(fake_netdev_tx_room_callback)
{
	struct fake *fk = the_fake();
	struct netdev *nd = &fk->nd;
	struct netdev_tx tx = {.segs = &seg1, .nsegs = 1, .flags = NETDEV_TX_NOWAIT};
	struct netdev_stats st0, st1;

	fake_complete(fk, FAKE_TX_RING);
	room_calls = 0;
	netdev_set_tx_room_cb(nd, room_cb, &room_calls);
	netdev_get_stats(nd, &st0);
	EXPECT_EQ(netdev_send(nd, &tx), 0);
	fake_complete(fk, 1);
	EXPECT_EQ(room_calls, 0); /* nothing was refused */
	for (int i = 0; i < FAKE_TX_RING; i++)
		EXPECT_EQ(netdev_send(nd, &tx), 0);
	EXPECT_EQ(netdev_send(nd, &tx), -EAGAIN);
	EXPECT_EQ(netdev_send(nd, &tx), -EAGAIN);
	fake_complete(fk, 0);
	EXPECT_EQ(room_calls, 0); /* no room yet */
	fake_complete(fk, 1);
	EXPECT_EQ(room_calls, 1);
	EXPECT(room_nd == nd);
	EXPECT_EQ(netdev_send(nd, &tx), 0); /* the room it said */
	fake_complete(fk, FAKE_TX_RING);
	EXPECT_EQ(room_calls, 1); /* once per refusal */
	netdev_get_stats(nd, &st1);
	EXPECT_EQ(st1.tx_busy - st0.tx_busy, 2);
	netdev_set_tx_room_cb(nd, NULL, NULL);
	for (int i = 0; i < FAKE_TX_RING; i++)
		EXPECT_EQ(netdev_send(nd, &tx), 0);
	EXPECT_EQ(netdev_send(nd, &tx), -EAGAIN);
	fake_complete(fk, FAKE_TX_RING); /* no callback: nothing called */
	EXPECT_EQ(room_calls, 1);
}

/* zero copy: done(arg) once, only when the device is through with the
 * frame; a copied send leaves the caller's buffer free at once */
KTEST(fake_netdev_tx_zero_copy_done)
{
	struct fake *fk = the_fake();
	struct netdev *nd = &fk->nd;
	static uint8_t body[FAKE_FRAME_LEN - ETH_HLEN];
	struct netdev_seg segs[2] = {{frame, ETH_HLEN}, {body, sizeof(body)}};
	struct netdev_tx tx = {.segs = segs, .nsegs = 2, .done = zc_done, .arg = body};

	fake_complete(fk, FAKE_TX_RING);
	zc_calls = 0;
	body[0] = 0x5a;
	EXPECT_EQ(netdev_send(nd, &tx), 0);
	EXPECT_EQ(zc_calls, 0); /* still the device's */
	EXPECT_EQ(fk->tx[0].len, FAKE_FRAME_LEN);
	EXPECT_EQ(fk->tx[0].bytes[ETH_HLEN], 0x5a); /* both segments, in order */
	fake_complete(fk, 1);
	EXPECT_EQ(zc_calls, 1);
	EXPECT(zc_last == body);
	fake_complete(fk, 1); /* nothing left: no second call */
	EXPECT_EQ(zc_calls, 1);
	/* copied */
	tx.done = NULL;
	EXPECT_EQ(netdev_send(nd, &tx), 0);
	body[0] = 0xa5;
	EXPECT_EQ(fk->tx[0].bytes[ETH_HLEN], 0x5a);
	fake_complete(fk, 1);
	EXPECT_EQ(zc_calls, 1);
	EXPECT_EQ(fk->ntx, 0);
}

/* checksum offload: the device sees NETDEV_TX_CSUM with its fields */
KTEST(fake_netdev_tx_checksum_offload)
{
	struct fake *fk = the_fake();
	struct netdev *nd = &fk->nd;
	struct netdev_tx tx = {
	    .segs = &seg1, .nsegs = 1, .flags = NETDEV_TX_CSUM, .csum_start = 34, .csum_offset = 6};
	struct netdev_stats st0, st1;

	fake_complete(fk, FAKE_TX_RING);
	netdev_get_stats(nd, &st0);
	EXPECT_EQ(netdev_send(nd, &tx), 0);
	EXPECT_EQ(fk->ntx, 1);
	EXPECT(fk->tx[0].flags & NETDEV_TX_CSUM);
	EXPECT_EQ(fk->tx[0].csum_start, 34);
	EXPECT_EQ(fk->tx[0].csum_offset, 6);
	tx.flags = 0;
	EXPECT_EQ(netdev_send(nd, &tx), 0);
	EXPECT(!(fk->tx[1].flags & NETDEV_TX_CSUM));
	/* the field must lie inside the frame: refused before the device */
	tx.flags = NETDEV_TX_CSUM;
	tx.csum_start = FAKE_FRAME_LEN - 2;
	tx.csum_offset = 1;
	EXPECT_EQ(netdev_send(nd, &tx), -EINVAL);
	EXPECT_EQ(fk->ntx, 2);
	netdev_get_stats(nd, &st1);
	EXPECT_EQ(st1.tx_csum - st0.tx_csum, 1);
	fake_complete(fk, FAKE_TX_RING);
}

struct link_seen {
	unsigned calls;
	bool last;
	void *arg;
};

static void
on_link(struct netdev *nd, bool up, void *arg)
{
	struct link_seen *s = arg;

	s->calls++;
	s->last = up;
	s->arg = arg;
}

KTEST(fake_netdev_link_callback)
{
	struct fake *fk = the_fake();
	struct netdev *nd = &fk->nd;
	struct link_seen seen = {0};
	struct netdev_stats st0, st1;

	netdev_get_stats(nd, &st0);
	netdev_set_link_cb(nd, on_link, &seen);
	netdev_set_link(nd, false);
	EXPECT_EQ(seen.calls, 1);
	EXPECT(!seen.last);
	EXPECT(seen.arg == &seen);
	EXPECT(!netdev_link_up(nd));
	netdev_set_link(nd, false); /* no change: no call */
	EXPECT_EQ(seen.calls, 1);
	netdev_set_link(nd, true);
	EXPECT_EQ(seen.calls, 2);
	EXPECT(seen.last);
	EXPECT(netdev_link_up(nd));
	netdev_get_stats(nd, &st1);
	EXPECT_EQ(st1.link_changes - st0.link_changes, 2);
	netdev_set_link_cb(nd, NULL, NULL);
	netdev_set_link(nd, false);
	netdev_set_link(nd, true);
	EXPECT_EQ(seen.calls, 2);
}

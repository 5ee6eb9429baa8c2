/* Network devices at the frame level: Ethernet frames in and out, no IP.
 * The network stack (lwIP's netif, DESIGN.md "Network") sits on this; the
 * drivers behind it (drivers/virtio_net.c) register through
 * include/netdev_driver.h. Devices are named eth0, eth1... in the order
 * they were found.
 *
 * Sending: a frame is a scatter list (header + payload without copying).
 *   - tx.done == NULL: the bytes are copied before netdev_send returns, so
 *     the caller may reuse its buffers at once (any kernel memory);
 *   - tx.done != NULL: zero copy; the device reads the caller's memory,
 *     which must stay untouched until done(arg) runs (in the device's
 *     thread). Such segments must be in the direct map (kmalloc,
 *     kpage_alloc) or the kernel image: not on a kernel stack, not app
 *     memory (-EINVAL).
 *   - A full TX ring: netdev_send waits for the device to free room, or
 *     returns -EAGAIN at once with NETDEV_TX_NOWAIT (for a caller that
 *     must not sleep; lwIP's linkoutput would return ERR_MEM). After
 *     such a refusal the room callback (netdev_set_tx_room_cb) runs in
 *     the device's thread once the device has freed room, so that the
 *     caller sends what it held back (lwIP's TCP: tcp_txnow), as Linux's
 *     netif_wake_queue restarts a stopped queue: without it a refused
 *     segment would wait for a TCP timer.
 *   - Checksum offload: with NETDEV_TX_CSUM (allowed only when the device
 *     has NETDEV_F_TX_CSUM) the frame carries a partial checksum (the
 *     pseudo-header sum in the checksum field) and the device computes
 *     the one's-complement sum over [csum_start, end of frame) and stores
 *     it at csum_start + csum_offset.
 *
 * Receiving: frames come in the device's own thread (never in interrupt
 * context), either to a callback (netdev_set_rx) or, with no callback, to
 * a bounded queue read by netdev_recv. Either way the receiver owns the
 * frame until it hands it back with netdev_rx_done(): the buffer goes
 * back to the driver's pool and into the RX ring again, never copied
 * (lwIP: a pbuf_custom whose free function calls netdev_rx_done). A
 * receiver that keeps frames costs memory, not frames: the driver refills
 * its ring with fresh buffers up to a limit.
 *
 * Typical use (a test, or a stack's input thread):
 *   struct netdev *nd = netdev_find("eth0");        // NULL: no such device
 *   struct netdev_seg seg = { frame, len };
 *   struct netdev_tx tx = { .segs = &seg, .nsegs = 1 };
 *   int e = netdev_send(nd, &tx);                   // copied: frame reusable
 *   struct netdev_frame *f = netdev_recv(nd, clock_ns() + 2000000000);
 *   if (f) { ... f->nf_data, f->nf_len ...; netdev_rx_done(f); }
 */
#ifndef UNUM_NETDEV_H
#define UNUM_NETDEV_H

#include "queue.h"
#include "spinlock.h"
#include "sync.h"
#include "types.h"

#define ETH_ALEN 6
#define ETH_HLEN 14     /* destination, source, type */
#define ETH_VLAN_HLEN 4 /* an 802.1Q tag on top */
#define NETDEV_NAME_MAX 8
#define NETDEV_MAX_SEGS 16 /* scatter entries per frame */
#define NETDEV_RXQ_MAX 128 /* frames queued for netdev_recv; more are dropped */

/* device features (nd_features) */
#define NETDEV_F_TX_CSUM 1 /* the device completes partial checksums */
#define NETDEV_F_RX_CSUM 2 /* received frames may come with NETDEV_RX_CSUM_* */

/* netdev_tx.flags */
#define NETDEV_TX_NOWAIT 1 /* -EAGAIN instead of waiting for room */
#define NETDEV_TX_CSUM 2   /* partial checksum for the device to complete */

/* netdev_frame.nf_flags */
/* The L4 checksum need not be checked: the device validated it
 * (DATA_VALID), or the frame never crossed a wire (NEEDS_CSUM, below). */
#define NETDEV_RX_CSUM_VALID 1
/* The checksum field holds only the pseudo-header sum (a frame from the
 * host's own stack, with its checksum offloaded to us): complete it at
 * nf_csum_start/nf_csum_offset before forwarding it anywhere. */
#define NETDEV_RX_CSUM_PARTIAL 2

struct netdev;

struct netdev_seg {
	const void *base;
	uint32_t len;
};

struct netdev_tx {
	const struct netdev_seg *segs; /* nsegs entries, 1..NETDEV_MAX_SEGS */
	unsigned nsegs;
	unsigned flags;          /* NETDEV_TX_* */
	uint16_t csum_start;     /* NETDEV_TX_CSUM: bytes from the frame's start */
	uint16_t csum_offset;    /* from csum_start to the checksum field */
	void (*done)(void *arg); /* optional: zero copy (see above) */
	void *arg;
};

/* A received frame: the receiver's from delivery until netdev_rx_done. */
struct netdev_frame {
	uint8_t *nf_data;                       /* the Ethernet header; 2 bytes before it are
	                                         * free for the receiver (lwIP's ETH_PAD_SIZE),
	                                         * so an IP header after it is 4-byte aligned */
	uint32_t nf_len;                        /* bytes from nf_data, FCS not included */
	uint32_t nf_flags;                      /* NETDEV_RX_* */
	uint16_t nf_csum_start, nf_csum_offset; /* with NETDEV_RX_CSUM_PARTIAL */
	struct netdev *nf_dev;
	struct list_node nf_link; /* the receiver's to use while it owns the frame */
	void *nf_priv;            /* the driver's */
};

typedef void (*netdev_rx_fn)(struct netdev *nd, struct netdev_frame *f, void *arg);
typedef void (*netdev_link_fn)(struct netdev *nd, bool up, void *arg);
typedef void (*netdev_room_fn)(struct netdev *nd, void *arg);

struct netdev_stats {
	uint64_t rx_frames, rx_bytes;
	uint64_t rx_dropped; /* queue full, or bad frames from the device */
	uint64_t rx_copied;  /* frames spread over several buffers, joined by copy */
	uint64_t tx_frames, tx_bytes;
	uint64_t tx_waits;      /* sends that waited for room in the ring */
	uint64_t tx_busy;       /* NETDEV_TX_NOWAIT sends refused (-EAGAIN): the ring was full */
	uint64_t tx_csum;       /* frames sent with NETDEV_TX_CSUM */
	uint64_t rx_csum_valid; /* frames received with NETDEV_RX_CSUM_VALID */
	uint64_t link_changes;
	uint64_t interrupts; /* queue and configuration interrupts taken */
	/* the driver's watch (drivers/virtio_net.c): completions found that
	 * no interrupt announced, and notifications sent again to a device
	 * that had missed one (virtq_rescue in include/virtio.h) */
	uint64_t missed_interrupts, rescues;
};

/* The device named 'name' ("eth0"), or NULL. */
struct netdev *netdev_find(const char *name);
/* Every registered device, 0..netdev_count()-1 (NULL past the end). */
int netdev_count(void);
struct netdev *netdev_at(int i);

const char *netdev_name(const struct netdev *nd);
/* the MAC address, ETH_ALEN bytes */
const uint8_t *netdev_mac(const struct netdev *nd);
/* the largest payload after the Ethernet header (1500 unless the device
 * says otherwise) */
unsigned netdev_mtu(const struct netdev *nd);
uint32_t netdev_features(const struct netdev *nd);
/* link state; always up for a device that cannot report it */
bool netdev_link_up(const struct netdev *nd);
/* fn(nd, up, arg) runs in the device's thread at each change (NULL: none) */
void netdev_set_link_cb(struct netdev *nd, netdev_link_fn fn, void *arg);
/* fn(nd, arg) runs in the device's thread when the TX ring has room again
 * after a NETDEV_TX_NOWAIT send was refused with -EAGAIN (NULL: none);
 * once per refusal or batch of them, with no lock of the driver held
 * (fn may send). */
void netdev_set_tx_room_cb(struct netdev *nd, netdev_room_fn fn, void *arg);

/* Send one frame. 0 when queued to the device (sent on the wire shortly,
 * or dropped by it when the link is down, as hardware does). Errors:
 * -EINVAL: no segments or more than NETDEV_MAX_SEGS, a frame shorter than
 * ETH_HLEN or longer than ETH_HLEN + ETH_VLAN_HLEN + MTU, NETDEV_TX_CSUM
 * without NETDEV_F_TX_CSUM or with its field outside the frame, a
 * zero-copy segment outside the direct map and kernel image;
 * -EAGAIN: the ring is full and NETDEV_TX_NOWAIT was given;
 * -ENOMEM: no memory for the copy. On error nothing was queued and done()
 * is not called. May sleep unless NETDEV_TX_NOWAIT. */
int netdev_send(struct netdev *nd, const struct netdev_tx *tx);

/* Deliver received frames to fn(nd, frame, arg) in the device's thread;
 * fn must hand each frame back with netdev_rx_done, then or later. NULL:
 * queue them (up to NETDEV_RXQ_MAX, further frames dropped and counted)
 * for netdev_recv. Frames queued before a callback is set stay queued. */
void netdev_set_rx(struct netdev *nd, netdev_rx_fn fn, void *arg);
/* The next queued frame, waiting until 'deadline_ns' (monotonic; 0: no
 * deadline): NULL when it passed first. */
struct netdev_frame *netdev_recv(struct netdev *nd, uint64_t deadline_ns);
/* Hand a received frame back to its driver (any thread). */
void netdev_rx_done(struct netdev_frame *f);

void netdev_get_stats(const struct netdev *nd, struct netdev_stats *st);
/* Each device's counters and driver state, as KERN_EMERG lines: the NMI
 * dump's (core/nmi.c), so that a network hang shows where frames stop. */
void netdev_dump_all(void);

#endif

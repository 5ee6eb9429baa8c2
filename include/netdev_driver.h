/* The driver side of include/netdev.h: what a network driver fills in and
 * calls. drivers/netdev.c keeps the list of devices, the receive queue or
 * callback, link state and the counters; the driver owns its rings and
 * buffers. Two implementations: drivers/virtio_net.c, and the fake device
 * of tests/kernel/test_netdev.c.
 * Typical driver:
 *   nd->nd_ops = &my_ops; memcpy(nd->nd_mac, mac, ETH_ALEN); nd->nd_mtu = 1500;
 *   netdev_register(nd);                      // named eth0, eth1...
 *   ... in its own thread: netdev_deliver(nd, frame); netdev_set_link(nd, up);
 */
#ifndef UNUM_NETDEV_DRIVER_H
#define UNUM_NETDEV_DRIVER_H

#include "netdev.h"

struct netdev_ops {
	/* queue one frame (already checked by netdev_send: segment count,
	 * length, checksum fields); the errors of netdev_send */
	int (*send)(struct netdev *nd, const struct netdev_tx *tx);
	/* a received frame comes back from its receiver (any thread) */
	void (*rx_done)(struct netdev *nd, struct netdev_frame *f);
	/* optional: KERN_EMERG lines of the driver's state for the NMI dump
	 * (no locks taken, no sleeping) */
	void (*dump)(struct netdev *nd);
};

struct netdev {
	const struct netdev_ops *nd_ops; /* set by the driver */
	void *nd_priv;                   /* the driver's */
	char nd_name[NETDEV_NAME_MAX];   /* set by netdev_register */
	uint8_t nd_mac[ETH_ALEN];        /* set by the driver before registering */
	uint16_t nd_mtu;                 /* the same; 0 means 1500 */
	uint32_t nd_features;            /* NETDEV_F_*, the same */
	bool nd_link_up;                 /* netdev_set_link; read with READ_ONCE */
	/* receiving: under nd_lock */
	struct spinlock nd_lock;
	netdev_rx_fn nd_rx_fn;
	void *nd_rx_arg;
	netdev_link_fn nd_link_fn;
	void *nd_link_arg;
	netdev_room_fn nd_room_fn;
	void *nd_room_arg;
	struct list_node nd_rxq; /* frames for netdev_recv */
	unsigned nd_rxq_len;
	struct waitq nd_rxq_wait; /* netdev_recv sleeps here */
	/* counters: the driver's thread updates them (atomics where two
	 * threads may) */
	struct netdev_stats nd_stats;
};

/* Name it (eth<N>), initialise the common part and add it to the list.
 * 0, or -ENOSPC past the device limit (logged). */
int netdev_register(struct netdev *nd);
/* A frame arrived (the driver's thread): to the callback, or to the
 * queue; dropped (handed back to the driver, counted) when it is full. */
void netdev_deliver(struct netdev *nd, struct netdev_frame *f);
/* The link changed (or was first read): record it, call the link callback */
void netdev_set_link(struct netdev *nd, bool up);
/* The driver freed TX ring room after refusing a NETDEV_TX_NOWAIT send
 * (-EAGAIN) since its last call: call the room callback. The driver's
 * thread, none of its locks held. The driver notes the refusal under the
 * lock it takes its ring's completions with, so that no completion can
 * slip between the refusal and the note (else nothing might ever call
 * this, the ring being empty). */
void netdev_tx_room(struct netdev *nd);

#endif

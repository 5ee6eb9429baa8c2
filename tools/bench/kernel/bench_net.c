/* bench=net-arp (tools/bench/sections/50-net.sh): raw ARP request/reply
 * round trips with QEMU user networking's gateway, through the frame API
 * (include/netdev.h) and the frame helpers the virtio-net cases use
 * (tests/kernel/raw_frames.c). The Linux side: progs/netbench.c. */
#include "../../../tests/kernel/raw_frames.h"
#include "bench.h"
#include "clock.h"
#include "lib.h"
#include "netdev.h"
#include "printk.h"

uint64_t
bench_net_arp(uint64_t ops)
{
	struct netdev *nd = netdev_find("eth0");
	uint8_t f[60];
	struct netdev_seg seg = {f, 0};
	struct netdev_tx tx = {.segs = &seg, .nsegs = 1};
	uint64_t t0;

	if (!nd)
		panic("bench net-arp: no network device (tools/unum --net user)");
	seg.len = raw_arp_request(f, netdev_mac(nd), raw_gw_ip);
	/* one round trip first: the gateway learns our address */
	struct netdev_frame *first = NULL;
	if (!netdev_send(nd, &tx))
		first = raw_recv_match(nd, raw_match_arp_gw, NULL, clock_ns() + RAW_WAIT_NS);
	if (!first)
		panic("bench net-arp: no ARP reply from 10.0.2.2");
	netdev_rx_done(first);
	mark_bench_start();
	t0 = clock_ns();
	for (uint64_t i = 0; i < ops; i++) {
		struct netdev_frame *fr;

		if (netdev_send(nd, &tx))
			panic("bench net-arp: send failed");
		fr = raw_recv_match(nd, raw_match_arp_gw, NULL, clock_ns() + RAW_WAIT_NS);
		if (!fr)
			panic("bench net-arp: reply %lu did not come", (unsigned long)i);
		netdev_rx_done(fr);
	}
	t0 = clock_ns() - t0;
	mark_bench_stop();
	return t0;
}

/* In-guest tests of virtio-net through the frame API (include/netdev.h),
 * with raw frames built here (there is no TCP/IP stack yet) against QEMU
 * user networking: ARP for the gateway 10.0.2.2, a DHCP DISCOVER that gets
 * an OFFER. tests/run boots them on every transport with
 * test.net=MAC (the device line's mac=); without it, no network device may
 * appear. The frame helpers they share with the bench kernel's bench=net-arp
 * are in raw_frames.c. */
#include "../../drivers/virtio_net_reg.h" /* feature bits, to check the negotiation */
#include "clock.h"
#include "cmdline.h"
#include "errno.h"
#include "ktest.h"
#include "ktests.h"
#include "lib.h"
#include "mm.h"
#include "netdev.h"
#include "pci.h"
#include "printk.h"
#include "random.h"
#include "raw_frames.h"
#include "sched.h"
#include "virtio.h"

static bool want_net;
static uint8_t want_mac[ETH_ALEN];

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* test.net=52:54:00:12:34:56: a virtio-net device with that MAC on QEMU
 * user networking */
static int
set_net(const char *v)
{
	if (!v || strlen(v) != 17)
		return -EINVAL;
	for (int i = 0; i < ETH_ALEN; i++) {
		int hi = hexval(v[3 * i]), lo = hexval(v[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && v[3 * i + 2] != ':'))
			return -EINVAL;
		want_mac[i] = (uint8_t)(hi << 4 | lo);
	}
	want_net = true;
	return 0;
}
CMDLINE_KEY("test.net", set_net);

/* What else tests/run says of the device: test.virtio=TRANSPORT (the
 * transport's ops name, key kept by test_virtio_rng.c), test.net_hdr=10|12
 * (the virtio-net header length the negotiation must give),
 * test.net_irq=msix|intx (PCI: how its interrupts must come; MMIO has one
 * line of its own), test.net_mtu=N (0 or absent: 1500). */
static uint64_t want_hdr, want_mtu = 1500;
static char want_irq[8];

static int
set_hdr(const char *v)
{
	return v ? parse_u64(v, strlen(v), &want_hdr, false) : -EINVAL;
}
CMDLINE_KEY("test.net_hdr", set_hdr);

static int
set_irq(const char *v)
{
	if (!v || (strcmp(v, "msix") && strcmp(v, "intx")))
		return -EINVAL;
	memcpy(want_irq, v, strlen(v) + 1);
	return 0;
}
CMDLINE_KEY("test.net_irq", set_irq);

static int
set_mtu(const char *v)
{
	return v ? parse_u64(v, strlen(v), &want_mtu, false) : -EINVAL;
}
CMDLINE_KEY("test.net_mtu", set_mtu);

/* one's-complement sum of big-endian 16-bit words, folded at the end */
static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += raw_get16(p + i);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t
fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* the UDP checksum of an IPv4 packet 'ip' (header included) */
static uint16_t
udp_csum(const uint8_t *ip, size_t ihl, const uint8_t *udp, size_t ulen)
{
	uint32_t acc = sum16(ip + 12, 8, 0) + 17 + (uint32_t)ulen;
	uint16_t c = fold(sum16(udp, ulen, acc));

	return c ? c : 0xffff;
}

static struct netdev *
the_netdev(void)
{
	struct netdev *nd = netdev_find("eth0");

	if (!want_net) { /* none, but test_netdev.c's fake */
		for (int i = 0; i < netdev_count(); i++)
			EXPECT(ktest_netdev_is_fake(netdev_at(i)));
		return NULL;
	}
	EXPECT(nd != NULL);
	return nd;
}

KTEST(net_device_mac_mtu_link)
{
	struct netdev *nd = the_netdev();

	if (!nd)
		return;
	EXPECT(!memcmp(netdev_mac(nd), want_mac, ETH_ALEN));
	EXPECT_EQ(netdev_mtu(nd), want_mtu);
	EXPECT(netdev_link_up(nd));
	EXPECT(!strcmp(netdev_name(nd), "eth0"));
	EXPECT(netdev_find("eth1") == NULL || ktest_netdev_is_fake(netdev_find("eth1")));
}

/* the virtio device behind eth0, NULL if none */
static struct virtio_dev *
net_virtio(void)
{
	for (int i = 0; i < virtio_ndevs(); i++)
		if (virtio_dev_at(i)->device_id == VIRTIO_ID_NET)
			return virtio_dev_at(i);
	return NULL;
}

/* The transport the boot asked for, the header length its negotiation
 * gives (5.1.6: 12 bytes with VERSION_1 or MRG_RXBUF, else 10), and the
 * interrupts that came: virtio-net-pci is transitional, so a broken
 * modern path would quietly come up legacy without the transport check. */
KTEST(net_transport_header_interrupts)
{
	struct netdev *nd = the_netdev();
	struct virtio_dev *d = net_virtio();
	struct pci_dev *p = NULL;
	struct netdev_stats st;
	unsigned hdr;
	uint64_t offer;
	uint16_t mtu;
	uint8_t f[60];
	struct netdev_seg seg = {f, 0};
	struct netdev_tx tx = {.segs = &seg, .nsegs = 1};
	struct netdev_frame *fr;

	if (!nd)
		return;
	EXPECT(d != NULL);
	if (!d)
		return;
	if (!ktest_want_virtio()[0] || !want_hdr)
		ktest_fail(__FILE__, __LINE__, "boot without test.virtio= or test.net_hdr=");
	else if (strcmp(d->ops->name, ktest_want_virtio()))
		ktest_fail(__FILE__, __LINE__, "%s: transport %s, want %s", d->name, d->ops->name,
		           ktest_want_virtio());
	EXPECT(d->ops->get_status(d) & VIRTIO_STATUS_DRIVER_OK);
	EXPECT_EQ(d->legacy, !virtio_has(d, VIRTIO_F_VERSION_1));
	hdr = virtio_has(d, VIRTIO_F_VERSION_1) || virtio_has(d, VIRTIO_NET_F_MRG_RXBUF) ? 12 : 10;
	EXPECT_EQ(hdr, want_hdr);
	/* F_MTU (QEMU offers it with host_mtu=) only with an MTU our RX
	 * buffers take: any with MRG_RXBUF, else what one 2 KiB buffer
	 * holds after 14 bytes of offset, tag and Ethernet header */
	offer = d->ops->get_features(d);
	if (offer & VIRTIO_NET_F_MTU) {
		virtio_read_config(d, VIRTIO_NET_CFG_MTU, &mtu, sizeof(mtu));
		EXPECT_EQ(virtio_has(d, VIRTIO_NET_F_MTU),
		          (offer & VIRTIO_NET_F_MRG_RXBUF) || mtu <= 2048 - 14 - 18);
		ktest_note("device MTU %u, %s", mtu,
		           virtio_has(d, VIRTIO_NET_F_MTU) ? "taken" : "declined");
	}
	/* one ARP round trip: RX and TX completions came by interrupt */
	seg.len = raw_arp_request(f, netdev_mac(nd), raw_gw_ip);
	EXPECT_EQ(netdev_send(nd, &tx), 0);
	fr = raw_recv_match(nd, raw_match_arp_gw, NULL, clock_ns() + RAW_WAIT_NS);
	EXPECT(fr != NULL);
	if (fr)
		netdev_rx_done(fr);
	netdev_get_stats(nd, &st);
	if (!strncmp(d->ops->name, "pci", 3)) {
		p = pci_find(0x1af4, 0x1000, NULL); /* transitional */
		if (!p)
			p = pci_find(0x1af4, 0x1041, NULL);
		EXPECT(p != NULL);
	}
	ktest_note("%s: %s, %u-byte header, %lu interrupts", d->name, d->ops->name, hdr,
	           (unsigned long)st.interrupts);
	if (!p) {
		EXPECT(want_irq[0] == 0); /* MMIO: its own line */
		EXPECT(st.interrupts > 0);
		return;
	}
	ktest_note("%s: %lu MSI-X, %lu INTx", p->name, (unsigned long)p->msix_count,
	           (unsigned long)p->intx_count);
	if (!strcmp(want_irq, "intx")) {
		EXPECT(!p->msix_on);
		EXPECT(p->intx_count > 0);
		EXPECT_EQ(p->msix_count, 0);
	} else {
		EXPECT(!strcmp(want_irq, "msix"));
		EXPECT(p->msix_on);
		EXPECT(p->msix_count > 0);
		EXPECT_EQ(p->intx_count, 0);
	}
}

static void
never_done(void *arg)
{
	ktest_fail(__FILE__, __LINE__, "done() of a send that was refused");
}

static void *
send_from_stack(void *arg)
{
	struct netdev *nd = arg;
	uint8_t f[60];
	struct netdev_seg seg = {f, 60};
	struct netdev_tx tx = {.segs = &seg, .nsegs = 1, .done = never_done};

	raw_arp_request(f, netdev_mac(nd), raw_gw_ip);
	return (void *)(intptr_t)netdev_send(nd, &tx);
}

KTEST(net_send_rejects_bad_frames)
{
	struct netdev *nd = the_netdev();
	uint8_t *big;
	struct netdev_seg seg;
	struct netdev_tx tx = {.segs = &seg, .nsegs = 1};

	if (!nd)
		return;
	big = kzalloc(2000);
	EXPECT(big != NULL);
	if (!big)
		return;
	raw_arp_request(big, netdev_mac(nd), raw_gw_ip);
	seg = (struct netdev_seg){big, ETH_HLEN - 1};
	EXPECT_EQ(netdev_send(nd, &tx), -EINVAL); /* runt */
	seg.len = ETH_HLEN + ETH_VLAN_HLEN + 1500 + 1;
	EXPECT_EQ(netdev_send(nd, &tx), -EINVAL); /* over the MTU */
	tx.nsegs = 0;
	EXPECT_EQ(netdev_send(nd, &tx), -EINVAL); /* no segments */
	tx.nsegs = NETDEV_MAX_SEGS + 1;
	EXPECT_EQ(netdev_send(nd, &tx), -EINVAL);
	tx.nsegs = 1;
	seg.len = 60;
	tx.flags = NETDEV_TX_CSUM;
	tx.csum_start = 58;
	tx.csum_offset = 2; /* field past the end */
	EXPECT_EQ(netdev_send(nd, &tx), -EINVAL);
	if (!(netdev_features(nd) & NETDEV_F_TX_CSUM)) {
		tx.csum_start = 34; /* in range, but not offered */
		EXPECT_EQ(netdev_send(nd, &tx), -EINVAL);
	}
	tx.flags = 0;
	kfree(big);
	/* zero copy from a thread's kernel stack (the boot thread's stack is
	 * in the kernel image, so another thread) */
	struct thread *t = thread_create(send_from_stack, nd, "net-stack", -1);
	void *res = NULL;
	EXPECT(!IS_ERR(t));
	if (!IS_ERR(t)) {
		thread_join(t, &res);
		EXPECT_EQ((long)(intptr_t)res, -EINVAL);
	}
}

/* the gateway answers an ARP request: one round trip, copied send */
KTEST(net_arp_gateway)
{
	struct netdev *nd = the_netdev();
	uint8_t f[60];
	struct netdev_seg seg = {f, 0};
	struct netdev_tx tx = {.segs = &seg, .nsegs = 1};
	struct netdev_frame *fr;

	if (!nd)
		return;
	seg.len = raw_arp_request(f, netdev_mac(nd), raw_gw_ip);
	EXPECT_EQ(netdev_send(nd, &tx), 0);
	fr = raw_recv_match(nd, raw_match_arp_gw, NULL, clock_ns() + RAW_WAIT_NS);
	EXPECT(fr != NULL);
	if (!fr)
		return;
	/* the reply comes from the gateway's MAC, also in the ARP body */
	EXPECT(!memcmp(fr->nf_data + 6, fr->nf_data + 22, ETH_ALEN));
	ktest_note("gateway 10.0.2.2 is at %02x:%02x:%02x:%02x:%02x:%02x", fr->nf_data[22],
	           fr->nf_data[23], fr->nf_data[24], fr->nf_data[25], fr->nf_data[26],
	           fr->nf_data[27]);
	netdev_rx_done(fr);
}

static uint32_t zc_done;
static void
zc_complete(void *arg)
{
	__atomic_fetch_add(&zc_done, 1, __ATOMIC_RELAXED);
	kfree(arg);
}

/* Zero-copy sends in two segments (header + body, as a stack sends them),
 * more round trips than either ring holds: every reply arrives, every
 * done() runs, buffers are recycled. */
KTEST(net_arp_many_zero_copy)
{
	struct netdev *nd = the_netdev();
	enum { ROUNDS = 600 };
	struct netdev_stats st0, st1;
	int got = 0;

	if (!nd)
		return;
	netdev_get_stats(nd, &st0);
	zc_done = 0;
	for (int i = 0; i < ROUNDS; i++) {
		uint8_t *f = kmalloc(60);
		struct netdev_seg segs[2] = {{f, ETH_HLEN}, {f + ETH_HLEN, 60 - ETH_HLEN}};
		struct netdev_tx tx = {.segs = segs, .nsegs = 2, .done = zc_complete, .arg = f};
		struct netdev_frame *fr;

		raw_arp_request(f, netdev_mac(nd), raw_gw_ip);
		if (netdev_send(nd, &tx)) {
			ktest_fail(__FILE__, __LINE__, "send %d failed", i);
			kfree(f);
			break;
		}
		fr = raw_recv_match(nd, raw_match_arp_gw, NULL, clock_ns() + RAW_WAIT_NS);
		if (!fr)
			break;
		got++;
		netdev_rx_done(fr);
	}
	EXPECT_EQ(got, ROUNDS);
	/* completions come from the device's thread: give it a moment */
	for (int i = 0; i < 2000 && __atomic_load_n(&zc_done, __ATOMIC_RELAXED) < (uint32_t)got;
	     i++)
		sched_sleep_ns(10000000);
	EXPECT_EQ(zc_done, got);
	netdev_get_stats(nd, &st1);
	EXPECT(st1.tx_frames - st0.tx_frames >= (uint64_t)got);
	EXPECT(st1.rx_frames - st0.rx_frames >= (uint64_t)got);
	EXPECT(st1.interrupts > st0.interrupts);
}

/* DHCP (RFC 2131) DISCOVER, broadcast, with correct IP and UDP checksums */
#define DHCP_LEN 548 /* BOOTP with 312 bytes of options: 576 bytes of IP */
static size_t
build_dhcp_discover(uint8_t *f, const uint8_t *mac, uint32_t xid)
{
	uint8_t *ip = f + ETH_HLEN, *udp = ip + 20, *bp = udp + 8, *opt;

	memset(f, 0, ETH_HLEN + 20 + 8 + DHCP_LEN);
	memcpy(f, raw_bcast, ETH_ALEN);
	memcpy(f + 6, mac, ETH_ALEN);
	raw_put16(f + 12, RAW_ETHERTYPE_IP);
	ip[0] = 0x45;
	raw_put16(ip + 2, 20 + 8 + DHCP_LEN);
	raw_put16(ip + 4, (uint16_t)xid); /* identification */
	ip[8] = 64;                       /* TTL */
	ip[9] = 17;                       /* UDP */
	memset(ip + 16, 0xff, 4);         /* to 255.255.255.255 from 0.0.0.0 */
	raw_put16(ip + 10, fold(sum16(ip, 20, 0)));
	raw_put16(udp, 68);
	raw_put16(udp + 2, 67);
	raw_put16(udp + 4, 8 + DHCP_LEN);
	bp[0] = 1; /* BOOTREQUEST */
	bp[1] = 1; /* Ethernet */
	bp[2] = 6;
	memcpy(bp + 4, &xid, 4);
	raw_put16(bp + 10, 0x8000); /* broadcast the answer */
	memcpy(bp + 28, mac, ETH_ALEN);
	opt = bp + 236;
	memcpy(opt, "\x63\x82\x53\x63", 4); /* magic cookie */
	opt += 4;
	memcpy(opt, "\x35\x01\x01", 3); /* message type: DISCOVER */
	opt += 3;
	memcpy(opt, "\x37\x03\x01\x03\x06", 5); /* ask: netmask, router, DNS */
	opt += 5;
	*opt = 0xff;
	raw_put16(udp + 6, udp_csum(ip, 20, udp, 8 + DHCP_LEN));
	return ETH_HLEN + 20 + 8 + DHCP_LEN;
}

/* an option's value in a DHCP message, or NULL */
static const uint8_t *
dhcp_option(const uint8_t *opt, const uint8_t *end, uint8_t code, uint8_t *len)
{
	while (opt < end && *opt != 0xff) {
		if (*opt == 0) {
			opt++;
			continue;
		}
		if (opt + 2 > end || opt + 2 + opt[1] > end)
			return NULL;
		if (*opt == code) {
			*len = opt[1];
			return opt + 2;
		}
		opt += 2 + opt[1];
	}
	return NULL;
}

struct dhcp_want {
	uint32_t xid;
};

/* a well-formed IPv4/UDP frame from port 67 to 68 carrying BOOTREPLY for xid */
static bool
match_dhcp_reply(const struct netdev_frame *fr, void *arg)
{
	const struct dhcp_want *w = arg;
	const uint8_t *f = fr->nf_data, *ip = f + ETH_HLEN, *udp, *bp;
	size_t ihl, ulen;

	if (fr->nf_len < ETH_HLEN + 20 + 8 + 240 || raw_get16(f + 12) != RAW_ETHERTYPE_IP ||
	    (ip[0] >> 4) != 4 || ip[9] != 17)
		return false;
	ihl = (ip[0] & 15) * 4u;
	udp = ip + ihl;
	ulen = raw_get16(udp + 4);
	bp = udp + 8;
	if (ETH_HLEN + ihl + ulen > fr->nf_len || ulen < 8 + 240 || raw_get16(udp) != 67 ||
	    raw_get16(udp + 2) != 68)
		return false;
	return bp[0] == 2 && !memcmp(bp + 4, &w->xid, 4);
}

KTEST(net_dhcp_offer)
{
	struct netdev *nd = the_netdev();
	struct dhcp_want w;
	uint8_t *f;
	struct netdev_seg seg;
	struct netdev_tx tx = {.segs = &seg, .nsegs = 1};
	struct netdev_frame *fr;

	if (!nd)
		return;
	f = kmalloc(ETH_HLEN + 20 + 8 + DHCP_LEN);
	EXPECT(f != NULL);
	if (!f)
		return;
	random_bytes(&w.xid, sizeof(w.xid));
	seg = (struct netdev_seg){f, build_dhcp_discover(f, netdev_mac(nd), w.xid)};
	EXPECT_EQ(netdev_send(nd, &tx), 0);
	kfree(f); /* copied: the buffer is ours again at once */
	fr = raw_recv_match(nd, match_dhcp_reply, &w, clock_ns() + RAW_WAIT_NS);
	EXPECT(fr != NULL);
	if (!fr)
		return;
	const uint8_t *ip = fr->nf_data + ETH_HLEN;
	size_t ihl = (ip[0] & 15) * 4u;
	const uint8_t *udp = ip + ihl, *bp = udp + 8;
	size_t ulen = raw_get16(udp + 4);
	uint8_t len = 0;
	const uint8_t *type = dhcp_option(bp + 240, udp + ulen, 53, &len);

	EXPECT_EQ(fold(sum16(ip, ihl, 0)), 0); /* IP header checksum holds */
	if (raw_get16(udp + 6))                /* UDP checksum, when sent */
		EXPECT_EQ(fold(sum16(udp, ulen, sum16(ip + 12, 8, 0) + 17 + (uint32_t)ulen)), 0);
	EXPECT(!memcmp(bp + 236, "\x63\x82\x53\x63", 4));
	EXPECT(type != NULL && len == 1 && type[0] == 2);   /* OFFER */
	EXPECT(!memcmp(bp + 28, netdev_mac(nd), ETH_ALEN)); /* chaddr: us */
	EXPECT(bp[16] == 10 && bp[17] == 0 && bp[18] == 2); /* yiaddr 10.0.2.x */
	EXPECT(bp[19] != 0 && bp[19] != 255 && bp[19] != 2);
	ktest_note("offered 10.0.2.%u", bp[19]);
	netdev_rx_done(fr);
}

/* The lwIP netif on a netdev (include/netdev.h; virtio-net in practice):
 * received frames go up as custom pbufs over the driver's own buffers,
 * handed back to it when lwIP frees them (the driver refills its ring in
 * batches in its thread), copied only while lwIP already holds many;
 * frames go down without a copy when every pbuf
 * of the chain owns its memory, the device holding a pbuf reference
 * until it is done (lwIP's TCP will not rewrite a segment so held).
 * Link state and MTU come from the device; a frame the device validated
 * skips lwIP's TCP/UDP checksum check. Exercised by tests/e2e/net-*.sh. */
#include "lwip/netif.h"
#include "errno.h"
#include "lib.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcpip.h"
#include "mm.h"
#include "net_hooks.h"
#include "net_impl.h"
#include "netdev.h"
#include "netif/ethernet.h"
#include "printk.h"

#define ETHTYPE_IPV4 0x0800
#define ETHTYPE_ARPV 0x0806
#define ETHTYPE_IPV6 0x86dd
#define IP6_NH_FRAG 44

struct rx_pbuf {
	struct pbuf_custom rp_pc;
	struct netdev_frame *rp_frame;
};

static uint16_t
be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Note what the frame means to the cyclic timers (net/timers.c): only
 * the headers the device wrote are looked at, lwIP checks the rest. */
static void
rx_note(const uint8_t *fr, uint32_t len)
{
	uint16_t type;

	if (len < ETH_HLEN)
		return;
	type = be16(fr + 12);
	fr += ETH_HLEN;
	len -= ETH_HLEN;
	if (type == ETHTYPE_ARPV) {
		net_timers_note(NET_ACT_ARP);
	} else if (type == ETHTYPE_IPV4 && len >= 20) {
		if (be16(fr + 6) & 0x3fff) /* MF, or a fragment offset */
			net_timers_note(NET_ACT_FRAG4);
	} else if (type == ETHTYPE_IPV6) {
		net_timers_note(NET_ACT_IP6);
		/* the fragment header first, or after up to 3 options headers */
		uint8_t nh = len >= 40 ? fr[6] : 0;
		uint32_t off = 40;
		for (int i = 0; i < 4 && nh != IP6_NH_FRAG && off + 8 <= len; i++) {
			if (nh != 0 && nh != 43 && nh != 60)
				break;
			nh = fr[off];
			off += 8u * (fr[off + 1] + 1u);
		}
		if (nh == IP6_NH_FRAG)
			net_timers_note(NET_ACT_FRAG6);
	}
}

/* A frame lwIP may be given: one holding the whole fixed header of its
 * protocol. lwIP 2.1.3 reads fields of these headers before it checks
 * the frame holds them (ethernet_input checks only the Ethernet header):
 * etharp_input reads the whole ARP header, ip4_input the IPv4 total
 * length. virtio-net delivers frames shorter than Ethernet's 60-byte
 * minimum as they came, so lwIP would read past such a frame, into the
 * buffer's stale bytes or the next buffer (tests/fuzz/net's arp-short,
 * ip4-short). Linux drops them too (arp_rcv, ip_rcv_core, ipv6_rcv). An
 * IPv6 packet's extension headers are checked as ip6_input would. */
#define ARP_HLEN 28
#define IP4_HLEN 20
#define IP6_HLEN 40
#define IP6_NH_HBH 0
#define IP6_NH_ROUTING 43
#define IP6_NH_DSTOPTS 60

/* ip6_input reads an options or routing header's length byte before it
 * checks the packet holds the header's first 8 bytes (and drops it when
 * not): false for a packet it would drop so (tests/fuzz/net's
 * ip6-ext-short). The packet ends where its payload length says, when
 * that is within the frame (ip6_input drops it otherwise). */
static bool
ip6_ext_sane(const uint8_t *ip, uint32_t len)
{
	uint32_t end = IP6_HLEN + be16(ip + 4), off = IP6_HLEN;
	uint8_t nh = ip[6];

	if (end > len)
		return true; /* ip6_input drops it, reading nothing past the frame */
	while (nh == IP6_NH_HBH || nh == IP6_NH_ROUTING || nh == IP6_NH_DSTOPTS) {
		if (off + 8 > end)
			return false;
		nh = ip[off];
		off += 8u * (ip[off + 1] + 1u);
	}
	return true;
}

static bool
rx_sane(const uint8_t *fr, uint32_t len)
{
	if (len < ETH_HLEN)
		return true; /* ethernet_input drops it */
	switch (be16(fr + 12)) {
	case ETHTYPE_ARPV:
		return len >= ETH_HLEN + ARP_HLEN;
	case ETHTYPE_IPV4:
		return len >= ETH_HLEN + IP4_HLEN;
	case ETHTYPE_IPV6:
		return len >= ETH_HLEN + IP6_HLEN && ip6_ext_sane(fr + ETH_HLEN, len - ETH_HLEN);
	}
	return true;
}

/* lwIP's TCP input hook (net_hooks.h), before it parses a segment's
 * options (and the check below, before tcp_receive): lwIP 2.1.3's tcp_parseopt reads an option's
 * length byte even when the option's kind is the last byte of the options, one byte past the TCP
 * header (past the frame, for a segment without data; tests/fuzz/net's tcp-opt-overread). Its walk,
 * kept within the options: EOL ends it, NOP is one byte, MSS and window scale of a wrong length end
 * it, any other option (or a good MSS or WS) is skipped by its length, a length below 2 ends it. A
 * segment whose walk would read a length byte past the options is dropped.
 * XXX: Linux takes such a segment and ignores the truncated option. */
static uint8_t
opt_byte(const uint8_t *o1, u16_t opt1len, const uint8_t *opt2, unsigned i)
{
	return !opt2 || i < opt1len ? o1[i] : opt2[i - opt1len];
}

/* lwIP 2.1.3's tcp_receive trims a segment that starts before rcv_nxt
 * and ends after it, tested as TCP_SEQ_BETWEEN(rcv_nxt, seqno + 1,
 * seqno + len - 1): for a 1-byte segment (or a bare FIN) whose seqno is
 * rcv_nxt - 2^31 the test wraps and holds, and lwIP asserts "insane
 * offset!" (a kernel panic) at the 2 GiB trim. Any peer of a connection
 * can send one (tests/fuzz/net's tcp-insane-offset): such a segment,
 * which starts more than lwIP can trim before rcv_nxt, is dropped.
 * XXX: Linux answers it with an ACK, as out of the window. */
static bool
tcp_trim_insane(struct tcp_pcb *pcb, struct tcp_hdr *hdr, struct pbuf *p)
{
	u32_t seqno = hdr->seqno; /* tcp_input made it host order */
	u32_t len = p->tot_len + ((TCPH_FLAGS(hdr) & (TCP_FIN | TCP_SYN)) ? 1u : 0u);

	if (pcb->state == CLOSED || pcb->state == LISTEN || pcb->state == SYN_SENT ||
	    pcb->state == TIME_WAIT || !len)
		return false;
	return TCP_SEQ_BETWEEN(pcb->rcv_nxt, seqno + 1, seqno + len - 1) &&
	       pcb->rcv_nxt - seqno >= 0xffff;
}

err_t
net_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len, u8_t *opt2,
                 struct pbuf *p)
{
	const uint8_t *o1 = (const uint8_t *)hdr + TCP_HLEN;

	if (tcp_trim_insane(pcb, hdr, p))
		return ERR_VAL;

	for (unsigned i = 0; i < optlen;) {
		uint8_t kind = opt_byte(o1, opt1len, opt2, i);
		if (kind == LWIP_TCP_OPT_EOL)
			break;
		if (kind == LWIP_TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= optlen)
			return ERR_VAL;
		uint8_t len = opt_byte(o1, opt1len, opt2, i + 1);
		if ((kind == LWIP_TCP_OPT_MSS && len != LWIP_TCP_OPT_LEN_MSS) ||
		    (kind == LWIP_TCP_OPT_WS && len != LWIP_TCP_OPT_LEN_WS) || len < 2 ||
		    ((kind == LWIP_TCP_OPT_MSS || kind == LWIP_TCP_OPT_WS) && i + len > optlen))
			break;
		i += len;
	}
	return net_tcp_listen_in(pcb, hdr);
}

/* Frames lwIP may keep in the driver's buffers (TCP's unread and
 * out-of-order data); past this many, frames are copied into pbufs of
 * their own and the buffer goes straight back, so that data an app leaves
 * unread cannot drain the driver's pool (RX_BUFS_MAX) and stop all RX. */
#define RX_HELD_MAX 128
static unsigned rx_held; /* atomic */

static void
rx_pbuf_free(struct pbuf *p)
{
	struct rx_pbuf *rp = (struct rx_pbuf *)p;

	netdev_rx_done(rp->rp_frame);
	kfree(rp);
	__atomic_sub_fetch(&rx_held, 1, __ATOMIC_RELAXED);
}

/* the frame as a pbuf (ETH_PAD_SIZE bytes before it), or NULL when out
 * of memory; the frame is lwIP's or back with the driver either way */
static struct pbuf *
rx_pbuf(struct netdev_frame *f)
{
	uint32_t len = f->nf_len + ETH_PAD_SIZE;
	struct rx_pbuf *rp = NULL;
	struct pbuf *p = NULL;

	if (len > 0xffff)
		goto out;
	if (__atomic_load_n(&rx_held, __ATOMIC_RELAXED) >= RX_HELD_MAX) {
		p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
		if (p)
			pbuf_take_at(p, f->nf_data, (u16_t)f->nf_len, ETH_PAD_SIZE);
		goto out;
	}
	rp = kmalloc(sizeof(*rp));
	if (!rp)
		goto out;
	__atomic_add_fetch(&rx_held, 1, __ATOMIC_RELAXED);
	rp->rp_frame = f;
	rp->rp_pc.custom_free_function = rx_pbuf_free;
	return pbuf_alloced_custom(PBUF_RAW, (u16_t)len, PBUF_REF, &rp->rp_pc,
	                           f->nf_data - ETH_PAD_SIZE, (u16_t)len);
out:
	netdev_rx_done(f);
	return p;
}

/* the netdev's RX callback, in the device's thread */
static void
rx_frame(struct netdev *nd, struct netdev_frame *f, void *arg)
{
	struct netif *netif = arg;
	uint32_t flags = f->nf_flags;
	uint16_t saved;
	struct pbuf *p;

	LOCK_TCPIP_CORE();
	rx_note(f->nf_data, f->nf_len); /* before the frame may go back */
	if (!rx_sane(f->nf_data, f->nf_len)) {
		netdev_rx_done(f);
		goto out;
	}
	p = rx_pbuf(f);
	if (!p)
		goto out;
	/* a frame off the wire is checked unless the device did it; the
	 * netif's own flags (what looped frames see) may not check TCP */
	saved = netif->chksum_flags;
	if (flags & (NETDEV_RX_CSUM_VALID | NETDEV_RX_CSUM_PARTIAL))
		netif->chksum_flags &=
		    (uint16_t) ~(NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP);
	else
		netif->chksum_flags |= NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP;
	if (netif->input(p, netif) != ERR_OK)
		pbuf_free(p);
	netif->chksum_flags = saved;
	net_timers_kick();
out:
	UNLOCK_TCPIP_CORE();
}

static void
link_changed(struct netdev *nd, bool up, void *arg)
{
	struct netif *netif = arg;

	LOCK_TCPIP_CORE();
	if (up)
		netif_set_link_up(netif);
	else
		netif_set_link_down(netif);
	printk(KERN_INFO "net: %s link %s", netdev_name(nd), up ? "up" : "down");
	net_timers_note(NET_ACT_IP6);
	net_timers_kick();
	UNLOCK_TCPIP_CORE();
}

/* the netdev's TX room callback, in the device's thread: a segment that
 * linkoutput could not queue (ERR_MEM, the ring full) is sent now, not
 * at the next TCP timer, as Linux's netif_wake_queue restarts its queue.
 * tcp_output retries the data of a pcb lwIP marked TF_NAGLEMEMERR for
 * it, and an ACK refused (TF_ACK_NOW kept). */
static void
tx_room(struct netdev *nd, void *arg)
{
	(void)nd;
	(void)arg;
	LOCK_TCPIP_CORE();
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
		if (pcb->flags & (TF_NAGLEMEMERR | TF_ACK_NOW))
			tcp_output(pcb);
	UNLOCK_TCPIP_CORE();
}

static void
tx_done(void *arg)
{
	pbuf_free(arg); /* any thread: reference counts under SYS_ARCH_PROTECT */
}

/* A chain the device can read in place: no more segments than it takes,
 * and every pbuf's memory its own (PBUF_REF data may be reused by its
 * owner as soon as lwIP returns). */
static bool
zero_copy_ok(struct pbuf *p)
{
	unsigned n = 0;

	for (; p; p = p->next)
		if (PBUF_NEEDS_COPY(p) || ++n > NETDEV_MAX_SEGS)
			return false;
	return true;
}

static err_t
send_copy(struct netdev *nd, struct pbuf *p, const struct netdev_tx *how)
{
	struct netdev_seg seg;
	struct netdev_tx tx = *how;
	void *buf = kmalloc(p->tot_len);
	int e;

	if (!buf)
		return ERR_MEM;
	seg.base = buf;
	seg.len = pbuf_copy_partial(p, buf, p->tot_len, 0);
	tx.segs = &seg;
	tx.nsegs = 1;
	tx.done = NULL;
	e = netdev_send(nd, &tx);
	kfree(buf);
	return e == 0 ? ERR_OK : e == -EAGAIN ? ERR_MEM : ERR_IF;
}

/* one's-complement sum of n bytes, big-endian words, not folded */
static uint32_t
sum16(const uint8_t *b, unsigned n, uint32_t acc)
{
	for (unsigned i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(b[i] << 8 | b[i + 1]);
	return acc;
}

/* TCP checksum offload (NETDEV_TX_CSUM): lwIP left the field 0
 * (NETIF_CHECKSUM_GEN_TCP off); it gets the pseudo-header's sum, and the
 * device sums the segment over it, as virtio's VIRTIO_NET_F_CSUM wants.
 * The headers are in the first pbuf (lwIP builds TCP segments so). */
static void
tx_csum(struct pbuf *p, struct netdev_tx *tx)
{
	uint8_t *f = p->payload, *ip = f + ETH_HLEN;
	uint32_t sum;
	unsigned l4, len;

	if (p->len < ETH_HLEN + 40)
		return;
	if (be16(f + 12) == 0x0800 && ip[9] == 6) {
		unsigned ihl = (ip[0] & 0xfu) * 4;
		len = be16(ip + 2) - ihl;
		l4 = ETH_HLEN + ihl;
		sum = sum16(ip + 12, 8, 6 + len);
	} else if (be16(f + 12) == 0x86dd && ip[6] == 6) {
		if (p->len < ETH_HLEN + 60)
			return;
		len = be16(ip + 4);
		l4 = ETH_HLEN + 40;
		sum = sum16(ip + 8, 32, 6 + len);
	} else {
		return;
	}
	if (l4 + 18 > p->len)
		return;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[l4 + 16] = (uint8_t)(sum >> 8);
	f[l4 + 17] = (uint8_t)sum;
	tx->flags |= NETDEV_TX_CSUM;
	tx->csum_start = (uint16_t)l4;
	tx->csum_offset = 16;
}

/* lwIP's linkoutput, core lock held: never waits for ring room (the
 * device's thread, which makes it, may be the caller): ERR_MEM instead,
 * and TCP sends again */
static err_t
linkoutput(struct netif *netif, struct pbuf *p)
{
	struct netdev *nd = netif->state;
	struct netdev_seg segs[NETDEV_MAX_SEGS];
	struct netdev_tx tx = {.segs = segs, .flags = NETDEV_TX_NOWAIT, .done = tx_done, .arg = p};
	err_t err;
	int e;

	pbuf_remove_header(p, ETH_PAD_SIZE);
	if (!(netif->chksum_flags & NETIF_CHECKSUM_GEN_TCP))
		tx_csum(p, &tx);
	if (!zero_copy_ok(p)) {
		err = send_copy(nd, p, &tx);
		goto out;
	}
	for (struct pbuf *q = p; q; q = q->next)
		if (q->len)
			segs[tx.nsegs++] = (struct netdev_seg){q->payload, q->len};
	pbuf_ref(p);
	e = netdev_send(nd, &tx);
	if (e == -EINVAL) { /* memory the device cannot take in place */
		pbuf_free(p);
		err = send_copy(nd, p, &tx);
	} else if (e) {
		pbuf_free(p);
		err = e == -EAGAIN ? ERR_MEM : ERR_IF;
	} else {
		err = ERR_OK;
	}
out:
	pbuf_add_header(p, ETH_PAD_SIZE);
	return err;
}

static err_t
output4(struct netif *netif, struct pbuf *p, const ip4_addr_t *dst)
{
	net_timers_note(NET_ACT_ARP); /* the next hop's entry may be pending */
	return etharp_output(netif, p, dst);
}

static err_t
output6(struct netif *netif, struct pbuf *p, const ip6_addr_t *dst)
{
	net_timers_note(NET_ACT_IP6);
	return ethip6_output(netif, p, dst);
}

static err_t
netif_setup(struct netif *netif)
{
	struct netdev *nd = netif->state;

	netif->name[0] = 'e';
	netif->name[1] = 't';
	netif->hwaddr_len = ETH_ALEN;
	memcpy(netif->hwaddr, netdev_mac(nd), ETH_ALEN);
	netif->mtu = (u16_t)netdev_mtu(nd);
	netif->mtu6 = netif->mtu;
	netif->flags =
	    NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
	netif->output = output4;
	netif->output_ip6 = output6;
	netif->linkoutput = linkoutput;
	/* TCP's checksums are the device's when it offers (linkoutput's
	 * tx_csum); UDP's stay lwIP's, since a datagram fragmented by IP
	 * cannot have its checksum completed per frame. A segment to our own
	 * address loops back inside lwIP with its field still 0, so the
	 * netif's flags do not check TCP: rx_frame turns the check on for
	 * each frame that came off the wire. */
	NETIF_SET_CHECKSUM_CTRL(netif, (netdev_features(nd) & NETDEV_F_TX_CSUM)
	                                   ? NETIF_CHECKSUM_ENABLE_ALL & ~(NETIF_CHECKSUM_GEN_TCP |
	                                                                   NETIF_CHECKSUM_CHECK_TCP)
	                                   : NETIF_CHECKSUM_ENABLE_ALL);
	return ERR_OK;
}

struct netif *
net_netif_add(struct netdev *nd)
{
	struct netif *netif = kzalloc(sizeof(*netif));

	LWIP_ASSERT_CORE_LOCKED();
	if (!netif)
		return NULL;
	if (!netif_add_noaddr(netif, nd, netif_setup, ethernet_input)) {
		kfree(netif);
		return NULL;
	}
	netif_create_ip6_linklocal_address(netif, 1);
	netif->ip6_autoconfig_enabled = 1;
	netif_set_up(netif);
	if (netdev_link_up(nd))
		netif_set_link_up(netif);
	net_timers_note(NET_ACT_IP6); /* duplicate address detection, solicitations */
	netdev_set_link_cb(nd, link_changed, netif);
	netdev_set_tx_room_cb(nd, tx_room, netif);
	netdev_set_rx(nd, rx_frame, netif);
	return netif;
}

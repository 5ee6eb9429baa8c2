/* Raw Ethernet frames for the virtio-net cases and bench=net-arp
 * (tests/kernel/raw_frames.h). */
#include "raw_frames.h"
#include "lib.h"

const uint8_t raw_guest_ip[4] = {10, 0, 2, 15};
const uint8_t raw_gw_ip[4] = {10, 0, 2, 2};
const uint8_t raw_bcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void
raw_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

uint16_t
raw_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

size_t
raw_arp_request(uint8_t *f, const uint8_t *mac, const uint8_t *target_ip)
{
	memcpy(f, raw_bcast, ETH_ALEN);
	memcpy(f + 6, mac, ETH_ALEN);
	raw_put16(f + 12, RAW_ETHERTYPE_ARP);
	raw_put16(f + 14, 1);      /* hardware: Ethernet */
	raw_put16(f + 16, 0x0800); /* protocol: IPv4 */
	f[18] = 6;
	f[19] = 4;
	raw_put16(f + 20, 1); /* request */
	memcpy(f + 22, mac, ETH_ALEN);
	memcpy(f + 28, raw_guest_ip, 4);
	memset(f + 32, 0, ETH_ALEN);
	memcpy(f + 38, target_ip, 4);
	memset(f + 42, 0, 18); /* pad to the 60-byte minimum */
	return 60;
}

bool
raw_is_arp_reply(const struct netdev_frame *fr, const uint8_t *mac, const uint8_t *from_ip)
{
	const uint8_t *f = fr->nf_data;

	return fr->nf_len >= 42 && raw_get16(f + 12) == RAW_ETHERTYPE_ARP &&
	       raw_get16(f + 20) == 2 && !memcmp(f + 28, from_ip, 4) &&
	       !memcmp(f + 32, mac, ETH_ALEN) && !memcmp(f + 38, raw_guest_ip, 4) &&
	       !memcmp(f, mac, ETH_ALEN);
}

struct netdev_frame *
raw_recv_match(struct netdev *nd, bool (*match)(const struct netdev_frame *, void *), void *arg,
               uint64_t deadline)
{
	struct netdev_frame *fr;

	while ((fr = netdev_recv(nd, deadline))) {
		if (match(fr, arg))
			return fr;
		netdev_rx_done(fr);
	}
	return NULL;
}

bool
raw_match_arp_gw(const struct netdev_frame *fr, void *arg)
{
	return raw_is_arp_reply(fr, netdev_mac(fr->nf_dev), raw_gw_ip);
}

/* The interfaces as Linux names and numbers them, read out of lwIP's
 * netif list under the core lock into plain snapshots (net_impl.h) for
 * the parts that show them to the app: rtnetlink (net/netlink.c), the
 * interface ioctls (net/ifioctl.c) and /proc/net (net/procnet.c). lo is
 * lwIP's loopback netif (index 1), eth0.. the netifs on the netdevs
 * (index 2..). Counters: a netdev's from its driver; lo's counted here,
 * on its way out (every packet lo sends it also receives, as Linux
 * counts it). */
#include "errno.h"
#include "lib.h"
#include "lwip/dhcp.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "net.h"
#include "net_impl.h"
#include "netdev.h"
#include "uapi/netlink.h"

static struct {
	uint64_t packets, bytes; /* atomic */
} lo_count;
static netif_output_fn lo_output4;
static netif_output_ip6_fn lo_output6;

static void
lo_note(const struct pbuf *p)
{
	__atomic_add_fetch(&lo_count.packets, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&lo_count.bytes, p->tot_len, __ATOMIC_RELAXED);
}

static err_t
lo_counted4(struct netif *netif, struct pbuf *p, const ip4_addr_t *dst)
{
	lo_note(p);
	return lo_output4(netif, p, dst);
}

static err_t
lo_counted6(struct netif *netif, struct pbuf *p, const ip6_addr_t *dst)
{
	lo_note(p);
	return lo_output6(netif, p, dst);
}

static bool
is_lo(const struct netif *netif)
{
	return netif->name[0] == 'l' && netif->name[1] == 'o';
}

void
net_lo_counters_init(void)
{
	struct netif *netif;

	LWIP_ASSERT_CORE_LOCKED();
	NETIF_FOREACH(netif)
	{
		if (!is_lo(netif) || lo_output4)
			continue;
		/* XXX: lwIP loops a packet to the host's own eth0 address on
		 * eth0 itself, past any output function: such packets are
		 * counted nowhere (Linux counts them on lo) */
		lo_output4 = netif->output;
		lo_output6 = netif->output_ip6;
		netif->output = lo_counted4;
		netif->output_ip6 = lo_counted6;
	}
}

static void
ip6_addrs(struct netif *netif, struct net_ifinfo *ii)
{
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES && ii->n6 < NET_IF_IP6_MAX; i++) {
		u8_t state = netif_ip6_addr_state(netif, i);
		const ip6_addr_t *a = netif_ip6_addr(netif, i);
		struct net_ifaddr6 *o = &ii->a6[ii->n6];
		uint32_t valid = netif_ip6_addr_valid_life(netif, i);

		if (state == IP6_ADDR_INVALID || (state & IP6_ADDR_DUPLICATED))
			continue;
		memcpy(o->addr, a->addr, 16);
		o->plen =
		    ip6_addr_isloopback(a) ? 128 : 64; /* lwIP's on-link prefix is always /64 */
		o->scope = ip6_addr_isloopback(a)    ? NET_SCOPE_HOST
		           : ip6_addr_islinklocal(a) ? NET_SCOPE_LINK
		                                     : NET_SCOPE_UNIVERSE;
		o->tentative = ip6_addr_istentative(state) != 0;
		/* lwIP's "static" lifetime: made here (::1, the link-local
		 * one, ip=), kept forever, as Linux's permanent addresses */
		o->permanent = ip6_addr_life_isstatic(valid);
		o->valid = o->permanent ? 0xffffffffu : valid;
		o->preferred = o->permanent ? 0xffffffffu : netif_ip6_addr_pref_life(netif, i);
		ii->n6++;
	}
}

static void
fill(struct netif *netif, struct net_ifinfo *ii)
{
	memset(ii, 0, sizeof(*ii));
	ii->index = netif_get_index(netif);
	ii->up = netif_is_up(netif);
	ii->link_up = netif_is_link_up(netif);
	ii->loopback = is_lo(netif);
	if (ii->loopback) {
		memcpy(ii->name, "lo", 3);
		ii->mtu = 65536; /* Linux's; lwIP's loopback has no limit */
		ii->st.rx_packets = ii->st.tx_packets =
		    __atomic_load_n(&lo_count.packets, __ATOMIC_RELAXED);
		ii->st.rx_bytes = ii->st.tx_bytes =
		    __atomic_load_n(&lo_count.bytes, __ATOMIC_RELAXED);
	} else if (netif->state) {
		struct netdev *nd = netif->state;
		struct netdev_stats st;
		fmt_snprintf(ii->name, sizeof(ii->name), "%s", netdev_name(nd));
		ii->mtu = netif->mtu;
		ii->hwlen = netif->hwaddr_len;
		memcpy(ii->hwaddr, netif->hwaddr, MIN(netif->hwaddr_len, sizeof(ii->hwaddr)));
		netdev_get_stats(nd, &st);
		ii->st.rx_packets = st.rx_frames;
		ii->st.rx_bytes = st.rx_bytes;
		ii->st.rx_drop = st.rx_dropped;
		ii->st.tx_packets = st.tx_frames;
		ii->st.tx_bytes = st.tx_bytes;
		ii->carrier_changes = st.link_changes;
	}
	if (!ip4_addr_isany_val(*netif_ip4_addr(netif))) {
		ii->have4 = true;
		ii->addr4 = ip4_addr_get_u32(netif_ip4_addr(netif));
		ii->mask4 = ip4_addr_get_u32(netif_ip4_netmask(netif));
		ii->gw4 = ip4_addr_get_u32(netif_ip4_gw(netif));
		ii->dhcp4 = !ii->loopback && dhcp_supplied_address(netif);
	}
	ip6_addrs(netif, ii);
}

int
net_if_list(struct net_ifinfo *out, int max)
{
	struct netif *netif;
	int n = 0;

	net_start();
	LOCK_TCPIP_CORE();
	NETIF_FOREACH(netif)
	{
		int i = n;
		if (n == max)
			break; /* XXX: more interfaces than the caller has room for */
		/* lwIP lists the newest first: into index order */
		while (i > 0 && out[i - 1].index > netif_get_index(netif)) {
			out[i] = out[i - 1];
			i--;
		}
		fill(netif, &out[i]);
		n++;
	}
	UNLOCK_TCPIP_CORE();
	return n;
}

unsigned
net_if_flags(const struct net_ifinfo *ii)
{
	unsigned f = ii->up ? IFF_UP : 0;

	if (ii->loopback)
		f |= IFF_LOOPBACK;
	else
		f |= IFF_BROADCAST | IFF_MULTICAST;
	if (ii->up && ii->link_up)
		f |= IFF_RUNNING | IFF_LOWER_UP;
	return f;
}

int
net_if_find(const char *name, struct net_ifinfo *out)
{
	struct net_ifinfo all[NET_IF_MAX];
	int n = net_if_list(all, NET_IF_MAX);

	for (int i = 0; i < n; i++)
		if (!strcmp(all[i].name, name)) {
			*out = all[i];
			return 0;
		}
	return -ENODEV;
}

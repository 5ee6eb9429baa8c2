/* Shared inside net/ only: the lwIP glue's pieces (sys_arch.c, timers.c,
 * netif.c, netconf.c) talking to each other. The public face is
 * include/net.h. */
#ifndef UNUM_NET_IMPL_H
#define UNUM_NET_IMPL_H

#include "types.h"

struct netif;
struct netdev;

/* sys_arch.c: the heap budget of lwIP's allocations, bytes */
void net_mem_set_budget(uint64_t bytes);
uint64_t net_mem_used(void);
/* from now on LWIP_ASSERT_CORE_LOCKED checks (net_init, once running) */
void net_core_lock_checked(void);

/* timers.c: what the cyclic timers' work depends on, noted by the netif
 * as frames pass (ms of sys_now); a kick re-arms each timer that has
 * work again. Core lock held. */
enum net_activity {
	NET_ACT_ARP,   /* an ARP frame in, or IPv4 out (an entry may be pending) */
	NET_ACT_IP6,   /* IPv6 in or out, an address change: ND, RS */
	NET_ACT_FRAG4, /* an IPv4 fragment in */
	NET_ACT_FRAG6, /* an IPv6 fragment in */
	NET_ACT_COUNT
};
void net_timers_note(enum net_activity a);
void net_timers_kick(void);

/* netif.c: an lwIP netif on a netdev, up, with no address yet.
 * NULL when out of memory. Core lock held. */
struct netif *net_netif_add(struct netdev *nd);

/* ifinfo.c: the interfaces, as the app is shown them (rtnetlink, the
 * interface ioctls, /proc/net). A snapshot; addresses in network order. */
#define NET_IF_MAX 8
#define NET_IF_IP6_MAX 4
enum { NET_SCOPE_UNIVERSE = 0, NET_SCOPE_LINK = 253, NET_SCOPE_HOST = 254 }; /* RT_SCOPE_* */
struct net_ifaddr6 {
	uint8_t addr[16];
	uint8_t plen, scope;
	bool tentative, permanent;
	uint32_t valid, preferred; /* lifetimes, s (0xffffffff: forever) */
};
struct net_ifstats {
	uint64_t rx_bytes, rx_packets, rx_errs, rx_drop;
	uint64_t tx_bytes, tx_packets, tx_errs, tx_drop;
};
struct net_ifinfo {
	int index; /* 1: lo */
	char name[16];
	bool loopback, up, link_up;
	unsigned mtu;
	uint8_t hwaddr[6];
	int hwlen; /* 0: none (lo) */
	bool have4, dhcp4;
	uint32_t addr4, mask4, gw4;
	int n6;
	struct net_ifaddr6 a6[NET_IF_IP6_MAX];
	struct net_ifstats st;
	uint64_t carrier_changes;
};
/* every interface in index order, up to max (the stack started first if
 * it was not): the count. May sleep. */
int net_if_list(struct net_ifinfo *out, int max);
/* the interface named 'name': 0, or -ENODEV */
int net_if_find(const char *name, struct net_ifinfo *out);
/* its IFF_* flags, as Linux's SIOCGIFFLAGS and ifi_flags */
unsigned net_if_flags(const struct net_ifinfo *ii);
/* lo's counters from now on (at start-up, core lock held) */
void net_lo_counters_init(void);

/* inet_tcp.c: a segment to a listener, as Linux's LISTEN state takes it
 * (net_hooks.h's TCP input hook): ERR_OK, or anything else to drop it */
struct tcp_pcb;
struct tcp_hdr;
int8_t net_tcp_listen_in(struct tcp_pcb *pcb, const struct tcp_hdr *hdr);
/* inet_tcp.c: TIME-WAIT kept to tcp_max_tw_buckets (include/net.h) by
 * net_tcp_tw_trim on each TCP tick (core lock held): past it the oldest
 * are ended, as Linux ends them. Every segment no connection takes walks
 * lwIP's TIME-WAIT list, so without a bound a server that closes
 * thousands of connections a minute slows down with each one. */
void net_tcp_tw_trim(void);

/* tcp_isn.c: a keyed hash of a flow, the same for all its packets and
 * unguessable from outside (core lock held) */
struct ip_addr; /* lwIP's ip_addr_t */
uint32_t net_flow_hash(const struct ip_addr *local, uint16_t lport, const struct ip_addr *remote,
                       uint16_t rport);

#endif

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

#endif

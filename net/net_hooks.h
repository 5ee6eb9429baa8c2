/* lwIP's hooks into the kernel (LWIP_HOOK_FILENAME in lwipopts.h):
 * lwIP's sources include this where they call a hook. */
#ifndef UNUM_NET_HOOKS_H
#define UNUM_NET_HOOKS_H

#include "lwip/arch.h"
#include "lwip/ip_addr.h"

struct netif;

/* IPv6's next hop for an off-link destination when no router was learnt:
 * the static gw= (net/netconf.c); NULL: none */
const ip6_addr_t *net_ip6_gw(struct netif *netif, const ip6_addr_t *dest);
#define LWIP_HOOK_ND6_GET_GW(netif, dest) net_ip6_gw(netif, dest)

#endif

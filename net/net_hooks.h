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

/* every IP packet in, before lwIP looks at it (net/inet_tcp.c): a SYN
 * for a connection lwIP still holds in TIME-WAIT, with a sequence number
 * past the old one's, ends that TIME-WAIT so the listener gets the SYN, as
 * Linux's tcp_timewait_state_process (lwIP would answer it with an ACK,
 * and the peer's RST does not end TIME-WAIT: the port stays unusable for
 * a minute). 0: lwIP goes on with the packet */
struct pbuf;
int net_tcp_tw_reuse4(struct pbuf *p);
int net_tcp_tw_reuse6(struct pbuf *p);
#define LWIP_HOOK_IP4_INPUT(p, inp) net_tcp_tw_reuse4(p)
#define LWIP_HOOK_IP6_INPUT(p, inp) net_tcp_tw_reuse6(p)

#endif

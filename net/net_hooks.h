/* lwIP's hooks into the kernel (LWIP_HOOK_FILENAME in lwipopts.h):
 * lwIP's sources include this where they call a hook. */
#ifndef UNUM_NET_HOOKS_H
#define UNUM_NET_HOOKS_H

#include "lwip/arch.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"

struct netif;
struct pbuf;
struct tcp_hdr;
struct tcp_pcb;

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
int net_tcp_tw_reuse4(struct pbuf *p);
int net_tcp_tw_reuse6(struct pbuf *p);
#define LWIP_HOOK_IP4_INPUT(p, inp) net_tcp_tw_reuse4(p)
#define LWIP_HOOK_IP6_INPUT(p, inp) net_tcp_tw_reuse6(p)

/* a connection's initial sequence number (net/tcp_isn.c, RFC 6528) */
u32_t net_tcp_isn(const ip_addr_t *local, u16_t lport, const ip_addr_t *remote, u16_t rport);
#define LWIP_HOOK_TCP_ISN(local, lport, remote, rport) net_tcp_isn(local, lport, remote, rport)

/* every TCP segment, before lwIP's state machine takes it (net/netif.c):
 * anything but ERR_OK drops it. One whose options lwIP 2.1.3's
 * tcp_parseopt would read past is dropped there, and a listener's
 * segments go to net_tcp_listen_in (net/inet_tcp.c) */
err_t net_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len,
                       u8_t *opt2, struct pbuf *p);
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p)                             \
	net_tcp_inpacket((struct tcp_pcb *)(pcb), hdr, optlen, opt1len, opt2, p)

#endif

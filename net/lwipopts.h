/* lwIP's configuration for the kernel (lwip/opt.h lists every option and
 * its default; DESIGN.md "Network"). lwIP runs with threads (NO_SYS 0)
 * and core locking: a caller takes the core lock (LOCK_TCPIP_CORE) and
 * calls the raw API in its own thread; the tcpip thread only runs timers
 * and the loopback netif's deferred input. Why each choice is made is
 * said beside it; what is not said is lwIP's default. */
#ifndef UNUM_NET_LWIPOPTS_H
#define UNUM_NET_LWIPOPTS_H

#include "types.h"

/* --- OS glue (net/sys_arch.c) --- */
#define NO_SYS 0
#define SYS_LIGHTWEIGHT_PROT 1 /* pbuf reference counts from the driver's thread */
#define LWIP_TCPIP_CORE_LOCKING 1
#define LWIP_TCPIP_CORE_LOCKING_INPUT 1
#define LWIP_NETCONN 0 /* the socket layer is ours (net/socket.c), on the raw API */
#define LWIP_SOCKET 0
#define TCPIP_MBOX_SIZE 256
#define TCPIP_THREAD_NAME "tcpip"
/* lwIP's cyclic timers on the kernel's one-shot timer, each armed only
 * while it has work (net/timers.c) */
#define LWIP_TIMERS 1
#define LWIP_TIMERS_CUSTOM 1
/* every raw-API entry checks the caller holds the core lock */
void net_assert_core_locked(void);
#define LWIP_ASSERT_CORE_LOCKED() net_assert_core_locked()
#define LWIP_HOOK_FILENAME "net_hooks.h"

/* --- memory: everything on the kernel heap, no static pools. The total
 * is bounded by a budget derived from the guest's memory at init
 * (net_mem_malloc), which is what bounds PCBs, segments and pbufs: the
 * MEMP_NUM_* below only matter to lwIP's sanity checks. --- */
void *net_mem_malloc(size_t size);
void *net_mem_calloc(size_t n, size_t size);
void net_mem_free(void *p);
#define MEM_LIBC_MALLOC 1
#define mem_clib_malloc net_mem_malloc
#define mem_clib_calloc net_mem_calloc
#define mem_clib_free net_mem_free
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#define MEMP_NUM_TCP_PCB 65535
#define MEMP_NUM_TCP_PCB_LISTEN 4096
#define MEMP_NUM_UDP_PCB 4096
#define MEMP_NUM_RAW_PCB 256
#define MEMP_NUM_TCP_SEG 65535
#define MEMP_NUM_REASSDATA 64
#define MEMP_NUM_FRAG_PBUF 256
#define MEMP_NUM_ARP_QUEUE 256
#define MEMP_NUM_ND6_QUEUE 256
#define MEMP_NUM_SYS_TIMEOUT 64
#define MEMP_NUM_TCPIP_MSG_INPKT 256
#define PBUF_POOL_SIZE 1024
#define ETH_PAD_SIZE 2 /* the driver leaves 2 bytes before each frame (netdev.h) */

/* --- protocols --- */
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define ARP_QUEUEING 1
#define IP_FORWARD 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IP_REASS_MAX_PBUFS 128
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
/* Linux's dhclient does not probe the offered address either; with the
 * probe, every DHCP boot waits another second */
#define DHCP_DOES_ARP_CHECK 0
/* lwIP's resolver holds the DNS servers (DHCP's, or dns=) for
 * /etc/resolv.conf; it never resolves a name here (apps do that
 * themselves), so no query ever needs its dns_tmr, which net/timers.c does
 * not run, and it binds no UDP port until a query (the default
 * LWIP_DNS_SECURE has RAND_SRC_PORT) */
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 2
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0 /* XXX: no IPv4 multicast groups; IP_ADD_MEMBERSHIP will be ENOPROTOOPT */
#define LWIP_IPV6_NUM_ADDRESSES 4
#define LWIP_IPV6_AUTOCONFIG 1 /* SLAAC from router advertisements (QEMU's user net sends them) */
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 1
#define LWIP_ND6_ALLOW_RA_UPDATES 1
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
/* reassembly's per-fragment bookkeeping (a pointer and two u16s: 16 bytes
 * on x86-64) does not fit in the 8-byte fragment header it would
 * overwrite: without this, lwIP asserts (a panic) on the first IPv6
 * fragment received (tests/fuzz/net/ip6-frag-assert) */
#define IPV6_FRAG_COPYHEADER 1
#define LWIP_IPV6_DHCP6 0
#define LWIP_ND6_NUM_NEIGHBORS 32
#define LWIP_ND6_NUM_DESTINATIONS 64

/* --- TCP: windows for line rate (window scaling: 256 KiB advertised),
 * send buffers to match, keepalive, listen backlogs --- */
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 3
#define TCP_WND (256 * 1024)
#define TCP_SND_BUF (256 * 1024)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
/* writable again below this much unsent (lwIP keeps it in a u16) */
#define TCP_SNDLOWAT (0xffff - 4 * TCP_MSS - 1)
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_KEEPALIVE 1
/* TIME-WAIT lasts 2 * TCP_MSL: 60 s, as Linux's TCP_TIMEWAIT_LEN (lwIP's
 * default is 2 minutes). Every segment that matches no connection scans
 * the TIME-WAIT list, so a server closing thousands of connections pays
 * for each one while it lasts. */
#define TCP_MSL 30000UL
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 128
#define LWIP_TCP_TIMESTAMPS 0
#define TCP_OVERSIZE TCP_MSS
#define LWIP_TCP_PCB_NUM_EXT_ARGS                                                                  \
	1 /* one slot for the socket layer: it hears of each PCB's free                            \
	   */
/* lwIP's own ephemeral ports (its defaults, IANA's 49152-65535), never
 * drawn: our socket layer binds port 0 itself, from Linux's
 * ip_local_port_range (net/inet_port.c), before lwIP would pick one */
#define TCP_LOCAL_PORT_RANGE_START 0xc000
#define TCP_LOCAL_PORT_RANGE_END 0xffff
/* as lwIP's tcp.c has it beside its defaults (only a power-of-two range) */
#define TCP_ENSURE_LOCAL_PORT_RANGE(port)                                                          \
	((u16_t)(((port) & (u16_t)~TCP_LOCAL_PORT_RANGE_START) + TCP_LOCAL_PORT_RANGE_START))
/* SO_REUSEADDR (lwIP's SOF_REUSEADDR: a port in TIME-WAIT may be bound again) */
#define SO_REUSE 1

/* --- netifs --- */
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1 /* lo: 127.0.0.1 and ::1 */
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1 /* per frame: the device validated it */
#define LWIP_SINGLE_NETIF 0
#define LWIP_SUPPORT_CUSTOM_PBUF 1 /* RX pbufs over the driver's buffers */

/* --- no statistics, no debug output; assertions stay on --- */
#define LWIP_STATS 0

#endif

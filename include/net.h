/* The network stack (net/: lwIP on the netdevs of include/netdev.h,
 * DESIGN.md "Network"). Addresses come from the kernel command line,
 *   ip=ADDR/LEN[,ADDR/LEN]  gw=ADDR[,ADDR]  dns=ADDR[,ADDR]
 * (IPv4 and IPv6 forms, for eth0), or else from DHCP; IPv6 also from
 * router advertisements (SLAAC). Loopback (lo: 127.0.0.1, ::1) always.
 * net=off leaves the network devices to frame-level users (netdev.h).
 * The kernel logs what it configured: 'net: eth0 10.0.2.15/24 gw
 * 10.0.2.2 (dhcp)'.
 * Callers of lwIP's raw API take the core lock first (LOCK_TCPIP_CORE,
 * lwip/tcpip.h) and run the stack in their own thread. */
#ifndef UNUM_NET_H
#define UNUM_NET_H

#include "types.h"

#define NET_DNS_MAX 2

/* At boot, after the drivers: net_start when there is a network device
 * to drive (and no net=off); else nothing yet. */
void net_init(void);
/* lwIP up, a netif on every netdev, addresses configured or DHCP
 * started; once, whoever calls first (may sleep briefly). Every user of
 * lwIP calls it before its first lwIP call. */
void net_start(void);
/* Wait (up to NET_DHCP_WAIT_MS) until DHCP has given eth0 an address,
 * when it is asked for one; logs when it did not. Before the app runs. */
#define NET_DHCP_WAIT_MS 5000
void net_wait_config(void);

/* The DNS servers configured (dns=) or learnt (DHCP), as text: the i-th,
 * or NULL past the last. For /etc/resolv.conf. */
const char *net_dns_server(int i, char *buf, size_t len);

/* /proc/net/dev, route, tcp, tcp6, udp, udp6 (net/procnet.c), as Linux
 * lays them out, into buf: the length (procfs's generators) */
size_t net_proc_dev(char *buf, size_t size);
size_t net_proc_route(char *buf, size_t size);
size_t net_proc_tcp(char *buf, size_t size);
size_t net_proc_tcp6(char *buf, size_t size);
size_t net_proc_udp(char *buf, size_t size);
size_t net_proc_udp6(char *buf, size_t size);
/* /proc/sys/net/ipv4/ip_local_port_range (net/inet_port.c): the ports a
 * connect or a bind to port 0 draws from, TCP's and UDP's, "LO\tHI\n"
 * (32768 60999 at boot); a write "LO HI" as Linux's: the bytes used, or
 * -EINVAL (out of 1024..65535, HI below LO) and no change */
size_t net_proc_port_range(char *buf, size_t size);
long net_set_port_range(const char *buf, size_t len);
/* /proc/sys/net/ipv4/tcp_max_tw_buckets (net/inet_tcp.c): how many TCP
 * connections may sit in TIME-WAIT, "N\n" (one per 64 KiB of the guest's
 * memory at boot, 256..65536); past it the oldest end at once, as Linux
 * ends them. A write "N" (an int; below 0 keeps none) as Linux's: the
 * bytes used or -EINVAL */
size_t net_proc_tw_max(char *buf, size_t size);
long net_set_tw_max(const char *buf, size_t len);

/* The app is exiting and the VM with it: TCP data it sent that the peer
 * has not acknowledged yet goes out first, for up to NET_DRAIN_MS (on
 * Linux the kernel goes on sending after the process is gone). Returns at
 * once when there is none, or no network. */
#define NET_DRAIN_MS 3000
void net_drain(void);

/* wake-ups of lwIP's timers since boot (an idle stack's should stay flat) */
uint64_t net_timer_wakeups(void);

#endif

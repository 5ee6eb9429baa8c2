/* /proc/net/dev, route, tcp, tcp6, udp and udp6 (include/net.h), laid
 * out as Linux 6.1 lays them out (net/core/net-procfs.c,
 * net/ipv4/fib_trie.c, tcp_ipv4.c, tcp_ipv6.c, udp.c, ipv6/datagram.c):
 * the same headers, column widths and padding, addresses as Linux prints
 * them (the network-order word read as a host integer, in hex). The
 * interfaces and their counters come from net/ifinfo.c, the sockets from
 * lwIP's PCB lists under the core lock. Each generator stops at a line
 * that may not fit (procfs makes it again with more room).
 * tests/guest/posix_netif.c reads them; tests/e2e/net-iface.sh runs
 * busybox netstat -rn and cat /proc/net/dev. */
#include "inet_impl.h"
#include "lib.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"
#include "mm.h"
#include "net.h"
#include "net_impl.h"

#define LINE_MAX 256 /* the longest line any of them makes, with room */

/* Linux's seq_setwidth/seq_pad: the line padded with blanks to 'width',
 * then the newline */
static size_t
pad(char *b, size_t size, size_t start, size_t at, size_t width)
{
	while (at < size && at - start < width)
		b[at++] = ' ';
	if (at < size)
		b[at++] = '\n';
	return at;
}

size_t
net_proc_dev(char *b, size_t size)
{
	struct net_ifinfo all[NET_IF_MAX];
	int n = net_if_list(all, NET_IF_MAX);
	size_t at = (size_t)fmt_snprintf(
	    b, size,
	    "Inter-|   Receive                                                |  Transmit\n"
	    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
	    "errs drop fifo colls carrier compressed\n");

	for (int i = 0; i < n && at + LINE_MAX < size; i++) {
		const struct net_ifstats *s = &all[i].st;
		at += (size_t)fmt_snprintf(
		    b + at, size - at,
		    "%6s: %7lu %7lu %4lu %4lu %4lu %5lu %10lu %9lu "
		    "%8lu %7lu %4lu %4lu %4lu %5lu %7lu %10lu\n",
		    all[i].name, (unsigned long)s->rx_bytes, (unsigned long)s->rx_packets,
		    (unsigned long)s->rx_errs, (unsigned long)s->rx_drop, 0ul, 0ul, 0ul, 0ul,
		    (unsigned long)s->tx_bytes, (unsigned long)s->tx_packets,
		    (unsigned long)s->tx_errs, (unsigned long)s->tx_drop, 0ul, 0ul, 0ul, 0ul);
	}
	return MIN(at, size);
}

/* the main table's IPv4 routes, as in rtnetlink's dumps (net/netlink.c):
 * the default one through each gateway, then each subnet, by destination */
#define RTF_UP 0x1
#define RTF_GATEWAY 0x2
#define RTF_HOST 0x4

static size_t
route_line(char *b, size_t size, size_t at, const char *dev, uint32_t dst, uint32_t gw,
           unsigned flags, uint32_t mask)
{
	size_t start = at;

	at += (size_t)fmt_snprintf(b + at, size - at,
	                           "%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u", dev, dst,
	                           gw, flags, 0, 0u, 0, mask, 0, 0u, 0u);
	return pad(b, size, start, MIN(at, size), 127);
}

size_t
net_proc_route(char *b, size_t size)
{
	struct net_ifinfo all[NET_IF_MAX];
	int n = net_if_list(all, NET_IF_MAX), order[NET_IF_MAX], k = 0;
	size_t at =
	    (size_t)fmt_snprintf(b, size, "%-127s\n",
	                         "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\t"
	                         "Mask\t\tMTU\tWindow\tIRTT");

	for (int i = 0; i < n && at + LINE_MAX < size; i++)
		if (all[i].have4 && all[i].gw4 && !all[i].loopback)
			at = route_line(b, size, at, all[i].name, 0, all[i].gw4,
			                RTF_UP | RTF_GATEWAY, 0);
	/* lo's subnet is in the local table, not here */
	for (int i = 0; i < n; i++)
		if (all[i].have4 && !all[i].loopback && all[i].mask4 != 0xffffffffu) {
			int j = k++;
			uint32_t net = lwip_ntohl(all[i].addr4 & all[i].mask4);
			while (j > 0 && lwip_ntohl(all[order[j - 1]].addr4 &
			                           all[order[j - 1]].mask4) > net) {
				order[j] = order[j - 1];
				j--;
			}
			order[j] = i;
		}
	for (int j = 0; j < k && at + LINE_MAX < size; j++) {
		const struct net_ifinfo *ii = &all[order[j]];
		at = route_line(b, size, at, ii->name, ii->addr4 & ii->mask4, 0, RTF_UP, ii->mask4);
	}
	return MIN(at, size);
}

/* Linux's TCP state numbers (include/net/tcp_states.h) for lwIP's */
static unsigned
linux_state(enum tcp_state s)
{
	static const unsigned map[] = {
	    [CLOSED] = 7,      [LISTEN] = 10,    [SYN_SENT] = 2,   [SYN_RCVD] = 3,
	    [ESTABLISHED] = 1, [FIN_WAIT_1] = 4, [FIN_WAIT_2] = 5, [CLOSE_WAIT] = 8,
	    [CLOSING] = 11,    [LAST_ACK] = 9,   [TIME_WAIT] = 6,
	};

	return (unsigned)s < ARRAY_SIZE(map) ? map[s] : 7;
}

/* an address as Linux prints it: each 32-bit word of the network-order
 * bytes as a host integer */
static size_t
addr_hex(char *b, size_t size, const ip_addr_t *a, bool v6)
{
	if (!v6)
		return (size_t)fmt_snprintf(b, size, "%08X", ip4_addr_get_u32(ip_2_ip4(a)));
	uint32_t w[4] = {0, 0, 0, 0};
	if (IP_IS_V6(a))
		memcpy(w, ip_2_ip6(a)->addr, sizeof(w));
	else if (IP_IS_V4(a) && !ip4_addr_isany(ip_2_ip4(a))) /* ::ffff:a.b.c.d */
		w[2] = lwip_htonl(0xffff), w[3] = ip4_addr_get_u32(ip_2_ip4(a));
	return (size_t)fmt_snprintf(b, size, "%08X%08X%08X%08X", w[0], w[1], w[2], w[3]);
}

/* where a PCB is listed: IPv4 ones in tcp and udp; IPv6 ones and the
 * dual-stack ones (lwIP's IPADDR_TYPE_ANY, Linux's AF_INET6 socket on
 * ::) in tcp6 and udp6 */
static bool
is_v6(const ip_addr_t *local)
{
	return !IP_IS_V4_VAL(*local);
}

static size_t
endpoints(char *b, size_t size, size_t at, int sl, int slw, const ip_addr_t *lip, u16_t lport,
          const ip_addr_t *rip, u16_t rport, bool v6)
{
	ip_addr_t any = v6 ? *IP6_ADDR_ANY : *IP4_ADDR_ANY;

	at += (size_t)fmt_snprintf(b + at, size - at, "%*d: ", slw, sl);
	at += addr_hex(b + at, size - at, lip, v6);
	at += (size_t)fmt_snprintf(b + at, size - at, ":%04X ", lport);
	at += addr_hex(b + at, size - at, rip ? rip : &any, v6);
	at += (size_t)fmt_snprintf(b + at, size - at, ":%04X ", rport);
	return MIN(at, size);
}

/* one TCP socket's line (get_tcp4_sock, get_tcp6_sock, their
 * get_timewait*_sock), the inode the socket's (net/inet.c). XXX: no
 * timers shown, uid 0 */
static size_t
tcp_line(char *b, size_t size, size_t at, int sl, struct tcp_pcb *p, bool listen, bool v6)
{
	size_t start = at;
	unsigned st = linux_state(p->state);

	at = endpoints(b, size, at, sl, 4, &p->local_ip, p->local_port,
	               listen ? NULL : &p->remote_ip, listen ? 0 : p->remote_port, v6);
	if (p->state == TIME_WAIT) {
		at += (size_t)fmt_snprintf(b + at, size - at,
		                           "%02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d %016x", st,
		                           0u, 0u, 3u, 0ul, 0u, 0, 0, 0, 3, 0u);
	} else {
		unsigned tx = 0, rx = 0, rto = 100, cwnd = 10;
		int ssth = 0;
		if (listen) {
			rx = ((struct tcp_pcb_listen *)p)->accepts_pending;
		} else {
			unsigned mss = p->mss ? p->mss : TCP_MSS;
			tx = p->snd_lbb - p->lastack;
			/* received but not yet read: the window the socket
			 * layer has not given back with tcp_recved */
			rx = p->rcv_wnd < TCP_WND_MAX(p) ? TCP_WND_MAX(p) - p->rcv_wnd : 0;
			rto = (unsigned)p->rto * TCP_SLOW_INTERVAL / 10; /* in USER_HZ ticks */
			cwnd = p->cwnd / mss;
			ssth = (int)(p->ssthresh / mss);
		}
		at += (size_t)fmt_snprintf(
		    b + at, size - at,
		    "%02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %016x %lu %lu "
		    "%u %u %d",
		    st, tx, rx, 0u, 0ul, 0u, 0u, 0, (unsigned long)inet_arg_ino(p->callback_arg), 1,
		    0u, (unsigned long)rto, 0ul, 0u, cwnd, ssth);
	}
	at = MIN(at, size);
	if (!v6)
		return pad(b, size, start, at, 149);
	if (at < size)
		b[at++] = '\n';
	return at;
}

static size_t
tcp_gen(char *b, size_t size, bool v6)
{
	size_t at =
	    v6 ? (size_t)fmt_snprintf(b, size,
	                              "  sl  local_address                         "
	                              "remote_address                        st tx_queue "
	                              "rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
	       : pad(b, size, 0,
	             (size_t)fmt_snprintf(b, size,
	                                  "  sl  local_address rem_address   st tx_queue "
	                                  "rx_queue tr tm->when retrnsmt   uid  timeout "
	                                  "inode"),
	             149);
	int sl = 0;

	net_start();
	LOCK_TCPIP_CORE();
	/* as Linux: the listeners, then the connections and TIME_WAIT */
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l && at + LINE_MAX < size;
	     l = l->next)
		if (is_v6(&l->local_ip) == v6)
			at = tcp_line(b, size, at, sl++, (struct tcp_pcb *)l, true, v6);
	for (struct tcp_pcb *p = tcp_active_pcbs; p && at + LINE_MAX < size; p = p->next)
		if (is_v6(&p->local_ip) == v6)
			at = tcp_line(b, size, at, sl++, p, false, v6);
	for (struct tcp_pcb *p = tcp_tw_pcbs; p && at + LINE_MAX < size; p = p->next)
		if (is_v6(&p->local_ip) == v6)
			at = tcp_line(b, size, at, sl++, p, false, v6);
	UNLOCK_TCPIP_CORE();
	return MIN(at, size);
}

size_t
net_proc_tcp(char *b, size_t size)
{
	return tcp_gen(b, size, false);
}

size_t
net_proc_tcp6(char *b, size_t size)
{
	return tcp_gen(b, size, true);
}

/* udp4_format_sock, ip6_dgram_sock_seq_show. "sl" is Linux's hash slot
 * (the port in a table of 256, its per-boot hash mix taken as 0); the
 * receive queue and inode the socket's. XXX: uid 0 */
static size_t
udp_gen(char *b, size_t size, bool v6)
{
	size_t at = v6 ? (size_t)fmt_snprintf(b, size,
	                                      "  sl  local_address                         "
	                                      "remote_address                        st tx_queue "
	                                      "rx_queue tr tm->when retrnsmt   uid  timeout inode "
	                                      "ref pointer drops\n")
	               : pad(b, size, 0,
	                     (size_t)fmt_snprintf(b, size,
	                                          "   sl  local_address rem_address   st tx_queue "
	                                          "rx_queue tr tm->when retrnsmt   uid  timeout "
	                                          "inode ref pointer drops"),
	                     127);

	net_start();
	LOCK_TCPIP_CORE();
	for (struct udp_pcb *p = udp_pcbs; p && at + LINE_MAX < size; p = p->next) {
		bool conn = p->flags & UDP_FLAGS_CONNECTED;
		size_t start = at;
		if (is_v6(&p->local_ip) != v6)
			continue;
		at = endpoints(b, size, at, p->local_port & 255, 5, &p->local_ip, p->local_port,
		               conn ? &p->remote_ip : NULL, conn ? p->remote_port : 0, v6);
		at += (size_t)fmt_snprintf(
		    b + at, size - at, "%02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %016x %u",
		    conn ? 1u : 7u, 0u, (unsigned)inet_arg_rxq(p->recv_arg), 0u, 0ul, 0u, 0u, 0,
		    (unsigned long)inet_arg_ino(p->recv_arg), 2, 0u, 0u);
		at = MIN(at, size);
		if (!v6)
			at = pad(b, size, start, at, 127);
		else if (at < size)
			b[at++] = '\n';
	}
	UNLOCK_TCPIP_CORE();
	return MIN(at, size);
}

size_t
net_proc_udp(char *b, size_t size)
{
	return udp_gen(b, size, false);
}

size_t
net_proc_udp6(char *b, size_t size)
{
	return udp_gen(b, size, true);
}

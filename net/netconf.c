/* Bringing the stack up (include/net.h): lwIP and its tcpip thread, a
 * netif per netdev, eth0's addresses from the command line (ip= gw= dns=,
 * IPv4 and IPv6) or DHCP, and the log line saying what was configured.
 * Exercised by tests/e2e/net-dhcp.sh (DHCP on QEMU's user net) and
 * tests/e2e/net-ping.sh (static, frames from a socket the test owns). */
#include "clock.h"
#include "cmdline.h"
#include "errno.h"
#include "lib.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcpip.h"
#include "mm.h"
#include "net.h"
#include "net_hooks.h"
#include "net_impl.h"
#include "netdev.h"
#include "printk.h"
#include "sched.h"
#include "sync.h"

/* lwIP writes IPv6 addresses in capitals; Linux (and RFC 5952) in small letters */
static const char *
lower(char *buf)
{
	for (char *c = buf; *c; c++)
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	return buf;
}

static const char *
ip6_text(const ip6_addr_t *a, char *buf, int len)
{
	return ip6addr_ntoa_r(a, buf, len) ? lower(buf) : "?";
}

static const char *
ip_text(const ip_addr_t *a, char *buf, int len)
{
	return ipaddr_ntoa_r(a, buf, len) ? lower(buf) : "?";
}

/* --- the command line: parsed at boot, before the heap; each key may
 * repeat or list addresses with commas --- */

static struct {
	bool have4, have6;
	ip4_addr_t addr4;
	int len4;
	ip6_addr_t addr6;
	int len6;
	bool have_gw4, have_gw6;
	ip4_addr_t gw4;
	ip6_addr_t gw6;
} conf;
static ip_addr_t dns[NET_DNS_MAX];
static int ndns;
static bool dns_static; /* dns= given: DHCP's servers are not kept */

/* the next comma-separated item of *s into buf; false at the end */
static bool
next_item(const char **s, char *buf, size_t len)
{
	size_t n = 0;

	if (!**s)
		return false;
	while (**s && **s != ',') {
		if (n + 1 < len)
			buf[n++] = **s;
		(*s)++;
	}
	buf[n] = 0;
	if (**s)
		(*s)++;
	return true;
}

static int
parse_len(const char *s, int max)
{
	uint64_t v;

	if (!*s || parse_u64(s, strlen(s), &v, false) || v > (uint64_t)max)
		return -1;
	return (int)v;
}

static int
set_ip(const char *v)
{
	char item[64];

	if (!v)
		return -EINVAL;
	while (next_item(&v, item, sizeof(item))) {
		char *slash = strchr(item, '/');
		int len;

		if (!slash)
			return -EINVAL;
		*slash = 0;
		if (strchr(item, ':')) {
			len = parse_len(slash + 1, 128);
			if (len <= 0 || !ip6addr_aton(item, &conf.addr6))
				return -EINVAL;
			conf.have6 = true;
			conf.len6 = len;
		} else {
			len = parse_len(slash + 1, 32);
			if (len < 0 || !ip4addr_aton(item, &conf.addr4))
				return -EINVAL;
			conf.have4 = true;
			conf.len4 = len;
		}
	}
	return 0;
}
CMDLINE_KEY("ip", set_ip);

static int
set_gw(const char *v)
{
	char item[64];

	if (!v)
		return -EINVAL;
	while (next_item(&v, item, sizeof(item))) {
		if (strchr(item, ':')) {
			if (!ip6addr_aton(item, &conf.gw6))
				return -EINVAL;
			conf.have_gw6 = true;
		} else {
			if (!ip4addr_aton(item, &conf.gw4))
				return -EINVAL;
			conf.have_gw4 = true;
		}
	}
	return 0;
}
CMDLINE_KEY("gw", set_gw);

static int
set_dns(const char *v)
{
	char item[64];

	if (!v)
		return -EINVAL;
	while (next_item(&v, item, sizeof(item))) {
		ip_addr_t a;
		if (!ipaddr_aton(item, &a))
			return -EINVAL;
		if (ndns < NET_DNS_MAX)
			dns[ndns++] = a;
	}
	dns_static = true;
	return 0;
}
CMDLINE_KEY("dns", set_dns);

/* net=off: lwIP runs (loopback) but leaves the netdevs alone, frame-level
 * for the raw-frame tests (tests/kernel/test_net.c) and benchmarks */
static bool devices_off;

static int
set_net(const char *v)
{
	if (!v || (strcmp(v, "off") && strcmp(v, "on")))
		return -EINVAL;
	devices_off = !strcmp(v, "off");
	return 0;
}
CMDLINE_KEY("net", set_net);

/* dns= into lwIP's list (again after DHCP, which fills it too) */
static void
dns_static_apply(void)
{
	for (int i = 0; dns_static && i < ndns; i++)
		dns_setserver((u8_t)i, &dns[i]);
}

/* the servers in use, without holes */
static struct mutex start_lock = MUTEX_INIT;
static bool started; /* under start_lock; set once */

const char *
net_dns_server(int i, char *buf, size_t len)
{
	const char *r = NULL;

	if (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		return NULL; /* no stack yet: no servers */
	LOCK_TCPIP_CORE();
	for (int k = 0; k < NET_DNS_MAX; k++) {
		const ip_addr_t *a = dns_getserver((u8_t)k);
		if (!ip_addr_isany(a) && i-- == 0) {
			r = ip_text(a, buf, (int)len);
			break;
		}
	}
	UNLOCK_TCPIP_CORE();
	return r;
}

static struct netif *eth0;

const ip6_addr_t *
net_ip6_gw(struct netif *netif, const ip6_addr_t *dest)
{
	return netif == eth0 && conf.have_gw6 ? &conf.gw6 : NULL;
}

/* --- what was configured, logged once per change --- */

static struct semaphore dhcp_bound = SEMAPHORE_INIT(0);
static bool dhcp_on, dhcp_told;

static int
mask_len(const ip4_addr_t *mask)
{
	uint32_t m = lwip_ntohl(ip4_addr_get_u32(mask));
	int n = 0;

	while (m & 0x80000000u) {
		n++;
		m <<= 1;
	}
	return n;
}

static void
log_ip4(struct netif *netif, const char *how)
{
	char a[IP4ADDR_STRLEN_MAX], g[IP4ADDR_STRLEN_MAX];

	ip4addr_ntoa_r(netif_ip4_addr(netif), a, sizeof(a));
	ip4addr_ntoa_r(netif_ip4_gw(netif), g, sizeof(g));
	printk(KERN_INFO "net: %s %s/%d gw %s (%s)", netdev_name(netif->state), a,
	       mask_len(netif_ip4_netmask(netif)), g, how);
}

static void
log_dns(void)
{
	char b[IPADDR_STRLEN_MAX];

	for (int i = 0; i < NET_DNS_MAX; i++)
		if (!ip_addr_isany(dns_getserver((u8_t)i)))
			printk(KERN_INFO "net: dns %s",
			       ip_text(dns_getserver((u8_t)i), b, sizeof(b)));
}

static void
status_changed(struct netif *netif, netif_nsc_reason_t why, const netif_ext_callback_args_t *args)
{
	if (netif != eth0)
		return;
	if ((why & LWIP_NSC_IPV4_SETTINGS_CHANGED) && dhcp_supplied_address(netif)) {
		log_ip4(netif, "dhcp");
		dns_static_apply();
		log_dns();
		if (!dhcp_told) {
			dhcp_told = true;
			sem_up(&dhcp_bound);
		}
	}
	if (why & LWIP_NSC_IPV6_ADDR_STATE_CHANGED) {
		int i = args->ipv6_addr_state_changed.addr_index;
		char a[IP6ADDR_STRLEN_MAX];

		if (ip6_addr_ispreferred(netif_ip6_addr_state(netif, i)) &&
		    !(args->ipv6_addr_state_changed.old_state & IP6_ADDR_PREFERRED) &&
		    !ip6_addr_islinklocal(netif_ip6_addr(netif, i)) &&
		    !ip6_addr_life_isstatic(netif_ip6_addr_valid_life(netif, i)))
			printk(KERN_INFO "net: eth0 %s/64 (slaac)",
			       ip6_text(netif_ip6_addr(netif, i), a, sizeof(a)));
	}
	if (why & (LWIP_NSC_IPV6_SET | LWIP_NSC_IPV6_ADDR_STATE_CHANGED))
		net_timers_note(NET_ACT_IP6);
	net_timers_kick();
}
static netif_ext_callback_t status_cb;

/* --- start-up --- */

static void
config_static4(struct netif *netif)
{
	ip4_addr_t mask, gw;

	ip4_addr_set_u32(&mask, conf.len4 ? lwip_htonl(~0u << (32 - conf.len4)) : 0);
	if (conf.have_gw4)
		gw = conf.gw4;
	else
		ip4_addr_set_zero(&gw);
	netif_set_addr(netif, &conf.addr4, &mask, &gw);
	log_ip4(netif, "static");
}

static void
config_static6(struct netif *netif)
{
	char a[IP6ADDR_STRLEN_MAX], g[IP6ADDR_STRLEN_MAX];
	s8_t idx;

	if (netif_add_ip6_address(netif, &conf.addr6, &idx) != ERR_OK) {
		printk(KERN_WARN "net: eth0: no room for IPv6 address %s",
		       ip6_text(&conf.addr6, a, sizeof(a)));
		return;
	}
	/* configured by hand: used at once, as Linux's nodad */
	netif_ip6_addr_set_state(netif, idx, IP6_ADDR_PREFERRED);
	/* XXX: lwIP takes the first 64 bits as the on-link prefix whatever
	 * LEN says; other destinations go to gw= or a router it learnt */
	printk(KERN_INFO "net: eth0 %s/%d gw %s (static)", ip6_text(&conf.addr6, a, sizeof(a)),
	       conf.len6, conf.have_gw6 ? ip6_text(&conf.gw6, g, sizeof(g)) : "none");
}

/* At boot, lwIP starts only for a network device it is to drive: an app
 * without one pays nothing for the stack (boot instructions) until the
 * first user (a loopback socket, a test) calls net_start. */
void
net_init(void)
{
	if (!devices_off && netdev_count() > 0)
		net_start();
}

static void start_stack(void);

void
net_start(void)
{
	mutex_lock(&start_lock);
	if (!__atomic_load_n(&started, __ATOMIC_RELAXED)) {
		start_stack();
		__atomic_store_n(&started, true, __ATOMIC_RELEASE);
	}
	mutex_unlock(&start_lock);
}

static void
start_stack(void)
{
	/* lwIP's memory, PCBs and buffers alike, within half of what is free */
	net_mem_set_budget(frame_free_bytes() / 2);
	tcpip_init(NULL, NULL);
	LOCK_TCPIP_CORE();
	net_core_lock_checked();
	netif_add_ext_callback(&status_cb, status_changed);
	/* lo's frames never leave memory: no checksums made or checked, as
	 * Linux's loopback */
	struct netif *lo = netif_find("lo0");
	if (lo)
		NETIF_SET_CHECKSUM_CTRL(lo, 0);
	net_lo_counters_init();
	dns_static_apply();
	for (int i = 0; !devices_off && i < netdev_count(); i++) {
		struct netdev *nd = netdev_at(i);
		struct netif *netif = net_netif_add(nd);

		if (!netif) {
			printk(KERN_WARN "net: %s: no memory for its interface", netdev_name(nd));
			continue;
		}
		if (i > 0)
			continue; /* XXX: only eth0 is configured */
		eth0 = netif;
		netif_set_default(netif);
		if (conf.have6)
			config_static6(netif);
		if (conf.have4) {
			config_static4(netif);
			log_dns();
		} else if (dhcp_start(netif) == ERR_OK) {
			dhcp_on = true;
		} else {
			printk(KERN_WARN "net: eth0: DHCP did not start (no memory)");
		}
	}
	net_timers_kick();
	UNLOCK_TCPIP_CORE();
}

void
net_wait_config(void)
{
	if (!dhcp_on)
		return;
	if (sem_down_until(&dhcp_bound, clock_ns() + (uint64_t)NET_DHCP_WAIT_MS * 1000000)) {
		sem_up(&dhcp_bound); /* stays told */
		return;
	}
	printk(KERN_WARN "net: eth0: no DHCP answer in %d s; going on without an IPv4 address "
	                 "(DHCP keeps asking)",
	       NET_DHCP_WAIT_MS / 1000);
}

/* TCP data waiting for the peer: some connection has bytes unacknowledged,
 * or unsent ones the peer's window lets go (a window of 0 stays shut) */
static bool
tcp_has_data_out(void)
{
	for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
		if (p->unacked || (p->unsent && p->snd_wnd))
			return true;
	return false;
}

void
net_drain(void)
{
	uint64_t end = clock_ns() + (uint64_t)NET_DRAIN_MS * 1000000;
	bool busy;

	if (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		return;
	for (;;) {
		LOCK_TCPIP_CORE();
		busy = tcp_has_data_out();
		UNLOCK_TCPIP_CORE();
		if (!busy || clock_ns() >= end)
			return;
		sched_sleep_ns(5000000); /* 5 ms: the ACKs come on lwIP's own thread */
	}
}

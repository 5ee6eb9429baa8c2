/* lwIP's timers (LWIP_TIMERS_CUSTOM): sys_timeout's one-shot list, run
 * by the tcpip thread, which sleeps on its mailbox until the first one is
 * due (a deadline on the kernel's one-shot timer, nothing periodic), and
 * lwIP's cyclic timers, each armed only while it has work, so an idle
 * guest sleeps: TCP while a PCB is active (lwIP's own rule), MLD6 while a
 * report is due, DHCP while a request is out or a lease runs, ARP, ND6
 * and reassembly for a while after the frames that make their work. A timer that slept longer
 * than its period catches up (its handler runs once per period missed),
 * which is how the slow timers age ARP entries and IPv6 lifetimes with a
 * wake-up per half minute or minute instead of per second. The core lock
 * protects everything here. Exercised by every networked boot;
 * tests/kernel/test_net.c counts an idle stack's wake-ups. */
#include "clock.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ip4_frag.h"
#include "lwip/ip6_frag.h"
#include "lwip/mld6.h"
#include "lwip/nd6.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/dhcp.h"
#include "lwip/tcpip.h"
#include "lwip/timeouts.h"
#include "mm.h"
#include "net.h"
#include "net_impl.h"
#include "printk.h"
#include "sched.h"

/* ARP entries in progress take ARP_MAXPENDING ticks (etharp.c's) */
#define ARP_PENDING_TICKS 5
/* router solicitations (3 at 4 s), DAD, neighbour probes and DELAY (5 s);
 * REACHABLE entries then go STALE at the slow pace, up to a minute late */
#define ND6_FAST_MS 15000
#define SLOW_ARP_MS 30000
#define SLOW_ND6_MS 60000
#define MAX_SLEEP_MS 0x7fffffffu /* lwIP's sleep time is a u32 below 2^31 */

struct timeo {
	struct timeo *next;
	uint64_t due_ms;
	sys_timeout_handler fn;
	void *arg;
};

static struct timeo *timeouts;                  /* sorted by due_ms */
static struct thread *tcpip_thread;             /* the one that sleeps on them */
static uint64_t tcpip_sleep_until = UINT64_MAX; /* its wake-up, ms */
static uint64_t wakeups;
static uint64_t activity_ms[NET_ACT_COUNT];
static bool activity_seen[NET_ACT_COUNT];

static uint64_t
now_ms(void)
{
	return clock_ns() / 1000000;
}

static void
nudge(void *arg)
{
}

void
sys_timeout(u32_t msecs, sys_timeout_handler fn, void *arg)
{
	struct timeo *t = kmalloc(sizeof(*t)), **pp;

	LWIP_ASSERT_CORE_LOCKED();
	if (!t)
		panic("net: no memory for a timeout");
	t->due_ms = now_ms() + msecs;
	t->fn = fn;
	t->arg = arg;
	for (pp = &timeouts; *pp && (*pp)->due_ms <= t->due_ms; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	/* earlier than the tcpip thread means to wake: wake it now, so it
	 * sleeps again until this one */
	if (t->due_ms < tcpip_sleep_until && tcpip_thread && thread_self() != tcpip_thread) {
		tcpip_sleep_until = t->due_ms;
		if (tcpip_try_callback(nudge, NULL) != ERR_OK)
			printk(KERN_WARN "net: cannot wake the tcpip thread for a timer");
	}
}

void
sys_untimeout(sys_timeout_handler fn, void *arg)
{
	LWIP_ASSERT_CORE_LOCKED();
	for (struct timeo **pp = &timeouts; *pp; pp = &(*pp)->next) {
		if ((*pp)->fn == fn && (*pp)->arg == arg) {
			struct timeo *t = *pp;
			*pp = t->next;
			kfree(t);
			return;
		}
	}
}

void
sys_check_timeouts(void)
{
	bool ran = false;

	LWIP_ASSERT_CORE_LOCKED();
	while (timeouts && timeouts->due_ms <= now_ms()) {
		struct timeo *t = timeouts;
		timeouts = t->next;
		t->fn(t->arg); /* may add timeouts */
		kfree(t);
		ran = true;
	}
	if (ran)
		wakeups++;
}

/* the tcpip thread asks before it sleeps */
u32_t
sys_timeouts_sleeptime(void)
{
	uint64_t now = now_ms();

	LWIP_ASSERT_CORE_LOCKED();
	tcpip_thread = thread_self();
	if (!timeouts) {
		tcpip_sleep_until = UINT64_MAX;
		return SYS_TIMEOUTS_SLEEPTIME_INFINITE;
	}
	tcpip_sleep_until = timeouts->due_ms;
	if (timeouts->due_ms <= now)
		return 0;
	return (u32_t)MIN(timeouts->due_ms - now, (uint64_t)MAX_SLEEP_MS);
}

uint64_t
net_timer_wakeups(void)
{
	return wakeups;
}

/* --- TCP: lwIP's own rule, a 250 ms tick while a PCB is active or in
 * TIME-WAIT (tcp.c calls tcp_timer_needed when one becomes so) --- */

static bool tcp_armed;

static void
tcp_fire(void *arg)
{
	tcp_tmr();
	net_tcp_tw_trim();
	if (tcp_active_pcbs || tcp_tw_pcbs)
		sys_timeout(TCP_TMR_INTERVAL, tcp_fire, NULL);
	else
		tcp_armed = false;
}

void
tcp_timer_needed(void)
{
	if (!tcp_armed && (tcp_active_pcbs || tcp_tw_pcbs)) {
		tcp_armed = true;
		sys_timeout(TCP_TMR_INTERVAL, tcp_fire, NULL);
	}
}

/* --- the other cyclic timers --- */

void
net_timers_note(enum net_activity a)
{
	activity_ms[a] = now_ms();
	activity_seen[a] = true;
}

/* ms since activity a, UINT64_MAX when never */
static uint64_t
since(enum net_activity a, uint64_t now)
{
	return activity_seen[a] ? now - activity_ms[a] : UINT64_MAX;
}

/* Each 'want' says how soon its timer must next run (ms), 0 when it has
 * nothing to do. */
static uint32_t
etharp_want(uint64_t now)
{
	uint64_t s = since(NET_ACT_ARP, now);

	if (s < (ARP_PENDING_TICKS + 1) * 1000ull)
		return ARP_TMR_INTERVAL;
	/* XXX: stable entries then age in 30 s steps, so one may outlive
	 * ARP_MAXAGE by as much (lwIP re-requests an entry in use anyway) */
	if (s < (ARP_MAXAGE + 1) * 1000ull)
		return SLOW_ARP_MS;
	return 0;
}

static uint32_t
reass4_want(uint64_t now)
{
	return since(NET_ACT_FRAG4, now) < (IP_REASS_MAXAGE + 1) * 1000ull ? IP_TMR_INTERVAL : 0;
}

static uint32_t
reass6_want(uint64_t now)
{
	return since(NET_ACT_FRAG6, now) < (IPV6_REASS_MAXAGE + 1) * 1000ull
	           ? IP6_REASS_TMR_INTERVAL
	           : 0;
}

/* an address with a lifetime (SLAAC) keeps the prefix and router lists
 * of its router advertisement ageing too */
static bool
ip6_lifetimes(void)
{
	struct netif *n;

	NETIF_FOREACH(n)
	{
		for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
			if (ip6_addr_isvalid(netif_ip6_addr_state(n, i)) &&
			    !ip6_addr_life_isstatic(netif_ip6_addr_valid_life(n, i)))
				return true;
	}
	return false;
}

static uint32_t
nd6_want(uint64_t now)
{
	if (since(NET_ACT_IP6, now) < ND6_FAST_MS)
		return ND6_TMR_INTERVAL;
	return ip6_lifetimes() ? SLOW_ND6_MS : 0;
}

/* a report is due while a group's timer runs (mld6_tmr counts it down) */
static uint32_t
mld6_want(uint64_t now)
{
	struct netif *n;

	NETIF_FOREACH(n)
	{
		for (struct mld_group *g = netif_mld6_data(n); g; g = g->next)
			if (g->timer)
				return MLD6_TMR_INTERVAL;
	}
	return 0;
}

static uint32_t
dhcp_fine_want(uint64_t now)
{
	struct netif *n;

	NETIF_FOREACH(n)
	{
		struct dhcp *d = netif_dhcp_data(n);
		if (d && d->request_timeout)
			return DHCP_FINE_TIMER_MSECS;
	}
	return 0;
}

static uint32_t
dhcp_coarse_want(uint64_t now)
{
	struct netif *n;

	NETIF_FOREACH(n)
	{
		struct dhcp *d = netif_dhcp_data(n);
		if (d && d->state != DHCP_STATE_OFF)
			return DHCP_COARSE_TIMER_MSECS;
	}
	return 0;
}

struct cyclic {
	const char *name;
	uint32_t period_ms;
	void (*fn)(void);
	uint32_t (*want)(uint64_t now);
	bool armed;      /* a timeout for it is in the list */
	uint64_t due_ms; /* when armed */
	uint64_t last;   /* ms: the handler has run for every period up to here */
};

static struct cyclic cyclics[] = {
    {"etharp", ARP_TMR_INTERVAL, etharp_tmr, etharp_want, false, 0, 0},
    {"ip_reass", IP_TMR_INTERVAL, ip_reass_tmr, reass4_want, false, 0, 0},
    {"nd6", ND6_TMR_INTERVAL, nd6_tmr, nd6_want, false, 0, 0},
    {"ip6_reass", IP6_REASS_TMR_INTERVAL, ip6_reass_tmr, reass6_want, false, 0, 0},
    {"mld6", MLD6_TMR_INTERVAL, mld6_tmr, mld6_want, false, 0, 0},
    {"dhcp_fine", DHCP_FINE_TIMER_MSECS, dhcp_fine_tmr, dhcp_fine_want, false, 0, 0},
    {"dhcp_coarse", DHCP_COARSE_TIMER_MSECS, dhcp_coarse_tmr, dhcp_coarse_want, false, 0, 0},
};

#define CATCH_UP_MAX 1000 /* handler runs per wake-up at most */

static void
cyclic_fire(void *arg)
{
	struct cyclic *c = arg;
	uint64_t now = now_ms();
	uint64_t n = (now - c->last) / c->period_ms;

	c->armed = false;
	if (n == 0)
		n = 1;
	if (n > CATCH_UP_MAX)
		n = CATCH_UP_MAX;
	for (uint64_t i = 0; i < n; i++)
		c->fn();
	c->last = MIN(c->last + n * c->period_ms, now);
	net_timers_kick(); /* its work, and the others', may have changed */
}

void
net_timers_kick(void)
{
	uint64_t now = now_ms();

	LWIP_ASSERT_CORE_LOCKED();
	for (size_t i = 0; i < ARRAY_SIZE(cyclics); i++) {
		struct cyclic *c = &cyclics[i];
		uint32_t w = c->want(now);

		if (!w || (c->armed && c->due_ms <= now + w))
			continue;
		if (c->armed)
			sys_untimeout(cyclic_fire, c);
		else
			c->last = now; /* idle time is no work missed */
		c->armed = true;
		c->due_ms = now + w;
		sys_timeout(w, cyclic_fire, c);
	}
}

void
sys_timeouts_init(void)
{
}

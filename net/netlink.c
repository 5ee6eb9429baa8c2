/* AF_NETLINK, NETLINK_ROUTE only (SOCK_RAW and SOCK_DGRAM), as Linux's
 * af_netlink.c and rtnetlink.c answer it: port ids (bind, autobind: the
 * pid first, then -4096 down), datagrams queued per socket (MSG_PEEK,
 * MSG_TRUNC, blocking on its poll head), and the kernel's answers to
 * RTM_GETLINK (dump, or one link by index or IFLA_IFNAME), RTM_GETADDR
 * and RTM_GETROUTE (dumps), laid out as Linux 6.1 lays them, from the
 * interfaces of net/ifinfo.c: packed into datagrams of NLMSG_GOODSIZE,
 * then NLMSG_DONE; NLMSG_ERROR for a failure, or for NLM_F_ACK. Nothing
 * is ever changed (RTM_NEW*, RTM_DEL*, RTM_SET*: -EOPNOTSUPP) and no
 * notification is ever sent to the groups a socket joins.
 * tests/guest/posix_netif.c exercises it (getifaddrs, if_nameindex, raw
 * dumps); tests/e2e/net-iface.sh with busybox ip. */
#include "uapi/netlink.h"
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "net_impl.h"
#include "poll.h"
#include "queue.h"
#include "socket.h"
#include "sync.h"
#include "uapi/poll.h"

/* Linux's NLMSG_GOODSIZE on x86-64: a page less struct skb_shared_info */
#define NL_GOODSIZE 3776
#define NL_MSG_MAX 1024 /* room for one link, address or route message */
#define APP_PID 1

/* netlink socket options (SOL_NETLINK) */
#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_DROP_MEMBERSHIP 2
#define NETLINK_NO_ENOBUFS 5
#define NETLINK_CAP_ACK 10
#define NETLINK_EXT_ACK 11
#define NETLINK_GET_STRICT_CHK 12

struct nl_dgram {
	struct list_node link;
	uint32_t len;
	uint32_t src; /* the sender's port id (0: the kernel) */
	uint8_t data[];
};

struct nl_sock {
	struct list_node all; /* nl_socks */
	struct poll_head head;
	struct list_node rq; /* nl_dgram, oldest first */
	uint32_t portid, groups;
	bool bound;
	uint32_t dst_portid, dst_groups; /* connect's */
	bool cap_ack, ext_ack, strict, no_enobufs;
};

/* every socket's state and the list of them */
static struct mutex nl_lock = MUTEX_INIT;
static struct list_node nl_socks = LIST_HEAD_INIT(nl_socks);
static int32_t rover = -4096;

static struct nl_sock *
nl_of(struct socket *s)
{
	return s->s_priv;
}

/* the bound socket with port id 'portid', nl_lock held */
static struct nl_sock *
nl_find(uint32_t portid)
{
	struct list_node *n;

	list_for_each(n, &nl_socks)
	{
		struct nl_sock *k = list_entry(n, struct nl_sock, all);
		if (k->bound && k->portid == portid)
			return k;
	}
	return NULL;
}

/* nl_lock held */
static int
nl_insert(struct nl_sock *k, uint32_t portid)
{
	if (nl_find(portid))
		return -EADDRINUSE;
	k->portid = portid;
	k->bound = true;
	return 0;
}

/* as Linux: the pid first, then -4096, -4097, ...; nl_lock held */
static int
nl_autobind(struct nl_sock *k)
{
	if (k->bound)
		return 0;
	if (!nl_insert(k, APP_PID))
		return 0;
	for (int tries = 0; tries < 65536; tries++) {
		uint32_t id = (uint32_t)rover--;
		if (rover > -4096)
			rover = -4096; /* wrapped */
		if (!nl_insert(k, id))
			return 0;
	}
	return -EADDRINUSE;
}

/* --- building the kernel's answers --- */

/* one message being written */
struct msgbuf {
	uint8_t b[NL_MSG_MAX];
	uint32_t len;
};

static void *
mb_start(struct msgbuf *m, uint16_t type, uint16_t flags, uint32_t seq, uint32_t pid, size_t fixed)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->b;

	memset(m->b, 0, NLMSG_HDRLEN + NLMSG_ALIGN(fixed));
	*h = (struct nlmsghdr){0, type, flags, seq, pid};
	m->len = NLMSG_HDRLEN + NLMSG_ALIGN((uint32_t)fixed);
	return m->b + NLMSG_HDRLEN;
}

static void
mb_attr(struct msgbuf *m, uint16_t type, const void *data, size_t len)
{
	struct rtattr a = {(uint16_t)(sizeof(a) + len), type};
	uint32_t room = RTA_ALIGN((uint32_t)(sizeof(a) + len));

	if (m->len + room > sizeof(m->b))
		return; /* cannot happen: NL_MSG_MAX has room for the largest */
	memset(m->b + m->len, 0, room);
	memcpy(m->b + m->len, &a, sizeof(a));
	memcpy(m->b + m->len + sizeof(a), data, len);
	m->len += room;
}

static void
mb_u32(struct msgbuf *m, uint16_t type, uint32_t v)
{
	mb_attr(m, type, &v, sizeof(v));
}

static void
mb_u8(struct msgbuf *m, uint16_t type, uint8_t v)
{
	mb_attr(m, type, &v, sizeof(v));
}

static void
mb_str(struct msgbuf *m, uint16_t type, const char *s)
{
	mb_attr(m, type, s, strlen(s) + 1);
}

static void
mb_end(struct msgbuf *m)
{
	((struct nlmsghdr *)m->b)->nlmsg_len = m->len;
}

/* the datagrams of one answer, queued on the socket at the end */
struct reply {
	struct list_node q;
	struct nl_dgram *cur; /* the one a dump is packing into */
	int err;              /* -ENOMEM: something was left out */
};

static struct nl_dgram *
reply_new(struct reply *r, uint32_t cap)
{
	struct nl_dgram *d = kmalloc(sizeof(*d) + cap);

	if (!d) {
		r->err = -ENOMEM;
		return NULL;
	}
	d->len = 0;
	d->src = 0;
	list_add_tail(&r->q, &d->link);
	return d;
}

/* a dump's message, packed after the previous ones while they fit */
static void
reply_pack(struct reply *r, const struct msgbuf *m)
{
	if (r->cur && r->cur->len + m->len > NL_GOODSIZE)
		r->cur = NULL;
	if (!r->cur && !(r->cur = reply_new(r, NL_GOODSIZE)))
		return;
	memcpy(r->cur->data + r->cur->len, m->b, m->len);
	r->cur->len += m->len;
}

/* a message in a datagram of its own (netlink_unicast) */
static void
reply_alone(struct reply *r, const struct msgbuf *m)
{
	r->cur = NULL;
	reply_pack(r, m);
	r->cur = NULL;
}

static void
reply_free(struct list_node *q)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, q)
	{
		list_del(n);
		kfree(list_entry(n, struct nl_dgram, link));
	}
}

/* the request and what the answers carry of it */
struct req {
	const struct nlmsghdr *h;
	const uint8_t *body; /* after the header */
	uint32_t blen;
	uint32_t pid; /* the requester's port id */
};

static void
done_msg(struct reply *r, const struct req *q)
{
	struct msgbuf m;
	int32_t *v = mb_start(&m, NLMSG_DONE, NLM_F_MULTI, q->h->nlmsg_seq, q->pid, sizeof(*v));

	*v = 0;
	mb_end(&m);
	reply_pack(r, &m);
	r->cur = NULL;
}

/* NLMSG_ERROR: err 0 is an acknowledgement. As Linux, a failure carries
 * the whole request unless NETLINK_CAP_ACK; an acknowledgement only its
 * header, flagged NLM_F_CAPPED */
static void
error_msg(struct reply *r, const struct req *q, int err, bool cap)
{
	uint32_t payload = err && !cap ? q->h->nlmsg_len - NLMSG_HDRLEN : 0;
	uint32_t len = NLMSG_HDRLEN + (uint32_t)sizeof(struct nlmsgerr) + NLMSG_ALIGN(payload);
	struct nl_dgram *d;

	r->cur = NULL;
	if (!(d = reply_new(r, len)))
		return;
	memset(d->data, 0, len);
	struct nlmsghdr h = {len, NLMSG_ERROR, (uint16_t)(payload ? 0 : NLM_F_CAPPED),
	                     q->h->nlmsg_seq, q->pid};
	struct nlmsgerr e = {err, *q->h};
	memcpy(d->data, &h, sizeof(h));
	memcpy(d->data + NLMSG_HDRLEN, &e, sizeof(e));
	memcpy(d->data + NLMSG_HDRLEN + sizeof(e), q->body, payload);
	d->len = len;
}

/* --- links --- */
static void
link_msg(struct msgbuf *m, const struct net_ifinfo *ii, uint16_t flags, const struct req *q)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, zero[6];
	struct ifinfomsg *ifi =
	    mb_start(m, RTM_NEWLINK, flags, q->h->nlmsg_seq, q->pid, sizeof(*ifi));
	const struct net_ifstats *s = &ii->st;
	uint64_t st64[LS_COUNT64] = {0};
	uint32_t st32[LS_COUNT32];

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_type = ii->loopback ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
	ifi->ifi_index = ii->index;
	ifi->ifi_flags = net_if_flags(ii);
	mb_str(m, IFLA_IFNAME, ii->name);
	mb_u32(m, IFLA_TXQLEN, 1000);
	mb_u8(m, IFLA_OPERSTATE,
	      ii->loopback  ? IF_OPER_UNKNOWN
	      : ii->link_up ? IF_OPER_UP
	                    : IF_OPER_DOWN);
	mb_u8(m, IFLA_LINKMODE, 0);
	mb_u32(m, IFLA_MTU, ii->mtu);
	/* lwIP cannot change an MTU: the range is the one value */
	mb_u32(m, IFLA_MIN_MTU, ii->loopback ? 0 : ii->mtu);
	mb_u32(m, IFLA_MAX_MTU, ii->loopback ? 0 : ii->mtu);
	mb_u32(m, IFLA_GROUP, 0);
	mb_u32(m, IFLA_PROMISCUITY, 0);
	mb_u32(m, IFLA_NUM_TX_QUEUES, 1);
	mb_u32(m, IFLA_NUM_RX_QUEUES, 1);
	mb_u8(m, IFLA_CARRIER, ii->link_up);
	mb_str(m, IFLA_QDISC, "noqueue"); /* frames go straight to the device's ring */
	mb_u32(m, IFLA_CARRIER_CHANGES, (uint32_t)ii->carrier_changes);
	mb_attr(m, IFLA_ADDRESS, ii->hwlen ? ii->hwaddr : zero, 6);
	mb_attr(m, IFLA_BROADCAST, ii->hwlen ? bcast : zero, 6);
	st64[LS_RX_PACKETS] = s->rx_packets;
	st64[LS_TX_PACKETS] = s->tx_packets;
	st64[LS_RX_BYTES] = s->rx_bytes;
	st64[LS_TX_BYTES] = s->tx_bytes;
	st64[LS_RX_ERRORS] = s->rx_errs;
	st64[LS_TX_ERRORS] = s->tx_errs;
	st64[LS_RX_DROPPED] = s->rx_drop;
	st64[LS_TX_DROPPED] = s->tx_drop;
	for (int i = 0; i < LS_COUNT32; i++)
		st32[i] = (uint32_t)st64[i];
	mb_attr(m, IFLA_STATS64, st64, sizeof(st64));
	mb_attr(m, IFLA_STATS, st32, sizeof(st32));
	mb_end(m);
}

/* the attribute 'type' of a request after its fixed part, or NULL */
static const struct rtattr *
req_attr(const struct req *q, uint32_t fixed, uint16_t type)
{
	uint32_t at = NLMSG_ALIGN(fixed);

	while (at + sizeof(struct rtattr) <= q->blen) {
		struct rtattr a;
		memcpy(&a, q->body + at, sizeof(a));
		if (a.rta_len < sizeof(a) || at + a.rta_len > q->blen)
			break;
		if (a.rta_type == type)
			return (const struct rtattr *)(q->body + at);
		at += RTA_ALIGN(a.rta_len);
	}
	return NULL;
}

static int
get_link(struct reply *r, const struct req *q)
{
	struct net_ifinfo all[NET_IF_MAX];
	struct ifinfomsg ifi;
	char name[IFNAMSIZ] = "";
	const struct rtattr *a;
	struct msgbuf m;
	int n;

	if (q->blen < sizeof(ifi))
		return -EINVAL;
	memcpy(&ifi, q->body, sizeof(ifi));
	if ((a = req_attr(q, sizeof(ifi), IFLA_IFNAME)))
		memcpy(name, a + 1, MIN(a->rta_len - sizeof(*a), sizeof(name) - 1));
	if (ifi.ifi_index <= 0 && !name[0])
		return -EINVAL;
	n = net_if_list(all, NET_IF_MAX);
	for (int i = 0; i < n; i++)
		if (ifi.ifi_index > 0 ? all[i].index == ifi.ifi_index
		                      : !strcmp(all[i].name, name)) {
			link_msg(&m, &all[i], 0, q);
			reply_alone(r, &m);
			return 0;
		}
	return -ENODEV;
}

static void
dump_links(struct reply *r, const struct req *q, const struct net_ifinfo *all, int n)
{
	struct msgbuf m;

	for (int i = 0; i < n; i++) {
		link_msg(&m, &all[i], NLM_F_MULTI, q);
		reply_pack(r, &m);
	}
}

/* --- addresses --- */
static int
mask_len(uint32_t mask_be)
{
	int n = 0;

	for (; mask_be; mask_be &= mask_be - 1)
		n++;
	return n;
}

static void
addr4_msg(struct reply *r, const struct req *q, const struct net_ifinfo *ii)
{
	struct msgbuf m;
	struct ifaddrmsg *ifa =
	    mb_start(&m, RTM_NEWADDR, NLM_F_MULTI, q->h->nlmsg_seq, q->pid, sizeof(*ifa));
	struct ifa_cacheinfo ci = {0xffffffffu, 0xffffffffu, 0, 0}; /* XXX: no time stamps */
	uint32_t a = ii->addr4;

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)mask_len(ii->mask4);
	ifa->ifa_flags = IFA_F_PERMANENT;
	ifa->ifa_scope = ii->loopback ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ii->index;
	mb_attr(&m, IFA_ADDRESS, &a, 4);
	mb_attr(&m, IFA_LOCAL, &a, 4);
	if (!ii->loopback) { /* set with the address, as DHCP clients and ifconfig do */
		uint32_t b = a | ~ii->mask4;
		mb_attr(&m, IFA_BROADCAST, &b, 4);
	}
	mb_str(&m, IFA_LABEL, ii->name);
	mb_u32(&m, IFA_FLAGS, IFA_F_PERMANENT);
	mb_attr(&m, IFA_CACHEINFO, &ci, sizeof(ci));
	mb_end(&m);
	reply_pack(r, &m);
}

static void
addr6_msg(struct reply *r, const struct req *q, const struct net_ifinfo *ii,
          const struct net_ifaddr6 *a)
{
	struct msgbuf m;
	struct ifaddrmsg *ifa =
	    mb_start(&m, RTM_NEWADDR, NLM_F_MULTI, q->h->nlmsg_seq, q->pid, sizeof(*ifa));
	struct ifa_cacheinfo ci = {a->preferred, a->valid, 0, 0}; /* XXX: no time stamps */
	uint32_t flags =
	    (a->permanent ? IFA_F_PERMANENT : 0) | (a->tentative ? IFA_F_TENTATIVE : 0);

	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = a->plen;
	ifa->ifa_flags = (uint8_t)flags;
	ifa->ifa_scope = a->scope;
	ifa->ifa_index = (uint32_t)ii->index;
	/* Linux's order for IPv6: no IFA_LOCAL (no peer), no IFA_LABEL */
	mb_attr(&m, IFA_ADDRESS, a->addr, 16);
	mb_attr(&m, IFA_CACHEINFO, &ci, sizeof(ci));
	mb_u32(&m, IFA_FLAGS, flags);
	mb_end(&m);
	reply_pack(r, &m);
}

/* every IPv4 address, then every IPv6 one (AF_UNSPEC), as Linux's
 * rtnl_dump_all goes through the families */
static void
dump_addrs(struct reply *r, const struct req *q, int family, const struct net_ifinfo *all, int n)
{
	for (int i = 0; (family == AF_UNSPEC || family == AF_INET) && i < n; i++)
		if (all[i].have4)
			addr4_msg(r, q, &all[i]);
	for (int i = 0; (family == AF_UNSPEC || family == AF_INET6) && i < n; i++)
		for (int k = 0; k < all[i].n6; k++)
			addr6_msg(r, q, &all[i], &all[i].a6[k]);
}

/* --- routes: what Linux would have made of these addresses --- */
struct route {
	uint8_t family, dst_len, table, proto, scope, type;
	uint8_t dst[16], gw[16], src[16];
	bool has_gw, has_src;
	int oif;
	uint32_t prio;
};
#define RTN_BROADCAST 3
#define ROUTES_MAX (NET_IF_MAX * (4 + 2 * NET_IF_IP6_MAX))

static void
route4(struct route *rt, int table, int type, int scope, int proto, uint32_t dst, int len,
       const struct net_ifinfo *ii)
{
	memset(rt, 0, sizeof(*rt));
	rt->family = AF_INET;
	rt->table = (uint8_t)table;
	rt->type = (uint8_t)type;
	rt->scope = (uint8_t)scope;
	rt->proto = (uint8_t)proto;
	memcpy(rt->dst, &dst, 4);
	rt->dst_len = (uint8_t)len;
	rt->oif = ii->index;
	rt->has_src = true;
	memcpy(rt->src, &ii->addr4, 4);
}

/* Linux's fib_add_ifaddr for each address: the subnet (main table, or
 * local on lo), the address itself and the subnet's broadcast (local
 * table); the default route through the gateway (main) */
static int
routes4(struct route *rt, const struct net_ifinfo *all, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++) {
		const struct net_ifinfo *ii = &all[i];
		uint32_t a = ii->addr4, mask = ii->mask4, net = a & mask;
		int len = mask_len(mask);
		if (!ii->have4)
			continue;
		if (ii->gw4 && !ii->loopback) { /* lwIP gives lo 127.0.0.1 as one */
			route4(&rt[k], RT_TABLE_MAIN, RTN_UNICAST, RT_SCOPE_UNIVERSE,
			       ii->dhcp4 ? RTPROT_DHCP : RTPROT_BOOT, 0, 0, ii);
			rt[k].has_src = false;
			rt[k].has_gw = true;
			memcpy(rt[k++].gw, &ii->gw4, 4);
		}
		if (len < 32)
			route4(&rt[k++], ii->loopback ? RT_TABLE_LOCAL : RT_TABLE_MAIN,
			       ii->loopback ? RTN_LOCAL : RTN_UNICAST,
			       ii->loopback ? RT_SCOPE_HOST : RT_SCOPE_LINK, RTPROT_KERNEL, net,
			       len, ii);
		route4(&rt[k++], RT_TABLE_LOCAL, RTN_LOCAL, RT_SCOPE_HOST, RTPROT_KERNEL, a, 32,
		       ii);
		if (len < 31)
			route4(&rt[k++], RT_TABLE_LOCAL, RTN_BROADCAST, RT_SCOPE_LINK,
			       RTPROT_KERNEL, a | ~mask, 32, ii);
	}
	return k;
}

static int
route_differs(const struct route *a, const struct route *b)
{
	return a->table != b->table || a->dst_len != b->dst_len || a->oif != b->oif ||
	       memcmp(a->dst, b->dst, 16);
}

/* Linux's addrconf: each address's prefix (main table; ::1 is /128)
 * and the address itself (local table). XXX: no default route through a
 * router lwIP learnt, or through gw=; no multicast routes */
static void
route6(struct route *rt, int table, int type, const uint8_t *dst, int len, int oif)
{
	memset(rt, 0, sizeof(*rt));
	rt->family = AF_INET6;
	rt->table = (uint8_t)table;
	rt->type = (uint8_t)type;
	rt->proto = RTPROT_KERNEL;
	rt->dst_len = (uint8_t)len;
	for (int b = 0; b < 16; b++)
		rt->dst[b] = b < len / 8 ? dst[b] : 0; /* prefixes are /64 or /128 */
	rt->oif = oif;
	rt->prio = table == RT_TABLE_MAIN ? 256 : 0;
}

static int
routes6(struct route *rt, const struct net_ifinfo *all, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < all[i].n6; j++) {
			const struct net_ifaddr6 *a = &all[i].a6[j];
			bool dup = false;
			route6(&rt[k], RT_TABLE_MAIN, RTN_UNICAST, a->addr, a->plen, all[i].index);
			for (int o = 0; o < k; o++)
				dup |= !route_differs(&rt[o], &rt[k]);
			if (!dup)
				k++;
			route6(&rt[k++], RT_TABLE_LOCAL, RTN_LOCAL, a->addr, 128, all[i].index);
		}
	return k;
}

/* the dump's order: by table (main, then local), then as a trie would
 * walk it: by destination, a shorter prefix first */
static int
route_cmp(const struct route *a, const struct route *b)
{
	int c;

	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if ((c = memcmp(a->dst, b->dst, a->family == AF_INET ? 4 : 16)))
		return c;
	return a->dst_len - b->dst_len;
}

static void
route_msg(struct reply *r, const struct req *q, const struct route *rt)
{
	struct msgbuf m;
	struct rtmsg *rtm =
	    mb_start(&m, RTM_NEWROUTE, NLM_F_MULTI, q->h->nlmsg_seq, q->pid, sizeof(*rtm));
	size_t alen = rt->family == AF_INET ? 4 : 16;

	rtm->rtm_family = rt->family;
	rtm->rtm_dst_len = rt->dst_len;
	rtm->rtm_table = rt->table;
	rtm->rtm_protocol = rt->proto;
	rtm->rtm_scope = rt->scope;
	rtm->rtm_type = rt->type;
	mb_u32(&m, RTA_TABLE, rt->table);
	if (rt->dst_len)
		mb_attr(&m, RTA_DST, rt->dst, alen);
	if (rt->prio)
		mb_u32(&m, RTA_PRIORITY, rt->prio);
	if (rt->has_src)
		mb_attr(&m, RTA_PREFSRC, rt->src, alen);
	if (rt->has_gw)
		mb_attr(&m, RTA_GATEWAY, rt->gw, alen);
	mb_u32(&m, RTA_OIF, (uint32_t)rt->oif);
	if (rt->family == AF_INET6)
		mb_u8(&m, RTA_PREF, 0); /* ICMPV6_ROUTER_PREF_MEDIUM */
	mb_end(&m);
	reply_pack(r, &m);
}

static int
dump_routes(struct reply *r, const struct req *q, int family, const struct net_ifinfo *all, int n)
{
	struct route *rt = kmalloc(sizeof(*rt) * ROUTES_MAX);
	int k4 = 0, k = 0;

	if (!rt)
		return -ENOMEM;
	if (family == AF_UNSPEC || family == AF_INET)
		k4 = k = routes4(rt, all, n);
	if (family == AF_UNSPEC || family == AF_INET6)
		k += routes6(rt + k, all, n);
	/* each family sorted on its own (insertion: a few dozen at most) */
	for (int i = 1; i < k; i++)
		for (int j = i; j > (i < k4 ? 0 : k4) && route_cmp(&rt[j - 1], &rt[j]) > 0; j--) {
			struct route t = rt[j];
			rt[j] = rt[j - 1];
			rt[j - 1] = t;
		}
	for (int i = 0; i < k; i++)
		route_msg(r, q, &rt[i]);
	kfree(rt);
	return 0;
}

/* --- requests --- */

/* one rtnetlink request: 0 (acknowledged when asked), 1 (a dump, never
 * acknowledged, as Linux's -EINTR from netlink_dump_start), -errno */
static int
rtnl_request(struct reply *r, const struct req *q)
{
	uint16_t type = q->h->nlmsg_type;
	int family;

	if (type > RTM_MAX)
		return -EOPNOTSUPP;
	if (q->blen < 1)
		return 0; /* Linux: every message has at least a family byte */
	family = q->body[0];
	if ((type - RTM_BASE) % 4 != 2)
		return -EOPNOTSUPP; /* XXX: nothing is ever changed (RTM_NEW*, DEL*, SET*) */
	if (!(q->h->nlmsg_flags & NLM_F_DUMP))
		return type == RTM_GETLINK ? get_link(r, q) : -EOPNOTSUPP; /* XXX: route lookups */
	if (type != RTM_GETLINK && type != RTM_GETADDR && type != RTM_GETROUTE)
		return -EOPNOTSUPP; /* XXX: neighbours, rules, qdiscs, ... */

	struct net_ifinfo *all = kmalloc(sizeof(*all) * NET_IF_MAX);
	int n, err = 0;
	if (!all)
		return -ENOMEM;
	n = net_if_list(all, NET_IF_MAX);
	if (type == RTM_GETLINK)
		dump_links(r, q, all, n);
	else if (type == RTM_GETADDR)
		dump_addrs(r, q, family, all, n);
	else
		err = dump_routes(r, q, family, all, n);
	kfree(all);
	if (err)
		return err;
	done_msg(r, q);
	return 1;
}

/* every message of what the app sent, as Linux's netlink_rcv_skb */
static void
rtnl_rcv(struct reply *r, const uint8_t *buf, uint32_t len, uint32_t pid, bool cap_ack)
{
	while (len >= NLMSG_HDRLEN) {
		struct nlmsghdr h;
		int err = 0;
		memcpy(&h, buf, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
			return;
		struct req q = {&h, buf + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN, pid};
		/* only requests are answered; control messages are skipped */
		if ((h.nlmsg_flags & NLM_F_REQUEST) && h.nlmsg_type >= NLMSG_MIN_TYPE)
			err = rtnl_request(r, &q);
		if (err != 1 && (err || (h.nlmsg_flags & NLM_F_ACK)))
			error_msg(r, &q, err, cap_ack);
		uint32_t step = MIN(NLMSG_ALIGN(h.nlmsg_len), len);
		buf += step;
		len -= step;
	}
}

/* --- the socket --- */
static int
nl_bind(struct socket *s, const void *addr, int len)
{
	struct nl_sock *k = nl_of(s);
	struct linux_sockaddr_nl a;
	int err = 0;

	if (len < (int)sizeof(a))
		return -EINVAL;
	memcpy(&a, addr, sizeof(a));
	if (a.nl_family != AF_NETLINK)
		return -EINVAL;
	mutex_lock(&nl_lock);
	if (k->bound && a.nl_pid != k->portid)
		err = -EINVAL;
	else if (!k->bound)
		err = a.nl_pid ? nl_insert(k, a.nl_pid) : nl_autobind(k);
	if (!err)
		k->groups = a.nl_groups; /* XXX: joined, but nothing is ever multicast */
	mutex_unlock(&nl_lock);
	return err;
}

static int
nl_connect(struct socket *s, const void *addr, int len, bool nonblock)
{
	struct nl_sock *k = nl_of(s);
	struct linux_sockaddr_nl a = {0};
	int err = 0;

	if (len < (int)sizeof(a.nl_family))
		return -EINVAL;
	memcpy(&a, addr, MIN((size_t)len, sizeof(a)));
	if (a.nl_family != AF_UNSPEC && a.nl_family != AF_NETLINK)
		return -EINVAL;
	if (a.nl_family == AF_NETLINK && len < (int)sizeof(a))
		return -EINVAL;
	mutex_lock(&nl_lock);
	if (a.nl_family == AF_NETLINK)
		err = nl_autobind(k);
	if (!err) {
		k->dst_portid = a.nl_pid;
		k->dst_groups = a.nl_groups ? 1u << __builtin_ctz(a.nl_groups) : 0;
	}
	mutex_unlock(&nl_lock);
	return err;
}

static int
nl_listen(struct socket *s, int backlog)
{
	return -EOPNOTSUPP;
}

static int
nl_accept(struct socket *s, struct socket *ns, bool nonblock)
{
	return -EOPNOTSUPP;
}

static int
nl_shutdown(struct socket *s, int how)
{
	return -EOPNOTSUPP; /* as Linux's sock_no_shutdown */
}

static int
nl_getname(struct socket *s, void *addr, bool peer)
{
	struct nl_sock *k = nl_of(s);
	struct linux_sockaddr_nl a = {AF_NETLINK, 0, 0, 0};

	mutex_lock(&nl_lock);
	a.nl_pid = peer ? k->dst_portid : k->portid;
	a.nl_groups = peer ? k->dst_groups : k->groups;
	mutex_unlock(&nl_lock);
	memcpy(addr, &a, sizeof(a));
	return sizeof(a);
}

static void
nl_queue(struct nl_sock *k, struct list_node *q)
{
	while (!list_empty(q)) {
		struct list_node *n = q->next;
		list_del(n);
		list_add_tail(&k->rq, n);
	}
	poll_wake(&k->head, POLLIN | POLLRDNORM);
}

static long
nl_sendmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct nl_sock *k = nl_of(s), *to;
	struct linux_sockaddr_nl a;
	uint32_t dst, pid;
	bool cap;
	uint8_t *buf;
	long err;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->namelen) {
		if (m->namelen < (int)sizeof(a))
			return -EINVAL;
		memcpy(&a, m->name, sizeof(a));
		if (a.nl_family != AF_NETLINK)
			return -EINVAL;
		dst = a.nl_pid; /* XXX: a group (nl_groups) is nobody */
	} else {
		dst = k->dst_portid;
	}
	if (m->len > (size_t)s->s_sndbuf - 32)
		return -EMSGSIZE;
	mutex_lock(&nl_lock);
	err = nl_autobind(k);
	pid = k->portid;
	cap = k->cap_ack;
	mutex_unlock(&nl_lock);
	if (err)
		return err;
	if (!(buf = kmalloc(sizeof(struct nl_dgram) + MAX(m->len, 1))))
		return -ENOMEM;
	struct nl_dgram *d = (struct nl_dgram *)buf;
	if (sock_msg_copyin(m, d->data, m->len)) {
		kfree(buf);
		return -EFAULT;
	}
	d->len = (uint32_t)m->len;
	d->src = pid;
	struct reply r = {LIST_HEAD_INIT(r.q), NULL, 0};
	if (dst) { /* to another netlink socket of the app */
		list_add_tail(&r.q, &d->link);
		mutex_lock(&nl_lock);
		if ((to = nl_find(dst)))
			nl_queue(to, &r.q);
		mutex_unlock(&nl_lock);
		if (!to) {
			reply_free(&r.q);
			return -ECONNREFUSED;
		}
		return (long)m->len;
	}
	rtnl_rcv(&r, d->data, d->len, pid, cap);
	kfree(buf);
	mutex_lock(&nl_lock);
	nl_queue(k, &r.q);
	mutex_unlock(&nl_lock);
	/* XXX: a message left out for want of memory is not reported
	 * (Linux: ENOBUFS on the next recvmsg) */
	return (long)m->len;
}

static long
nl_recvmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct nl_sock *k = nl_of(s);
	uint64_t deadline = sock_deadline(s->s_rcvtimeo);
	struct poll_sleeper sl;
	struct poll_waiter w;
	struct nl_dgram *d = NULL;
	long r = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	poll_sleeper_init(&sl);
	poll_waiter_add(&w, &sl, &k->head, POLLIN);
	mutex_lock(&nl_lock);
	for (;;) {
		poll_sleeper_arm(&sl);
		if (!list_empty(&k->rq)) {
			d = list_first_entry(&k->rq, struct nl_dgram, link);
			break;
		}
		if (nonblock) {
			r = -EAGAIN;
			break;
		}
		mutex_unlock(&nl_lock);
		r = poll_sleep(&sl, deadline);
		mutex_lock(&nl_lock);
		if (r == -ETIMEDOUT) {
			r = -EAGAIN;
			break;
		}
		if (r == -EINTR) {
			r = s->s_rcvtimeo ? -EINTR : -ERESTARTSYS;
			break;
		}
	}
	if (d) {
		size_t n = MIN((size_t)d->len, m->len);
		struct linux_sockaddr_nl a = {AF_NETLINK, 0, d->src, 0};
		/* copied out under the lock: a peeked datagram stays queued */
		r = sock_msg_copyout(m, d->data, n);
		if (!r) {
			if (n < d->len)
				m->flags |= MSG_TRUNC;
			memcpy(m->name, &a, sizeof(a));
			m->namelen = sizeof(a);
			r = flags & MSG_TRUNC ? (long)d->len : (long)n;
		}
		if (flags & MSG_PEEK)
			d = NULL;
		else
			list_del(&d->link); /* gone even when the copy failed, as Linux */
	}
	mutex_unlock(&nl_lock);
	poll_waiter_del(&w);
	kfree(d);
	return r;
}

static int
nl_poll(struct socket *s, struct poll_table *pt)
{
	struct nl_sock *k = nl_of(s);
	int mask = POLLOUT | POLLWRNORM;

	poll_register(pt, &k->head);
	mutex_lock(&nl_lock);
	if (!list_empty(&k->rq))
		mask |= POLLIN | POLLRDNORM;
	mutex_unlock(&nl_lock);
	return mask;
}

static bool *
nl_flag(struct nl_sock *k, int name)
{
	switch (name) {
	case NETLINK_CAP_ACK:
		return &k->cap_ack;
	case NETLINK_EXT_ACK:
		return &k->ext_ack; /* no extended attributes are ever added */
	case NETLINK_GET_STRICT_CHK:
		return &k->strict; /* XXX: requests are never checked strictly */
	case NETLINK_NO_ENOBUFS:
		return &k->no_enobufs;
	}
	return NULL;
}

static int
nl_setsockopt(struct socket *s, int level, int name, const void *val, int len)
{
	struct nl_sock *k = nl_of(s);
	uint32_t v;
	bool *f;

	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	if (len < (int)sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	mutex_lock(&nl_lock);
	if (name == NETLINK_ADD_MEMBERSHIP || name == NETLINK_DROP_MEMBERSHIP) {
		if (v >= 1 && v <= 32) { /* XXX: groups past 32 are not kept */
			if (name == NETLINK_ADD_MEMBERSHIP)
				k->groups |= 1u << (v - 1);
			else
				k->groups &= ~(1u << (v - 1));
		}
	} else if ((f = nl_flag(k, name))) {
		*f = v != 0;
	} else {
		mutex_unlock(&nl_lock);
		return -ENOPROTOOPT;
	}
	mutex_unlock(&nl_lock);
	return 0;
}

static int
nl_getsockopt(struct socket *s, int level, int name, void *val, int *len)
{
	bool *f;
	int v;

	if (level != SOL_NETLINK || !(f = nl_flag(nl_of(s), name)))
		return -ENOPROTOOPT;
	if (*len < (int)sizeof(int))
		return -EINVAL;
	v = *f;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static void
nl_release(struct socket *s)
{
	struct nl_sock *k = nl_of(s);

	mutex_lock(&nl_lock);
	list_del(&k->all);
	reply_free(&k->rq);
	mutex_unlock(&nl_lock);
	kfree(k);
}

static const struct sock_ops nl_ops = {
    .bind = nl_bind,
    .connect = nl_connect,
    .listen = nl_listen,
    .accept = nl_accept,
    .shutdown = nl_shutdown,
    .getname = nl_getname,
    .sendmsg = nl_sendmsg,
    .recvmsg = nl_recvmsg,
    .poll = nl_poll,
    .getsockopt = nl_getsockopt,
    .setsockopt = nl_setsockopt,
    .release = nl_release,
};

static int
nl_create(struct socket *s, int protocol)
{
	struct nl_sock *k;

	if (s->s_type != SOCK_RAW && s->s_type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT; /* XXX: only rtnetlink */
	if (!(k = kzalloc(sizeof(*k))))
		return -ENOMEM;
	poll_head_init(&k->head);
	list_init(&k->rq);
	mutex_lock(&nl_lock);
	list_add_tail(&nl_socks, &k->all);
	mutex_unlock(&nl_lock);
	s->s_ops = &nl_ops;
	s->s_priv = k;
	return 0;
}

static const struct sock_family nl_family = {.family = AF_NETLINK, .create = nl_create};
SOCK_FAMILY(nl_family);

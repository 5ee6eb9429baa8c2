/* AF_INET and AF_INET6 sockets on lwIP (include/socket.h's families): the
 * family, address conversion, the options both protocols share, ioctls
 * and waits. TCP is net/inet_tcp.c, UDP net/inet_udp.c; the locking rule
 * is net/inet_impl.h's. An AF_INET6 socket is dual stack unless
 * IPV6_V6ONLY: lwIP's PCB then has the "any" address type, and IPv4
 * peers show as ::ffff:a.b.c.d, as on Linux. tests/guest/posix_inet.c
 * exercises it. */
#include "errno.h"
#include "inet_impl.h"
#include "lib.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcpip.h"
#include "mm.h"
#include "net.h"
#include "net_impl.h"
#include "sched.h"
#include "socket_impl.h"
#include "uaccess.h"
#include "uapi/ioctls.h"
#include "uapi/socket.h"

#define SIN_LEN 16      /* sizeof(struct sockaddr_in) */
#define SIN6_LEN 28     /* sizeof(struct sockaddr_in6) */
#define SIN6_LEN_OLD 24 /* RFC 2133's, without sin6_scope_id: Linux takes it */

struct sockaddr_in4 {
	uint16_t family;
	uint16_t port; /* network order */
	uint32_t addr; /* network order */
	uint8_t zero[8];
};
struct sockaddr_in6x {
	uint16_t family;
	uint16_t port;
	uint32_t flowinfo;
	uint32_t addr[4];
	uint32_t scope_id;
};

struct list_node inet_all = LIST_HEAD_INIT(inet_all);
static uint64_t next_ino = 1u << 20; /* under the core lock; AF_UNIX counts from 1 */

void
inet_lock(void)
{
	LOCK_TCPIP_CORE();
}

void
inet_unlock(void)
{
	net_timers_kick();
	UNLOCK_TCPIP_CORE();
}

int
inet_errno(int8_t e)
{
	switch (e) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
		return -ENOMEM;
	case ERR_BUF:
		return -ENOBUFS;
	case ERR_TIMEOUT:
		return -ETIMEDOUT;
	case ERR_RTE:
		return -ENETUNREACH;
	case ERR_INPROGRESS:
		return -EINPROGRESS;
	case ERR_WOULDBLOCK:
		return -EAGAIN;
	case ERR_USE:
		return -EADDRINUSE;
	case ERR_ALREADY:
		return -EALREADY;
	case ERR_ISCONN:
		return -EISCONN;
	case ERR_CONN:
	case ERR_CLSD:
		return -ENOTCONN;
	case ERR_ABRT:
		return -ECONNABORTED;
	case ERR_RST:
		return -ECONNRESET;
	case ERR_IF:
		return -ENETDOWN;
	default: /* ERR_VAL, ERR_ARG */
		return -EINVAL;
	}
}

struct inet_sock *
inet_sock_new(int family, int type)
{
	struct inet_sock *is = kzalloc(sizeof(*is));

	if (!is)
		return NULL;
	is->family = family;
	is->type = type;
	is->linger = -1;
	is->tos = 0;
	is->ttl = -1;
	is->keepidle = 7200; /* Linux's defaults (tcp_keepalive_time, _intvl, _probes) */
	is->keepintvl = 75;
	is->keepcnt = 9;
	list_init(&is->dgrams);
	list_init(&is->acceptq);
	list_init(&is->qlink);
	list_init(&is->gmember);
	poll_head_init(&is->head);
	is->ino = next_ino++;
	list_add_tail(&inet_all, &is->all);
	return is;
}

uint64_t
inet_arg_ino(const void *arg)
{
	const struct inet_sock *is = arg;

	return is ? is->ino : 0;
}

size_t
inet_arg_rxq(const void *arg)
{
	const struct inet_sock *is = arg;

	return is ? is->dg_bytes : 0;
}

void
inet_sock_free(struct inet_sock *is)
{
	list_del(&is->all);
	kfree(is->rxq);
	kfree(is);
}

/* --- addresses --- */
static bool
v4mapped(const uint32_t a[4])
{
	return a[0] == 0 && a[1] == 0 && a[2] == PP_HTONL(0xffff);
}

int
inet_addr_in(struct inet_sock *is, const void *addr, int len, ip_addr_t *ip, uint16_t *port,
             bool bind)
{
	uint16_t family;

	if (len < (int)sizeof(family))
		return -EINVAL;
	memcpy(&family, addr, sizeof(family));
	if (is->family == AF_INET) {
		struct sockaddr_in4 sin;
		if (len < SIN_LEN)
			return -EINVAL;
		memcpy(&sin, addr, sizeof(sin));
		/* Linux takes AF_UNSPEC with INADDR_ANY in bind, for old programs */
		if (family != AF_INET && !(bind && family == AF_UNSPEC && sin.addr == 0))
			return -EAFNOSUPPORT;
		ip_addr_set_ip4_u32_val(*ip, sin.addr);
		*port = lwip_ntohs(sin.port);
		return 0;
	}
	struct sockaddr_in6x sin6 = {0};
	if (len < SIN6_LEN_OLD)
		return -EINVAL;
	memcpy(&sin6, addr, (size_t)MIN(len, SIN6_LEN));
	if (family != AF_INET6)
		return -EAFNOSUPPORT;
	*port = lwip_ntohs(sin6.port);
	if (v4mapped(sin6.addr)) {
		if (is->v6only)
			return bind ? -EINVAL : -ENETUNREACH;
		ip_addr_set_ip4_u32_val(*ip, sin6.addr[3]);
		return 0;
	}
	if (!(sin6.addr[0] | sin6.addr[1] | sin6.addr[2] | sin6.addr[3])) {
		if (is->v6only)
			ip_addr_copy(*ip, *IP6_ADDR_ANY);
		else
			ip_addr_copy(*ip, *IP_ANY_TYPE);
		return 0;
	}
	IP_ADDR6(ip, sin6.addr[0], sin6.addr[1], sin6.addr[2], sin6.addr[3]);
	if (ip6_addr_islinklocal(ip_2_ip6(ip))) {
		if (!sin6.scope_id && !bind)
			return -EINVAL; /* Linux: a link-local peer needs its interface */
		ip6_addr_set_zone(ip_2_ip6(ip), (u8_t)sin6.scope_id);
	}
	return 0;
}

int
inet_addr_out(struct inet_sock *is, const ip_addr_t *ip, uint16_t port, void *addr)
{
	if (is->family == AF_INET) {
		struct sockaddr_in4 sin = {.family = AF_INET, .port = lwip_htons(port)};
		if (IP_IS_V4(ip))
			sin.addr = ip4_addr_get_u32(ip_2_ip4(ip));
		memcpy(addr, &sin, sizeof(sin));
		return SIN_LEN;
	}
	struct sockaddr_in6x sin6 = {.family = AF_INET6, .port = lwip_htons(port)};
	if (IP_IS_ANY_TYPE_VAL(*ip)) {
		/* :: */
	} else if (IP_IS_V4(ip)) {
		if (!ip4_addr_isany_val(*ip_2_ip4(ip))) {
			sin6.addr[2] = PP_HTONL(0xffff);
			sin6.addr[3] = ip4_addr_get_u32(ip_2_ip4(ip));
		}
	} else {
		memcpy(sin6.addr, ip_2_ip6(ip)->addr, sizeof(sin6.addr));
		if (ip6_addr_islinklocal(ip_2_ip6(ip)))
			sin6.scope_id = ip6_addr_zone(ip_2_ip6(ip));
	}
	memcpy(addr, &sin6, sizeof(sin6));
	return SIN6_LEN;
}

int
inet_local_ok(const ip_addr_t *ip, bool dgram)
{
	struct netif *netif;

	if (ip_addr_isany(ip))
		return 0;
	if (dgram && ip_addr_ismulticast(ip))
		return 0;
	NETIF_FOREACH(netif)
	{
		if (IP_IS_V4(ip) && (ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(netif)) ||
		                     (dgram && ip4_addr_isbroadcast(ip_2_ip4(ip), netif))))
			return 0;
		if (IP_IS_V6(ip) && netif_get_ip6_addr_match(netif, ip_2_ip6(ip)) >= 0)
			return 0;
	}
	return -EADDRNOTAVAIL;
}

int
inet_pbuf_copyout(struct sock_msg *m, struct pbuf *p, size_t off, size_t n)
{
	for (; p && n; p = p->next) {
		if (off >= p->len) {
			off -= p->len;
			continue;
		}
		size_t k = MIN(n, (size_t)p->len - off);
		if (sock_msg_copyout(m, (uint8_t *)p->payload + off, k))
			return -EFAULT;
		n -= k;
		off = 0;
	}
	return 0;
}

int
inet_shut_bits(int how)
{
	return how == SHUT_RD ? RCV_SHUT : how == SHUT_WR ? SEND_SHUT : RCV_SHUT | SEND_SHUT;
}

/* --- waits --- */
void
inet_wait_begin(struct inet_wait *w, struct inet_sock *is, int mask)
{
	poll_sleeper_init(&w->s);
	poll_waiter_add(&w->w, &w->s, &is->head, mask);
}

int
inet_wait(struct inet_wait *w, uint64_t deadline, uint64_t timeo)
{
	int r;

	poll_sleeper_arm(
	    &w->s); /* under the core lock: no change comes between the look and this */
	inet_unlock();
	r = poll_sleep(&w->s, deadline);
	inet_lock();
	if (r == -ETIMEDOUT)
		return -EAGAIN; /* SO_RCVTIMEO/SO_SNDTIMEO ran out, as Linux */
	if (r == -EINTR)
		return timeo ? -EINTR : -ERESTARTSYS;
	return 0;
}

void
inet_wait_end(struct inet_wait *w)
{
	poll_waiter_del(&w->w);
}

/* --- options both protocols have --- */
#define SOL_IP 0
#define SOL_TCP 6
#define SOL_IPV6 41
#define IP_TOS 1
#define IP_TTL 2
#define IPV6_UNICAST_HOPS 16
#define IPV6_V6ONLY 26
#define IPV6_TCLASS 67
#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#define TCP_CORK 3
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_INFO 11
#define MAX_TCP_KEEPIDLE 32767 /* Linux's limits */
#define MAX_TCP_KEEPINTVL 32767
#define MAX_TCP_KEEPCNT 127

struct linux_linger {
	int32_t l_onoff, l_linger;
};

static int
put_int(void *val, int *len, int v)
{
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

int
inet_getsockopt(struct socket *s, int level, int name, void *val, int *len)
{
	struct inet_sock *is = s->s_priv;
	bool tcp = is->type == SOCK_STREAM;
	int r = -ENOPROTOOPT;

	inet_lock();
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR:
			r = put_int(val, len, is->reuseaddr);
			break;
		case SO_REUSEPORT:
			r = put_int(val, len, is->reuseport);
			break;
		case SO_KEEPALIVE:
			r = put_int(val, len, is->keepalive);
			break;
		case SO_BROADCAST:
			r = put_int(val, len, is->broadcast);
			break;
		case SO_ERROR:
			r = put_int(val, len, is->err);
			is->err = 0;
			break;
		case SO_ACCEPTCONN:
			r = put_int(val, len, is->state == IS_LISTEN);
			break;
		case SO_LINGER: {
			struct linux_linger l = {is->linger >= 0, is->linger >= 0 ? is->linger : 0};
			memcpy(val, &l, sizeof(l));
			*len = sizeof(l);
			r = 0;
			break;
		}
		}
	} else if (level == SOL_IP && is->family == AF_INET) {
		if (name == IP_TOS)
			r = put_int(val, len, is->tos);
		else if (name == IP_TTL)
			r = put_int(val, len, is->ttl < 0 ? 64 : is->ttl);
	} else if (level == SOL_IPV6 && is->family == AF_INET6) {
		if (name == IPV6_V6ONLY)
			r = put_int(val, len, is->v6only);
		else if (name == IPV6_UNICAST_HOPS)
			r = put_int(val, len, is->ttl < 0 ? 64 : is->ttl);
		else if (name == IPV6_TCLASS)
			r = put_int(val, len, is->tos);
	} else if (level == SOL_TCP && tcp) {
		switch (name) {
		case TCP_NODELAY:
			r = put_int(val, len, is->nodelay);
			break;
		case TCP_CORK:
			r = put_int(val, len, is->cork);
			break;
		case TCP_KEEPIDLE:
			r = put_int(val, len, (int)is->keepidle);
			break;
		case TCP_KEEPINTVL:
			r = put_int(val, len, (int)is->keepintvl);
			break;
		case TCP_KEEPCNT:
			r = put_int(val, len, (int)is->keepcnt);
			break;
		case TCP_MAXSEG:
			r = put_int(val, len, TCP_MSS);
			break;
		case TCP_INFO:
			*len = inet_tcp_info(is, val);
			r = 0;
			break;
		}
	}
	inet_unlock();
	return r;
}

int
inet_setsockopt(struct socket *s, int level, int name, const void *val, int len)
{
	struct inet_sock *is = s->s_priv;
	bool tcp = is->type == SOCK_STREAM;
	int v = 0, r = -ENOPROTOOPT;

	if (level == SOL_SOCKET && name == SO_LINGER) {
		struct linux_linger l;
		if (len < (int)sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		inet_lock();
		is->linger = l.l_onoff ? MAX(l.l_linger, 0) : -1;
		inet_unlock();
		return 0;
	}
	if (len < (int)sizeof(int)) {
		/* Linux takes a char for the IP options, an int everywhere else */
		if (len < 1 || level != SOL_IP)
			return -EINVAL;
		v = *(const uint8_t *)val;
	} else {
		memcpy(&v, val, sizeof(v));
	}
	inet_lock();
	if (level == SOL_SOCKET) {
		r = 0;
		switch (name) {
		case SO_REUSEADDR:
			is->reuseaddr = v != 0;
			break;
		case SO_REUSEPORT:
			is->reuseport = v != 0;
			break;
		case SO_KEEPALIVE:
			is->keepalive = v != 0;
			break;
		case SO_BROADCAST:
			is->broadcast = v != 0;
			break;
		default:
			r = -ENOPROTOOPT;
		}
	} else if (level == SOL_IP && is->family == AF_INET) {
		if (name == IP_TOS) {
			is->tos = v & 0xff & ~3; /* the ECN bits are the stack's, as Linux */
			r = 0;
		} else if (name == IP_TTL) {
			r = v == -1 || (v >= 1 && v <= 255) ? 0 : -EINVAL;
			if (!r)
				is->ttl = v;
		}
	} else if (level == SOL_IPV6 && is->family == AF_INET6) {
		if (name == IPV6_V6ONLY) {
			r = is->bound ? -EINVAL : 0; /* Linux: only before bind */
			if (!r)
				is->v6only = v != 0;
		} else if (name == IPV6_UNICAST_HOPS) {
			r = v >= -1 && v <= 255 ? 0 : -EINVAL;
			if (!r)
				is->ttl = v;
		} else if (name == IPV6_TCLASS) {
			r = v >= -1 && v <= 255 ? 0 : -EINVAL;
			if (!r)
				is->tos = v < 0 ? 0 : v;
		}
	} else if (level == SOL_TCP && tcp) {
		r = 0;
		switch (name) {
		case TCP_NODELAY:
			is->nodelay = v != 0;
			break;
		case TCP_CORK:
			is->cork = v != 0;
			break;
		case TCP_KEEPIDLE:
			if (v < 1 || v > MAX_TCP_KEEPIDLE)
				r = -EINVAL;
			else
				is->keepidle = (uint32_t)v;
			break;
		case TCP_KEEPINTVL:
			if (v < 1 || v > MAX_TCP_KEEPINTVL)
				r = -EINVAL;
			else
				is->keepintvl = (uint32_t)v;
			break;
		case TCP_KEEPCNT:
			if (v < 1 || v > MAX_TCP_KEEPCNT)
				r = -EINVAL;
			else
				is->keepcnt = (uint32_t)v;
			break;
		default:
			r = -ENOPROTOOPT;
		}
	}
	if (!r) {
		if (tcp)
			inet_tcp_apply(is);
		else
			inet_udp_apply(is);
	}
	inet_unlock();
	return r;
}

/* --- poll and ioctl, for both protocols --- */
int
inet_poll_op(struct socket *s, struct poll_table *pt)
{
	struct inet_sock *is = s->s_priv;
	int r;

	poll_register(pt, &is->head);
	inet_lock();
	r = is->type == SOCK_STREAM ? inet_tcp_poll(is) : inet_udp_poll(is);
	UNLOCK_TCPIP_CORE();
	return r;
}

int
inet_ioctl_op(struct socket *s, unsigned long cmd, void *arg)
{
	struct inet_sock *is = s->s_priv;
	bool tcp = is->type == SOCK_STREAM;
	int n;

	/* SIOCGIFADDR and the like, as Linux's inet_ioctl (net/ifioctl.c) */
	if (s->s_family == AF_INET && (n = (int)net_if_addr_ioctl(cmd, arg)) != -ENOTTY)
		return n;
	if (cmd != SIOCINQ && cmd != SIOCOUTQ)
		return -ENOTTY;
	inet_lock();
	if (cmd == SIOCINQ)
		n = tcp ? inet_tcp_inq(is) : inet_udp_inq(is);
	else
		n = tcp ? inet_tcp_outq(is) : 0; /* a datagram leaves at once */
	UNLOCK_TCPIP_CORE();
	if (n < 0)
		return n;
	return copy_to_user(arg, &n, sizeof(n)) ? -EFAULT : 0;
}

/* --- the family --- */
static int
inet_create(struct socket *s, int protocol)
{
	struct inet_sock *is;
	int err;

	if (s->s_type == SOCK_STREAM) {
		if (protocol && protocol != 6 /* IPPROTO_TCP */)
			return -EPROTONOSUPPORT;
		s->s_protocol = 6;
	} else if (s->s_type == SOCK_DGRAM) {
		if (protocol && protocol != 17 /* IPPROTO_UDP */)
			return -EPROTONOSUPPORT;
		s->s_protocol = 17;
	} else if (s->s_type == SOCK_RAW) {
		return -EPROTONOSUPPORT; /* XXX: no raw IP sockets (ping) yet */
	} else {
		return -ESOCKTNOSUPPORT;
	}
	net_start();
	inet_lock();
	is = inet_sock_new(s->s_family, s->s_type);
	err = !is ? -ENOMEM : s->s_type == SOCK_STREAM ? inet_tcp_create(is) : inet_udp_create(is);
	if (err && is)
		inet_sock_free(is);
	inet_unlock();
	if (err)
		return err;
	is->sock = s;
	s->s_ino = is->ino;
	s->s_ops = s->s_type == SOCK_STREAM ? &inet_tcp_ops : &inet_udp_ops;
	s->s_priv = is;
	return 0;
}

static const struct sock_family inet_family = {.family = AF_INET, .create = inet_create};
static const struct sock_family inet6_family = {.family = AF_INET6, .create = inet_create};
SOCK_FAMILY(inet_family);
SOCK_FAMILY(inet6_family);

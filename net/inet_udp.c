/* UDP sockets on lwIP's raw API (net/inet_impl.h has the locking rule).
 * The socket owns its PCB from creation to close. Datagrams wait in the
 * socket's queue, each with its source, up to SO_RCVBUF bytes (beyond
 * that they are dropped, as Linux drops them); a send builds one pbuf of
 * the app's bytes and hands it to lwIP. Linux's net/ipv4/udp.c is the
 * model for errno values. ICMP errors about a datagram a connected
 * socket sent (port unreachable: ECONNREFUSED) come back as its SO_ERROR
 * and fail its next call, as Linux reports them; lwIP's UDP does not
 * look at ICMP, so two raw PCBs (IPv4 and IPv6) watch for them.
 * SO_REUSEPORT sockets on one port share its unicast datagrams by a keyed
 * hash of each flow, as Linux's reuseport groups. */
#include "errno.h"
#include "inet_impl.h"
#include "lib.h"
#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/netif.h"
#include "lwip/raw.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"
#include "mm.h"
#include "net_impl.h"
#include "uapi/socket.h"

#define UDP4_MAX 65507 /* 65535 - IPv4 and UDP headers */
#define UDP6_MAX 65527 /* 65535 - UDP header (the IPv6 header is outside the length) */

struct dgram {
	struct list_node link;
	struct pbuf *p;
	ip_addr_t addr;
	uint16_t port;
};

static void recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                    u16_t port);

/* another unconnected SO_REUSEPORT socket bound where pcb is */
static bool
reuse_member(const struct udp_pcb *o, const struct udp_pcb *pcb)
{
	return o->local_port == pcb->local_port && o->recv == recv_cb &&
	       !(o->flags & UDP_FLAGS_CONNECTED) && ip_addr_cmp(&o->local_ip, &pcb->local_ip) &&
	       ((struct inet_sock *)o->recv_arg)->reuseport;
}

/* SO_REUSEPORT, as Linux spreads a group's unicast datagrams: lwIP gives
 * each to the first PCB bound to the port; here a keyed hash of the flow
 * picks one of the group's sockets, so one peer's datagrams all reach
 * the same socket. A walk of lwIP's UDP PCBs: one per UDP socket */
static struct inet_sock *
reuse_pick(struct inet_sock *is, struct udp_pcb *pcb, const ip_addr_t *addr, u16_t port)
{
	const ip_addr_t *dst = ip_current_dest_addr();
	unsigned n = 0, k;

	if (!is->reuseport || (pcb->flags & UDP_FLAGS_CONNECTED) || ip_addr_ismulticast(dst) ||
	    ip_addr_isbroadcast(dst, ip_current_netif()))
		return is;
	for (struct udp_pcb *o = udp_pcbs; o; o = o->next)
		n += reuse_member(o, pcb);
	if (n < 2)
		return is;
	k = net_flow_hash(dst, pcb->local_port, addr, port) % n;
	for (struct udp_pcb *o = udp_pcbs; o; o = o->next)
		if (reuse_member(o, pcb) && !k--)
			return o->recv_arg;
	return is;
}

static void
recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	struct inet_sock *is = reuse_pick(arg, pcb, addr, port);
	struct dgram *d;
	size_t limit = is->sock ? (size_t)is->sock->s_rcvbuf : 212992;

	if ((is->shut & RCV_SHUT) || is->dg_bytes + p->tot_len > limit ||
	    !(d = kmalloc(sizeof(*d)))) {
		pbuf_free(p); /* no room: dropped, as Linux drops it */
		return;
	}
	d->p = p;
	ip_addr_copy(d->addr, *addr);
	d->port = port;
	list_add_tail(&is->dgrams, &d->link);
	is->dg_bytes += p->tot_len;
	is->dg_count++;
	poll_wake(&is->head, POLLIN);
}

/* --- ICMP errors --- */
static struct raw_pcb *icmp4_watch, *icmp6_watch;

static uint16_t
be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* the connected socket that sent sport -> dst:dport learns err */
static void
icmp_error(const ip_addr_t *dst, uint16_t sport, uint16_t dport, int err)
{
	struct list_node *n;

	list_for_each(n, &inet_all)
	{
		struct inet_sock *is = list_entry(n, struct inet_sock, all);
		if (is->type != SOCK_DGRAM || is->state != IS_CONNECTED ||
		    is->udp->local_port != sport || is->udp->remote_port != dport ||
		    !ip_addr_cmp(&is->udp->remote_ip, dst))
			continue;
		is->err = err;
		poll_wake(&is->head, POLLERR | POLLIN);
	}
}

/* Linux's icmp_err_convert, for destination unreachable's codes */
static int
icmp4_errno(int code)
{
	static const int map[] = {ENETUNREACH,  EHOSTUNREACH, ENOPROTOOPT,
	                          ECONNREFUSED, EMSGSIZE,     EOPNOTSUPP};
	return code < (int)ARRAY_SIZE(map) ? map[code] : EHOSTUNREACH;
}

/* every ICMP packet passes here before lwIP's own ICMP sees it (0: not
 * taken); the headers are read from a copy, so any length is safe */
static u8_t
icmp4_cb(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	uint8_t b[60 + 8 + 60 + 8];
	u16_t n = pbuf_copy_partial(p, b, sizeof(b), 0);
	ip_addr_t dst;

	(void)arg, (void)pcb, (void)addr;
	int ihl = (b[0] & 0xf) * 4;
	if (n < ihl + 8 + 20 || b[ihl] != 3 /* destination unreachable */)
		return 0;
	const uint8_t *in = b + ihl + 8;
	int iihl = (in[0] & 0xf) * 4;
	if (iihl < 20 || in[9] != 17 /* UDP */ || n < ihl + 8 + iihl + 4)
		return 0;
	uint32_t a;
	memcpy(&a, in + 16, sizeof(a));
	ip_addr_set_ip4_u32_val(dst, a);
	icmp_error(&dst, be16(in + iihl), be16(in + iihl + 2), icmp4_errno(b[ihl + 1]));
	return 0;
}

static u8_t
icmp6_cb(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	static const int map[] = {ENETUNREACH, EACCES, EHOSTUNREACH, EHOSTUNREACH, ECONNREFUSED};
	uint8_t b[40 + 8 + 40 + 4];
	u16_t n = pbuf_copy_partial(p, b, sizeof(b), 0);
	ip_addr_t dst;
	uint32_t w[4];

	(void)arg, (void)pcb, (void)addr;
	if (n < sizeof(b) || b[40] != 1 /* destination unreachable */ || b[48 + 6] != 17)
		return 0;
	memcpy(w, b + 48 + 24, sizeof(w));
	IP_ADDR6(&dst, w[0], w[1], w[2], w[3]);
	icmp_error(&dst, be16(b + 88), be16(b + 90),
	           b[41] < ARRAY_SIZE(map) ? map[b[41]] : EHOSTUNREACH);
	return 0;
}

static void
icmp_watch(void)
{
	if (!icmp4_watch && (icmp4_watch = raw_new(IP_PROTO_ICMP)))
		raw_recv(icmp4_watch, icmp4_cb, NULL);
	if (!icmp6_watch && (icmp6_watch = raw_new_ip_type(IPADDR_TYPE_V6, IP6_NEXTH_ICMP6)))
		raw_recv(icmp6_watch, icmp6_cb, NULL);
}

void
inet_udp_apply(struct inet_sock *is)
{
	struct udp_pcb *pcb = is->udp;

	if (is->reuseaddr || is->reuseport)
		ip_set_option(pcb, SOF_REUSEADDR);
	else
		ip_reset_option(pcb, SOF_REUSEADDR);
	if (is->broadcast)
		ip_set_option(pcb, SOF_BROADCAST);
	else
		ip_reset_option(pcb, SOF_BROADCAST);
	pcb->tos = (u8_t)is->tos;
	pcb->ttl = (u8_t)(is->ttl < 0 ? UDP_TTL : is->ttl);
}

int
inet_udp_create(struct inet_sock *is)
{
	struct udp_pcb *pcb =
	    udp_new_ip_type(is->family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);

	if (!pcb)
		return -ENOMEM;
	is->udp = pcb;
	udp_recv(pcb, recv_cb, is);
	inet_udp_apply(is);
	return 0;
}

/* Port 0: the next free one of ip_local_port_range (net/inet_port.c),
 * not lwIP's udp_new_port (its fixed range, and a walk of every PCB for
 * each port taken); 0 when every one is taken */
static u16_t
ephemeral_port(void)
{
	static uint32_t taken[INET_PORT_WORDS]; /* under the core lock */
	static unsigned next;

	memset(taken, 0, sizeof(taken));
	for (struct udp_pcb *p = udp_pcbs; p; p = p->next)
		taken[p->local_port / 32] |= 1u << (p->local_port % 32);
	return (u16_t)inet_port_pick(taken, &next);
}

/* an unbound PCB bound to a drawn port at its address as it is, before
 * lwIP's udp_connect or udp_sendto would draw one of its own: 0, or
 * -EAGAIN when none is left (Linux's inet_autobind) */
static int
autobind(struct inet_sock *is)
{
	u16_t port;

	if (is->udp->local_port)
		return 0;
	if (!(port = ephemeral_port()))
		return -EAGAIN;
	return inet_errno(udp_bind(is->udp, &is->udp->local_ip, port));
}

static int
udp_bind_op(struct socket *s, const void *addr, int len)
{
	struct inet_sock *is = s->s_priv;
	ip_addr_t ip;
	uint16_t port;
	int r = inet_addr_in(is, addr, len, &ip, &port, true);

	if (r)
		return r;
	inet_lock();
	if (is->bound)
		r = -EINVAL;
	else if (!(r = inet_local_ok(&ip, true)) && !port && !(port = ephemeral_port()))
		r = -EADDRINUSE; /* no port left, as Linux's udp_lib_get_port */
	if (!r)
		r = inet_errno(udp_bind(is->udp, &ip, port));
	if (!r)
		is->bound = true;
	inet_unlock();
	return r;
}

/* Linux: connect checks there is a route, and the unspecified address is this host */
static int
route_to(ip_addr_t *ip)
{
	if (ip_addr_isany(ip))
		ip_addr_set_loopback(!IP_IS_V4(ip), ip);
	if (IP_IS_V4(ip))
		return ip4_route(ip_2_ip4(ip)) ? 0 : -ENETUNREACH;
	/* the unspecified source, not NULL: ip6_route reads it once there is
	 * more than one netif (eth0 and lo), so a NULL there was a kernel
	 * NULL dereference on any IPv6 UDP connect (tests/fuzz/net's
	 * udp6-connect-null) */
	return ip6_route(IP6_ADDR_ANY6, ip_2_ip6(ip)) ? 0 : -ENETUNREACH;
}

static int
udp_connect_op(struct socket *s, const void *addr, int len, bool nonblock)
{
	struct inet_sock *is = s->s_priv;
	ip_addr_t ip;
	uint16_t port, family = 0;
	int r;

	(void)nonblock;
	if (len >= (int)sizeof(family))
		memcpy(&family, addr, sizeof(family));
	if (family == AF_UNSPEC && len >= (int)sizeof(family)) { /* dissolve the association */
		inet_lock();
		udp_disconnect(is->udp);
		is->state = IS_NEW;
		inet_unlock();
		return 0;
	}
	if ((r = inet_addr_in(is, addr, len, &ip, &port, false)))
		return r;
	inet_lock();
	if (!(r = route_to(&ip)) && !(r = autobind(is)) &&
	    !(r = inet_errno(udp_connect(is->udp, &ip, port)))) {
		icmp_watch(); /* XXX: a watch that could not be made (no memory) reports nothing */
		is->state = IS_CONNECTED;
		is->bound = true;
		is->err = 0;
	}
	inet_unlock();
	return r;
}

static int
udp_listen_op(struct socket *s, int backlog)
{
	(void)s;
	(void)backlog;
	return -EOPNOTSUPP;
}

static int
udp_accept_op(struct socket *s, struct socket *ns, bool nonblock)
{
	(void)s;
	(void)ns;
	(void)nonblock;
	return -EOPNOTSUPP;
}

static int
udp_shutdown_op(struct socket *s, int how)
{
	struct inet_sock *is = s->s_priv;
	int r = 0;

	inet_lock();
	if (is->state != IS_CONNECTED)
		r = -ENOTCONN; /* Linux: shutdown wants a peer, even for UDP */
	else
		is->shut |= inet_shut_bits(how);
	if (!r)
		poll_wake(&is->head, POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
	inet_unlock();
	return r;
}

static int
udp_getname(struct socket *s, void *addr, bool peer)
{
	struct inet_sock *is = s->s_priv;
	int r;

	inet_lock();
	if (!peer)
		r = inet_addr_out(is, &is->udp->local_ip, is->udp->local_port, addr);
	else if (is->state != IS_CONNECTED)
		r = -ENOTCONN;
	else
		r = inet_addr_out(is, &is->udp->remote_ip, is->udp->remote_port, addr);
	inet_unlock();
	return r;
}

static bool
is_broadcast(const ip_addr_t *ip)
{
	struct netif *netif;

	if (!IP_IS_V4(ip))
		return false;
	if (ip4_addr_get_u32(ip_2_ip4(ip)) == IPADDR_BROADCAST)
		return true;
	NETIF_FOREACH(netif)
	if (ip4_addr_isbroadcast_u32(ip4_addr_get_u32(ip_2_ip4(ip)), netif))
		return true;
	return false;
}

static long
udp_sendmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct inet_sock *is = s->s_priv;
	ip_addr_t ip;
	uint16_t port = 0;
	struct pbuf *p;
	bool named = m->namelen != 0;
	long r;

	(void)nonblock;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->namelen && (r = inet_addr_in(is, m->name, m->namelen, &ip, &port, false)))
		return r;
	if (m->namelen && port == 0)
		return -EINVAL; /* Linux: port 0 is no destination */
	if (m->len > (is->family == AF_INET ? UDP4_MAX : UDP6_MAX))
		return -EMSGSIZE;
	/* the bytes first, outside the lock: a fault in the app's buffer
	 * then costs nobody else anything */
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)m->len, PBUF_RAM);
	if (!p)
		return -ENOMEM;
	if (m->len && sock_msg_copyin(m, p->payload, m->len)) {
		pbuf_free(p);
		return -EFAULT;
	}
	inet_lock();
	if (is->err) {
		r = -is->err;
		is->err = 0;
	} else if (is->shut & SEND_SHUT) {
		r = -EPIPE;
	} else if (!m->namelen && is->state != IS_CONNECTED) {
		r = -EDESTADDRREQ;
	} else if (m->namelen && ip_addr_isany(&ip)) {
		ip_addr_set_loopback(!IP_IS_V4(&ip), &ip);
		r = 0;
	} else {
		r = 0;
	}
	if (!r && m->namelen && is_broadcast(&ip) && !is->broadcast)
		r = -EACCES;     /* Linux: broadcasts need SO_BROADCAST */
	if (!r && is->dg_cork) { /* the datagram MSG_MORE began: its destination */
		if (is->dg_cork->tot_len + m->len > (is->family == AF_INET ? UDP4_MAX : UDP6_MAX)) {
			r = -EMSGSIZE;
		} else {
			pbuf_cat(is->dg_cork, p);
			p = is->dg_cork;
			is->dg_cork = NULL;
			ip = is->cork_ip;
			port = is->cork_port;
			named = is->cork_named;
		}
	}
	if (!r && (flags & MSG_MORE)) { /* held until a send without it */
		is->dg_cork = p;
		is->cork_ip = ip;
		is->cork_port = port;
		is->cork_named = named;
		inet_unlock();
		return (long)m->len;
	}
	if (!r)
		r = autobind(is);
	if (!r) {
		err_t e = named ? udp_sendto(is->udp, p, &ip, port) : udp_send(is->udp, p);
		r = e == ERR_OK ? (long)m->len : e == ERR_MEM ? -ENOMEM : inet_errno(e);
		if (e == ERR_OK)
			is->bound = true;
	}
	inet_unlock();
	pbuf_free(p);
	return r;
}

static long
udp_recvmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct inet_sock *is = s->s_priv;
	struct inet_wait w;
	bool waiting = false;
	uint64_t deadline = sock_deadline(s->s_rcvtimeo);
	long r = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	inet_lock();
	for (;;) {
		if (!list_empty(&is->dgrams)) {
			struct dgram *d = list_entry(is->dgrams.next, struct dgram, link);
			size_t n = MIN(m->len, (size_t)d->p->tot_len);
			if (inet_pbuf_copyout(m, d->p, 0, n)) {
				r = -EFAULT;
				break;
			}
			if (n < d->p->tot_len)
				m->flags |= MSG_TRUNC;
			m->namelen = inet_addr_out(is, &d->addr, d->port, m->name);
			r = (flags & MSG_TRUNC) ? d->p->tot_len : (long)n;
			if (!(flags & MSG_PEEK)) {
				list_del(&d->link);
				is->dg_bytes -= d->p->tot_len;
				is->dg_count--;
				pbuf_free(d->p);
				kfree(d);
			}
			break;
		}
		if (is->err) {
			r = -is->err;
			is->err = 0;
			break;
		}
		if (is->shut & RCV_SHUT)
			break;
		if (nonblock) {
			r = -EAGAIN;
			break;
		}
		if (!waiting) {
			inet_wait_begin(&w, is, POLLIN | POLLERR | POLLHUP);
			waiting = true;
		}
		if ((r = inet_wait(&w, deadline, s->s_rcvtimeo)))
			break;
	}
	if (waiting)
		inet_wait_end(&w);
	inet_unlock();
	return r;
}

int
inet_udp_poll(struct inet_sock *is)
{
	int r = POLLOUT | POLLWRNORM;

	if (is->err)
		r |= POLLERR;
	if (!list_empty(&is->dgrams))
		r |= POLLIN | POLLRDNORM;
	if (is->shut & RCV_SHUT)
		r |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (is->shut == (RCV_SHUT | SEND_SHUT))
		r |= POLLHUP;
	return r;
}

int
inet_udp_inq(struct inet_sock *is)
{
	/* Linux: the next datagram's length */
	return list_empty(&is->dgrams)
	           ? 0
	           : list_entry(is->dgrams.next, struct dgram, link)->p->tot_len;
}

static void
udp_release(struct socket *s)
{
	struct inet_sock *is = s->s_priv;
	struct list_node *n, *tmp;

	inet_lock();
	udp_remove(is->udp);
	if (is->dg_cork)
		pbuf_free(is->dg_cork);
	list_for_each_safe(n, tmp, &is->dgrams)
	{
		struct dgram *d = list_entry(n, struct dgram, link);
		pbuf_free(d->p);
		kfree(d);
	}
	inet_sock_free(is);
	inet_unlock();
}

const struct sock_ops inet_udp_ops = {
    .bind = udp_bind_op,
    .connect = udp_connect_op,
    .listen = udp_listen_op,
    .accept = udp_accept_op,
    .shutdown = udp_shutdown_op,
    .getname = udp_getname,
    .sendmsg = udp_sendmsg,
    .recvmsg = udp_recvmsg,
    .poll = inet_poll_op,
    .getsockopt = inet_getsockopt,
    .setsockopt = inet_setsockopt,
    .ioctl = inet_ioctl_op,
    .release = udp_release,
};

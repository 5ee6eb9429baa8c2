/* TCP sockets on lwIP's raw API (net/inet_impl.h has the locking rule).
 * A socket owns one lwIP PCB while it has a connection, a binding or a
 * listener; lwIP tells us when it frees one (the ext-arg destroy
 * callback, and the err callback on a reset or a timeout), and a closed
 * socket detaches its PCB first, so no callback ever sees a freed
 * socket. What arrives waits in the socket's queue of pbufs until the app
 * reads it, and only then does the window open again (tcp_recved): the
 * receive window is what the app has not read, as on Linux. Sends copy
 * the app's bytes into lwIP's send buffer (TCP_SND_BUF) and wait for ACKs
 * when it is full. Listeners queue established connections up to their
 * backlog (lwIP's tcp_backlog_delayed holds them in its count until
 * accept). SO_REUSEPORT listeners on one port share lwIP's one listening
 * PCB and take its connections in turn. Linux's net/ipv4/tcp.c and
 * af_inet.c are the model for states and errno values. */
#include "clock.h"
#include "errno.h"
#include "inet_impl.h"
#include "lib.h"
#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "mm.h"
#include "net.h"
#include "net_hooks.h"
#include "net_impl.h"
#include "uapi/socket.h"

#define SEND_CHUNK 61440 /* bytes per tcp_write (its length is a u16) */
#define LWIP_BACKLOG_MAX 255

static int ext_id = -1; /* lwIP's ext-arg slot for us (LWIP_TCP_PCB_NUM_EXT_ARGS) */

/* --- lwIP's callbacks --- */
static void
pcb_gone(u8_t id, void *data)
{
	struct inet_sock *is = data;

	(void)id;
	if (!is)
		return;
	is->tcp = NULL;
	if (is->state != IS_LISTEN)
		is->state = IS_CLOSED;
	poll_wake(&is->head, POLLIN | POLLOUT | POLLHUP);
}

static const struct tcp_ext_arg_callbacks ext_cbs = {.destroy = pcb_gone};

static int
rxq_grow(struct inet_sock *is)
{
	unsigned cap = is->rxq_cap ? is->rxq_cap * 2 : 8;
	struct pbuf **q = kmalloc(sizeof(*q) * cap);

	if (!q)
		return -ENOMEM;
	for (unsigned i = 0; i < is->rxq_n; i++)
		q[i] = is->rxq[(is->rxq_head + i) % is->rxq_cap];
	kfree(is->rxq);
	is->rxq = q;
	is->rxq_cap = cap;
	is->rxq_head = 0;
	return 0;
}

static void
window_open(struct inet_sock *is, size_t n)
{
	while (is->tcp && n) {
		u16_t k = (u16_t)MIN(n, 0xffffu);
		tcp_recved(is->tcp, k);
		n -= k;
	}
}

/* Quick ACKs as Linux's quickack mode: the first segments of a connection,
 * and the first after it idled longer than its retransmission timeout,
 * are ACKed at once (lwIP ACKs every second one, the odd one on its next
 * 250 ms tick). A sender in slow start, with a window of one segment,
 * otherwise waits out that tick: a host sending to the guest through
 * QEMU's user networking took 0.26 s for its first 3 MiB (50 MB/s after) */
#define QUICKACKS 16

static void
quickack(struct inet_sock *is, struct tcp_pcb *pcb)
{
	uint64_t now = clock_ns();

	if (now - is->rx_last_ns > (uint64_t)pcb->rto * TCP_SLOW_INTERVAL * 1000000ull)
		is->quickacks = 0;
	is->rx_last_ns = now;
	if (is->quickacks < QUICKACKS) {
		is->quickacks++;
		tcp_ack_now(pcb); /* tcp_input sends it after this callback */
	}
}

static err_t
recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct inet_sock *is = arg;

	(void)err;
	if (!p) {
		is->fin = true;
		poll_wake(&is->head, POLLIN | POLLRDHUP);
		return ERR_OK;
	}
	if (is->shut & RCV_SHUT) { /* nobody will read it: take it, as Linux discards it */
		is->bytes_received += p->tot_len;
		window_open(is, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	if (is->rxq_n == is->rxq_cap && rxq_grow(is))
		return ERR_MEM; /* lwIP keeps it and offers it again */
	quickack(is, pcb);
	is->rxq[(is->rxq_head + is->rxq_n++) % is->rxq_cap] = p;
	is->rx_len += p->tot_len;
	is->bytes_received += p->tot_len;
	poll_wake(&is->head, POLLIN);
	return ERR_OK;
}

/* RFC 6298's smoothing, as Linux's tcp_rtt_estimator reports it */
static void
rtt_sample(struct inet_sock *is, uint32_t us)
{
	if (!us)
		us = 1;
	if (!is->srtt_us) {
		is->srtt_us = us;
		is->rttvar_us = us / 2;
		return;
	}
	uint32_t d = us > is->srtt_us ? us - is->srtt_us : is->srtt_us - us;
	is->rttvar_us = is->rttvar_us - is->rttvar_us / 4 + d / 4;
	is->srtt_us = is->srtt_us - is->srtt_us / 8 + us / 8;
}

static err_t
sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct inet_sock *is = arg;

	is->bytes_acked += len;
	if (is->rtt_seq && TCP_SEQ_GEQ(pcb->lastack, is->rtt_seq)) {
		rtt_sample(is, (uint32_t)((clock_ns() - is->rtt_sent_ns) / 1000));
		is->rtt_seq = 0;
	}
	poll_wake(&is->head, POLLOUT);
	return ERR_OK;
}

static void
err_cb(void *arg, err_t err)
{
	struct inet_sock *is = arg;

	if (!is)
		return;
	is->tcp = NULL;
	if (err != ERR_CLSD) {
		if (is->state == IS_CONNECTING)
			is->err = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
		else
			is->err = err == ERR_RST ? ECONNRESET : ETIMEDOUT;
	}
	is->state = IS_CLOSED;
	is->fin = true; /* Linux's tcp_done: nothing more will come */
	poll_wake(&is->head, POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP);
}

static err_t
connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct inet_sock *is = arg;

	(void)err;
	is->state = IS_CONNECTED;
	is->wasconn = true;
	is->laddr = pcb->local_ip;
	is->lport = pcb->local_port;
	poll_wake(&is->head, POLLOUT);
	return ERR_OK;
}

static void
attach(struct inet_sock *is, struct tcp_pcb *pcb)
{
	is->tcp = pcb;
	tcp_arg(pcb, is);
	if (pcb->state != LISTEN) {
		tcp_recv(pcb, recv_cb);
		tcp_sent(pcb, sent_cb);
		tcp_err(pcb, err_cb);
	}
	tcp_ext_arg_set_callbacks(pcb, (u8_t)ext_id, &ext_cbs);
	tcp_ext_arg_set(pcb, (u8_t)ext_id, is);
}

/* the PCB no longer tells the socket anything; lwIP's defaults take what
 * still arrives (tcp_recv_null closes) */
static struct tcp_pcb *
detach(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->tcp;

	is->tcp = NULL;
	if (!pcb)
		return NULL;
	tcp_arg(pcb, NULL);
	tcp_ext_arg_set(pcb, (u8_t)ext_id, NULL);
	if (pcb->state != LISTEN) {
		tcp_recv(pcb, NULL);
		tcp_sent(pcb, NULL);
		tcp_err(pcb, NULL);
	}
	return pcb;
}

void
inet_tcp_apply(struct inet_sock *is)
{
	struct tcp_pcb *pcb = is->tcp;

	if (!pcb)
		return;
	if (is->reuseaddr || is->reuseport)
		ip_set_option(pcb, SOF_REUSEADDR);
	else
		ip_reset_option(pcb, SOF_REUSEADDR);
	if (is->keepalive)
		ip_set_option(pcb, SOF_KEEPALIVE);
	else
		ip_reset_option(pcb, SOF_KEEPALIVE);
	pcb->tos = (u8_t)is->tos;
	pcb->ttl = (u8_t)(is->ttl < 0 ? TCP_TTL : is->ttl);
	if (pcb->state == LISTEN)
		return;
	if (is->nodelay)
		tcp_nagle_disable(pcb);
	else
		tcp_nagle_enable(pcb);
	pcb->keep_idle = is->keepidle * 1000;
	pcb->keep_intvl = is->keepintvl * 1000;
	pcb->keep_cnt = is->keepcnt;
}

int
inet_tcp_create(struct inet_sock *is)
{
	struct tcp_pcb *pcb;

	if (ext_id < 0)
		ext_id = tcp_ext_arg_alloc_id();
	pcb = tcp_new_ip_type(is->family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
	if (!pcb)
		return -ENOMEM;
	attach(is, pcb);
	inet_tcp_apply(is);
	return 0;
}

/* --- listeners --- */
static struct inet_sock *
group_pick(struct inet_sock *owner)
{
	struct reuse_group *g = owner->group;
	struct list_node *n;
	unsigned i = 0, want;

	if (!g)
		return owner->state == IS_LISTEN ? owner : NULL;
	want = g->next++ % (unsigned)g->nmembers;
	for (int round = 0; round < 2; round++)
		list_for_each(n, &g->members)
		{
			struct inet_sock *m = list_entry(n, struct inet_sock, gmember);
			if (m->state == IS_LISTEN && !(m->shut & RCV_SHUT) &&
			    (round || i++ >= want))
				return m;
		}
	return NULL;
}

static err_t
accept_cb(void *arg, struct tcp_pcb *newpcb, err_t err)
{
	struct inet_sock *owner = arg, *l, *c;

	if (err != ERR_OK || !newpcb)
		return ERR_OK; /* lwIP had no memory for it; the peer sends its SYN again */
	if (!owner || !(l = group_pick(owner)))
		return ERR_VAL; /* lwIP aborts it */
	if (!(c = inet_sock_new(l->family, SOCK_STREAM)))
		return ERR_MEM;
	/* what Linux copies from the listener into its connections */
	c->v6only = l->v6only;
	c->nodelay = l->nodelay;
	c->keepalive = l->keepalive;
	c->keepidle = l->keepidle;
	c->keepintvl = l->keepintvl;
	c->keepcnt = l->keepcnt;
	c->linger = l->linger;
	c->tos = l->tos;
	c->ttl = l->ttl;
	c->state = IS_CONNECTED;
	c->wasconn = true;
	c->bound = true;
	c->laddr = newpcb->local_ip;
	c->lport = newpcb->local_port;
	attach(c, newpcb);
	inet_tcp_apply(c);
	tcp_backlog_delayed(newpcb); /* counts against the backlog until accept() */
	c->listener = l;
	list_add_tail(&l->acceptq, &c->qlink);
	l->nq++;
	poll_wake(&l->head, POLLIN);
	return ERR_OK;
}

/* each segment before lwIP's state machine (net_hooks.h, from
 * net/netif.c's hook), with the core lock held; anything but ERR_OK drops
 * it. At a listener, two things Linux does and lwIP does not:
 * - a SYN with FIN is discarded (Linux's tcp_rcv_state_process in
 *   LISTEN); lwIP would answer it with a SYN-ACK;
 * - lwIP counts half-open connections (SYN-RCVD) against the backlog
 *   together with the established ones accept() has not taken, so a SYN
 *   flood fills it and every SYN after is dropped until the half-open ones
 *   time out (20 s and more): a flood of 130 SYNs stops the server. Linux
 *   keeps the half-open ones in a SYN queue of their own and answers with
 *   SYN cookies when it overflows. Here a SYN to a full listener evicts
 *   the listener's oldest half-open connection, silently (the flood's
 *   source addresses are forged: no RST to them), once that one has
 *   waited two seconds or more for its handshake's ACK
 *   (HALF_OPEN_STALE_TICKS). A burst of real clients (1,000 connects at
 *   once on loopback) completes its handshakes sooner, so its SYNs are
 *   dropped and sent again instead, as Linux does at a full accept queue;
 *   evicting young ones reset connections their clients thought made.
 *   XXX: not SYN cookies: under a flood a new SYN waits up to two seconds
 *   (its client's retries) for an evictable entry, and a client whose
 *   handshake takes longer than that is evicted in turn. The search walks
 *   lwIP's active list, only while the backlog is full; new PCBs go to its
 *   front, so the last match is the oldest. */
#define HALF_OPEN_STALE_TICKS 4 /* lwIP's slow ticks, 500 ms each */
err_t
net_tcp_listen_in(struct tcp_pcb *pcb, const struct tcp_hdr *hdr)
{
	struct tcp_pcb_listen *lpcb = (struct tcp_pcb_listen *)pcb;
	struct tcp_pcb *oldest = NULL;
	u16_t flags = TCPH_FLAGS(hdr);

	if (pcb->state != LISTEN || (flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return ERR_OK;
	if (flags & TCP_FIN)
		return ERR_ABRT;
	if (lpcb->accepts_pending < lpcb->backlog)
		return ERR_OK;
	for (struct tcp_pcb *q = tcp_active_pcbs; q; q = q->next)
		if (q->state == SYN_RCVD && q->listener == lpcb)
			oldest = q;
	if (oldest && tcp_ticks - oldest->tmr >= HALF_OPEN_STALE_TICKS)
		tcp_abandon(oldest, 0);
	return ERR_OK;
}

/* total backlog of the listeners sharing one lwIP PCB (Linux queues
 * backlog + 1 connections) */
static void
backlog_update(struct inet_sock *owner)
{
	int total = 0;

	if (!owner->tcp)
		return;
	if (owner->group) {
		struct list_node *n;
		list_for_each(n, &owner->group->members)
		{
			struct inet_sock *m = list_entry(n, struct inet_sock, gmember);
			if (m->state == IS_LISTEN)
				total += m->backlog + 1;
		}
	} else {
		total = owner->backlog + 1;
	}
	u8_t b = (u8_t)MIN(MAX(total, 1), LWIP_BACKLOG_MAX);

	tcp_backlog_set(owner->tcp, b);
}

/* a listening SO_REUSEPORT socket on the same address and port */
static struct inet_sock *
reuse_peer(struct inet_sock *is)
{
	struct list_node *n;

	list_for_each(n, &inet_all)
	{
		struct inet_sock *o = list_entry(n, struct inet_sock, all);
		if (o == is || o->type != SOCK_STREAM || o->family != is->family ||
		    o->state != IS_LISTEN || !o->reuseport || o->lport != is->lport ||
		    !ip_addr_cmp(&o->laddr, &is->laddr))
			continue;
		return o->group ? o->group->owner : o;
	}
	return NULL;
}

static int
group_join(struct inet_sock *owner, struct inet_sock *is)
{
	struct reuse_group *g = owner->group;

	if (!g) {
		if (!(g = kzalloc(sizeof(*g))))
			return -ENOMEM;
		list_init(&g->members);
		g->owner = owner;
		owner->group = g;
		list_add_tail(&g->members, &owner->gmember);
		g->nmembers = 1;
	}
	list_add_tail(&g->members, &is->gmember);
	g->nmembers++;
	is->group = g;
	return 0;
}

/* is leaves its group; when it held the listening PCB, another member
 * takes it (NULL returned), else the PCB is returned for closing */
static struct tcp_pcb *
group_leave(struct inet_sock *is)
{
	struct reuse_group *g = is->group;
	struct tcp_pcb *pcb;

	if (!g)
		return detach(is);
	list_del(&is->gmember);
	is->group = NULL;
	if (--g->nmembers == 0) {
		kfree(g);
		return detach(is);
	}
	if (g->owner != is)
		return NULL;
	struct inet_sock *heir = list_entry(g->members.next, struct inet_sock, gmember);
	pcb = detach(is);
	g->owner = heir;
	if (pcb) {
		attach(heir, pcb);
		tcp_accept(pcb, accept_cb);
		backlog_update(heir);
	}
	if (g->nmembers == 1) {
		heir->group = NULL;
		list_del(&heir->gmember);
		kfree(g);
	}
	return NULL;
}

/* A local port for a PCB that has none (connect unbound; bind or listen
 * to port 0): the next free one after the last given in
 * ip_local_port_range (net/inet_port.c), as lwIP's own tcp_new_port
 * picks in its fixed range; 0 when every one is taken. lwIP's search
 * starts its walk of every PCB list again for each port it finds taken:
 * once the range is full, one connect walks the lists 16,384 times,
 * minutes under TCG with 16,000 connections, the core lock held (the
 * stack stops). Here one walk marks the taken ports in a bitmap. Ports
 * are taken whatever the local address, as lwIP counts them (Linux lets
 * connects to different peers share one: here the range is the most
 * connections, not the most per peer). */
static u16_t
ephemeral_port(void)
{
	static uint32_t taken[INET_PORT_WORDS]; /* under the core lock */
	static unsigned next;

	memset(taken, 0, sizeof(taken));
	for (int i = 0; i < NUM_TCP_PCB_LISTS; i++)
		/* listen PCBs start as tcp_pcbs do (lwIP walks them so too) */
		for (struct tcp_pcb *p = *tcp_pcb_lists[i]; p; p = p->next)
			taken[p->local_port / 32] |= 1u << (p->local_port % 32);
	return (u16_t)inet_port_pick(taken, &next);
}

/* lwIP's tcp_bind, with port 0 drawn by ephemeral_port; ERR_BUF when no
 * port is left */
static err_t
bind_pcb(struct tcp_pcb *pcb, const ip_addr_t *ip, u16_t port)
{
	if (!port && !(port = ephemeral_port()))
		return ERR_BUF;
	return tcp_bind(pcb, ip, port);
}

/* --- the ops --- */
static int
tcp_bind_op(struct socket *s, const void *addr, int len)
{
	struct inet_sock *is = s->s_priv;
	ip_addr_t ip;
	uint16_t port;
	int r = inet_addr_in(is, addr, len, &ip, &port, true);

	if (r)
		return r;
	inet_lock();
	if (is->bound || is->state != IS_NEW || !is->tcp)
		r = -EINVAL;
	else if (!(r = inet_local_ok(&ip, false)))
		r = inet_errno(bind_pcb(is->tcp, &ip, port));
	if (r == -ENOBUFS)
		r = -EADDRINUSE; /* no port left */
	if (!r) {
		is->bound = true;
		is->laddr = is->tcp->local_ip;
		is->lport = is->tcp->local_port;
	}
	inet_unlock();
	return r;
}

static int
tcp_listen_op(struct socket *s, int backlog)
{
	struct inet_sock *is = s->s_priv, *owner;
	struct tcp_pcb *lpcb;
	err_t e = ERR_OK;
	int r = 0;

	inet_lock();
	if (is->state == IS_LISTEN) {
		is->backlog = backlog;
		backlog_update(is->group ? is->group->owner : is);
		goto out;
	}
	if (is->state != IS_NEW || !is->tcp) {
		r = -EINVAL;
		goto out;
	}
	if (!is->bound) {
		if ((r = inet_errno(bind_pcb(
		         is->tcp, is->family == AF_INET ? IP4_ADDR_ANY : IP_ANY_TYPE, 0)))) {
			if (r == -ENOBUFS)
				r = -EADDRINUSE; /* no port left, as Linux's autobind says */
			goto out;
		}
		is->laddr = is->tcp->local_ip;
		is->lport = is->tcp->local_port;
		is->bound = true;
	}
	if (is->reuseport && (owner = reuse_peer(is))) {
		if ((r = group_join(owner, is)))
			goto out;
		tcp_close(detach(is)); /* a bound PCB: freed at once */
		is->backlog = backlog;
		is->state = IS_LISTEN;
		backlog_update(owner);
		goto out;
	}
	tcp_ext_arg_set(is->tcp, (u8_t)ext_id, NULL); /* the old PCB's free is no news */
	lpcb =
	    tcp_listen_with_backlog_and_err(is->tcp, (u8_t)MIN(backlog + 1, LWIP_BACKLOG_MAX), &e);
	if (!lpcb) {
		tcp_ext_arg_set(is->tcp, (u8_t)ext_id, is);
		r = e == ERR_USE ? -EADDRINUSE : inet_errno(e);
		goto out;
	}
	attach(is, lpcb);
	tcp_accept(lpcb, accept_cb);
	is->backlog = backlog;
	is->state = IS_LISTEN;
out:
	inet_unlock();
	return r;
}

static int
tcp_accept_op(struct socket *s, struct socket *ns, bool nonblock)
{
	struct inet_sock *is = s->s_priv, *c;
	struct inet_wait w;
	bool waiting = false;
	uint64_t deadline = sock_deadline(s->s_rcvtimeo);
	int r = 0;

	inet_lock();
	for (;;) {
		if (is->state != IS_LISTEN || (is->shut & RCV_SHUT)) {
			r = -EINVAL;
			break;
		}
		if (!list_empty(&is->acceptq))
			break;
		if (nonblock) {
			r = -EAGAIN;
			break;
		}
		if (!waiting) {
			inet_wait_begin(&w, is, POLLIN | POLLHUP);
			waiting = true;
		}
		if ((r = inet_wait(&w, deadline, s->s_rcvtimeo)))
			break;
	}
	if (waiting)
		inet_wait_end(&w);
	if (!r) {
		c = list_entry(is->acceptq.next, struct inet_sock, qlink);
		list_del(&c->qlink);
		is->nq--;
		c->listener = NULL;
		if (c->tcp)
			tcp_backlog_accepted(c->tcp);
		c->sock = ns;
		ns->s_ino = c->ino;
		ns->s_ops = &inet_tcp_ops;
		ns->s_priv = c;
	}
	inet_unlock();
	return r;
}

static int
tcp_connect_op(struct socket *s, const void *addr, int len, bool nonblock)
{
	struct inet_sock *is = s->s_priv;
	struct inet_wait w;
	bool waiting = false;
	uint64_t deadline = sock_deadline(s->s_sndtimeo);
	ip_addr_t ip;
	uint16_t port;
	int r = inet_addr_in(is, addr, len, &ip, &port, false);

	if (r)
		return r;
	inet_lock();
	if (is->state == IS_CONNECTING) {
		r = -EALREADY;
		goto out;
	}
	if (is->inprogress) { /* Linux: the connect after EINPROGRESS tells how it went */
		is->inprogress = false;
		if (is->state == IS_CONNECTED)
			goto out;
		if (is->state == IS_CLOSED && is->err) {
			r = -is->err;
			is->err = 0;
			goto out;
		}
	}
	if (is->state == IS_CONNECTED || is->state == IS_LISTEN ||
	    (is->state == IS_CLOSED && is->wasconn)) {
		r = -EISCONN;
		goto out;
	}
	if (!is->tcp) { /* a connect that failed: Linux lets it try again */
		struct tcp_pcb *pcb =
		    tcp_new_ip_type(is->family == AF_INET ? IPADDR_TYPE_V4 : IPADDR_TYPE_ANY);
		if (!pcb) {
			r = -ENOMEM;
			goto out;
		}
		attach(is, pcb);
		inet_tcp_apply(is);
		is->state = IS_NEW;
		is->err = 0;
		is->fin = false;
		is->shut = 0;
	}
	if (ip_addr_isany(&ip)) { /* Linux: the unspecified address is this host */
		ip_addr_set_loopback(!IP_IS_V4(&ip), &ip);
	}
	/* an unbound PCB's port: ours, not tcp_connect's tcp_new_port; bound
	 * as tcp_bind would (its address left as it is), so that tcp_connect
	 * moves it from the bound list to the active one */
	bool drawn = false;
	if (!is->tcp->local_port) {
		if (!(is->tcp->local_port = ephemeral_port())) {
			r = -EADDRNOTAVAIL; /* every local port taken */
			goto out;
		}
		TCP_REG(&tcp_bound_pcbs, is->tcp);
		drawn = true;
	}
	err_t e = tcp_connect(is->tcp, &ip, port, connected_cb);
	if (e && drawn) { /* unbound again: the next try draws again */
		TCP_RMV(&tcp_bound_pcbs, is->tcp);
		is->tcp->local_port = 0;
	}
	if (e) {
		r = e == ERR_USE || e == ERR_BUF ? -EADDRNOTAVAIL : inet_errno(e);
		goto out;
	}
	is->state = IS_CONNECTING;
	is->bound = true;
	is->laddr = is->tcp->local_ip;
	is->lport = is->tcp->local_port;
	if (nonblock) {
		is->inprogress = true;
		r = -EINPROGRESS;
		goto out;
	}
	while (is->state == IS_CONNECTING) {
		if (!waiting) {
			inet_wait_begin(&w, is, POLLOUT | POLLERR | POLLHUP);
			waiting = true;
		}
		if ((r = inet_wait(&w, deadline, s->s_sndtimeo))) {
			if (r == -EAGAIN)
				r = -EINPROGRESS; /* SO_SNDTIMEO ran out: it goes on, as Linux */
			is->inprogress = true;
			break;
		}
	}
	if (waiting)
		inet_wait_end(&w);
	if (!r && is->state != IS_CONNECTED) {
		r = is->err ? -is->err : -ECONNREFUSED;
		is->err = 0;
	}
out:
	inet_unlock();
	return r;
}

static void rx_drop(struct inet_sock *is);

/* a listener stops (close, or shutdown's SHUT_RD): the connections nobody
 * accepted are reset, as Linux's inet_csk_listen_stop, and the listening
 * PCB closed (or handed to another SO_REUSEPORT member) */
static void
listener_stop(struct inet_sock *is)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &is->acceptq)
	{
		struct inet_sock *c = list_entry(n, struct inet_sock, qlink);
		struct tcp_pcb *pcb = detach(c);
		list_del(&c->qlink);
		rx_drop(c);
		if (pcb)
			tcp_abort(pcb);
		inet_sock_free(c);
	}
	is->nq = 0;
	struct tcp_pcb *lpcb = group_leave(is);
	if (lpcb)
		tcp_close(lpcb);
}

static int
tcp_shutdown_op(struct socket *s, int how)
{
	struct inet_sock *is = s->s_priv;
	int bits = inet_shut_bits(how);
	int r = 0;

	inet_lock();
	if (is->state == IS_LISTEN) {
		/* Linux disconnects a listener shut for reading: it stops, and
		 * polls POLLOUT|POLLHUP; accept() fails (EINVAL). Before, ours
		 * kept queueing connections and polled POLLIN for them while
		 * accept() failed: an event loop spun (tests/fuzz/net's check).
		 * XXX: Linux lets it listen() again; here that is EINVAL */
		if (bits & RCV_SHUT) {
			listener_stop(is);
			is->state = IS_CLOSED;
		}
	} else if (is->state != IS_CONNECTED && is->state != IS_CONNECTING &&
	           !(is->state == IS_CLOSED && is->lport)) {
		r = -ENOTCONN;
	} else {
		if ((bits & SEND_SHUT) && !(is->shut & SEND_SHUT) && is->tcp &&
		    is->state == IS_CONNECTED)
			r = inet_errno(
			    tcp_shutdown(is->tcp, 0, 1)); /* a FIN after what is queued */
		if (!r)
			is->shut |= bits;
	}
	if (!r)
		poll_wake(&is->head, POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
	inet_unlock();
	return r;
}

static int
tcp_getname(struct socket *s, void *addr, bool peer)
{
	struct inet_sock *is = s->s_priv;
	int r;

	inet_lock();
	if (peer) {
		if (is->state != IS_CONNECTED || !is->tcp)
			r = -ENOTCONN;
		else
			r = inet_addr_out(is, &is->tcp->remote_ip, is->tcp->remote_port, addr);
	} else {
		r = inet_addr_out(is, &is->laddr, is->lport, addr);
	}
	inet_unlock();
	return r;
}

static long
tcp_sendmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct inet_sock *is = s->s_priv;
	struct inet_wait w;
	bool waiting = false;
	uint64_t deadline = sock_deadline(s->s_sndtimeo);
	size_t len = m->len, sent = 0;
	long r = 0;
	uint8_t *buf;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP; /* XXX: no urgent data */
	buf = kmalloc(MAX(MIN(len, (size_t)SEND_CHUNK), 1));
	if (!buf)
		return -ENOMEM;
	inet_lock();
	for (;;) {
		if (is->err) {
			r = -is->err;
			is->err = 0;
			break;
		}
		if (is->shut & SEND_SHUT) {
			r = -EPIPE;
			break;
		}
		if (is->state != IS_CONNECTING && (is->state != IS_CONNECTED || !is->tcp)) {
			r = -EPIPE; /* as Linux's sk_stream_wait_connect */
			break;
		}
		if (sent == len)
			break;
		struct tcp_pcb *pcb = is->tcp;
		size_t room =
		    is->state == IS_CONNECTED && tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN - 2
		        ? pcb->snd_buf
		        : 0;
		if (room) {
			size_t n = MIN(MIN(len - sent, room), (size_t)SEND_CHUNK);
			bool more = sent + n < len || (flags & MSG_MORE) || is->cork;
			if (sock_msg_copyin(m, buf, n)) {
				r = -EFAULT;
				break;
			}
			err_t e = tcp_write(pcb, buf, (u16_t)n,
			                    TCP_WRITE_FLAG_COPY | (more ? TCP_WRITE_FLAG_MORE : 0));
			if (e == ERR_OK) {
				if (!is->rtt_seq) {
					is->rtt_seq = pcb->snd_lbb;
					is->rtt_sent_ns = clock_ns();
				}
				sent += n;
				continue;
			}
			m->done -= n;
			if (e != ERR_MEM || (!pcb->unsent && !pcb->unacked)) {
				r = e == ERR_MEM ? -ENOMEM : inet_errno(e);
				break;
			}
		}
		/* full: what is queued goes out, and the ACKs make room */
		if (is->tcp && is->state == IS_CONNECTED)
			tcp_output(is->tcp);
		if (nonblock) {
			r = -EAGAIN;
			break;
		}
		if (!waiting) {
			inet_wait_begin(&w, is, POLLOUT | POLLERR | POLLHUP);
			waiting = true;
		}
		if ((r = inet_wait(&w, deadline, s->s_sndtimeo)))
			break;
	}
	if (waiting)
		inet_wait_end(&w);
	if (sent && is->tcp && !(flags & MSG_MORE) && !is->cork)
		tcp_output(is->tcp);
	inet_unlock();
	kfree(buf);
	return sent ? (long)sent : r;
}

/* up to n queued bytes to the app (discard: dropped, as MSG_TRUNC);
 * consumed unless peek. The bytes moved, or -EFAULT when none */
static long
rx_take(struct inet_sock *is, struct sock_msg *m, size_t n, bool peek, bool discard)
{
	size_t off = is->rx_off, done = 0;
	unsigned i = 0;

	while (done < n && i < is->rxq_n) {
		struct pbuf *c = is->rxq[(is->rxq_head + i) % is->rxq_cap];
		size_t k = MIN((size_t)c->tot_len - off, n - done);
		if (!discard && inet_pbuf_copyout(m, c, off, k)) {
			if (!done)
				return -EFAULT;
			break;
		}
		done += k;
		off += k;
		if (off < c->tot_len)
			break;
		off = 0;
		if (peek) {
			i++;
		} else {
			pbuf_free(c);
			is->rxq_head = (is->rxq_head + 1) % is->rxq_cap;
			is->rxq_n--;
		}
	}
	if (!peek) {
		is->rx_off = off;
		is->rx_len -= done;
		window_open(is, done);
	}
	return (long)done;
}

static long
tcp_recvmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct inet_sock *is = s->s_priv;
	struct inet_wait w;
	bool waiting = false;
	uint64_t deadline = sock_deadline(s->s_rcvtimeo);
	size_t len = m->len, got = 0;
	long r = 0;

	if (flags & MSG_OOB)
		return -EINVAL; /* Linux: no urgent byte waits */
	inet_lock();
	for (;;) {
		if (is->state == IS_LISTEN || (is->state == IS_NEW)) {
			r = -ENOTCONN;
			break;
		}
		if (is->rx_len && got < len) {
			long k = rx_take(is, m, len - got, flags & MSG_PEEK, flags & MSG_TRUNC);
			if (k < 0) {
				r = k;
				break;
			}
			got += (size_t)k;
			if (!(flags & MSG_WAITALL) || (flags & MSG_PEEK) || got == len)
				break;
			continue;
		}
		if (got == len)
			break;
		if (is->err) {
			if (!got) {
				r = -is->err;
				is->err = 0;
			}
			break;
		}
		if (is->fin || (is->shut & RCV_SHUT) || is->state == IS_CLOSED)
			break;
		if (got && !(flags & MSG_WAITALL))
			break;
		if (nonblock) {
			r = -EAGAIN;
			break;
		}
		if (!waiting) {
			inet_wait_begin(&w, is, POLLIN | POLLERR | POLLHUP | POLLRDHUP);
			waiting = true;
		}
		if ((r = inet_wait(&w, deadline, s->s_rcvtimeo)))
			break;
	}
	if (waiting)
		inet_wait_end(&w);
	inet_unlock();
	return got ? (long)got : r;
}

int
inet_tcp_poll(struct inet_sock *is)
{
	int r = 0;

	if (is->state == IS_LISTEN)
		return list_empty(&is->acceptq) ? 0 : POLLIN | POLLRDNORM;
	if (is->err)
		r |= POLLERR;
	bool rd_done = is->fin || (is->shut & RCV_SHUT);
	if (is->state == IS_CLOSED || (rd_done && (is->shut & SEND_SHUT)))
		r |= POLLHUP;
	if (rd_done)
		r |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (is->rx_len)
		r |= POLLIN | POLLRDNORM;
	if (is->state != IS_CONNECTING) {
		struct tcp_pcb *pcb = is->tcp;
		if (is->state != IS_CONNECTED || !pcb || (is->shut & SEND_SHUT) ||
		    (pcb->snd_buf >= TCP_SND_BUF / 4 &&
		     tcp_sndqueuelen(pcb) < TCP_SND_QUEUELEN / 2))
			r |= POLLOUT | POLLWRNORM;
	}
	return r;
}

int
inet_tcp_inq(struct inet_sock *is)
{
	return is->state == IS_LISTEN ? -EINVAL : (int)is->rx_len;
}

int
inet_tcp_outq(struct inet_sock *is)
{
	if (is->state == IS_LISTEN)
		return -EINVAL;
	return is->tcp && is->state == IS_CONNECTED ? (int)(TCP_SND_BUF - is->tcp->snd_buf) : 0;
}

/* Linux's struct tcp_info (include/uapi/linux/tcp.h, 6.1): the fields we
 * have figures for; the rest stay 0 */
struct linux_tcp_info {
	uint8_t state, ca_state, retransmits, probes, backoff, options, wscale, app_limited;
	uint32_t rto, ato, snd_mss, rcv_mss;
	uint32_t unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
	uint32_t rcv_rtt, rcv_space, total_retrans;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
	uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
	uint32_t delivered, delivered_ce;
	uint64_t bytes_sent, bytes_retrans;
	uint32_t dsack_dups, reord_seen, rcv_ooopack, snd_wnd;
};

/* lwIP's states in Linux's numbers (TCP_ESTABLISHED 1 .. TCP_CLOSING 11) */
static uint8_t
linux_state(struct inet_sock *is)
{
	static const uint8_t map[] = {
	    [CLOSED] = 7,      [LISTEN] = 10,    [SYN_SENT] = 2,   [SYN_RCVD] = 3,
	    [ESTABLISHED] = 1, [FIN_WAIT_1] = 4, [FIN_WAIT_2] = 5, [CLOSE_WAIT] = 8,
	    [CLOSING] = 11,    [LAST_ACK] = 9,   [TIME_WAIT] = 6,
	};
	if (is->state == IS_LISTEN)
		return 10;
	if (!is->tcp)
		return 7;
	return map[is->tcp->state];
}

int
inet_tcp_info(struct inet_sock *is, void *val)
{
	struct linux_tcp_info ti = {0};
	struct tcp_pcb *pcb = is->state != IS_LISTEN ? is->tcp : NULL;

	_Static_assert(sizeof(ti) == 232, "struct tcp_info is Linux 6.1's");
	ti.state = linux_state(is);
	ti.rtt = is->srtt_us;
	ti.rttvar = is->rttvar_us;
	ti.bytes_acked = is->bytes_acked;
	ti.bytes_received = is->bytes_received;
	if (pcb) {
		struct tcp_seg *sg;
		ti.retransmits = pcb->nrtx;
		ti.rto = (uint32_t)pcb->rto * TCP_SLOW_INTERVAL * 1000;
		ti.snd_mss = ti.rcv_mss = ti.advmss = pcb->mss;
		ti.pmtu = pcb->mss + 40;
		for (sg = pcb->unacked; sg; sg = sg->next)
			ti.unacked++;
		for (sg = pcb->unsent; sg; sg = sg->next)
			ti.notsent_bytes += sg->len;
		ti.snd_cwnd = pcb->mss ? pcb->cwnd / pcb->mss : 0;
		ti.snd_ssthresh = pcb->mss ? pcb->ssthresh / pcb->mss : 0;
		ti.snd_wnd = pcb->snd_wnd;
		ti.rcv_space = pcb->rcv_wnd;
#if LWIP_WND_SCALE
		if (pcb->flags & TF_WND_SCALE) {
			ti.options |= 4; /* TCPI_OPT_WSCALE */
			ti.wscale = (uint8_t)((pcb->snd_scale & 0xf) | (pcb->rcv_scale << 4));
		}
#endif
	}
	memcpy(val, &ti, sizeof(ti));
	return sizeof(ti);
}

static void
rx_drop(struct inet_sock *is)
{
	while (is->rxq_n) {
		pbuf_free(is->rxq[is->rxq_head]);
		is->rxq_head = (is->rxq_head + 1) % is->rxq_cap;
		is->rxq_n--;
	}
	is->rx_len = 0;
}

/* a connection's end when its socket goes: Linux's tcp_close. Unread
 * data or SO_LINGER 0: a reset; SO_LINGER N: wait up to N s for what was
 * sent to be acknowledged; else the FIN goes after what is queued, and
 * lwIP finishes the close alone */
static void
close_conn(struct inet_sock *is)
{
	if (is->tcp && is->linger > 0 && is->state == IS_CONNECTED) {
		struct inet_wait w;
		uint64_t deadline = clock_ns() + (uint64_t)is->linger * 1000000000ull;
		tcp_output(is->tcp);
		inet_wait_begin(&w, is, POLLOUT | POLLHUP | POLLERR);
		while (is->tcp && (is->tcp->unsent || is->tcp->unacked) &&
		       !inet_wait(&w, deadline, 1))
			;
		inet_wait_end(&w);
	}
	bool unread = is->rx_len > 0;
	struct tcp_pcb *pcb = detach(is);
	rx_drop(is);
	if (!pcb)
		return;
	if (unread || is->linger == 0 || tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

static void
tcp_release(struct socket *s)
{
	struct inet_sock *is = s->s_priv;

	inet_lock();
	if (is->state == IS_LISTEN)
		listener_stop(is);
	else
		close_conn(is);
	inet_sock_free(is);
	inet_unlock();
}

const struct sock_ops inet_tcp_ops = {
    .bind = tcp_bind_op,
    .connect = tcp_connect_op,
    .listen = tcp_listen_op,
    .accept = tcp_accept_op,
    .shutdown = tcp_shutdown_op,
    .getname = tcp_getname,
    .sendmsg = tcp_sendmsg,
    .recvmsg = tcp_recvmsg,
    .poll = inet_poll_op,
    .getsockopt = inet_getsockopt,
    .setsockopt = inet_setsockopt,
    .ioctl = inet_ioctl_op,
    .release = tcp_release,
};

/* --- how many in TIME-WAIT (net_impl.h) --- */

/* Linux's tcp_max_tw_buckets is half its established hash, which it sizes
 * at one entry per 32 KiB of memory below 512 MiB (4096 at 128 MiB: 2048
 * in TIME-WAIT). We keep that rule at every size: Linux finds a
 * connection by hash, lwIP walks a list, so more would cost each segment */
#define TW_MIN 256
#define TW_MAX 65536
/* atomic: what /proc/sys wrote (below 0 as 0), when tw_set */
static int tw_max;
static bool tw_set;

static int
tw_bound(void)
{
	if (__atomic_load_n(&tw_set, __ATOMIC_ACQUIRE))
		return __atomic_load_n(&tw_max, __ATOMIC_RELAXED);
	return (int)MIN(MAX(frame_total_bytes() / (64 * 1024), (uint64_t)TW_MIN), (uint64_t)TW_MAX);
}

size_t
net_proc_tw_max(char *b, size_t size)
{
	return MIN((size_t)fmt_snprintf(b, size, "%d\n", tw_bound()), size);
}

long
net_set_tw_max(const char *buf, size_t len)
{
	int v = tw_bound();
	long n = parse_sysctl_ints(buf, len, &v, 1, -0x7fffffff - 1, 0x7fffffff);

	if (n > 0) {
		__atomic_store_n(&tw_max, v, __ATOMIC_RELAXED);
		__atomic_store_n(&tw_set, true, __ATOMIC_RELEASE);
	}
	return n;
}

void
net_tcp_tw_trim(void)
{
	int max = tw_bound(), n = 0;
	struct tcp_pcb **link = &tcp_tw_pcbs, *pcb;

	/* lwIP puts each new one first: the oldest are at the end */
	while (*link && n < max) {
		link = &(*link)->next;
		n++;
	}
	pcb = *link;
	*link = NULL;
	while (pcb) {
		struct tcp_pcb *next = pcb->next;

		tcp_pcb_purge(pcb);
		tcp_free(pcb);
		pcb = next;
	}
}

/* --- a new SYN on a connection in TIME-WAIT (net_hooks.h) --- */
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

static void
tw_reuse(const ip_addr_t *src, const ip_addr_t *dst, const uint8_t *tcp)
{
	uint16_t sport = (uint16_t)(tcp[0] << 8 | tcp[1]), dport = (uint16_t)(tcp[2] << 8 | tcp[3]);
	uint32_t seq =
	    (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];

	if ((tcp[13] & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST | TCP_FLAG_FIN)) != TCP_FLAG_SYN)
		return;
	for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb; pcb = pcb->next)
		if (pcb->local_port == dport && pcb->remote_port == sport &&
		    ip_addr_cmp(&pcb->remote_ip, src) && ip_addr_cmp(&pcb->local_ip, dst)) {
			if (TCP_SEQ_GT(seq, pcb->rcv_nxt)) {
				tcp_pcb_remove(&tcp_tw_pcbs, pcb);
				tcp_free(pcb);
			}
			return;
		}
}

int
net_tcp_tw_reuse4(struct pbuf *p)
{
	uint8_t h[60 + 20];
	ip_addr_t src, dst;
	uint32_t a;

	if (!tcp_tw_pcbs || pbuf_copy_partial(p, h, 20, 0) != 20 || h[9] != 6 /* TCP */)
		return 0;
	unsigned ihl = (h[0] & 0xfu) * 4;
	if ((h[6] & 0x3f) | h[7] || ihl < 20 ||
	    pbuf_copy_partial(p, h, (u16_t)(ihl + 20), 0) != ihl + 20)
		return 0; /* a fragment, or too short: lwIP's to judge */
	memcpy(&a, h + 12, 4);
	ip_addr_set_ip4_u32_val(src, a);
	memcpy(&a, h + 16, 4);
	ip_addr_set_ip4_u32_val(dst, a);
	tw_reuse(&src, &dst, h + ihl);
	return 0;
}

int
net_tcp_tw_reuse6(struct pbuf *p)
{
	uint8_t h[40 + 20];
	uint32_t w[4];
	ip_addr_t src, dst;

	if (!tcp_tw_pcbs || pbuf_copy_partial(p, h, sizeof(h), 0) != sizeof(h) || h[6] != 6)
		return 0;
	memcpy(w, h + 8, sizeof(w));
	IP_ADDR6(&src, w[0], w[1], w[2], w[3]);
	memcpy(w, h + 24, sizeof(w));
	IP_ADDR6(&dst, w[0], w[1], w[2], w[3]);
	if (ip6_addr_islinklocal(ip_2_ip6(&src)) || ip6_addr_islinklocal(ip_2_ip6(&dst)))
		return 0; /* XXX: zoned addresses are compared by lwIP with their zone */
	tw_reuse(&src, &dst, h + 40);
	return 0;
}

/* Fuzz the network's receive path: Ethernet frames from the wire into
 * drivers/netdev.c's delivery, our lwIP netif (net/netif.c), lwIP itself
 * with our net/lwipopts.h, and up through the socket layer's callbacks
 * and data path (net/inet.c, inet_tcp.c, inet_udp.c; the interface
 * ioctls of net/ifioctl.c), with lwIP's timers on net/timers.c driven by
 * a fake clock. The kernel pieces under them
 * (locks, the heap, poll heads, the clock, threads) are host stand-ins
 * below; the tcpip thread is emulated by running its mailbox's callbacks
 * (the loopback netif's) after each record.
 *
 * Each input starts from a fresh interface (eth0: 10.0.0.15/24 gw
 * 10.0.0.2, fd00::15 and its link-local address) with sockets made
 * through our socket ops: a dual-stack TCP listener on port 80 and a UDP
 * socket on 53 (bound to ::), and, when the setup byte asks, a client
 * from port 40000 connecting (non-blocking) to 10.0.0.2:8080 or
 * [fd00::2]:8080, so a seed's ARP reply and SYN-ACK make an established
 * connection. The input is a setup byte, then records:
 *   0x80 | flags, len16 (LE), len bytes: a frame. flags: 0x40 the device
 *     validated its checksum (NETDEV_RX_CSUM_VALID), 0x20 the harness
 *     writes correct IPv4 header, ICMP, ICMPv6, TCP and UDP checksums,
 *     0x10 the harness sets a TCP segment's ACK number to the end of what
 *     the stack last sent on that port pair (so seeds need not know the
 *     stack's initial sequence number), 0x08 the device's TX ring is
 *     full while the frame is handled; 0x07: how far the clock moves
 *     after it (1 ms .. 30 s).
 *   0x00..0x7f: an app operation (send, shutdown, close, a UDP reply,
 *     options, the clock, the link; see app_op), its argument bytes
 *     after it.
 * After each record every pending connection is accepted (up to NCONN
 * kept, the others closed at once), every socket polled and read until
 * empty, and the due timers run. At the end everything is closed and
 * the interface removed.
 *
 * Besides the sanitizers and lwIP's own assertions (a panic here), the
 * harness fails when
 * - a socket's poll and a non-blocking read disagree (POLLIN but
 *   -EAGAIN, or data or EOF without POLLIN/POLLHUP/POLLERR), or a read
 *   returns more than was asked; the listener polls POLLIN (without
 *   POLLHUP) once accept has failed (nothing queued, or shut down);
 * - lwIP is called without the core lock (net_assert_core_locked), a
 *   lock is taken twice, or anything would sleep;
 * - once all sockets are closed and the interface removed, a received
 *   frame was never handed back to the driver, a socket (inet_sock) or
 *   a TCP or UDP PCB is left, lwIP's heap (net_mem_used) is not back to
 *   what it was before the first input, or the tcpip thread's mailbox
 *   never empties (the loopback netif ping-ponging forever). */
#include "fuzz.h"

#include "errno.h"
#include "inet_impl.h"
#include "lib.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip4_frag.h"
#include "lwip/ip6_frag.h"
#include "lwip/memp.h"
#include "lwip/nd6.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/priv/tcpip_priv.h"
#include "lwip/tcpip.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "mm.h"
#include "net.h"
#include "net_impl.h"
#include "netdev_driver.h"
#include "poll.h"
#include "sched.h"
#include "sections.h"
#include "socket.h"
#include "sync.h"
#include "uapi/netlink.h"
#include "uapi/poll.h"
#include "uapi/uio.h"

/* ---- the kernel under the network code ---- */

void *
kmalloc(size_t n)
{
	return malloc(n ? n : 1);
}

void *
kzalloc(size_t n)
{
	return calloc(1, n ? n : 1);
}

void
kfree(void *p)
{
	free(p);
}

static uint64_t now_ns = 1000000000ull; /* the fake clock; only moves forward */

uint64_t
clock_ns(void)
{
	return now_ns;
}

/* the guest's memory, as mm would say (tcp_max_tw_buckets' default) */
uint64_t
frame_total_bytes(void)
{
	return 128ull << 20;
}

static uint64_t rng; /* reseeded per input: the same input, the same run */

void
random_bytes(void *buf, size_t n)
{
	uint8_t *b = buf;

	while (n--) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		*b++ = (uint8_t)rng;
	}
}

void
vprintk_level(int level, const char *fmt, va_list ap)
{
	vprintk(fmt, ap);
}

/* one thread: the harness is every thread at once (the app's, the
 * device's, the tcpip thread's), in turn */
static char self_thread;
static struct thread_start_info {
	void *(*fn)(void *);
	void *arg;
} started; /* the tcpip thread, made and never run */

struct thread *
thread_self(void)
{
	return (struct thread *)&self_thread;
}

int
sched_this_cpu(void)
{
	return 0;
}

struct thread *
thread_create(void *(*fn)(void *), void *arg, const char *name, int cpu)
{
	started = (struct thread_start_info){fn, arg};
	return (struct thread *)&started;
}

void
thread_detach(struct thread *t)
{
}

void
mutex_lock(struct mutex *m)
{
	if (m->m_word)
		fuzz_fail("mutex %p taken twice (a deadlock on one thread)", (void *)m);
	m->m_word = 1;
	m->m_owner = thread_self();
}

bool
mutex_trylock(struct mutex *m)
{
	if (m->m_word)
		return false;
	mutex_lock(m);
	return true;
}

void
mutex_unlock(struct mutex *m)
{
	if (!m->m_word)
		fuzz_fail("mutex %p unlocked while free", (void *)m);
	m->m_word = 0;
	m->m_owner = NULL;
}

/* the only mailbox is the tcpip thread's: found by its first signal */
static struct sys_mbox *tcpip_mbox_seen;

void
cond_signal(struct condvar *cv)
{
	struct sys_mbox *mb = (void *)((char *)cv - offsetof(struct sys_mbox, mb_not_empty));

	if (!tcpip_mbox_seen && mb->mb_slots)
		tcpip_mbox_seen = mb;
}

void
cond_broadcast(struct condvar *cv)
{
}

void
cond_wait(struct condvar *cv, struct mutex *m)
{
	fuzz_fail("cond_wait: would sleep forever (a full mailbox?)");
}

bool
cond_wait_until(struct condvar *cv, struct mutex *m, uint64_t deadline)
{
	fuzz_fail("cond_wait_until: would sleep");
}

void
sem_up(struct semaphore *s)
{
	s->s_count++;
}

bool
sem_down_until(struct semaphore *s, uint64_t deadline)
{
	if (!s->s_count)
		fuzz_fail("sem_down_until: would sleep");
	s->s_count--;
	return true;
}

void
waitq_init(struct waitq *wq)
{
	list_init(&wq->wq_list);
}

bool
waitq_wait(struct waitq *wq, bool (*cond)(void *arg), void *arg, uint64_t deadline)
{
	fuzz_fail("waitq_wait: would sleep");
}

void
waitq_wake_all(struct waitq *wq)
{
}

/* poll heads: wake-ups are counted, nobody sleeps */
static uint64_t wakeups;

void
poll_head_init(struct poll_head *h)
{
	list_init(&h->entries);
}

void
poll_wake(struct poll_head *h, int events)
{
	wakeups++;
}

void
poll_sleeper_init(struct poll_sleeper *s)
{
}

void
poll_sleeper_arm(struct poll_sleeper *s)
{
}

void
poll_waiter_add(struct poll_waiter *w, struct poll_sleeper *s, struct poll_head *h, int mask)
{
}

void
poll_waiter_del(struct poll_waiter *w)
{
}

int
poll_sleep(struct poll_sleeper *s, uint64_t deadline)
{
	fuzz_fail("poll_sleep: a non-blocking socket call would sleep");
}

uint64_t
sock_deadline(uint64_t timeo)
{
	return timeo ? now_ns + timeo : 0;
}

/* the app's vector, here kernel memory (net/sock_msg.c's msg_copy) */
static int
msg_copy(struct sock_msg *m, void *kbuf, size_t n, bool in)
{
	size_t at = m->done;

	for (int i = 0; i < m->iovlen && n; i++) {
		struct linux_iovec *v = &m->iov[i];
		if (at >= v->len) {
			at -= v->len;
			continue;
		}
		size_t k = MIN(n, v->len - at);
		if (in)
			memcpy(kbuf, (uint8_t *)v->base + at, k);
		else
			memcpy((uint8_t *)v->base + at, kbuf, k);
		kbuf = (uint8_t *)kbuf + k;
		m->done += k;
		n -= k;
		at = 0;
	}
	return n ? -EFAULT : 0;
}

int
sock_msg_copyin(struct sock_msg *m, void *dst, size_t n)
{
	return msg_copy(m, dst, n, true);
}

int
sock_msg_copyout(struct sock_msg *m, const void *src, size_t n)
{
	return msg_copy(m, (void *)src, n, false);
}

/* ioctl's copy_to_user: the harness's buffers */
long
arch_copy_user(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	return 0;
}

/* net/netconf.c's: the stack is started once, by the harness */
void
net_start(void)
{
}

const ip6_addr_t *
net_ip6_gw(struct netif *netif, const ip6_addr_t *dest)
{
	static ip6_addr_t gw;

	IP6_ADDR(&gw, PP_HTONL(0xfd000000), 0, 0, PP_HTONL(2));
	return &gw;
}

/* ---- the device: frames in from the input, frames out recorded ---- */

struct fake_frame {
	struct netdev_frame f;
	uint8_t *buf; /* ETH_PAD_SIZE bytes, then the frame */
};

static bool trace;     /* FUZZ_TRACE=1: what goes out and what the app reads, on stderr */
static int frames_out; /* delivered, not handed back */
static bool ring_full; /* netdev_send: -EAGAIN */
static uint64_t tx_sent;

/* what the stack last sent on a TCP port pair: the sequence number after it */
#define TX_TRACK 8
static struct {
	uint16_t sport, dport; /* the stack's */
	uint32_t next;
	bool used;
} tx_track[TX_TRACK];
static unsigned tx_track_next;

static uint16_t
rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t
rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void
wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void
wr32(uint8_t *b, uint32_t v)
{
	wr16(b, (uint16_t)(v >> 16));
	wr16(b + 2, (uint16_t)v);
}

/* the TCP header of an Ethernet frame (IPv4 or IPv6 without extension
 * headers), its segment's payload length in *plen; NULL when none */
static uint8_t *
tcp_of(uint8_t *fr, size_t len, size_t *plen)
{
	if (len < ETH_HLEN + 20)
		return NULL;
	uint16_t type = rd16(fr + 12);
	uint8_t *ip = fr + ETH_HLEN;
	size_t left = len - ETH_HLEN, hl, tot;

	if (type == 0x0800 && (ip[0] >> 4) == 4 && ip[9] == 6) {
		hl = (ip[0] & 15) * 4u;
		tot = rd16(ip + 2);
	} else if (type == 0x86dd && left >= 40 && (ip[0] >> 4) == 6 && ip[6] == 6) {
		hl = 40;
		tot = 40 + rd16(ip + 4);
	} else {
		return NULL;
	}
	tot = MIN(tot, left);
	if (hl < 20 || hl + 20 > tot)
		return NULL;
	uint8_t *t = ip + hl;
	size_t thl = (t[12] >> 4) * 4u;
	if (thl < 20 || hl + thl > tot)
		return NULL;
	*plen = tot - hl - thl;
	return t;
}

static void
track_tx(uint8_t *fr, size_t len)
{
	size_t plen;
	uint8_t *t = tcp_of(fr, len, &plen);
	unsigned i;

	if (!t)
		return;
	uint32_t next = rd32(t + 4) + (uint32_t)plen + !!(t[13] & 2) + !!(t[13] & 1);
	for (i = 0; i < TX_TRACK; i++)
		if (tx_track[i].used && tx_track[i].sport == rd16(t) &&
		    tx_track[i].dport == rd16(t + 2))
			break;
	if (i == TX_TRACK)
		i = tx_track_next++ % TX_TRACK;
	tx_track[i].used = true;
	tx_track[i].sport = rd16(t);
	tx_track[i].dport = rd16(t + 2);
	tx_track[i].next = next;
}

static int
fake_send(struct netdev *nd, const struct netdev_tx *tx)
{
	uint8_t fr[ETH_HLEN + ETH_VLAN_HLEN + 1500];
	size_t len = 0;

	if (ring_full)
		return -EAGAIN;
	for (unsigned i = 0; i < tx->nsegs; i++) {
		memcpy(fr + len, tx->segs[i].base,
		       tx->segs[i].len); /* netdev_send checked the total */
		len += tx->segs[i].len;
	}
	track_tx(fr, len);
	tx_sent++;
	if (trace) {
		size_t plen;
		uint8_t *t = tcp_of(fr, len, &plen);
		fprintf(stderr, "tx: %zu bytes, type %04x", len, rd16(fr + 12));
		if (t)
			fprintf(stderr, ", TCP %u > %u flags %#x seq %u ack %u, %zu bytes", rd16(t),
			        rd16(t + 2), t[13], rd32(t + 4), rd32(t + 8), plen);
		fprintf(stderr, "\n");
	}
	if (tx->done)
		tx->done(tx->arg); /* sent at once */
	return 0;
}

static void
fake_rx_done(struct netdev *nd, struct netdev_frame *f)
{
	struct fake_frame *ff = (struct fake_frame *)f;

	if (frames_out <= 0)
		fuzz_fail("a frame handed back twice, or one never delivered");
	frames_out--;
	free(ff->buf);
	free(ff);
}

static const struct netdev_ops fake_ops = {.send = fake_send, .rx_done = fake_rx_done};
static struct netdev nd = {
    .nd_ops = &fake_ops,
    .nd_mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56},
    .nd_mtu = 1500,
    .nd_features = NETDEV_F_RX_CSUM,
    .nd_link_up = true,
};

/* ---- checksums and ACK numbers written for the fuzzer ---- */

static uint32_t
sum16(const uint8_t *b, size_t n, uint32_t s)
{
	for (; n > 1; b += 2, n -= 2)
		s += rd16(b);
	if (n)
		s += (uint32_t)b[0] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* the checksum field of an L4 protocol's header (ICMP's pseudo-header
 * sum is none) */
static void
l4_fix(uint8_t proto, uint8_t *l4, size_t n, uint32_t pseudo, bool v6)
{
	size_t at;

	if (proto == 6 && n >= 20)
		at = 16;
	else if (proto == 17 && n >= 8)
		at = 6;
	else if (proto == 1 && !v6 && n >= 4)
		at = 2;
	else if (proto == 58 && v6 && n >= 4)
		at = 2;
	else
		return;
	if (proto == 1)
		pseudo = 0;
	else
		pseudo += proto + (uint32_t)n;
	wr16(l4 + at, 0);
	uint16_t c = fold(sum16(l4, n, pseudo));
	wr16(l4 + at, proto == 17 && c == 0 ? 0xffff : c);
}

static void
fix_sums(uint8_t *fr, size_t len)
{
	if (len < ETH_HLEN + 20)
		return;
	uint16_t type = rd16(fr + 12);
	uint8_t *ip = fr + ETH_HLEN;
	size_t left = len - ETH_HLEN;

	if (type == 0x0800 && (ip[0] >> 4) == 4) {
		size_t hl = (ip[0] & 15) * 4u, tot = MIN((size_t)rd16(ip + 2), left);
		if (hl < 20 || hl > tot)
			return;
		wr16(ip + 10, 0);
		wr16(ip + 10, fold(sum16(ip, hl, 0)));
		if (rd16(ip + 6) & 0x3fff) /* a fragment: its datagram's sum is not here */
			return;
		l4_fix(ip[9], ip + hl, tot - hl, sum16(ip + 12, 8, 0), false);
	} else if (type == 0x86dd && left >= 40 && (ip[0] >> 4) == 6) {
		size_t tot = MIN(40 + (size_t)rd16(ip + 4), left), off = 40;
		uint8_t nh = ip[6];
		/* hop-by-hop, routing, destination options; an unfragmented fragment header */
		for (int i = 0; i < 8 && off + 8 <= tot; i++) {
			if (nh == 44) {
				if (rd16(ip + off + 2) & 0xfff9)
					return;
				nh = ip[off];
				off += 8;
			} else if (nh == 0 || nh == 43 || nh == 60) {
				nh = ip[off];
				off += 8u * (ip[off + 1] + 1u);
			} else {
				break;
			}
		}
		if (off > tot)
			return;
		l4_fix(nh, ip + off, tot - off, sum16(ip + 8, 32, 0), true);
	}
}

static void
fix_ack(uint8_t *fr, size_t len)
{
	size_t plen;
	uint8_t *t = tcp_of(fr, len, &plen);

	if (!t)
		return;
	for (unsigned i = 0; i < TX_TRACK; i++)
		if (tx_track[i].used && tx_track[i].sport == rd16(t + 2) &&
		    tx_track[i].dport == rd16(t)) {
			wr32(t + 8, tx_track[i].next);
			return;
		}
}

/* ---- the stack ---- */

static struct netif *eth;

/* the tcpip thread's loop (lwIP's tcpip_thread_handle_msg), run to empty */
static void
tcpip_drain(void)
{
	void *m;

	for (int n = 0;
	     tcpip_mbox_seen && sys_arch_mbox_tryfetch(tcpip_mbox_seen, &m) != SYS_MBOX_EMPTY;
	     n++) {
		struct tcpip_msg *msg = m;
		if (n == 10000)
			fuzz_fail("the tcpip thread's mailbox never empties");
		LOCK_TCPIP_CORE();
		if (msg->type == TCPIP_MSG_CALLBACK) {
			msg->msg.cb.function(msg->msg.cb.ctx);
			memp_free(MEMP_TCPIP_MSG_API, msg);
		} else if (msg->type == TCPIP_MSG_CALLBACK_STATIC) {
			msg->msg.cb.function(msg->msg.cb.ctx);
		} else {
			fuzz_fail("tcpip message of type %d", msg->type);
		}
		UNLOCK_TCPIP_CORE();
	}
}

static void
run_timers(uint64_t ms)
{
	now_ns += ms * 1000000;
	LOCK_TCPIP_CORE();
	sys_check_timeouts();
	UNLOCK_TCPIP_CORE();
	tcpip_drain();
}

static void
stack_init(void)
{
	netdev_register(&nd);
	tcpip_init(NULL, NULL);
	net_core_lock_checked(); /* from now on lwIP checks its callers hold the lock */
}

static void
netif_up(void)
{
	ip4_addr_t a, m, g;
	ip6_addr_t a6;
	s8_t idx;

	LOCK_TCPIP_CORE();
	eth = net_netif_add(&nd);
	if (!eth)
		fuzz_fail("net_netif_add failed");
	netif_set_default(eth);
	IP4_ADDR(&a, 10, 0, 0, 15);
	IP4_ADDR(&m, 255, 255, 255, 0);
	IP4_ADDR(&g, 10, 0, 0, 2);
	netif_set_addr(eth, &a, &m, &g);
	IP6_ADDR(&a6, PP_HTONL(0xfd000000), 0, 0, PP_HTONL(0x15));
	if (netif_add_ip6_address(eth, &a6, &idx) == ERR_OK)
		netif_ip6_addr_set_state(eth, idx, IP6_ADDR_PREFERRED);
	netif_ip6_addr_set_state(eth, 0, IP6_ADDR_PREFERRED); /* link-local: DAD done */
	UNLOCK_TCPIP_CORE();
}

static void
netif_down(void)
{
	LOCK_TCPIP_CORE();
	for (int i = 0; i <= IP_REASS_MAXAGE; i++) /* reassembly holds frames until it ages out */
		ip_reass_tmr();
	for (int i = 0; i <= IPV6_REASS_MAXAGE; i++)
		ip6_reass_tmr();
	/* connections a close left to finish alone (FIN-WAIT, TIME-WAIT) */
	while (tcp_active_pcbs)
		tcp_abort(tcp_active_pcbs);
	while (tcp_tw_pcbs)
		tcp_abort(tcp_tw_pcbs);
	/* the kernel never removes a netif: the device forgets it here */
	netdev_set_rx(&nd, NULL, NULL);
	netdev_set_link_cb(&nd, NULL, NULL);
	netif_remove(eth);
	kfree(eth);
	eth = NULL;
	UNLOCK_TCPIP_CORE();
	tcpip_drain();
}

/* ---- sockets, through our socket ops ---- */

#define NCONN 4
static struct socket *listener, *udp, *client, *conns[NCONN];
static uint8_t peer[SOCKADDR_MAX]; /* the last datagram's source */
static int peerlen;

static const struct sock_family *
family(int af)
{
	for (const struct sock_family *const *p = __start_sock_families; p < __stop_sock_families;
	     p++)
		if (*p && (*p)->family == af)
			return *p;
	fuzz_fail("no socket family %d", af);
}

static struct socket *
sock_new(int af, int type)
{
	struct socket *s = calloc(1, sizeof(*s));

	s->s_family = af;
	s->s_type = type;
	s->s_rcvbuf = s->s_sndbuf = 212992;
	if (family(af)->create(s, 0))
		fuzz_fail("socket(%d, %d) failed", af, type);
	return s;
}

static void
sock_close(struct socket **sp)
{
	if (!*sp)
		return;
	(*sp)->s_ops->release(*sp);
	free(*sp);
	*sp = NULL;
}

static int
mkaddr(uint8_t *b, int af, const char *ip4, uint16_t port, uint32_t v6last)
{
	memset(b, 0, 28);
	if (af == AF_INET) {
		uint16_t f = AF_INET, p = lwip_htons(port);
		uint32_t a = ipaddr_addr(ip4);
		memcpy(b, &f, 2);
		memcpy(b + 2, &p, 2);
		memcpy(b + 4, &a, 4);
		return 16;
	}
	uint16_t f = AF_INET6, p = lwip_htons(port);
	memcpy(b, &f, 2);
	memcpy(b + 2, &p, 2);
	if (v6last) {
		uint32_t a0 = PP_HTONL(0xfd000000), a3 = lwip_htonl(v6last);
		memcpy(b + 8, &a0, 4);
		memcpy(b + 20, &a3, 4);
	}
	return 28;
}

static void
sockets_up(uint8_t setup)
{
	uint8_t a[SOCKADDR_MAX];
	int one = 1, len;

	listener = sock_new((setup & 4) ? AF_INET : AF_INET6, SOCK_STREAM);
	listener->s_ops->setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	len = mkaddr(a, listener->s_family, "0.0.0.0", 80, 0);
	if (listener->s_ops->bind(listener, a, len) || listener->s_ops->listen(listener, 2))
		fuzz_fail("the listener on port 80 did not listen");
	udp = sock_new(AF_INET6, SOCK_DGRAM);
	if (setup & 8)
		udp->s_rcvbuf = 2304; /* a small SO_RCVBUF: datagrams dropped */
	len = mkaddr(a, AF_INET6, NULL, 53, 0);
	if (udp->s_ops->bind(udp, a, len))
		fuzz_fail("the UDP socket did not bind port 53");
	if (setup & 1) {
		int af = (setup & 2) ? AF_INET6 : AF_INET;
		client = sock_new(af, SOCK_STREAM);
		client->s_ops->setsockopt(client, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		len = af == AF_INET ? mkaddr(a, af, "10.0.0.15", 40000, 0)
		                    : mkaddr(a, af, NULL, 40000, 0x15);
		if (client->s_ops->bind(client, a, len))
			fuzz_fail("the client did not bind port 40000");
		len = af == AF_INET ? mkaddr(a, af, "10.0.0.2", 8080, 0)
		                    : mkaddr(a, af, NULL, 8080, 2);
		int r = client->s_ops->connect(client, a, len, true);
		if (r != -EINPROGRESS)
			fuzz_fail("the client's connect: %d, not -EINPROGRESS", r);
	}
}

static void
sockets_down(void)
{
	sock_close(&listener);
	sock_close(&udp);
	sock_close(&client);
	for (int i = 0; i < NCONN; i++)
		sock_close(&conns[i]);
}

static long
sock_recv(struct socket *s, void *buf, size_t n, int flags)
{
	struct linux_iovec v = {buf, n};
	struct sock_msg m = {.iov = &v, .iovlen = 1, .len = n};
	long r = s->s_ops->recvmsg(s, &m, flags, true);

	if (r >= 0 && (size_t)r > n && !(flags & MSG_TRUNC))
		fuzz_fail("recvmsg of %zu bytes returned %ld", n, r);
	if (m.namelen > 0 && s == udp) {
		memcpy(peer, m.name, sizeof(peer));
		peerlen = m.namelen;
	}
	return r;
}

static long
sock_send(struct socket *s, const void *buf, size_t n, const void *to, int tolen)
{
	struct linux_iovec v = {(void *)buf, n};
	struct sock_msg m = {.iov = &v, .iovlen = 1, .len = n, .namelen = tolen};

	if (tolen)
		memcpy(m.name, to, (size_t)tolen);
	return s->s_ops->sendmsg(s, &m, MSG_DONTWAIT, true);
}

/* read a socket until it has nothing, checking poll agrees */
static void
drain(struct socket *s, unsigned chunk)
{
	static uint8_t buf[8192];

	for (int i = 0; i < 64; i++) {
		int ev = s->s_ops->poll(s, NULL);
		long r = sock_recv(s, buf, chunk, 0);
		if (trace && r != -EAGAIN)
			fprintf(stderr, "read %p: %ld (poll %#x)\n", (void *)s, r, ev);
		if ((ev & POLLIN) && r == -EAGAIN)
			fuzz_fail("poll says POLLIN (%#x) but a read is -EAGAIN", ev);
		if (!(ev & (POLLIN | POLLHUP | POLLERR)) && r != -EAGAIN)
			fuzz_fail("poll says %#x but a read returned %ld", ev, r);
		if (r <= 0)
			return;
	}
}

static void
service(void)
{
	int err;

	for (;;) { /* accept everything pending */
		struct socket *ns = calloc(1, sizeof(*ns));
		ns->s_family = listener->s_family;
		ns->s_type = SOCK_STREAM;
		ns->s_rcvbuf = ns->s_sndbuf = 212992;
		if ((err = listener->s_ops->accept(listener, ns, true))) {
			free(ns);
			break;
		}
		uint8_t a[SOCKADDR_MAX];
		ns->s_ops->getname(ns, a, true);
		int i = 0;
		while (i < NCONN && conns[i])
			i++;
		if (i == NCONN)
			sock_close(&ns); /* closed with what it got unread: a reset */
		else
			conns[i] = ns;
	}
	/* POLLIN with POLLHUP is a socket shut down twice: its reads end, as
	 * Linux's (shutdown marks even a closed socket) */
	int ev = listener->s_ops->poll(listener, NULL);
	if ((ev & POLLIN) && !(ev & POLLHUP))
		fuzz_fail("the listener polls %#x, but accept says %d", ev, err);
	for (int i = 0; i < NCONN; i++)
		if (conns[i])
			drain(conns[i], 1u << (9 + i)); /* 512 .. 4096 bytes a read */
	if (client)
		drain(client, 8192);
	drain(udp, 2048);
}

static struct socket **
conn_at(unsigned i)
{
	i %= NCONN + 1;
	return i == NCONN ? &client : &conns[i];
}

/* an app operation: op is the record's byte */
static void
app_op(struct fuzz_in *in, uint8_t op)
{
	static const uint8_t data[4096] = {'H', 'T', 'T', 'P'};
	struct socket **sp = conn_at((unsigned)fuzz_take(in, 1));
	struct socket *s = *sp;
	int v = 1;

	switch (op & 15) {
	case 0: /* send */
		if (s)
			sock_send(s, data, (size_t)fuzz_take(in, 1) * 16, NULL, 0);
		break;
	case 1:
		if (s)
			s->s_ops->shutdown(s, SHUT_WR);
		break;
	case 2:
		if (s)
			s->s_ops->shutdown(s, SHUT_RD);
		break;
	case 3:
		sock_close(sp);
		break;
	case 4: /* a UDP reply to the last datagram's source */
		if (peerlen)
			sock_send(udp, data, (size_t)fuzz_take(in, 2) % 1600, peer, peerlen);
		break;
	case 5: { /* options by their effect on the PCB */
		uint8_t which = (uint8_t)fuzz_take(in, 1);
		if (!s)
			break;
		if (which & 1)
			s->s_ops->setsockopt(s, 6 /* SOL_TCP */, 1 /* TCP_NODELAY */, &v,
			                     sizeof(v));
		if (which & 2) {
			s->s_ops->setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v));
			s->s_ops->setsockopt(s, 6, 4 /* TCP_KEEPIDLE */, &v, sizeof(v));
			s->s_ops->setsockopt(s, 6, 5 /* TCP_KEEPINTVL */, &v, sizeof(v));
		}
		if (which & 4) {
			int zero[2] = {1, 0}; /* SO_LINGER 0: close resets */
			s->s_ops->setsockopt(s, SOL_SOCKET, SO_LINGER, zero, sizeof(zero));
		}
		if (which & 8)
			s->s_ops->setsockopt(s, 6, 3 /* TCP_CORK */, &v, sizeof(v));
		break;
	}
	case 6: /* the clock, up to 127 s (a timer that slept catches up: nd6_tmr
	         * once a second missed, the harness's costliest part) */
		run_timers((uint64_t)fuzz_take(in, 1) * 500);
		break;
	case 7: { /* what an app asks about a connection */
		uint8_t val[SOCKOPT_MAX], a[SOCKADDR_MAX];
		int len = sizeof(val), n;
		if (!s)
			break;
		s->s_ops->getsockopt(s, 6, 11 /* TCP_INFO */, val, &len);
		len = sizeof(val);
		s->s_ops->getsockopt(s, SOL_SOCKET, SO_ERROR, val, &len);
		s->s_ops->getname(s, a, true);
		s->s_ops->getname(s, a, false);
		s->s_ops->ioctl(s, SIOCINQ, &n);
		s->s_ops->ioctl(s, SIOCOUTQ, &n);
		struct linux_ifreq ifr = {.ifr_name = "eth0"};
		s->s_ops->ioctl(s, SIOCGIFADDR, &ifr);
		s->s_ops->ioctl(s, SIOCGIFNETMASK, &ifr);
		break;
	}
	case 8: { /* MSG_PEEK, MSG_TRUNC (discard), MSG_WAITALL */
		uint8_t buf[256];
		static const int fl[] = {MSG_PEEK, MSG_TRUNC, MSG_WAITALL, MSG_PEEK | MSG_WAITALL};
		if (s)
			sock_recv(s, buf, sizeof(buf), fl[fuzz_take(in, 1) % 4]);
		break;
	}
	case 9: /* the link goes down or up */
		netdev_set_link(&nd, !nd.nd_link_up);
		break;
	case 11: /* the UDP socket connects to the last datagram's source
	          * (ICMP errors then reach it) and sends to it */
		if (peerlen && !udp->s_ops->connect(udp, peer, peerlen, true))
			sock_send(udp, data, (size_t)fuzz_take(in, 1) * 4, NULL, 0);
		break;
	case 10: /* the listener stops (shutdown SHUT_RD) or goes away */
		if (fuzz_take(in, 1) & 1)
			listener->s_ops->shutdown(listener, SHUT_RD);
		else
			udp->s_ops->shutdown(udp, SHUT_RDWR);
		break;
	}
}

/* what the stack keeps for good once used: the ICMP watches a UDP
 * connect makes (net/inet_udp.c's icmp_watch) */
static uint64_t mem_base;

static void
warm_up(void)
{
	uint8_t a[SOCKADDR_MAX];
	struct socket *s = sock_new(AF_INET, SOCK_DGRAM);
	int len = mkaddr(a, AF_INET, "127.0.0.1", 9, 0);

	if (s->s_ops->connect(s, a, len, true))
		fuzz_fail("a UDP connect to 127.0.0.1:9 failed");
	sock_close(&s);
}

/* ---- one input ---- */

/* records read from an input: enough for the longest seed, few enough
 * that make test's 100,000 runs stay near a minute */
#define MAX_RECORDS 64

static void
frame_in(struct fuzz_in *in, uint8_t kind)
{
	static const uint32_t step_ms[8] = {1, 10, 100, 250, 500, 1000, 3000, 30000};
	size_t len = (size_t)fuzz_take(in, 2);
	struct fake_frame *ff;

	len = MIN(MIN(len, in->left), (size_t)ETH_HLEN + ETH_VLAN_HLEN + 4096);
	ff = calloc(1, sizeof(*ff));
	ff->buf = malloc(ETH_PAD_SIZE + len); /* exactly: ASan sees a read past the frame */
	memcpy(ff->buf + ETH_PAD_SIZE, in->p, len);
	in->p += len;
	in->left -= len;
	ff->f.nf_data = ff->buf + ETH_PAD_SIZE;
	ff->f.nf_len = (uint32_t)len;
	ff->f.nf_flags = (kind & 0x40) ? NETDEV_RX_CSUM_VALID : 0;
	if (kind & 0x10)
		fix_ack(ff->f.nf_data, len);
	if (kind & 0x20)
		fix_sums(ff->f.nf_data, len);
	ring_full = kind & 0x08;
	frames_out++;
	netdev_deliver(&nd, &ff->f);
	ring_full = false;
	tcpip_drain();
	service();
	run_timers(step_ms[kind & 7]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool inited;
	struct fuzz_in in = {data, size};

	if (!inited) {
		trace = getenv("FUZZ_TRACE") && !strcmp(getenv("FUZZ_TRACE"), "1");
		stack_init();
		warm_up();
		mem_base = net_mem_used();
		inited = true;
	}
	rng = 0x9e3779b97f4a7c15ull;
	memset(tx_track, 0, sizeof(tx_track));
	peerlen = 0;
	netdev_set_link(&nd, true);
	netif_up();
	sockets_up((uint8_t)fuzz_take(&in, 1));
	for (int records = 0; in.left && records < MAX_RECORDS; records++) {
		uint8_t kind = (uint8_t)fuzz_take(&in, 1);
		if (kind & 0x80) {
			frame_in(&in, kind);
		} else {
			app_op(&in, kind);
			tcpip_drain();
			service();
		}
	}
	sockets_down();
	netif_down();
	run_timers(1000); /* the next input starts later, with no TCP timer due */
	if (trace)
		fprintf(stderr, "end: lwIP holds %lu bytes, %d frames\n",
		        (unsigned long)net_mem_used(), frames_out);
	if (frames_out)
		fuzz_fail("%d received frames never handed back to the driver", frames_out);
	if (!list_empty(&inet_all))
		fuzz_fail("a socket (inet_sock) outlived its close");
	if (tcp_active_pcbs || tcp_tw_pcbs || tcp_listen_pcbs.pcbs || tcp_bound_pcbs)
		fuzz_fail("a TCP PCB outlived its socket");
	if (udp_pcbs)
		fuzz_fail("a UDP PCB outlived its socket");
	if (net_mem_used() != mem_base)
		fuzz_fail("lwIP holds %lu bytes with every socket closed and eth0 gone, not %lu",
		          (unsigned long)net_mem_used(), (unsigned long)mem_base);
	return 0;
}

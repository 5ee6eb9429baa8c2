/* lwIP in the kernel (net/): the raw API under the core lock over the
 * loopback netif (UDP to 127.0.0.1, TCP to ::1 and back), and an idle
 * stack's timers: none wakes the tcpip thread once nothing has work
 * (net/timers.c). Runs in every guest/ boot (no network device needed). */
#include "clock.h"
#include "ktest.h"
#include "lib.h"
#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"
#include "net.h"
#include "sched.h"
#include "sync.h"

#define WAIT_NS 3000000000ull

/* An idle stack sleeps: the guest boots have no network device, and the
 * other cases here abort their connections (no TIME-WAIT); a TCP timer
 * still armed then ticks once more, finds nothing and stops, so the
 * count starts after a settling half second. */
KTEST(lwip_idle_stack_sleeps)
{
	uint64_t before;

	net_start(); /* the test kernel has no network device: lwIP waits for a user */
	sched_sleep_ns(500000000ull);
	before = net_timer_wakeups();
	sched_sleep_ns(1500000000ull);
	EXPECT_EQ(net_timer_wakeups() - before, 0);
}

struct udp_got {
	struct semaphore done;
	char data[16];
	u16_t len;
};

static void
udp_got(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	struct udp_got *g = arg;

	g->len = pbuf_copy_partial(p, g->data, sizeof(g->data), 0);
	pbuf_free(p);
	sem_up(&g->done);
}

KTEST(lwip_udp_loopback)
{
	struct udp_got g = {.done = SEMAPHORE_INIT(0)};
	struct udp_pcb *rx, *tx;
	struct pbuf *p;
	ip_addr_t lo;

	net_start(); /* the test kernel has no network device: lwIP waits for a user */
	ipaddr_aton("127.0.0.1", &lo);
	LOCK_TCPIP_CORE();
	rx = udp_new();
	tx = udp_new();
	EXPECT(rx && tx);
	if (!rx || !tx)
		goto out;
	EXPECT_EQ(udp_bind(rx, &lo, 0), ERR_OK);
	udp_recv(rx, udp_got, &g);
	p = pbuf_alloc(PBUF_TRANSPORT, 5, PBUF_RAM);
	EXPECT(p != NULL);
	if (p) {
		memcpy(p->payload, "hello", 5);
		EXPECT_EQ(udp_sendto(tx, p, &lo, rx->local_port), ERR_OK);
		pbuf_free(p);
	}
	UNLOCK_TCPIP_CORE();
	/* loopback input is deferred to the tcpip thread */
	EXPECT(sem_down_until(&g.done, clock_ns() + WAIT_NS));
	EXPECT_EQ(g.len, 5);
	EXPECT(memcmp(g.data, "hello", 5) == 0);
	LOCK_TCPIP_CORE();
out:
	if (rx)
		udp_remove(rx);
	if (tx)
		udp_remove(tx);
	UNLOCK_TCPIP_CORE();
}

/* TCP over ::1: the listener echoes the first bytes it reads back */
struct tcp_case {
	struct semaphore echoed;
	struct tcp_pcb *server; /* the accepted one */
	char got[16];
	u16_t len;
};

static err_t
server_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	if (!p)
		return ERR_OK;
	tcp_recved(pcb, p->tot_len);
	tcp_write(pcb, p->payload, p->len, TCP_WRITE_FLAG_COPY);
	tcp_output(pcb);
	pbuf_free(p);
	return ERR_OK;
}

static err_t
server_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct tcp_case *c = arg;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	c->server = pcb;
	tcp_arg(pcb, c);
	tcp_recv(pcb, server_recv);
	return ERR_OK;
}

static err_t
client_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct tcp_case *c = arg;

	if (!p)
		return ERR_OK;
	c->len = pbuf_copy_partial(p, c->got, sizeof(c->got), 0);
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	sem_up(&c->echoed);
	return ERR_OK;
}

static err_t
client_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	tcp_write(pcb, "ping6", 5, TCP_WRITE_FLAG_COPY);
	tcp_output(pcb);
	return ERR_OK;
}

KTEST(lwip_tcp_loopback_ipv6)
{
	struct tcp_case c = {.echoed = SEMAPHORE_INIT(0)};
	struct tcp_pcb *l, *cl;
	ip_addr_t lo6;

	net_start(); /* the test kernel has no network device: lwIP waits for a user */
	ipaddr_aton("::1", &lo6);
	LOCK_TCPIP_CORE();
	l = tcp_new_ip_type(IPADDR_TYPE_V6);
	cl = tcp_new_ip_type(IPADDR_TYPE_V6);
	EXPECT(l && cl);
	EXPECT_EQ(tcp_bind(l, &lo6, 0), ERR_OK);
	l = tcp_listen(l);
	EXPECT(l != NULL);
	tcp_arg(l, &c);
	tcp_accept(l, server_accept);
	tcp_arg(cl, &c);
	tcp_recv(cl, client_recv);
	EXPECT_EQ(tcp_connect(cl, &lo6, l->local_port, client_connected), ERR_OK);
	UNLOCK_TCPIP_CORE();
	EXPECT(sem_down_until(&c.echoed, clock_ns() + WAIT_NS));
	EXPECT_EQ(c.len, 5);
	EXPECT(memcmp(c.got, "ping6", 5) == 0);
	/* aborted, not closed: no TIME-WAIT keeps the TCP timer running */
	LOCK_TCPIP_CORE();
	tcp_abort(cl);
	if (c.server)
		tcp_abort(c.server);
	tcp_close(l);
	UNLOCK_TCPIP_CORE();
}

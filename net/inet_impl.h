/* Shared inside net/ by the AF_INET/AF_INET6 halves: net/inet.c (the
 * family, addresses, options, poll, waits), net/inet_tcp.c (stream
 * sockets on lwIP's TCP) and net/inet_udp.c (datagram sockets on its
 * UDP). Everything here is guarded by lwIP's core lock: a call takes it
 * (inet_lock), looks and changes, and drops it to sleep; lwIP's
 * callbacks (frames in, timers) run with it held, so a state a call saw
 * cannot change until it sleeps. Wake-ups go to a socket's poll head:
 * POLLIN when data, a connection or the peer's FIN arrive, POLLOUT when
 * sent bytes are acknowledged or a connect completes, POLLERR|POLLHUP
 * when the connection is lost. */
#ifndef UNUM_NET_INET_IMPL_H
#define UNUM_NET_INET_IMPL_H

#include "lwip/ip_addr.h"
#include "poll.h"
#include "queue.h"
#include "socket.h"
#include "uapi/poll.h"

struct tcp_pcb;
struct udp_pcb;
struct pbuf;

#define RCV_SHUT 1
#define SEND_SHUT 2

enum inet_state {
	IS_NEW,        /* made, maybe bound */
	IS_LISTEN,     /* TCP: listening */
	IS_CONNECTING, /* TCP: SYN sent */
	IS_CONNECTED,  /* TCP: established (and after, until closed); UDP: a default peer */
	IS_CLOSED,     /* TCP: the connection is over (reset, timed out, or closed both ways) */
};

/* SO_REUSEPORT listeners on one address and port: lwIP has one listening
 * PCB (the owner's); connections go to the members in turn */
struct reuse_group {
	struct list_node members; /* inet_sock.gmember */
	struct inet_sock *owner;  /* holds the lwIP PCB (bound, then listening) */
	unsigned next;            /* round robin */
	int nmembers;
};

struct inet_sock {
	struct socket *sock; /* NULL for a connection not accepted yet */
	int family, type;    /* AF_INET/AF_INET6; SOCK_STREAM/SOCK_DGRAM */
	enum inet_state state;
	union {
		struct tcp_pcb *tcp; /* NULL once lwIP freed it */
		struct udp_pcb *udp;
	};
	int err;      /* SO_ERROR (positive errno), cleared when read */
	int shut;     /* RCV_SHUT | SEND_SHUT: what this side shut down */
	bool fin;     /* the peer closed its sending side */
	bool wasconn; /* TCP: it was connected once (a new connect is EISCONN) */
	bool
	    inprogress; /* TCP: a non-blocking connect said EINPROGRESS; the next connect reports */
	bool bound;     /* an address of its own (bind, connect, listen) */
	bool v6only;    /* IPV6_V6ONLY */
	bool reuseaddr, reuseport, broadcast, keepalive, nodelay, cork;
	int linger;                            /* SO_LINGER: seconds, or -1 off */
	int tos, ttl;                          /* IP_TOS; IP_TTL/IPV6_UNICAST_HOPS (-1: default) */
	uint32_t keepidle, keepintvl, keepcnt; /* seconds, seconds, probes */
	/* TCP: what arrived and was not read: chains of pbufs, as lwIP gave
	 * them (each under 64 KiB), in a ring; rx_off bytes of the first read */
	struct pbuf **rxq;
	unsigned rxq_head, rxq_n, rxq_cap;
	size_t rx_off, rx_len;
	/* UDP: bytes held by MSG_MORE for one datagram, and its destination */
	struct pbuf *dg_cork;
	ip_addr_t cork_ip;
	uint16_t cork_port;
	bool cork_named;
	/* UDP: datagrams (struct dgram), oldest first, and their bytes */
	struct list_node dgrams;
	size_t dg_bytes;
	int dg_count;
	/* a listener: connections established, not accepted ('qlink') */
	struct list_node acceptq, qlink;
	int nq, backlog;
	struct inet_sock *listener; /* the one whose queue it is on */
	struct reuse_group *group;
	struct list_node gmember;
	struct list_node all; /* on inet_all: binds look for SO_REUSEPORT peers */
	/* a SO_REUSEPORT member without a PCB of its own: its bound address */
	ip_addr_t laddr;
	uint16_t lport;
	/* TCP_INFO's figures lwIP does not keep: RTT sampled by us (us,
	 * Linux's smoothing), bytes acknowledged and received */
	uint32_t srtt_us, rttvar_us;
	uint64_t rtt_sent_ns;
	uint32_t rtt_seq; /* the sequence number whose ACK ends the sample (0: none) */
	uint64_t bytes_acked, bytes_received;
	/* quick ACKs (net/inet_tcp.c's recv_cb): segments ACKed at once
	 * since the start or the last idle spell, and when data last came */
	unsigned quickacks;
	uint64_t rx_last_ns;
	struct poll_head head;
	uint64_t ino; /* fstat's, /proc/self/fd's and /proc/net's inode number */
};

/* --- net/inet.c --- */
extern struct list_node inet_all; /* every inet_sock */
void inet_lock(void);
void inet_unlock(void); /* re-arms lwIP's timers for what the call started */
struct inet_sock *inet_sock_new(int family, int type);
void inet_sock_free(struct inet_sock *is);
/* the inode number of the socket whose lwIP PCB has callback argument
 * arg (0: none), for /proc/net */
uint64_t inet_arg_ino(const void *arg);
/* a UDP socket's queued bytes, by its PCB's callback argument */
size_t inet_arg_rxq(const void *arg);
int inet_errno(int8_t lwip_err); /* err_t to -errno */

/* an address from the app, checked for the socket's family (AF_INET6:
 * v4-mapped ones become IPv4); 'any' the unspecified address as lwIP
 * wants it bound (dual stack: IP_ANY_TYPE). 0 or -errno */
int inet_addr_in(struct inet_sock *is, const void *addr, int len, ip_addr_t *ip, uint16_t *port,
                 bool bind);
/* a local address (or the unspecified one) bind may take: 0 or
 * -EADDRNOTAVAIL; datagram sockets may bind multicast and broadcast too */
int inet_local_ok(const ip_addr_t *ip, bool dgram);
/* the address as the socket's family writes it (room SOCKADDR_MAX): its length */
int inet_addr_out(struct inet_sock *is, const ip_addr_t *ip, uint16_t port, void *addr);

/* n bytes of a pbuf chain, from offset off, into the app's vector: 0 or
 * -EFAULT */
int inet_pbuf_copyout(struct sock_msg *m, struct pbuf *p, size_t off, size_t n);
/* shutdown's SHUT_RD/WR/RDWR as RCV_SHUT | SEND_SHUT bits */
int inet_shut_bits(int how);

struct inet_wait {
	struct poll_sleeper s;
	struct poll_waiter w;
};
void inet_wait_begin(struct inet_wait *w, struct inet_sock *is, int mask);
/* the core lock held: sleep until a wake-up, the deadline or a signal;
 * relocked. 0, -EAGAIN (the timeout ran out), -EINTR or -ERESTARTSYS */
int inet_wait(struct inet_wait *w, uint64_t deadline, uint64_t timeo);
void inet_wait_end(struct inet_wait *w);

/* the sock_ops poll and ioctl of both protocols */
int inet_poll_op(struct socket *s, struct poll_table *pt);
int inet_ioctl_op(struct socket *s, unsigned long cmd, void *arg);
int inet_getsockopt(struct socket *s, int level, int name, void *val, int *len);
int inet_setsockopt(struct socket *s, int level, int name, const void *val, int len);

/* --- net/inet_port.c: the ephemeral ports --- */
/* ip_local_port_range now: lo..hi, both in it */
void inet_port_range(unsigned *lo, unsigned *hi);
/* a port of the range whose bit in taken (65,536 bits, one a port) is
 * clear, the first after *next (a protocol's cursor, 0 at first: a
 * random start), which moves past it; 0 when every one is taken */
unsigned inet_port_pick(const uint32_t *taken, unsigned *next);
#define INET_PORT_WORDS (65536 / 32)

/* --- net/inet_tcp.c, net/inet_udp.c --- */
extern const struct sock_ops inet_tcp_ops, inet_udp_ops;
int inet_tcp_create(struct inet_sock *is);
int inet_udp_create(struct inet_sock *is);
/* the options lwIP keeps, set on its PCB now (the socket's are the truth) */
void inet_tcp_apply(struct inet_sock *is);
void inet_udp_apply(struct inet_sock *is);
/* TCP_INFO into val (room OPTVAL_MAX): its length */
int inet_tcp_info(struct inet_sock *is, void *val);
/* the bytes FIONREAD / SIOCOUTQ report */
int inet_tcp_inq(struct inet_sock *is);
int inet_tcp_outq(struct inet_sock *is);
int inet_udp_inq(struct inet_sock *is);
int inet_tcp_poll(struct inet_sock *is);
int inet_udp_poll(struct inet_sock *is);

#endif

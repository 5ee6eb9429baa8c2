/* Keyed hashes of a flow (SipHash-2-4, a key drawn at first use): TCP's
 * initial sequence numbers, and the flow hash SO_REUSEPORT spreads
 * datagrams by (net/inet_udp.c). TCP's initial sequence numbers as RFC 6528 and Linux's
 * secure_tcp_seq make them: a keyed hash (SipHash-2-4, a key drawn at the first connection) of the
 * connection's addresses and ports, plus a clock of 64 ns ticks. lwIP's own tcp_next_iss adds its
 * 500 ms tick count to one counter: until the TCP timer first ticks that is 0, so every connection
 * began at 6510 and a new connection on the 4-tuple of one in TIME-WAIT
 * was not past it (net/inet_tcp.c's TIME-WAIT reuse wants it past, as
 * Linux); and the numbers were guessable. */
#include "clock.h"
#include "lib.h"
#include "lwip/ip_addr.h"
#include "net_hooks.h"
#include "net_impl.h"
#include "random.h"

static uint64_t
rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

static void
sip_round(uint64_t v[4])
{
	v[0] += v[1], v[1] = rotl(v[1], 13), v[1] ^= v[0], v[0] = rotl(v[0], 32);
	v[2] += v[3], v[3] = rotl(v[3], 16), v[3] ^= v[2];
	v[0] += v[3], v[3] = rotl(v[3], 21), v[3] ^= v[0];
	v[2] += v[1], v[1] = rotl(v[1], 17), v[1] ^= v[2], v[2] = rotl(v[2], 32);
}

/* SipHash-2-4 of n 64-bit words */
static uint64_t
siphash(const uint64_t k[2], const uint64_t *m, size_t n)
{
	uint64_t v[4] = {k[0] ^ 0x736f6d6570736575ull, k[1] ^ 0x646f72616e646f6dull,
	                 k[0] ^ 0x6c7967656e657261ull, k[1] ^ 0x7465646279746573ull};
	uint64_t last = (uint64_t)(n * 8) << 56;

	for (size_t i = 0; i < n; i++) {
		v[3] ^= m[i];
		sip_round(v);
		sip_round(v);
		v[0] ^= m[i];
	}
	v[3] ^= last;
	sip_round(v);
	sip_round(v);
	v[0] ^= last;
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* an address's 16 bytes (IPv4's in the first 4, the rest 0) */
static void
addr_words(uint64_t w[2], const ip_addr_t *a)
{
	uint32_t b[4] = {0};

	if (IP_IS_V4(a))
		b[0] = ip4_addr_get_u32(ip_2_ip4(a));
	else
		memcpy(b, ip_2_ip6(a)->addr, sizeof(b));
	memcpy(w, b, sizeof(b));
}

/* the key, drawn at first use; under the core lock, which guards it */
static uint64_t key[2];
static bool keyed;

static uint64_t
flow_hash(const ip_addr_t *local, u16_t lport, const ip_addr_t *remote, u16_t rport)
{
	uint64_t m[5] = {0};

	if (!keyed) {
		random_bytes(key, sizeof(key));
		keyed = true;
	}
	addr_words(m, local);
	addr_words(m + 2, remote);
	m[4] = (uint64_t)lport << 16 | rport | (uint64_t)IP_IS_V6(remote) << 32;
	return siphash(key, m, 5);
}

u32_t
net_tcp_isn(const ip_addr_t *local, u16_t lport, const ip_addr_t *remote, u16_t rport)
{
	return (u32_t)flow_hash(local, lport, remote, rport) + (u32_t)(clock_ns() >> 6);
}

uint32_t
net_flow_hash(const ip_addr_t *local, uint16_t lport, const ip_addr_t *remote, uint16_t rport)
{
	return (uint32_t)(flow_hash(local, lport, remote, rport) >> 32);
}

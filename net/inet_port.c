/* The ephemeral ports: Linux's net.ipv4.ip_local_port_range (one range for
 * TCP and UDP, IPv4 and IPv6, as Linux's), read and written through
 * /proc/sys/net/ipv4/ip_local_port_range, and the draw of a free one from
 * it in one pass over a bitmap of the ports taken. tests/guest/
 * posix_inet_ports.c runs out of them. */
#include "errno.h"
#include "inet_impl.h"
#include "lib.h"
#include "net.h"

/* lo << 16 | hi, read and written whole (atomic), so a draw never sees
 * half of a write; Linux's default */
static uint32_t range = 32768u << 16 | 60999u;

void
inet_port_range(unsigned *lo, unsigned *hi)
{
	uint32_t r = __atomic_load_n(&range, __ATOMIC_RELAXED);

	*lo = r >> 16;
	*hi = r & 0xffff;
}

size_t
net_proc_port_range(char *b, size_t size)
{
	unsigned lo, hi;

	inet_port_range(&lo, &hi);
	return MIN((size_t)fmt_snprintf(b, size, "%u\t%u\n", lo, hi), size);
}

/* Linux's ipv4_local_port_range: each value 1..65535 (proc_dointvec_minmax),
 * a value not written keeps the old one, then the high end may not be
 * below the low, nor the low below the first unprivileged port (1024,
 * net.ipv4.ip_unprivileged_port_start): -EINVAL and no change */
long
net_set_port_range(const char *buf, size_t len)
{
	unsigned lo, hi;
	int v[2];
	long n;

	inet_port_range(&lo, &hi);
	v[0] = (int)lo;
	v[1] = (int)hi;
	if ((n = parse_sysctl_ints(buf, len, v, 2, 1, 65535)) <= 0)
		return n;
	if (v[1] < v[0] || v[0] < 1024)
		return -EINVAL;
	__atomic_store_n(&range, (uint32_t)v[0] << 16 | (uint32_t)v[1], __ATOMIC_RELAXED);
	return n;
}

/* taken: one bit a port, all 65,536; *next: the port after the last one
 * given (0: none given yet, the first draw is random) */
unsigned
inet_port_pick(const uint32_t *taken, unsigned *next)
{
	unsigned lo, hi, n, start;

	inet_port_range(&lo, &hi);
	n = hi - lo + 1;
	start = *next >= lo && *next <= hi ? *next - lo : net_rand32() % n;
	for (unsigned k = 0; k < n; k++) {
		unsigned port = lo + (start + k) % n;
		if (!(taken[port / 32] & (1u << (port % 32)))) {
			*next = port + 1;
			return port;
		}
	}
	return 0;
}

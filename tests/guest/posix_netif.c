/* In-guest checks of what the app sees of the interfaces: rtnetlink
 * (net/netlink.c) through libc's getifaddrs, if_nameindex and
 * if_nametoindex and through raw RTM_GETLINK, RTM_GETADDR and
 * RTM_GETROUTE dumps parsed here; port ids, MSG_PEEK|MSG_TRUNC,
 * MSG_DONTWAIT, poll, acknowledgements and errors; the interface
 * ioctls (net/ifioctl.c) on an AF_UNIX socket, the IPv4 ones on an
 * AF_INET socket where there is one; the headers and lines of
 * /proc/net/dev, route, tcp, tcp6, udp, udp6 (net/procnet.c);
 * getservbyname and getprotobyname (netbase's files). With UNUM_NET_ETH0=ADDR
 * in the environment (tests/e2e/net-iface.sh boots with a NIC) eth0 must
 * be index 2 with that IPv4 address. Passes on Linux too (what only unum
 * answers is checked when UNUM_TEST is set). */
#define _GNU_SOURCE
#include "tap.h"
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* linux/netlink.h and linux/rtnetlink.h, which musl does not have */
#define NETLINK_ROUTE 0
struct sockaddr_nl {
	sa_family_t nl_family;
	unsigned short nl_pad;
	uint32_t nl_pid, nl_groups;
};
struct nlmsghdr {
	uint32_t nlmsg_len;
	uint16_t nlmsg_type, nlmsg_flags;
	uint32_t nlmsg_seq, nlmsg_pid;
};
struct nlmsgerr {
	int error;
	struct nlmsghdr msg;
};
#define NLM_F_REQUEST 1
#define NLM_F_ACK 4
#define NLM_F_DUMP 0x300
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLMSG_ALIGN(len) (((len) + 3u) & ~3u)
#define NLMSG_HDRLEN ((int)NLMSG_ALIGN(sizeof(struct nlmsghdr)))
#define NLMSG_LENGTH(len) ((len) + NLMSG_HDRLEN)
#define NLMSG_DATA(h) ((void *)((char *)(h) + NLMSG_HDRLEN))
#define NLMSG_NEXT(h, len)                                                                         \
	((len) -= NLMSG_ALIGN((h)->nlmsg_len),                                                     \
	 (struct nlmsghdr *)((char *)(h) + NLMSG_ALIGN((h)->nlmsg_len)))
#define NLMSG_OK(h, len)                                                                           \
	((len) >= (int)sizeof(struct nlmsghdr) && (h)->nlmsg_len >= sizeof(struct nlmsghdr) &&     \
	 (h)->nlmsg_len <= (unsigned)(len))
struct rtattr {
	unsigned short rta_len, rta_type;
};
#define RTA_ALIGN(len) (((len) + 3u) & ~3u)
#define RTA_OK(a, len)                                                                             \
	((len) >= (int)sizeof(struct rtattr) && (a)->rta_len >= sizeof(struct rtattr) &&           \
	 (a)->rta_len <= (len))
#define RTA_NEXT(a, len)                                                                           \
	((len) -= RTA_ALIGN((a)->rta_len), (struct rtattr *)((char *)(a) + RTA_ALIGN((a)->rta_len)))
#define RTA_DATA(a) ((void *)((char *)(a) + RTA_ALIGN(sizeof(struct rtattr))))
#define RTA_PAYLOAD(a) ((int)(a)->rta_len - (int)RTA_ALIGN(sizeof(struct rtattr)))
struct ifinfomsg {
	unsigned char ifi_family, ifi_pad;
	unsigned short ifi_type;
	int ifi_index;
	unsigned ifi_flags, ifi_change;
};
struct ifaddrmsg {
	uint8_t ifa_family, ifa_prefixlen, ifa_flags, ifa_scope;
	uint32_t ifa_index;
};
struct rtmsg {
	unsigned char rtm_family, rtm_dst_len, rtm_src_len, rtm_tos, rtm_table, rtm_protocol,
	    rtm_scope, rtm_type;
	unsigned rtm_flags;
};
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define RTM_NEWROUTE 24
#define RTM_GETROUTE 26
#define IFLA_ADDRESS 1
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFLA_STATS 7
#define IFLA_STATS64 23
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_BROADCAST 4
#define RTA_DST 1
#define RTA_OIF 4
#define RTA_GATEWAY 5
#define RTA_TABLE 15
#define RTN_UNICAST 1
#define RTN_LOCAL 2
#define RT_TABLE_MAIN 254
#define RT_TABLE_LOCAL 255
#define RT_SCOPE_LINK 253
#define RT_SCOPE_HOST 254
#ifndef AF_PACKET
#define AF_PACKET 17
#endif

static bool on_unum;
static const char *eth0_addr; /* UNUM_NET_ETH0 */

static int
nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl a = {.nl_family = AF_NETLINK};

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
nl_request(int fd, int type, int flags, int family, int index, unsigned seq)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i; /* the largest fixed part asked with */
	} req;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = (unsigned short)type;
	req.h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
	req.h.nlmsg_seq = seq;
	req.i.ifi_family = (unsigned char)family;
	req.i.ifi_index = index;
	struct sockaddr_nl k = {.nl_family = AF_NETLINK};
	return (int)sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&k, sizeof(k));
}

/* what a dump said */
struct seen {
	int msgs, dones, errors, error, bad_seq;
	bool lo_link, lo_flags, lo_mtu, lo_type, lo_stats, eth0_link, eth0_mac;
	bool lo_addr4, lo_label, lo_addr6, eth0_addr4;
	bool route_local_lo, route_subnet_eth0, route_default;
};

static struct rtattr *
attr(struct nlmsghdr *h, size_t fixed, int type)
{
	int len = (int)(h->nlmsg_len - NLMSG_LENGTH(fixed));
	struct rtattr *a = (struct rtattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(fixed));

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == type)
			return a;
	return NULL;
}

static void
look(struct nlmsghdr *h, struct seen *s)
{
	struct in_addr e0 = {0};

	if (eth0_addr)
		inet_pton(AF_INET, eth0_addr, &e0);
	s->msgs++;
	if (h->nlmsg_type == NLMSG_DONE)
		s->dones++;
	if (h->nlmsg_type == NLMSG_ERROR) {
		s->errors++;
		s->error = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
	if (h->nlmsg_type == RTM_NEWLINK) {
		struct ifinfomsg *i = NLMSG_DATA(h);
		struct rtattr *n = attr(h, sizeof(*i), IFLA_IFNAME);
		struct rtattr *m = attr(h, sizeof(*i), IFLA_MTU);
		struct rtattr *a = attr(h, sizeof(*i), IFLA_ADDRESS);
		if (n && !strcmp(RTA_DATA(n), "lo") && i->ifi_index == 1) {
			s->lo_link = true;
			s->lo_flags = (i->ifi_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING)) ==
			              (IFF_UP | IFF_LOOPBACK | IFF_RUNNING);
			s->lo_type = i->ifi_type == 772; /* ARPHRD_LOOPBACK */
			s->lo_mtu = m && *(unsigned *)RTA_DATA(m) == 65536;
			s->lo_stats = attr(h, sizeof(*i), IFLA_STATS64) &&
			              RTA_PAYLOAD(attr(h, sizeof(*i), IFLA_STATS64)) >= 24 * 8 &&
			              attr(h, sizeof(*i), IFLA_STATS);
		}
		if (n && !strcmp(RTA_DATA(n), "eth0") && i->ifi_index == 2) {
			s->eth0_link = true;
			s->eth0_mac = a && RTA_PAYLOAD(a) == 6 && i->ifi_type == 1;
		}
	}
	if (h->nlmsg_type == RTM_NEWADDR) {
		struct ifaddrmsg *i = NLMSG_DATA(h);
		struct rtattr *a = attr(h, sizeof(*i), IFA_ADDRESS);
		struct rtattr *l = attr(h, sizeof(*i), IFA_LABEL);
		if (i->ifa_family == AF_INET && a && i->ifa_index == 1 &&
		    *(uint32_t *)RTA_DATA(a) == htonl(INADDR_LOOPBACK) && i->ifa_prefixlen == 8 &&
		    i->ifa_scope == RT_SCOPE_HOST && attr(h, sizeof(*i), IFA_LOCAL)) {
			s->lo_addr4 = true;
			s->lo_label = l && !strcmp(RTA_DATA(l), "lo");
		}
		if (i->ifa_family == AF_INET6 && a && i->ifa_index == 1 &&
		    i->ifa_prefixlen == 128 && !memcmp(RTA_DATA(a), &in6addr_loopback, 16))
			s->lo_addr6 = true;
		if (i->ifa_family == AF_INET && a && i->ifa_index == 2 &&
		    *(uint32_t *)RTA_DATA(a) == e0.s_addr && attr(h, sizeof(*i), IFA_BROADCAST))
			s->eth0_addr4 = true;
	}
	if (h->nlmsg_type == RTM_NEWROUTE) {
		struct rtmsg *r = NLMSG_DATA(h);
		struct rtattr *d = attr(h, sizeof(*r), RTA_DST);
		struct rtattr *o = attr(h, sizeof(*r), RTA_OIF);
		struct rtattr *t = attr(h, sizeof(*r), RTA_TABLE);
		int oif = o ? *(int *)RTA_DATA(o) : 0;
		if (r->rtm_family != AF_INET || !t)
			return;
		if (r->rtm_type == RTN_LOCAL && r->rtm_table == RT_TABLE_LOCAL && d &&
		    r->rtm_dst_len == 32 && *(uint32_t *)RTA_DATA(d) == htonl(INADDR_LOOPBACK) &&
		    oif == 1 && *(unsigned *)RTA_DATA(t) == RT_TABLE_LOCAL)
			s->route_local_lo = true;
		if (r->rtm_type == RTN_UNICAST && r->rtm_table == RT_TABLE_MAIN && d && oif == 2 &&
		    r->rtm_scope == RT_SCOPE_LINK &&
		    *(uint32_t *)RTA_DATA(d) == (e0.s_addr & htonl(0xffffff00)))
			s->route_subnet_eth0 = true;
		if (r->rtm_type == RTN_UNICAST && r->rtm_table == RT_TABLE_MAIN && !d &&
		    r->rtm_dst_len == 0 && oif == 2 && attr(h, sizeof(*r), RTA_GATEWAY))
			s->route_default = true;
	}
}

/* read datagrams until NLMSG_DONE, an error, or nothing more (0 on time) */
static int
drain(int fd, unsigned seq, struct seen *s)
{
	static char buf[65536];

	memset(s, 0, sizeof(*s));
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 2000) != 1)
			return -1;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return -1;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				s->bad_seq++;
			look(h, s);
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				return 0;
		}
	}
}

static void
check_libc(void)
{
	struct ifaddrs *ifa, *i;
	bool lo4 = false, lo6 = false, lo_packet = false, e0 = false;
	char b[INET6_ADDRSTRLEN];

	CHECK(getifaddrs(&ifa) == 0, "getifaddrs");
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		int fam = i->ifa_addr->sa_family;
		if (fam == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, b,
			          sizeof(b));
		else if (fam == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, b,
			          sizeof(b));
		else
			b[0] = 0;
		if (!strcmp(i->ifa_name, "lo") && fam == AF_INET && !strcmp(b, "127.0.0.1") &&
		    i->ifa_netmask &&
		    ((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr == htonl(0xff000000) &&
		    (i->ifa_flags & IFF_LOOPBACK))
			lo4 = true;
		if (!strcmp(i->ifa_name, "lo") && fam == AF_INET6 && !strcmp(b, "::1"))
			lo6 = true;
		if (!strcmp(i->ifa_name, "lo") && fam == AF_PACKET)
			lo_packet = true;
		if (eth0_addr && !strcmp(i->ifa_name, "eth0") && fam == AF_INET &&
		    !strcmp(b, eth0_addr) && (i->ifa_flags & IFF_UP) && i->ifa_broadaddr)
			e0 = true;
	}
	CHECK(lo4, "getifaddrs: lo has 127.0.0.1/8");
	CHECK(lo6, "getifaddrs: lo has ::1");
	CHECK(lo_packet, "getifaddrs: lo's link (AF_PACKET)");
	CHECK(!eth0_addr || e0, "getifaddrs: eth0 has its address and a broadcast address");
	freeifaddrs(ifa);

	struct if_nameindex *ni = if_nameindex(), *p;
	bool lo = false, eth0 = false;
	CHECK(ni != NULL, "if_nameindex");
	for (p = ni; p && p->if_index; p++) {
		lo |= p->if_index == 1 && !strcmp(p->if_name, "lo");
		eth0 |= p->if_index == 2 && !strcmp(p->if_name, "eth0");
	}
	CHECK(lo, "if_nameindex: lo is 1");
	CHECK(!eth0_addr || eth0, "if_nameindex: eth0 is 2");
	if (ni)
		if_freenameindex(ni);
	CHECK(if_nametoindex("lo") == 1, "if_nametoindex(lo) == 1");
	errno = 0;
	CHECK(if_nametoindex("nosuch0") == 0 && errno == ENODEV, "if_nametoindex(nosuch0): ENODEV");
	char name[IF_NAMESIZE];
	CHECK(if_indextoname(1, name) && !strcmp(name, "lo"), "if_indextoname(1) is lo");
}

static void
check_socket(void)
{
	struct sockaddr_nl a;
	socklen_t len = sizeof(a);
	int fd = nl_open(), fd2;

	CHECK(fd >= 0, "socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) and bind");
	CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0 && len == sizeof(a) &&
	          a.nl_family == AF_NETLINK && a.nl_pid == (unsigned)getpid(),
	      "the first socket's port id is the pid");
	fd2 = nl_open();
	len = sizeof(a);
	CHECK(fd2 >= 0 && getsockname(fd2, (struct sockaddr *)&a, &len) == 0 && a.nl_pid != 0 &&
	          a.nl_pid != (unsigned)getpid(),
	      "a second socket gets another port id");
	struct sockaddr_nl taken = {.nl_family = AF_NETLINK, .nl_pid = (unsigned)getpid()};
	int fd3 = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
	CHECK(fd3 >= 0 && bind(fd3, (struct sockaddr *)&taken, sizeof(taken)) < 0 &&
	          errno == EADDRINUSE,
	      "bind to a port id in use: EADDRINUSE");
	close(fd3);
	close(fd2);
	CHECK(socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE) < 0 && errno == ESOCKTNOSUPPORT,
	      "SOCK_STREAM netlink: ESOCKTNOSUPPORT");

	char c;
	CHECK(recv(fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN,
	      "recv with nothing queued, MSG_DONTWAIT: EAGAIN");
	struct pollfd p = {fd, POLLIN, 0};
	CHECK(poll(&p, 1, 0) == 0, "poll: not readable before a request");

	/* the link dump: peek at its size first, as glibc does */
	struct seen s;
	CHECK(nl_request(fd, RTM_GETLINK, NLM_F_DUMP, AF_UNSPEC, 0, 7) > 0,
	      "RTM_GETLINK dump sent");
	CHECK(poll(&p, 1, 1000) == 1 && (p.revents & POLLIN), "poll: readable after it");
	ssize_t whole = recv(fd, &c, 1, MSG_PEEK | MSG_TRUNC);
	CHECK(whole > (ssize_t)sizeof(struct nlmsghdr),
	      "MSG_PEEK|MSG_TRUNC says the datagram's size");
	char small[8];
	struct iovec v = {small, sizeof(small)};
	struct msghdr mh = {
	    .msg_name = &a, .msg_namelen = sizeof(a), .msg_iov = &v, .msg_iovlen = 1};
	CHECK(recvmsg(fd, &mh, MSG_PEEK) == sizeof(small) && (mh.msg_flags & MSG_TRUNC) &&
	          mh.msg_namelen == sizeof(a) && a.nl_pid == 0,
	      "a short peek: MSG_TRUNC, from port 0 (the kernel)");
	CHECK(drain(fd, 7, &s) == 0 && s.dones == 1 && !s.errors && !s.bad_seq,
	      "the link dump ends with NLMSG_DONE, every message with its seq");
	CHECK(s.lo_link && s.lo_flags && s.lo_type, "lo: index 1, up, loopback, running");
	CHECK(s.lo_mtu, "lo: IFLA_MTU 65536");
	CHECK(s.lo_stats, "lo: IFLA_STATS64 and IFLA_STATS");
	CHECK(!eth0_addr || (s.eth0_link && s.eth0_mac), "eth0: index 2, Ethernet, its MAC");

	CHECK(nl_request(fd, RTM_GETADDR, NLM_F_DUMP, AF_UNSPEC, 0, 8) > 0 &&
	          drain(fd, 8, &s) == 0 && s.dones == 1 && !s.bad_seq,
	      "RTM_GETADDR dump");
	CHECK(s.lo_addr4 && s.lo_label, "lo: 127.0.0.1/8 scope host, IFA_LOCAL, IFA_LABEL lo");
	CHECK(s.lo_addr6, "lo: ::1/128");
	CHECK(!eth0_addr || s.eth0_addr4, "eth0: its IPv4 address and IFA_BROADCAST");
	CHECK(nl_request(fd, RTM_GETADDR, NLM_F_DUMP, AF_INET6, 0, 9) > 0 &&
	          drain(fd, 9, &s) == 0 && s.lo_addr6 && !s.lo_addr4,
	      "RTM_GETADDR AF_INET6: only IPv6 addresses");

	CHECK(nl_request(fd, RTM_GETROUTE, NLM_F_DUMP, AF_INET, 0, 10) > 0 &&
	          drain(fd, 10, &s) == 0 && s.dones == 1,
	      "RTM_GETROUTE dump");
	CHECK(s.route_local_lo, "route: local 127.0.0.1 dev lo table local");
	CHECK(!eth0_addr || s.route_subnet_eth0, "route: eth0's subnet, scope link");
	CHECK(!eth0_addr || s.route_default, "route: default via the gateway on eth0");

	CHECK(nl_request(fd, RTM_GETLINK, NLM_F_ACK, AF_UNSPEC, 1, 11) > 0 &&
	          drain(fd, 11, &s) == 0 && s.lo_link && s.errors == 1 && s.error == 0,
	      "RTM_GETLINK index 1: lo, then the acknowledgement");
	CHECK(nl_request(fd, RTM_GETLINK, 0, AF_UNSPEC, 999, 12) > 0 && drain(fd, 12, &s) == 0 &&
	          s.errors == 1 && s.error == -ENODEV,
	      "RTM_GETLINK of no interface: NLMSG_ERROR -ENODEV");
	if (on_unum) /* Linux would make the change */
		CHECK(nl_request(fd, RTM_NEWADDR, NLM_F_ACK, AF_INET, 1, 13) > 0 &&
		          drain(fd, 13, &s) == 0 && s.errors == 1 && s.error == -EOPNOTSUPP,
		      "RTM_NEWADDR: NLMSG_ERROR -EOPNOTSUPP (nothing is changed)");
	close(fd);
}

/* the interface ioctls, on an AF_UNIX socket (any family answers them) */
static void
check_ioctl(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct ifreq r;

	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	CHECK(ioctl(fd, SIOCGIFINDEX, &r) == 0 && r.ifr_ifindex == 1, "SIOCGIFINDEX lo: 1");
	memset(&r, 0, sizeof(r));
	r.ifr_ifindex = 1;
	CHECK(ioctl(fd, SIOCGIFNAME, &r) == 0 && !strcmp(r.ifr_name, "lo"), "SIOCGIFNAME 1: lo");
	CHECK(ioctl(fd, SIOCGIFFLAGS, &r) == 0 &&
	          (r.ifr_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING)) ==
	              (IFF_UP | IFF_LOOPBACK | IFF_RUNNING) &&
	          !(r.ifr_flags & IFF_BROADCAST),
	      "SIOCGIFFLAGS lo: up, loopback, running");
	CHECK(ioctl(fd, SIOCGIFMTU, &r) == 0 && r.ifr_mtu == 65536, "SIOCGIFMTU lo: 65536");
	CHECK(ioctl(fd, SIOCGIFADDR, &r) < 0 && errno == ENOTTY,
	      "SIOCGIFADDR on an AF_UNIX socket: ENOTTY (AF_INET's only)");
	CHECK(ioctl(fd, SIOCGIFHWADDR, &r) == 0 && r.ifr_hwaddr.sa_family == 772,
	      "SIOCGIFHWADDR lo: ARPHRD_LOOPBACK");
	/* the IPv4 ones on an AF_INET socket, where there is one */
	int in = socket(AF_INET, SOCK_DGRAM, 0);
	if (in >= 0) {
		strcpy(r.ifr_name, "lo");
		CHECK(ioctl(in, SIOCGIFADDR, &r) == 0 && r.ifr_addr.sa_family == AF_INET &&
		          ((struct sockaddr_in *)&r.ifr_addr)->sin_addr.s_addr ==
		              htonl(INADDR_LOOPBACK),
		      "SIOCGIFADDR lo: 127.0.0.1");
		CHECK(ioctl(in, SIOCGIFNETMASK, &r) == 0 &&
		          ((struct sockaddr_in *)&r.ifr_netmask)->sin_addr.s_addr ==
		              htonl(0xff000000),
		      "SIOCGIFNETMASK lo: 255.0.0.0");
	}
	if (in >= 0 && eth0_addr) {
		struct in_addr e0;
		inet_pton(AF_INET, eth0_addr, &e0);
		strcpy(r.ifr_name, "eth0");
		CHECK(ioctl(in, SIOCGIFADDR, &r) == 0 &&
		          ((struct sockaddr_in *)&r.ifr_addr)->sin_addr.s_addr == e0.s_addr,
		      "SIOCGIFADDR eth0: its address");
		CHECK(ioctl(in, SIOCGIFBRDADDR, &r) == 0 &&
		          ((struct sockaddr_in *)&r.ifr_broadaddr)->sin_addr.s_addr ==
		              (e0.s_addr | htonl(0xff)),
		      "SIOCGIFBRDADDR eth0: its /24's broadcast");
	}
	if (eth0_addr) {
		strcpy(r.ifr_name, "eth0");
		CHECK(ioctl(fd, SIOCGIFHWADDR, &r) == 0 && r.ifr_hwaddr.sa_family == 1 &&
		          (r.ifr_hwaddr.sa_data[0] | r.ifr_hwaddr.sa_data[5]),
		      "SIOCGIFHWADDR eth0: Ethernet, a MAC");
		CHECK(ioctl(fd, SIOCGIFFLAGS, &r) == 0 && (r.ifr_flags & IFF_BROADCAST) &&
		          (r.ifr_flags & IFF_UP),
		      "SIOCGIFFLAGS eth0: up, broadcast");
	}
	if (in >= 0)
		close(in);
	strcpy(r.ifr_name, "nosuch0");
	CHECK(ioctl(fd, SIOCGIFINDEX, &r) < 0 && errno == ENODEV, "SIOCGIFINDEX nosuch0: ENODEV");
	CHECK(ioctl(fd, SIOCGIFINDEX, (void *)8) < 0 && errno == EFAULT,
	      "SIOCGIFINDEX, a bad pointer: EFAULT");

	struct ifconf ifc = {.ifc_len = 0, .ifc_buf = NULL};
	CHECK(ioctl(fd, SIOCGIFCONF, &ifc) == 0 && ifc.ifc_len >= (int)sizeof(struct ifreq) &&
	          ifc.ifc_len % (int)sizeof(struct ifreq) == 0,
	      "SIOCGIFCONF without a buffer: the room needed");
	struct ifreq reqs[8];
	ifc.ifc_len = sizeof(reqs);
	ifc.ifc_req = reqs;
	bool lo = false;
	CHECK(ioctl(fd, SIOCGIFCONF, &ifc) == 0, "SIOCGIFCONF");
	for (int i = 0; i < ifc.ifc_len / (int)sizeof(struct ifreq); i++)
		lo |= !strcmp(reqs[i].ifr_name, "lo") &&
		      ((struct sockaddr_in *)&reqs[i].ifr_addr)->sin_addr.s_addr ==
		          htonl(INADDR_LOOPBACK);
	CHECK(lo, "SIOCGIFCONF: lo with 127.0.0.1");
	if (on_unum) { /* Linux would make the change */
		strcpy(r.ifr_name, "lo");
		r.ifr_mtu = 1500;
		CHECK(ioctl(fd, SIOCSIFMTU, &r) < 0 && errno == EOPNOTSUPP,
		      "SIOCSIFMTU: EOPNOTSUPP (nothing is changed)");
	}
	close(fd);
}

/* the file's lines into buf (NUL-separated), their count */
static int
read_lines(const char *path, char *buf, size_t size, char **lines, int max)
{
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -1;
	while (n < max && fgets(buf, (int)size, f)) {
		size_t len = strlen(buf);
		lines[n++] = buf;
		buf += len + 1;
		size -= len + 1;
		if (size < 2)
			break;
	}
	fclose(f);
	return n;
}

static void
check_proc(void)
{
	static char buf[65536];
	char *l[64];
	int n;

	n = read_lines("/proc/net/dev", buf, sizeof(buf), l, 64);
	CHECK(n >= 3 &&
	          !strcmp(l[0],
	                  "Inter-|   Receive                                                |  "
	                  "Transmit\n") &&
	          !strcmp(l[1],
	                  " face |bytes    packets errs drop fifo frame compressed "
	                  "multicast|bytes    packets errs drop fifo colls carrier compressed\n"),
	      "/proc/net/dev: Linux's header");
	bool lo = false, eth0 = false;
	for (int i = 2; i < n; i++) {
		unsigned long v[16];
		char name[32];
		int k = sscanf(
		    l[i],
		    " %31[^:]: %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu",
		    name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
		    &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]);
		lo |= k == 17 && !strcmp(name, "lo") && !strncmp(l[i], "    lo: ", 8);
		eth0 |= k == 17 && !strcmp(name, "eth0") && !strncmp(l[i], "  eth0: ", 8) &&
		        v[0] > 0 && v[1] > 0 && v[8] > 0 && v[9] > 0;
	}
	CHECK(lo, "/proc/net/dev: lo, 16 counters, the name right-aligned in 6");
	CHECK(!eth0_addr || eth0, "/proc/net/dev: eth0 received and sent bytes and packets");

	n = read_lines("/proc/net/route", buf, sizeof(buf), l, 64);
	char hdr[200];
	snprintf(
	    hdr, sizeof(hdr), "%-127s\n",
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT");
	CHECK(n >= 1 && !strcmp(l[0], hdr), "/proc/net/route: Linux's header, padded to 127");
	bool def = false, all128 = true;
	for (int i = 1; i < n; i++) {
		all128 &= strlen(l[i]) == 128;
		def |= !strncmp(l[i], "eth0\t00000000\t", 14) && strstr(l[i], "\t0003\t");
	}
	CHECK(all128, "/proc/net/route: every line padded to 127");
	CHECK(!eth0_addr || def, "/proc/net/route: eth0's default route, flags UG");

	n = read_lines("/proc/net/tcp", buf, sizeof(buf), l, 64);
	snprintf(
	    hdr, sizeof(hdr), "%-149s\n",
	    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	    "timeout inode");
	CHECK(n >= 1 && !strcmp(l[0], hdr), "/proc/net/tcp: Linux's header, padded to 149");
	n = read_lines("/proc/net/udp", buf, sizeof(buf), l, 64);
	snprintf(
	    hdr, sizeof(hdr), "%-127s\n",
	    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	    "timeout inode ref pointer drops");
	CHECK(n >= 1 && !strcmp(l[0], hdr), "/proc/net/udp: Linux's header, padded to 127");
	n = read_lines("/proc/net/tcp6", buf, sizeof(buf), l, 64);
	CHECK(n >= 1 &&
	          !strcmp(l[0], "  sl  local_address                         remote_address     "
	                        "                   st tx_queue rx_queue tr tm->when retrnsmt   "
	                        "uid  timeout inode\n"),
	      "/proc/net/tcp6: Linux's header");
	n = read_lines("/proc/net/udp6", buf, sizeof(buf), l, 64);
	CHECK(n >= 1 &&
	          !strcmp(l[0], "  sl  local_address                         remote_address     "
	                        "                   st tx_queue rx_queue tr tm->when retrnsmt   "
	                        "uid  timeout inode ref pointer drops\n"),
	      "/proc/net/udp6: Linux's header");
}

/* a line of the file holding 'needle', its length, or -1 */
static int
proc_line(const char *path, const char *needle)
{
	static char buf[65536];
	char *l[256];
	int n = read_lines(path, buf, sizeof(buf), l, 256);

	for (int i = 1; i < n; i++)
		if (strstr(l[i], needle))
			return (int)strlen(l[i]);
	return -1;
}

/* the inode column (the 10th field) of the file's line holding 'needle',
 * or 0 */
static unsigned long
proc_inode(const char *path, const char *needle)
{
	static char buf[65536];
	char *l[256];
	int n = read_lines(path, buf, sizeof(buf), l, 256);
	unsigned long ino = 0;

	for (int i = 1; i < n; i++)
		if (strstr(l[i], needle) &&
		    sscanf(l[i], "%*s %*s %*s %*s %*s %*s %*s %*s %*s %lu", &ino) == 1)
			return ino;
	return 0;
}

static unsigned long
fd_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : (unsigned long)st.st_ino;
}

/* sockets of the app's in /proc/net/tcp and udp, where AF_INET exists */
static void
check_proc_sockets(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	char want[64];
	int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);

	if (t < 0 || u < 0)
		return;
	CHECK(bind(t, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(t, 5) == 0 &&
	          getsockname(t, (struct sockaddr *)&a, &len) == 0,
	      "a TCP listener on 127.0.0.1");
	snprintf(want, sizeof(want), ": 0100007F:%04X 00000000:0000 0A ", ntohs(a.sin_port));
	CHECK(proc_line("/proc/net/tcp", want) == 150,
	      "/proc/net/tcp: the listener, state 0A, its line padded to 149");
	CHECK(proc_inode("/proc/net/tcp", want) == fd_inode(t) && fd_inode(t) != 0,
	      "/proc/net/tcp: the listener's inode is its fstat's");
	a.sin_port = 0;
	len = sizeof(a);
	CHECK(bind(u, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	          getsockname(u, (struct sockaddr *)&a, &len) == 0,
	      "a UDP socket on 127.0.0.1");
	snprintf(want, sizeof(want), ": 0100007F:%04X 00000000:0000 07 ", ntohs(a.sin_port));
	CHECK(proc_line("/proc/net/udp", want) == 128,
	      "/proc/net/udp: the socket, state 07, its line padded to 127");
	CHECK(proc_inode("/proc/net/udp", want) == fd_inode(u) && fd_inode(u) != 0,
	      "/proc/net/udp: the socket's inode is its fstat's");
	close(t);
	close(u);
}

/* /etc/services and /etc/protocols: netbase's, put in by tools/unum */
static void
check_netbase(void)
{
	struct servent *se = getservbyname("http", "tcp");
	CHECK(se && ntohs((uint16_t)se->s_port) == 80, "getservbyname(http, tcp): 80");
	se = getservbyport(htons(22), "tcp");
	CHECK(se && !strcmp(se->s_name, "ssh"), "getservbyport(22, tcp): ssh");
	struct protoent *pe = getprotobyname("tcp");
	CHECK(pe && pe->p_proto == 6, "getprotobyname(tcp): 6");
	pe = getprotobyname("udp");
	CHECK(pe && pe->p_proto == 17, "getprotobyname(udp): 17");
}

int
main(void)
{
	on_unum = getenv("UNUM_TEST") != NULL;
	eth0_addr = getenv("UNUM_NET_ETH0");
	check_libc();
	check_socket();
	check_ioctl();
	check_proc();
	check_proc_sockets();
	check_netbase();
	return tap_done();
}

/* The interface ioctls, from net/ifinfo.c. Those Linux answers on a
 * socket of any family (net/core/dev_ioctl.c: names, indexes, flags,
 * MTU, hardware address, SIOCGIFCONF) are net_if_ioctl's, called by
 * net/socket.c before the family's own ioctl; the IPv4 address, mask and
 * broadcast ones Linux answers on AF_INET sockets only (devinet_ioctl:
 * elsewhere ENOTTY), net_if_addr_ioctl's, for the AF_INET family to call.
 * Nothing is changed: the SIOCSIF* requests are -EOPNOTSUPP.
 * tests/guest/posix_netif.c exercises it (libc's if_nametoindex and
 * if_indextoname are these). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "net_impl.h"
#include "socket.h"
#include "socket_impl.h"
#include "uaccess.h"
#include "uapi/netlink.h"

static void
put_in(struct linux_ifreq *r, uint32_t addr_be)
{
	struct linux_sockaddr_in in = {.sin_family = AF_INET, .sin_addr = addr_be};

	memcpy(&r->ifr_addr, &in, sizeof(in));
}

/* SIOCGIFCONF: an ifreq with the IPv4 address of each interface that
 * has one, as many as fit whole; no buffer: the room they need */
static long
ifconf(void *uarg)
{
	struct net_ifinfo all[NET_IF_MAX];
	struct linux_ifconf ifc;
	int n, used = 0;

	if (copy_from_user(&ifc, uarg, sizeof(ifc)))
		return -EFAULT;
	n = net_if_list(all, NET_IF_MAX);
	for (int i = 0; i < n; i++) {
		struct linux_ifreq r;
		if (!all[i].have4)
			continue;
		if (ifc.ifc_buf) {
			if (ifc.ifc_len - used < (int)sizeof(r))
				break;
			memset(&r, 0, sizeof(r));
			memcpy(r.ifr_name, all[i].name, sizeof(r.ifr_name));
			put_in(&r, all[i].addr4);
			if (copy_to_user((char *)ifc.ifc_buf + used, &r, sizeof(r)))
				return -EFAULT;
		}
		used += (int)sizeof(r);
	}
	ifc.ifc_len = used;
	return copy_to_user(uarg, &ifc, sizeof(ifc)) ? -EFAULT : 0;
}

/* SIOCGIFNAME: the interface with index ifr_ifindex */
static int
by_index(int index, struct net_ifinfo *out)
{
	struct net_ifinfo all[NET_IF_MAX];
	int n = net_if_list(all, NET_IF_MAX);

	for (int i = 0; i < n; i++)
		if (all[i].index == index) {
			*out = all[i];
			return 0;
		}
	return -ENODEV;
}

/* the interface named in the app's ifreq (by index for SIOCGIFNAME) */
static long
ifreq_in(unsigned long cmd, void *uarg, struct linux_ifreq *r, struct net_ifinfo *ii)
{
	if (copy_from_user(r, uarg, sizeof(*r)))
		return -EFAULT;
	r->ifr_name[IFNAMSIZ - 1] = 0;
	return cmd == SIOCGIFNAME ? by_index(r->ifr_ifindex, ii) : net_if_find(r->ifr_name, ii);
}

long
net_if_ioctl(unsigned long cmd, void *uarg)
{
	struct linux_ifreq r;
	struct net_ifinfo ii;
	long err;

	switch (cmd) {
	case SIOCGIFCONF:
		return ifconf(uarg);
	case SIOCGIFNAME:
	case SIOCGIFFLAGS:
	case SIOCGIFMTU:
	case SIOCGIFHWADDR:
	case SIOCGIFINDEX:
		break;
	case SIOCSIFFLAGS:
	case SIOCSIFMTU:
	case SIOCSIFNAME:
	case SIOCSIFHWADDR:
		return -EOPNOTSUPP; /* XXX: the interfaces are configured at boot only */
	default:
		return -ENOTTY; /* not one every family answers */
	}
	if ((err = ifreq_in(cmd, uarg, &r, &ii)))
		return err;
	switch (cmd) {
	case SIOCGIFNAME:
		memcpy(r.ifr_name, ii.name, IFNAMSIZ);
		break;
	case SIOCGIFINDEX:
		r.ifr_ifindex = ii.index;
		break;
	case SIOCGIFFLAGS:
		r.ifr_flags = (int16_t)net_if_flags(&ii); /* the low 16 bits, as Linux */
		break;
	case SIOCGIFMTU:
		r.ifr_ifindex = (int32_t)ii.mtu; /* ifr_mtu */
		break;
	default: /* SIOCGIFHWADDR */
		memset(&r.ifr_addr, 0, sizeof(r.ifr_addr));
		r.ifr_addr.sa_family = ii.loopback ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
		memcpy(r.ifr_addr.sa_data, ii.hwaddr, (size_t)ii.hwlen);
	}
	return copy_to_user(uarg, &r, sizeof(r)) ? -EFAULT : 0;
}

long
net_if_addr_ioctl(unsigned long cmd, void *uarg)
{
	struct linux_ifreq r;
	struct net_ifinfo ii;
	long err;

	switch (cmd) {
	case SIOCGIFADDR:
	case SIOCGIFBRDADDR:
	case SIOCGIFNETMASK:
		break;
	case SIOCSIFADDR:
	case SIOCSIFBRDADDR:
	case SIOCSIFNETMASK:
		return -EOPNOTSUPP; /* XXX: the interfaces are configured at boot only */
	default:
		return -ENOTTY;
	}
	if ((err = ifreq_in(cmd, uarg, &r, &ii)))
		return err;
	if (!ii.have4)
		return -EADDRNOTAVAIL;
	put_in(&r, cmd == SIOCGIFADDR      ? ii.addr4
	           : cmd == SIOCGIFNETMASK ? ii.mask4
	           : ii.loopback           ? 0 /* lo's 127.0.0.1/8 has none */
	                                   : ii.addr4 | ~ii.mask4);
	return copy_to_user(uarg, &r, sizeof(r)) ? -EFAULT : 0;
}

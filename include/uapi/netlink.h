/* Netlink and rtnetlink messages (linux/netlink.h, linux/rtnetlink.h,
 * linux/if_link.h, linux/if_addr.h), and the interface ioctls'
 * struct ifreq and struct ifconf (linux/if.h, linux/sockios.h): Linux
 * x86-64 layouts and values. */
#ifndef UNUM_UAPI_NETLINK_H
#define UNUM_UAPI_NETLINK_H

#include "types.h"

#define NETLINK_ROUTE 0
#define SOL_NETLINK 270

struct linux_sockaddr_nl {
	uint16_t nl_family; /* AF_NETLINK */
	uint16_t nl_pad;
	uint32_t nl_pid;
	uint32_t nl_groups;
};

struct nlmsghdr {
	uint32_t nlmsg_len;
	uint16_t nlmsg_type;
	uint16_t nlmsg_flags;
	uint32_t nlmsg_seq;
	uint32_t nlmsg_pid;
};
#define NLMSG_ALIGN(len) (((len) + 3u) & ~3u)
#define NLMSG_HDRLEN ((uint32_t)NLMSG_ALIGN(sizeof(struct nlmsghdr)))

#define NLM_F_REQUEST 0x01
#define NLM_F_MULTI 0x02
#define NLM_F_ACK 0x04
#define NLM_F_ROOT 0x100
#define NLM_F_MATCH 0x200
#define NLM_F_DUMP (NLM_F_ROOT | NLM_F_MATCH)
#define NLM_F_CAPPED 0x100 /* in an NLMSG_ERROR: the request left out */

#define NLMSG_NOOP 1
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLMSG_MIN_TYPE 0x10

struct nlmsgerr {
	int32_t error;
	struct nlmsghdr msg;
};

struct rtattr {
	uint16_t rta_len;
	uint16_t rta_type;
};
#define RTA_ALIGN(len) (((len) + 3u) & ~3u)

/* rtnetlink message types: NEW, DEL, GET, SET of each kind in a row */
#define RTM_BASE 16
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define RTM_NEWROUTE 24
#define RTM_GETROUTE 26
#define RTM_MAX 127 /* rounded up past the last kind Linux 6.1 has */

struct ifinfomsg {
	uint8_t ifi_family;
	uint8_t ifi_pad;
	uint16_t ifi_type; /* ARPHRD_* */
	int32_t ifi_index;
	uint32_t ifi_flags; /* IFF_* */
	uint32_t ifi_change;
};
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772

#define IFLA_ADDRESS 1
#define IFLA_BROADCAST 2
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFLA_QDISC 6
#define IFLA_STATS 7
#define IFLA_TXQLEN 13
#define IFLA_OPERSTATE 16
#define IFLA_LINKMODE 17
#define IFLA_STATS64 23
#define IFLA_GROUP 27
#define IFLA_PROMISCUITY 30
#define IFLA_NUM_TX_QUEUES 31
#define IFLA_NUM_RX_QUEUES 32
#define IFLA_CARRIER 33
#define IFLA_CARRIER_CHANGES 35
#define IFLA_MIN_MTU 50
#define IFLA_MAX_MTU 51

#define IF_OPER_UNKNOWN 0
#define IF_OPER_DOWN 2
#define IF_OPER_UP 6

/* IFLA_STATS64 is struct rtnl_link_stats64, 25 u64 counters; IFLA_STATS
 * the first 24 as u32 (struct rtnl_link_stats). The first ones: */
enum {
	LS_RX_PACKETS,
	LS_TX_PACKETS,
	LS_RX_BYTES,
	LS_TX_BYTES,
	LS_RX_ERRORS,
	LS_TX_ERRORS,
	LS_RX_DROPPED,
	LS_TX_DROPPED,
	LS_COUNT64 = 25, /* since Linux 5.19: rx_otherhost_dropped */
	LS_COUNT32 = 24
};

struct ifaddrmsg {
	uint8_t ifa_family;
	uint8_t ifa_prefixlen;
	uint8_t ifa_flags; /* IFA_F_*, the low 8 bits (all in IFA_FLAGS) */
	uint8_t ifa_scope; /* RT_SCOPE_* */
	uint32_t ifa_index;
};
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_BROADCAST 4
#define IFA_CACHEINFO 6
#define IFA_FLAGS 8

#define IFA_F_NODAD 0x02
#define IFA_F_TENTATIVE 0x40
#define IFA_F_PERMANENT 0x80

struct ifa_cacheinfo {
	uint32_t ifa_prefered, ifa_valid; /* s; 0xffffffff: forever */
	uint32_t cstamp, tstamp;          /* hundredths of a second since boot */
};

struct rtmsg {
	uint8_t rtm_family;
	uint8_t rtm_dst_len;
	uint8_t rtm_src_len;
	uint8_t rtm_tos;
	uint8_t rtm_table;
	uint8_t rtm_protocol; /* RTPROT_* */
	uint8_t rtm_scope;    /* RT_SCOPE_* */
	uint8_t rtm_type;     /* RTN_* */
	uint32_t rtm_flags;
};
#define RTA_DST 1
#define RTA_OIF 4
#define RTA_GATEWAY 5
#define RTA_PRIORITY 6
#define RTA_PREFSRC 7
#define RTA_TABLE 15
#define RTA_PREF 20

#define RT_TABLE_MAIN 254
#define RT_TABLE_LOCAL 255
#define RTPROT_KERNEL 2
#define RTPROT_BOOT 3
#define RTPROT_STATIC 4
#define RTPROT_RA 9
#define RTPROT_DHCP 16
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_LINK 253
#define RT_SCOPE_HOST 254
#define RTN_UNICAST 1
#define RTN_LOCAL 2

/* --- the interface ioctls --- */
#define IFNAMSIZ 16
#define IFF_UP 0x1
#define IFF_BROADCAST 0x2
#define IFF_LOOPBACK 0x8
#define IFF_RUNNING 0x40
#define IFF_MULTICAST 0x1000
#define IFF_LOWER_UP 0x10000

#define SIOCGIFNAME 0x8910
#define SIOCGIFCONF 0x8912
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define SIOCGIFADDR 0x8915
#define SIOCSIFADDR 0x8916
#define SIOCGIFBRDADDR 0x8919
#define SIOCSIFBRDADDR 0x891a
#define SIOCGIFNETMASK 0x891b
#define SIOCSIFNETMASK 0x891c
#define SIOCGIFMTU 0x8921
#define SIOCSIFMTU 0x8922
#define SIOCSIFNAME 0x8923
#define SIOCSIFHWADDR 0x8924
#define SIOCGIFHWADDR 0x8927
#define SIOCGIFINDEX 0x8933

struct linux_sockaddr_in {
	uint16_t sin_family;
	uint16_t sin_port; /* network order */
	uint32_t sin_addr; /* network order */
	uint8_t sin_zero[8];
};

struct linux_ifreq {
	char ifr_name[IFNAMSIZ];
	union {
		struct {
			uint16_t sa_family;
			uint8_t sa_data[14];
		} ifr_addr; /* and hwaddr, netmask, broadaddr */
		int16_t ifr_flags;
		int32_t ifr_ifindex; /* and mtu */
		uint8_t ifr_pad[24]; /* the union is struct ifmap's size */
	};
};

struct linux_ifconf {
	int32_t ifc_len;
	void *ifc_buf;
};

#endif

/* Sockets as Linux x86-64 lays them out (linux/socket.h, linux/un.h,
 * asm-generic/socket.h, bits/socket.h): families, types, flags, the
 * sockaddr, msghdr and cmsghdr structs, SOL_SOCKET options. */
#ifndef UNUM_UAPI_SOCKET_H
#define UNUM_UAPI_SOCKET_H

#include "types.h"
struct linux_iovec; /* uapi/uio.h */

#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define AF_MAX 46

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK 04000   /* O_NONBLOCK */
#define SOCK_CLOEXEC 02000000 /* O_CLOEXEC */

#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_DONTROUTE 0x4
#define MSG_CTRUNC 0x8
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_MORE 0x8000
#define MSG_WAITFORONE 0x10000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SOL_SOCKET 1
#define SO_DEBUG 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_DONTROUTE 5
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_OOBINLINE 10
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define SO_PASSCRED 16
#define SO_PEERCRED 17
#define SO_RCVLOWAT 18
#define SO_SNDLOWAT 19
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN 30
#define SO_SNDBUFFORCE 32
#define SO_RCVBUFFORCE 33
#define SO_PROTOCOL 38
#define SO_DOMAIN 39

#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define SCM_MAX_FD 253 /* Linux's limit of fds in one message */

#define SOMAXCONN 4096 /* /proc/sys/net/core/somaxconn */

struct linux_sockaddr {
	uint16_t sa_family;
	char sa_data[14];
};

/* room for any family's address (struct sockaddr_storage) */
#define SOCKADDR_MAX 128

#define UNIX_PATH_MAX 108
struct linux_sockaddr_un {
	uint16_t sun_family;
	char sun_path[UNIX_PATH_MAX];
};

struct linux_ucred {
	int32_t pid;
	uint32_t uid, gid;
};

struct linux_msghdr {
	void *msg_name;
	int32_t msg_namelen;
	struct linux_iovec *msg_iov;
	size_t msg_iovlen;
	void *msg_control;
	size_t msg_controllen;
	int32_t msg_flags;
};

struct linux_mmsghdr {
	struct linux_msghdr msg_hdr;
	uint32_t msg_len;
};

struct linux_cmsghdr {
	size_t cmsg_len;
	int32_t cmsg_level;
	int32_t cmsg_type;
};

#define CMSG_ALIGN(len) (((len) + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1))
#define CMSG_LEN(len) (sizeof(struct linux_cmsghdr) + (len))
#define CMSG_SPACE(len) (sizeof(struct linux_cmsghdr) + CMSG_ALIGN(len))

struct linux_timeval {
	int64_t tv_sec, tv_usec;
};

/* ioctls on sockets */
#define SIOCINQ 0x541b  /* FIONREAD */
#define SIOCOUTQ 0x5411 /* TIOCOUTQ */

#endif

/* Shared inside net/: the generic socket layer's halves (net/socket.c,
 * net/sock_msg.c). */
#ifndef UNUM_NET_SOCKET_IMPL_H
#define UNUM_NET_SOCKET_IMPL_H

#include "socket.h"

struct linux_iovec;
/* the socket behind fd, its file held in *fp (file_put when done); NULL
 * with *err -EBADF or -ENOTSOCK */
struct socket *sock_get(int fd, struct file **fp, long *err);
/* read/write/readv/writev on a socket: one recvmsg/sendmsg with flags 0
 * over a kernel copy of the app's vector (checked) */
long sock_io(struct socket *s, struct linux_iovec *iov, int cnt, bool write);

/* ifioctl.c: the interface ioctls every socket answers (SIOCGIFCONF,
 * SIOCGIFNAME, SIOCGIFINDEX, SIOCGIFFLAGS, SIOCGIFMTU, SIOCGIFHWADDR and
 * their SIOCS*), before its family; -ENOTTY when cmd is not one */
long net_if_ioctl(unsigned long cmd, void *uarg);
/* the IPv4 ones (SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFBRDADDR and their
 * SIOCS*), which Linux answers on AF_INET sockets only: for the AF_INET
 * family's ioctl to call; -ENOTTY when cmd is not one */
long net_if_addr_ioctl(unsigned long cmd, void *uarg);

#endif

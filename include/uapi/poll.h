/* poll(2) and epoll(7): events, epoll_ctl operations and the layouts the
 * app passes, Linux x86-64 values (asm-generic/poll.h, linux/eventpoll.h). */
#ifndef UNUM_UAPI_POLL_H
#define UNUM_UAPI_POLL_H

#include "types.h"

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100
#define POLLRDHUP 0x2000 /* the peer shut down its writing (sockets) */

struct linux_pollfd {
	int fd;
	short events, revents;
};

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)

/* packed on x86-64, as Linux's EPOLL_PACKED */
struct linux_epoll_event {
	uint32_t events;
	uint64_t data;
} __packed;

#endif

/* The socket layer (net/socket.c): sockets are open files (include/vfs.h)
 * whose system calls (socket, bind, connect, sendmsg, ...) net/socket.c
 * decodes and hands to the socket's family, found in a table each family
 * registers itself into with SOCK_FAMILY. AF_UNIX is net/unix.c; a
 * family nobody registered is -EAFNOSUPPORT. Errors are -errno values.
 *
 * A family implements:
 *   static int my_create(struct socket *s, int protocol) {
 *       s->s_ops = &my_stream_ops;  s->s_priv = ...;  return 0;
 *   }
 *   static const struct sock_family my_family = {.family = AF_X, .create = my_create};
 *   SOCK_FAMILY(my_family);
 * and a struct sock_ops per kind of socket. The generic layer owns the
 * SOL_SOCKET options every family shares (SO_TYPE, SO_DOMAIN,
 * SO_PROTOCOL, SO_RCVBUF, SO_SNDBUF, SO_RCVTIMEO, SO_SNDTIMEO) and hands
 * the others to the family's getsockopt/setsockopt, which answer
 * -ENOPROTOOPT for what they do not have. */
#ifndef UNUM_SOCKET_H
#define UNUM_SOCKET_H

#include "types.h"
#include "uapi/socket.h"

/* the longest option value getsockopt returns (TCP_INFO's 232 bytes) */
#define SOCKOPT_MAX 256

struct file;
struct poll_table;
struct socket;

/* one sendmsg/recvmsg as the kernel sees it: the app's vector (checked),
 * its address in a kernel buffer, its control data */
struct sock_msg {
	struct linux_iovec *iov; /* a kernel copy; the bases point into the app */
	int iovlen;
	size_t len;  /* the vector's total */
	size_t done; /* bytes moved through the vector so far (sock_msg_copy*) */
	/* send: the destination (namelen 0: none); recv: the family writes
	 * the source's address and its length here (0: none) */
	uint8_t name[SOCKADDR_MAX];
	int namelen;
	/* send: the control messages in a kernel copy; recv: the app's
	 * buffer, filled by sock_put_cmsg */
	void *control;
	size_t controllen, controlused;
	int flags; /* recv: the msg_flags returned (MSG_TRUNC, MSG_CTRUNC) */
};
/* n bytes between the vector at its cursor and a kernel buffer; the
 * cursor moves on. 0 or -EFAULT */
int sock_msg_copyin(struct sock_msg *m, void *dst, size_t n);
int sock_msg_copyout(struct sock_msg *m, const void *src, size_t n);
/* recv: a control message into the app's buffer; -EFAULT, or 0 (no room:
 * MSG_CTRUNC set in m->flags, nothing written) */
int sock_put_cmsg(struct sock_msg *m, int level, int type, const void *data, size_t len);

struct sock_ops {
	int (*bind)(struct socket *s, const void *addr, int len);
	int (*connect)(struct socket *s, const void *addr, int len, bool nonblock);
	int (*listen)(struct socket *s, int backlog); /* backlog within 0..SOMAXCONN */
	/* the next connection into ns (allocated by the generic layer with
	 * s's family, type and options; the family sets its ops and priv) */
	int (*accept)(struct socket *s, struct socket *ns, bool nonblock);
	int (*shutdown)(struct socket *s, int how); /* how checked: SHUT_RD..SHUT_RDWR */
	/* its own (peer false) or its peer's address into addr (room for
	 * SOCKADDR_MAX bytes): the length, or -ENOTCONN */
	int (*getname)(struct socket *s, void *addr, bool peer);
	/* the count of bytes moved, or -errno; nonblock: O_NONBLOCK or
	 * MSG_DONTWAIT. A send to a peer that is gone is -EPIPE; the generic
	 * layer raises SIGPIPE unless MSG_NOSIGNAL */
	long (*sendmsg)(struct socket *s, struct sock_msg *m, int flags, bool nonblock);
	long (*recvmsg)(struct socket *s, struct sock_msg *m, int flags, bool nonblock);
	int (*poll)(struct socket *s, struct poll_table *pt); /* as file_ops.poll */
	/* optional: SOL_SOCKET options the generic layer does not own, and
	 * the family's levels; val/len in kernel memory (*len: the room in,
	 * the length out) */
	int (*getsockopt)(struct socket *s, int level, int name, void *val, int *len);
	int (*setsockopt)(struct socket *s, int level, int name, const void *val, int len);
	int (*ioctl)(struct socket *s, unsigned long cmd, void *arg); /* optional */
	void (*release)(struct socket *s); /* the last reference to its file went */
};

struct socket {
	const struct sock_ops *s_ops; /* set by the family's create/accept */
	void *s_priv;                 /* the family's */
	struct file *s_file;          /* the open file it is (set at creation, constant) */
	int s_family, s_type, s_protocol;
	/* SO_RCVBUF/SO_SNDBUF in bytes (as getsockopt reports them, twice
	 * what was set, as Linux), SO_RCVTIMEO/SO_SNDTIMEO in ns (0: none);
	 * set by setsockopt, read by the family without a lock */
	int s_rcvbuf, s_sndbuf;
	uint64_t s_rcvtimeo, s_sndtimeo;
	/* optional: the inode number fstat and /proc/self/fd show (set by
	 * the family, the one its /proc/net file lists); 0: made up */
	uint64_t s_ino;
};

struct sock_family {
	int family; /* AF_* */
	/* s has its family and type (SOCK_* without flags) set: set s_ops
	 * and s_priv, or -ESOCKTNOSUPPORT, -EPROTONOSUPPORT */
	int (*create)(struct socket *s, int protocol);
	/* optional (-EOPNOTSUPP without): two created sockets, connected */
	int (*pair)(struct socket *a, struct socket *b);
};
#define SOCK_FAMILY(fam)                                                                           \
	static const struct sock_family *const __sockfam_##fam __used __section("sock_families")   \
	    __aligned(8) = &(fam)

/* the socket an open file is, or NULL when it is not one */
struct socket *sock_of(struct file *f);
/* the deadline (monotonic ns, 0: none) of a call starting now that
 * waits at most 'timeo' ns (SO_RCVTIMEO, SO_SNDTIMEO; 0 none) */
uint64_t sock_deadline(uint64_t timeo);

/* /proc/net/unix (net/unix.c), as Linux lays it out: the length */
size_t unix_proc_net(char *buf, size_t size);

#endif

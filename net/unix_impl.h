/* Shared inside net/ by AF_UNIX's halves: net/unix.c (sockets, names,
 * connections, poll, options) and net/unix_msg.c (the data path). One
 * mutex, unix_lock, guards every AF_UNIX socket, queue and name: a call
 * holds it while it looks and changes, and drops it to sleep. Wake-ups
 * go to a socket's poll head: POLLIN when its receive (or accept) queue
 * grows or its peer shuts down, POLLOUT when the bytes it sent are read
 * (the sender's head) or room appears in it (its own head). */
#ifndef UNUM_NET_UNIX_IMPL_H
#define UNUM_NET_UNIX_IMPL_H

#include "poll.h"
#include "queue.h"
#include "socket.h"
#include "sync.h"

#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2

enum unix_state { US_UNCONNECTED, US_LISTEN, US_CONNECTED };

/* a name: an address shared by a bound socket and the connections its
 * listener accepted (getsockname of those) */
struct unix_addr {
	int refs;
	int len; /* bytes of sun used: 2 + path + NUL, or 2 + abstract bytes */
	struct linux_sockaddr_un sun;
};

struct unix_sock {
	struct socket *sock; /* NULL for a connection not accepted yet */
	int type;
	enum unix_state state;
	int refs;     /* its file, its peer's pointer, each message it sent that is queued */
	bool dead;    /* its file is gone */
	int shutdown; /* RCV_SHUTDOWN | SEND_SHUTDOWN */
	int err;      /* SO_ERROR, cleared when read */
	bool passcred;
	struct unix_sock *peer; /* held; connected or default dgram destination */
	struct unix_addr *addr; /* held; NULL: unnamed */
	struct vnode *node;     /* the bound file's node, held; NULL: abstract or unnamed */
	struct list_node bound; /* on the bound names' list while it has a name of its own */
	struct list_node all;   /* on every socket's list (/proc/net/unix) */
	struct list_node rq;    /* received messages (struct umsg), oldest first */
	size_t rq_bytes;        /* their unread bytes */
	int rq_count;
	size_t wmem; /* bytes it sent that are queued at a receiver (SO_SNDBUF bounds) */
	/* a listener: connections made, not accepted (their 'qlink') */
	struct list_node acceptq;
	struct list_node qlink;
	int nq, backlog;
	struct linux_ucred cred;     /* who made it (listen or connect time, as Linux) */
	struct linux_ucred peercred; /* SO_PEERCRED */
	struct poll_head head;
	uint64_t ino; /* for /proc/net/unix and fstat */
};

/* a queued message */
struct umsg {
	struct list_node link;
	struct unix_sock *from; /* held: its wmem carries len */
	size_t len, off;        /* off: bytes a stream read took already */
	struct file **fds;      /* SCM_RIGHTS: held files */
	int nfds;
	bool has_cred;
	struct linux_ucred cred; /* SCM_CREDENTIALS the sender gave (else its own) */
	uint8_t data[];
};

extern struct mutex unix_lock;
/* the app's credentials now */
struct linux_ucred unix_cred_now(void);
void unix_hold(struct unix_sock *u);
/* under unix_lock: files to put once unlocked go on 'grave' (struct
 * umsg whose data are dropped); the last reference frees u */
void unix_unhold(struct unix_sock *u, struct list_node *grave);
/* unix_lock not held: free the messages on 'grave', putting their files */
void unix_grave_flush(struct list_node *grave);
/* under unix_lock: a message off u's queue and its bytes off the sender */
void unix_msg_unlink(struct unix_sock *u, struct umsg *m, struct list_node *grave);
/* the socket named by addr (held) or -ENOENT, -ECONNREFUSED,
 * -EPROTOTYPE, -EINVAL; unix_lock held */
int unix_find(const void *addr, int len, int type, struct unix_sock **out);
int unix_autobind(struct unix_sock *u);
/* wait on head h for mask with unix_lock held (dropped while asleep):
 * 0 woken (look again), -EAGAIN (deadline), -EINTR / -ERESTARTSYS */
struct unix_wait {
	struct poll_sleeper s;
	struct poll_waiter w;
};
void unix_wait_begin(struct unix_wait *w, struct poll_head *h, int mask);
int unix_wait(struct unix_wait *w, uint64_t deadline, uint64_t timeo);
void unix_wait_end(struct unix_wait *w);

long unix_sendmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock);
long unix_recvmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock);

#endif

/* AF_UNIX sockets, the kernel's own (no lwIP), as Linux's af_unix.c:
 * stream, seqpacket and datagram; names in the file system (a socket
 * node made by bind), abstract names (sun_path[0] == 0) and unnamed ones
 * (socketpair, autobind "\0XXXXX"); connections queued on a listener up
 * to its backlog; poll heads of their own; /proc/net/unix. The data path
 * is net/unix_msg.c. tests/guest/posix_unix.c exercises it. */
#include "cred.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "poll.h"
#include "socket.h"
#include "uaccess.h"
#include "uapi/ioctls.h"
#include "uapi/stat.h"
#include "unix_impl.h"
#include "vfs.h"

#define UNIX_ADDR_MIN 2             /* offsetof(struct sockaddr_un, sun_path) */
#define SO_ACCEPTCON_FLAG (1 << 16) /* /proc/net/unix's Flags of a listener */

struct mutex unix_lock = MUTEX_INIT;
static struct list_node bound_names = LIST_HEAD_INIT(bound_names); /* unix_sock.bound */
static struct list_node all_socks = LIST_HEAD_INIT(all_socks);     /* unix_sock.all */
static uint64_t next_ino = 1;                                      /* under unix_lock */
static unsigned next_autobind;                                     /* under unix_lock */

struct linux_ucred
unix_cred_now(void)
{
	return (struct linux_ucred){1 /* the app's pid */, cred_uid(CRED_E), cred_gid(CRED_E)};
}

/* a socket, unix_lock held */
static struct unix_sock *
usock_new(int type)
{
	struct unix_sock *u = kzalloc(sizeof(*u));

	if (!u)
		return NULL;
	u->type = type;
	u->refs = 1;
	list_init(&u->bound);
	list_init(&u->rq);
	list_init(&u->acceptq);
	list_init(&u->qlink);
	poll_head_init(&u->head);
	u->peercred = (struct linux_ucred){0, (uint32_t)-1, (uint32_t)-1};
	u->cred = unix_cred_now();
	u->ino = next_ino++;
	list_add_tail(&all_socks, &u->all);
	return u;
}

void
unix_hold(struct unix_sock *u)
{
	u->refs++;
}

static void
addr_put(struct unix_addr *a)
{
	if (a && --a->refs == 0)
		kfree(a);
}

void
unix_unhold(struct unix_sock *u, struct list_node *grave)
{
	struct list_node *n, *tmp;

	if (--u->refs)
		return;
	list_for_each_safe(n, tmp, &u->rq)
	    unix_msg_unlink(u, list_entry(n, struct umsg, link), grave);
	if (u->peer)
		unix_unhold(u->peer, grave);
	addr_put(u->addr);
	if (u->node)
		vfs_put(u->node);
	list_del(&u->all);
	kfree(u);
}

void
unix_grave_flush(struct list_node *grave)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, grave)
	{
		struct umsg *m = list_entry(n, struct umsg, link);
		for (int i = 0; i < m->nfds; i++)
			file_put(m->fds[i]);
		kfree(m->fds);
		kfree(m);
	}
}

void
unix_wait_begin(struct unix_wait *w, struct poll_head *h, int mask)
{
	poll_sleeper_init(&w->s);
	poll_waiter_add(&w->w, &w->s, h, mask);
}

int
unix_wait(struct unix_wait *w, uint64_t deadline, uint64_t timeo)
{
	int r;

	poll_sleeper_arm(&w->s); /* under unix_lock: no change can come between the look and this */
	mutex_unlock(&unix_lock);
	r = poll_sleep(&w->s, deadline);
	mutex_lock(&unix_lock);
	if (r == -ETIMEDOUT)
		return -EAGAIN; /* SO_RCVTIMEO/SO_SNDTIMEO ran out, as Linux */
	if (r == -EINTR)
		return timeo ? -EINTR : -ERESTARTSYS;
	return 0;
}

void
unix_wait_end(struct unix_wait *w)
{
	poll_waiter_del(&w->w);
}

/* --- names --- */
static bool
abstract(const struct linux_sockaddr_un *sun, int len)
{
	return len > UNIX_ADDR_MIN && sun->sun_path[0] == 0;
}

/* a name from the app, checked: its path NUL-terminated and its length
 * Linux's (2 + strlen + 1 for a path) */
static int
addr_make(const void *addr, int len, struct unix_addr **out)
{
	struct unix_addr *a;

	if (len < UNIX_ADDR_MIN || len > (int)sizeof(struct linux_sockaddr_un) ||
	    ((const struct linux_sockaddr_un *)addr)->sun_family != AF_UNIX)
		return -EINVAL;
	if (len == UNIX_ADDR_MIN)
		return -EINVAL;
	if (!(a = kzalloc(sizeof(*a))))
		return -ENOMEM;
	memcpy(&a->sun, addr, (size_t)len);
	a->refs = 1;
	a->len = len;
	if (!abstract(&a->sun, len))
		a->len = UNIX_ADDR_MIN + (int)strnlen(a->sun.sun_path, UNIX_PATH_MAX) + 1;
	*out = a;
	return 0;
}

static struct unix_sock *
find_abstract(const struct unix_addr *a)
{
	struct list_node *n;

	list_for_each(n, &bound_names)
	{
		struct unix_sock *u = list_entry(n, struct unix_sock, bound);
		if (!u->node && u->addr->len == a->len &&
		    !memcmp(&u->addr->sun, &a->sun, (size_t)a->len))
			return u;
	}
	return NULL;
}

static struct unix_sock *
find_node(struct vnode *v)
{
	struct list_node *n;

	list_for_each(n, &bound_names)
	{
		struct unix_sock *u = list_entry(n, struct unix_sock, bound);
		if (u->node == v)
			return u;
	}
	return NULL;
}

int
unix_find(const void *addr, int len, int type, struct unix_sock **out)
{
	struct unix_addr *a;
	struct unix_sock *u = NULL;
	int err = addr_make(addr, len, &a);

	if (err)
		return err;
	if (abstract(&a->sun, a->len)) {
		u = find_abstract(a);
		u = u && u->type == type ? u : NULL; /* another type's: not found, as Linux */
	} else {
		struct vnode *cwd = vfs_cwd_get(), *v;
		err = vfs_lookup(cwd, a->sun.sun_path, true, &v);
		vfs_put(cwd);
		if (!err && (err = vfs_may_access(v, W_OK, true)) == 0 &&
		    (vfs_node(v)->v_mode & S_IFMT) == S_IFSOCK)
			u = find_node(vfs_node(v));
		if (!err)
			vfs_put(v);
	}
	addr_put(a);
	if (err)
		return err;
	if (!u)
		return -ECONNREFUSED;
	if (u->type != type)
		return -EPROTOTYPE;
	unix_hold(*out = u);
	return 0;
}

int
unix_autobind(struct unix_sock *u)
{
	struct unix_addr *a;

	if (u->addr)
		return 0;
	if (!(a = kzalloc(sizeof(*a))))
		return -ENOMEM;
	a->refs = 1;
	a->len = UNIX_ADDR_MIN + 6;
	a->sun.sun_family = AF_UNIX;
	do /* as Linux: "\0" and five hex digits */
		fmt_snprintf(a->sun.sun_path + 1, 6, "%05x", next_autobind++ & 0xfffff);
	while (find_abstract(a));
	u->addr = a;
	list_add_tail(&bound_names, &u->bound);
	return 0;
}

static int
unix_bind(struct socket *s, const void *addr, int len)
{
	struct unix_sock *u = s->s_priv;
	struct unix_addr *a;
	struct vnode *cwd, *v;
	int err;

	if (len == UNIX_ADDR_MIN &&
	    ((const struct linux_sockaddr_un *)addr)->sun_family == AF_UNIX) {
		mutex_lock(&unix_lock);
		err = u->addr ? -EINVAL : unix_autobind(u);
		mutex_unlock(&unix_lock);
		return err;
	}
	if ((err = addr_make(addr, len, &a)))
		return err;
	mutex_lock(&unix_lock);
	if (abstract(&a->sun, a->len)) {
		err = u->addr ? -EINVAL : find_abstract(a) ? -EADDRINUSE : 0;
		if (err)
			goto err_addr;
	} else { /* Linux's order: the file first (-EADDRINUSE), then a bound socket's -EINVAL */
		cwd = vfs_cwd_get();
		err = vfs_create(cwd, a->sun.sun_path, S_IFSOCK | (0777 & ~vfs_umask()), &v);
		if (!err && u->addr) {
			vfs_put(v);
			vfs_remove(cwd, a->sun.sun_path, false);
			err = -EINVAL;
		} else if (err && v) {
			vfs_put(v);
		}
		vfs_put(cwd);
		if (err) {
			err = err == -EEXIST ? -EADDRINUSE : err;
			goto err_addr;
		}
		u->node = vfs_node(v);
		if (u->node != v) {
			vfs_node_hold(u->node);
			vfs_put(v);
		}
	}
	u->addr = a;
	list_add_tail(&bound_names, &u->bound);
	mutex_unlock(&unix_lock);
	return 0;
err_addr:
	mutex_unlock(&unix_lock);
	addr_put(a);
	return err;
}

static int
getname(struct socket *s, void *addr, bool peer)
{
	struct unix_sock *u = s->s_priv, *p;
	struct unix_addr *a;
	int len = UNIX_ADDR_MIN;

	mutex_lock(&unix_lock);
	p = u->type == SOCK_DGRAM || u->state == US_CONNECTED ? u->peer : NULL;
	if (peer && !p) {
		mutex_unlock(&unix_lock);
		return -ENOTCONN;
	}
	a = peer ? p->addr : u->addr;
	memset(addr, 0, UNIX_ADDR_MIN);
	((struct linux_sockaddr_un *)addr)->sun_family = AF_UNIX;
	if (a) {
		memcpy(addr, &a->sun, (size_t)a->len);
		len = a->len;
	}
	mutex_unlock(&unix_lock);
	return len;
}

/* --- connections --- */
static int
connect_stream(struct unix_sock *u, struct socket *s, const void *addr, int len, bool nonblock)
{
	struct unix_sock *l, *e;
	struct unix_wait w;
	struct list_node grave = LIST_HEAD_INIT(grave);
	uint64_t deadline = sock_deadline(s->s_sndtimeo);
	int err;

	mutex_lock(&unix_lock);
	if ((err = unix_find(addr, len, u->type, &l)))
		goto out;
	unix_wait_begin(&w, &l->head, POLLOUT);
	while (!err) { /* Linux's order: the listener, its backlog, then our state */
		if (l->dead || l->state != US_LISTEN) {
			err = -ECONNREFUSED;
			break;
		}
		if (l->nq <= l->backlog) {
			err = u->state == US_CONNECTED ? -EISCONN
			      : u->state == US_LISTEN  ? -EINVAL
			                               : 0;
			break;
		}
		err = nonblock ? -EAGAIN : unix_wait(&w, deadline, s->s_sndtimeo);
	}
	unix_wait_end(&w);
	if (!err && !(e = usock_new(u->type)))
		err = -ENOMEM;
	if (!err) {
		e->state = u->state = US_CONNECTED;
		e->addr = l->addr;
		l->addr->refs++;
		e->peer = u;
		unix_hold(u);
		u->peer = e;
		unix_hold(e);
		e->peercred = unix_cred_now();
		u->peercred = l->cred;
		list_add_tail(&l->acceptq, &e->qlink); /* the queue holds e's first reference */
		l->nq++;
		poll_wake(&l->head, POLLIN);
	}
	unix_unhold(l, &grave);
out:
	mutex_unlock(&unix_lock);
	unix_grave_flush(&grave);
	return err;
}

/* a datagram socket's default destination (AF_UNSPEC: none) */
static int
connect_dgram(struct unix_sock *u, const void *addr, int len)
{
	struct list_node grave = LIST_HEAD_INIT(grave);
	struct unix_sock *p = NULL, *old;
	int err = 0;

	mutex_lock(&unix_lock);
	if (len < UNIX_ADDR_MIN ||
	    ((const struct linux_sockaddr_un *)addr)->sun_family != AF_UNSPEC)
		err = unix_find(addr, len, u->type, &p);
	if (!err && p && p->peer && p->peer != u) {
		unix_unhold(p, &grave);
		err = -EPERM; /* it talks to another: unix_may_send */
	}
	if (!err && p && u->passcred)
		err = unix_autobind(u);
	if (!err) {
		old = u->peer;
		u->peer = p;
		if (old)
			unix_unhold(old, &grave);
	} else if (p && err != -EPERM) {
		unix_unhold(p, &grave);
	}
	mutex_unlock(&unix_lock);
	unix_grave_flush(&grave);
	return err;
}

static int
unix_connect(struct socket *s, const void *addr, int len, bool nonblock)
{
	struct unix_sock *u = s->s_priv;

	if (u->type == SOCK_DGRAM)
		return connect_dgram(u, addr, len);
	if (u->passcred) {
		mutex_lock(&unix_lock);
		int err = unix_autobind(u);
		mutex_unlock(&unix_lock);
		if (err)
			return err;
	}
	return connect_stream(u, s, addr, len, nonblock);
}

static int
unix_listen(struct socket *s, int backlog)
{
	struct unix_sock *u = s->s_priv;
	int err = 0;

	if (u->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	mutex_lock(&unix_lock);
	if (!u->addr || (u->state != US_UNCONNECTED && u->state != US_LISTEN))
		err = -EINVAL; /* no listening on an unbound socket, as Linux */
	else {
		u->state = US_LISTEN;
		u->backlog = backlog;
		u->cred = unix_cred_now();
		poll_wake(&u->head, POLLOUT); /* a larger backlog: room for connectors */
	}
	mutex_unlock(&unix_lock);
	return err;
}

static int
unix_accept(struct socket *s, struct socket *ns, bool nonblock)
{
	struct unix_sock *u = s->s_priv, *e = NULL;
	uint64_t deadline = sock_deadline(s->s_rcvtimeo);
	struct unix_wait w;
	int err = 0;

	if (u->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	mutex_lock(&unix_lock);
	unix_wait_begin(&w, &u->head, POLLIN);
	while (!err) {
		if (u->state != US_LISTEN) {
			err = -EINVAL;
			break;
		}
		if (u->nq) {
			e = list_entry(u->acceptq.next, struct unix_sock, qlink);
			list_del(&e->qlink);
			u->nq--;
			e->sock = ns;
			ns->s_ops = s->s_ops;
			ns->s_priv = e;
			ns->s_ino = e->ino;
			poll_wake(&u->head, POLLOUT); /* room in the backlog */
			break;
		}
		err = nonblock ? -EAGAIN : unix_wait(&w, deadline, s->s_rcvtimeo);
	}
	unix_wait_end(&w);
	mutex_unlock(&unix_lock);
	return err;
}

static void
shut(struct unix_sock *u, int mode)
{
	int ev = POLLIN | POLLOUT | POLLRDHUP | (u->err ? POLLERR : 0);

	u->shutdown |= mode;
	poll_wake(&u->head, ev | (u->shutdown == (RCV_SHUTDOWN | SEND_SHUTDOWN) ? POLLHUP : 0));
}

static int
unix_shutdown(struct socket *s, int how)
{
	struct unix_sock *u = s->s_priv;
	int mode = how + 1; /* SHUT_RD: RCV_SHUTDOWN, SHUT_WR: SEND_SHUTDOWN, SHUT_RDWR: both */

	mutex_lock(&unix_lock);
	shut(u, mode);
	if (u->peer && u->type != SOCK_DGRAM) /* Linux: 0 even when unconnected */
		shut(u->peer, ((mode & RCV_SHUTDOWN) ? SEND_SHUTDOWN : 0) |
		                  ((mode & SEND_SHUTDOWN) ? RCV_SHUTDOWN : 0));
	mutex_unlock(&unix_lock);
	return 0;
}

/* u's file went (or, a connection never accepted, its listener's):
 * unix_lock held */
static void
unix_close(struct unix_sock *u, struct list_node *grave)
{
	struct list_node *n, *tmp;
	struct unix_sock *p = u->peer;

	u->dead = true;
	u->sock = NULL;
	list_del(&u->bound);
	list_for_each_safe(n, tmp, &u->acceptq)
	{
		struct unix_sock *e = list_entry(n, struct unix_sock, qlink);
		list_del(&e->qlink);
		unix_close(e, grave);
		unix_unhold(e, grave);
	}
	u->nq = 0;
	if (p && u->type != SOCK_DGRAM) {
		if (!list_empty(&u->rq))
			p->err = ECONNRESET; /* unread data went: the peer hears of it, as Linux */
		shut(p, RCV_SHUTDOWN | SEND_SHUTDOWN);
	}
	if (p) {
		u->peer = NULL;
		unix_unhold(p, grave);
	}
	list_for_each_safe(n, tmp, &u->rq)
	    unix_msg_unlink(u, list_entry(n, struct umsg, link), grave);
	shut(u, RCV_SHUTDOWN | SEND_SHUTDOWN); /* waiters on its head look again */
}

static void
unix_release(struct socket *s)
{
	struct list_node grave = LIST_HEAD_INIT(grave);
	struct unix_sock *u = s->s_priv;

	mutex_lock(&unix_lock);
	unix_close(u, &grave);
	unix_unhold(u, &grave);
	mutex_unlock(&unix_lock);
	unix_grave_flush(
	    &grave); /* XXX: sockets passed into their own queues (a cycle) leak: no GC */
}

static bool
writable(struct unix_sock *u)
{
	return u->state != US_LISTEN && u->sock && (u->wmem << 2) <= (size_t)u->sock->s_sndbuf;
}

static int
unix_poll(struct socket *s, struct poll_table *pt)
{
	struct unix_sock *u = s->s_priv;
	int r = 0;

	poll_register(pt, &u->head);
	mutex_lock(&unix_lock);
	if (u->err)
		r |= POLLERR;
	if (u->shutdown == (RCV_SHUTDOWN | SEND_SHUTDOWN))
		r |= POLLHUP;
	if (u->shutdown & RCV_SHUTDOWN)
		r |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (!list_empty(&u->rq) || u->nq)
		r |= POLLIN | POLLRDNORM;
	if (u->type != SOCK_DGRAM && u->state == US_UNCONNECTED)
		r |= POLLHUP; /* Linux's TCP_CLOSE */
	/* XXX: a datagram socket whose receiver's queue is full still says
	 * POLLOUT (its send waits or is -EAGAIN); Linux's peer_wake is not here */
	if (writable(u))
		r |= POLLOUT | POLLWRNORM;
	mutex_unlock(&unix_lock);
	return r;
}

/* --- options and ioctls --- */
static int
unix_getsockopt(struct socket *s, int level, int name, void *val, int *len)
{
	struct unix_sock *u = s->s_priv;
	int v;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP; /* Linux: unix sockets have no other level */
	mutex_lock(&unix_lock);
	switch (name) {
	case SO_ACCEPTCONN:
		v = u->state == US_LISTEN;
		break;
	case SO_ERROR:
		v = u->err;
		u->err = 0;
		break;
	case SO_PASSCRED:
		v = u->passcred;
		break;
	case SO_PEERCRED:
		memcpy(val, &u->peercred, sizeof(u->peercred));
		*len = sizeof(u->peercred);
		mutex_unlock(&unix_lock);
		return 0;
	default:
		mutex_unlock(&unix_lock);
		return -ENOPROTOOPT;
	}
	mutex_unlock(&unix_lock);
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static int
unix_setsockopt(struct socket *s, int level, int name, const void *val, int len)
{
	struct unix_sock *u = s->s_priv;
	int v;

	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (name != SO_PASSCRED)
		return -ENOPROTOOPT;
	if (len < (int)sizeof(v))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	u->passcred = v != 0;
	return 0;
}

static int
unix_ioctl(struct socket *s, unsigned long cmd, void *arg)
{
	struct unix_sock *u = s->s_priv;
	int n;

	if (cmd != SIOCINQ && cmd != SIOCOUTQ)
		return -ENOTTY;
	mutex_lock(&unix_lock);
	if (cmd == SIOCOUTQ)
		n = (int)u->wmem;
	else if (u->state == US_LISTEN)
		n = -EINVAL;
	else if (u->type == SOCK_STREAM)
		n = (int)u->rq_bytes;
	else /* the next message's length, as Linux */
		n = list_empty(&u->rq) ? 0 : (int)list_entry(u->rq.next, struct umsg, link)->len;
	mutex_unlock(&unix_lock);
	if (n < 0)
		return n;
	return copy_to_user(arg, &n, sizeof(n)) ? -EFAULT : 0;
}

/* one table for the three types: each call looks at the type where
 * Linux's differ */
static const struct sock_ops unix_ops = {
    .bind = unix_bind,
    .connect = unix_connect,
    .listen = unix_listen,
    .accept = unix_accept,
    .shutdown = unix_shutdown,
    .getname = getname,
    .sendmsg = unix_sendmsg,
    .recvmsg = unix_recvmsg,
    .poll = unix_poll,
    .getsockopt = unix_getsockopt,
    .setsockopt = unix_setsockopt,
    .ioctl = unix_ioctl,
    .release = unix_release,
};

static int
unix_create(struct socket *s, int protocol)
{
	struct unix_sock *u;

	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (s->s_type == SOCK_RAW)
		s->s_type = SOCK_DGRAM; /* as Linux */
	if (s->s_type != SOCK_STREAM && s->s_type != SOCK_DGRAM && s->s_type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	mutex_lock(&unix_lock);
	u = usock_new(s->s_type);
	mutex_unlock(&unix_lock);
	if (!u)
		return -ENOMEM;
	u->sock = s;
	s->s_ops = &unix_ops;
	s->s_priv = u;
	s->s_ino = u->ino;
	return 0;
}

static int
unix_pair(struct socket *a, struct socket *b)
{
	struct unix_sock *x = a->s_priv, *y = b->s_priv;

	mutex_lock(&unix_lock);
	x->peer = y;
	y->peer = x;
	unix_hold(x);
	unix_hold(y);
	if (x->type != SOCK_DGRAM)
		x->state = y->state = US_CONNECTED;
	x->peercred = y->peercred = unix_cred_now();
	mutex_unlock(&unix_lock);
	return 0;
}

static const struct sock_family unix_family = {
    .family = AF_UNIX,
    .create = unix_create,
    .pair = unix_pair,
};
SOCK_FAMILY(unix_family);

/* --- /proc/net/unix --- */
size_t
unix_proc_net(char *b, size_t size)
{
	struct list_node *n;
	size_t at = (size_t)fmt_snprintf(
	    b, size, "Num       RefCount Protocol Flags    Type St Inode Path\n");

	mutex_lock(&unix_lock);
	list_for_each(n, &all_socks)
	{
		struct unix_sock *u = list_entry(n, struct unix_sock, all);
		char path[UNIX_PATH_MAX + 2] = "";
		if (at + 256 > size)
			break; /* procfs makes it again with more room */
		if (u->dead)
			continue;
		if (u->addr) {
			int k = u->addr->len - UNIX_ADDR_MIN - (u->node ? 1 : 0);
			path[0] = ' ';
			memcpy(path + 1, u->addr->sun.sun_path, (size_t)k);
			for (int i = 1; i <= k; i++)
				path[i] = path[i] ? path[i] : '@'; /* abstract names, as Linux */
			path[k + 1] = 0;
		}
		at += (size_t)fmt_snprintf(
		    b + at, size - at, "0000000000000000: %08X %08X %08X %04X %02X %5lu%s\n",
		    (unsigned)u->refs, 0u, u->state == US_LISTEN ? SO_ACCEPTCON_FLAG : 0,
		    (unsigned)u->type, u->state == US_CONNECTED ? 3u : 1u, (unsigned long)u->ino,
		    path);
	}
	mutex_unlock(&unix_lock);
	return MIN(at, size);
}

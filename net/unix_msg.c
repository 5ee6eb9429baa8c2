/* AF_UNIX's data path (net/unix_impl.h): a send makes messages (struct
 * umsg) on the receiver's queue, charged to the sender's SO_SNDBUF until
 * read; SCM_RIGHTS carries held files (installed as new fds at the
 * receive), SCM_CREDENTIALS the sender's ids. A stream read takes bytes
 * across messages (not past one that carries fds); seqpacket and
 * datagram reads take one message (MSG_TRUNC: the rest is dropped).
 * tests/guest/posix_unix.c exercises it. */
#include "cred.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "socket.h"
#include "uapi/fcntl.h"
#include "unix_impl.h"
#include "vfs.h"

#define DGRAM_QLEN 10   /* /proc/sys/net/unix/max_dgram_qlen */
#define SKB_OVERHEAD 32 /* Linux's: a datagram fits in SO_SNDBUF less this */

void
unix_msg_unlink(struct unix_sock *u, struct umsg *m, struct list_node *grave)
{
	struct unix_sock *from = m->from;

	list_del(&m->link);
	u->rq_bytes -= m->len - m->off;
	u->rq_count--;
	from->wmem -= m->len;
	poll_wake(&from->head, POLLOUT); /* its buffer has room */
	if (from != u)
		poll_wake(&u->head, POLLOUT); /* senders waiting for room in this queue */
	list_add_tail(grave, &m->link);
	unix_unhold(from, grave);
}

/* the control messages a send carries (net/socket.c copied them in) */
struct scm {
	struct file *fds[SCM_MAX_FD];
	int nfds;
	bool has_cred;
	struct linux_ucred cred;
};

static void
scm_drop(struct scm *c)
{
	for (int i = 0; i < c->nfds; i++)
		file_put(c->fds[i]);
	c->nfds = 0;
}

static bool
id_ok(uint32_t id, uint32_t (*get)(enum cred_which))
{
	return id == get(CRED_R) || id == get(CRED_E) || id == get(CRED_S);
}

/* Linux's __scm_send: levels other than SOL_SOCKET are skipped, a bad
 * length or an unknown type is -EINVAL, a bad fd -EBADF, credentials
 * that are not the app's -EPERM (unless it is root) */
static int
scm_parse(struct sock_msg *m, struct scm *c)
{
	size_t at = 0;

	c->nfds = 0;
	c->has_cred = false;
	while (m->controllen - at >= sizeof(struct linux_cmsghdr)) {
		struct linux_cmsghdr h;
		memcpy(&h, (uint8_t *)m->control + at, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > m->controllen - at)
			return -EINVAL;
		const uint8_t *data = (uint8_t *)m->control + at + sizeof(h);
		size_t dlen = h.cmsg_len - sizeof(h);
		at += CMSG_ALIGN(h.cmsg_len);
		if (h.cmsg_level != SOL_SOCKET)
			continue;
		if (h.cmsg_type == SCM_RIGHTS) {
			int n = (int)(dlen / sizeof(int));
			if (c->nfds + n > SCM_MAX_FD)
				return -EINVAL;
			for (int i = 0; i < n; i++) {
				int fd;
				memcpy(&fd, data + i * sizeof(int), sizeof(fd));
				if (!(c->fds[c->nfds] = fd_get(fd)))
					return -EBADF;
				c->nfds++;
			}
		} else if (h.cmsg_type == SCM_CREDENTIALS) {
			if (dlen != sizeof(struct linux_ucred))
				return -EINVAL;
			memcpy(&c->cred, data, sizeof(c->cred));
			if (!cred_capable() && (c->cred.pid != 1 || !id_ok(c->cred.uid, cred_uid) ||
			                        !id_ok(c->cred.gid, cred_gid)))
				return -EPERM;
			c->has_cred = true;
		} else {
			return -EINVAL;
		}
		if (at > m->controllen)
			break;
	}
	return 0;
}

/* a message of n bytes from the app's vector, with c's files (taken) */
static int
msg_make(struct sock_msg *m, size_t n, struct scm *c, struct umsg **out)
{
	struct umsg *um = kmalloc(sizeof(*um) + n);

	if (!um)
		return -ENOMEM;
	memset(um, 0, sizeof(*um));
	um->len = n;
	if (sock_msg_copyin(m, um->data, n)) {
		kfree(um);
		return -EFAULT;
	}
	um->cred = c->has_cred ? c->cred : unix_cred_now();
	um->has_cred = true;
	if (c->nfds) {
		if (!(um->fds = kmalloc(sizeof(struct file *) * (size_t)c->nfds))) {
			kfree(um);
			return -ENOMEM;
		}
		memcpy(um->fds, c->fds, sizeof(struct file *) * (size_t)c->nfds);
		um->nfds = c->nfds;
		c->nfds = 0;
	}
	*out = um;
	return 0;
}

static void
enqueue(struct unix_sock *from, struct unix_sock *to, struct umsg *um)
{
	um->from = from;
	unix_hold(from);
	from->wmem += um->len;
	list_add_tail(&to->rq, &um->link);
	to->rq_bytes += um->len;
	to->rq_count++;
	poll_wake(&to->head, POLLIN | POLLRDNORM);
}

/* stream and seqpacket: to the connected peer */
static long
send_conn(struct unix_sock *u, struct socket *s, struct sock_msg *m, struct scm *c, bool nonblock)
{
	uint64_t deadline = sock_deadline(s->s_sndtimeo);
	bool packet = u->type == SOCK_SEQPACKET;
	size_t sndbuf = (size_t)s->s_sndbuf;
	struct unix_wait w;
	long sent = 0, err = 0;

	if (packet && m->len > sndbuf - SKB_OVERHEAD)
		return -EMSGSIZE;
	unix_wait_begin(&w, &u->head, POLLOUT);
	while (!err) {
		struct unix_sock *p = u->peer;
		if (u->state != US_CONNECTED || !p) {
			err = -ENOTCONN;
			break;
		}
		if ((u->shutdown & SEND_SHUTDOWN) || p->dead || (p->shutdown & RCV_SHUTDOWN)) {
			err = -EPIPE;
			break;
		}
		if (!packet && sent == (long)m->len)
			break; /* a stream's empty write sends nothing, as Linux */
		size_t want = m->len - (size_t)sent, room = sndbuf > u->wmem ? sndbuf - u->wmem : 0;
		if (packet ? (u->wmem && u->wmem + want > sndbuf) : !room) {
			err = nonblock ? -EAGAIN : unix_wait(&w, deadline, s->s_sndtimeo);
			continue;
		}
		struct umsg *um;
		if ((err = msg_make(m, packet ? want : MIN(want, room), c, &um)))
			break;
		enqueue(u, p, um);
		sent += (long)um->len;
		if (packet)
			break;
	}
	unix_wait_end(&w);
	return sent && !packet ? sent : err ? err : sent;
}

/* datagram: to the name given or the default destination */
static long
send_dgram(struct unix_sock *u, struct socket *s, struct sock_msg *m, struct scm *c, bool nonblock,
           struct list_node *grave)
{
	uint64_t deadline = sock_deadline(s->s_sndtimeo);
	struct unix_sock *to = NULL;
	struct unix_wait w;
	long err;

	if (m->len > (size_t)s->s_sndbuf - SKB_OVERHEAD)
		return -EMSGSIZE;
	if (m->namelen)
		err = unix_find(m->name, m->namelen, SOCK_DGRAM, &to);
	else if ((to = u->peer))
		err = (unix_hold(to), 0);
	else
		err = -ENOTCONN;
	if (!err && u->passcred)
		err = unix_autobind(u);
	if (err)
		goto out;
	unix_wait_begin(&w, &to->head, POLLOUT);
	for (;;) {
		if (u->shutdown & SEND_SHUTDOWN) {
			err = -EPIPE;
			break;
		}
		if (to->dead) {
			err = -ECONNREFUSED;
			break;
		}
		if (to->peer && to->peer != u) {
			err = -EPERM; /* it talks to another only: unix_may_send */
			break;
		}
		if (to->shutdown & RCV_SHUTDOWN) {
			err = -EPIPE;
			break;
		}
		size_t rcvbuf = to->sock ? (size_t)to->sock->s_rcvbuf : 0;
		bool full = (to->peer != u && to->rq_count > DGRAM_QLEN) ||
		            (to->rq_count && to->rq_bytes + m->len > rcvbuf) ||
		            (u->wmem && u->wmem + m->len > (size_t)s->s_sndbuf);
		if (!full) {
			struct umsg *um;
			if (!(err = msg_make(m, m->len, c, &um)))
				enqueue(u, to, um);
			break;
		}
		/* XXX: a full SO_SNDBUF with the bytes at another receiver is
		 * woken by this one's reads only (or the deadline) */
		if ((err = nonblock ? -EAGAIN : unix_wait(&w, deadline, s->s_sndtimeo)))
			break;
	}
	unix_wait_end(&w);
	unix_unhold(to, grave);
out:
	return err ? err : (long)m->len;
}

long
unix_sendmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct unix_sock *u = s->s_priv;
	struct list_node grave = LIST_HEAD_INIT(grave);
	struct scm c;
	long r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP; /* XXX: Linux 5.15+ has MSG_OOB on streams */
	if (u->type == SOCK_STREAM && m->namelen)
		return u->state == US_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	if (u->type == SOCK_SEQPACKET)
		m->namelen = 0; /* ignored, as Linux */
	if ((r = scm_parse(m, &c))) {
		scm_drop(&c);
		return r;
	}
	mutex_lock(&unix_lock);
	r = u->type == SOCK_DGRAM ? send_dgram(u, s, m, &c, nonblock, &grave)
	                          : send_conn(u, s, m, &c, nonblock);
	mutex_unlock(&unix_lock);
	unix_grave_flush(&grave);
	scm_drop(&c); /* the files no message took */
	return r;
}

/* the control messages of um to the app: credentials when it asked
 * (SO_PASSCRED), its files as new fds (as many as the room takes; the
 * others are not installed, MSG_CTRUNC) */
static int
deliver_cmsgs(struct unix_sock *u, struct sock_msg *m, struct umsg *um, int flags)
{
	int fds[SCM_MAX_FD], n = 0, err;

	if (u->passcred && um->has_cred &&
	    (err = sock_put_cmsg(m, SOL_SOCKET, SCM_CREDENTIALS, &um->cred, sizeof(um->cred))))
		return err;
	if (!um->nfds)
		return 0;
	size_t room = m->control && m->controllen > m->controlused + CMSG_LEN(0)
	                  ? (m->controllen - m->controlused - CMSG_LEN(0)) / sizeof(int)
	                  : 0;
	for (; n < um->nfds && (size_t)n < room; n++) {
		file_get(um->fds[n]);
		if ((fds[n] = fd_install(um->fds[n], 0, flags & MSG_CMSG_CLOEXEC)) < 0) {
			file_put(um->fds[n]); /* the message still holds it: not the last */
			break;
		}
	}
	if (n < um->nfds)
		m->flags |= MSG_CTRUNC;
	return n ? sock_put_cmsg(m, SOL_SOCKET, SCM_RIGHTS, fds, sizeof(int) * (size_t)n) : 0;
}

/* wait for u's queue to have a message: 0, 1 (end of file), -errno */
static int
wait_data(struct unix_sock *u, struct unix_wait *w, uint64_t deadline, uint64_t timeo,
          bool nonblock)
{
	while (list_empty(&u->rq)) {
		int err;
		if (u->err) {
			err = -u->err;
			u->err = 0;
			return err;
		}
		if (u->shutdown & RCV_SHUTDOWN)
			return 1;
		if (nonblock)
			return -EAGAIN;
		if ((err = unix_wait(w, deadline, timeo)))
			return err;
	}
	return 0;
}

static void
source_name(struct sock_msg *m, struct umsg *um)
{
	struct unix_addr *a = um->from->addr;

	m->namelen = a ? a->len : 0; /* an unnamed sender: none, as Linux */
	if (a)
		memcpy(m->name, &a->sun, (size_t)a->len);
}

/* one message: seqpacket and datagram */
static long
recv_packet(struct unix_sock *u, struct socket *s, struct sock_msg *m, int flags, bool nonblock,
            struct list_node *grave)
{
	struct unix_wait w;
	struct umsg *um;
	long r;

	if (u->type == SOCK_SEQPACKET && u->state != US_CONNECTED)
		return -ENOTCONN;
	unix_wait_begin(&w, &u->head, POLLIN);
	r = wait_data(u, &w, sock_deadline(s->s_rcvtimeo), s->s_rcvtimeo, nonblock);
	unix_wait_end(&w);
	if (r)
		return r > 0 ? 0 : r;
	um = list_entry(u->rq.next, struct umsg, link);
	size_t n = MIN(m->len, um->len);
	if (sock_msg_copyout(m, um->data, n))
		return -EFAULT;
	if (u->type == SOCK_DGRAM)
		source_name(m, um);
	if ((r = deliver_cmsgs(u, m, um, flags)))
		return r;
	if (n < um->len)
		m->flags |= MSG_TRUNC;
	r = (flags & MSG_TRUNC) ? (long)um->len : (long)n;
	if (!(flags & MSG_PEEK))
		unix_msg_unlink(u, um, grave);
	return r;
}

/* a stream: bytes across messages, until the vector is full (MSG_WAITALL)
 * or the queue is empty once something was read */
static long
recv_stream(struct unix_sock *u, struct socket *s, struct sock_msg *m, int flags, bool nonblock,
            struct list_node *grave)
{
	uint64_t deadline = sock_deadline(s->s_rcvtimeo);
	size_t copied = 0, target = (flags & MSG_WAITALL) ? m->len : 1, skip = 0;
	struct list_node *at = u->rq.next; /* MSG_PEEK's place */
	struct unix_wait w;
	long err = 0;

	if (u->state != US_CONNECTED)
		return -EINVAL; /* as Linux's unix_stream_read_generic */
	unix_wait_begin(&w, &u->head, POLLIN);
	while (copied < m->len) {
		if (at == &u->rq) { /* nothing more queued */
			if (copied >= target)
				break;
			int r = wait_data(u, &w, deadline, s->s_rcvtimeo, nonblock);
			if (r || list_empty(&u->rq)) {
				err = r > 0 ? 0 : r;
				break;
			}
			at = u->rq.next;
			if (flags & MSG_PEEK) { /* past what this call peeked already */
				size_t k = copied;
				for (skip = 0; at != &u->rq; at = at->next) {
					struct umsg *p = list_entry(at, struct umsg, link);
					if (k < p->len - p->off) {
						skip = k;
						break;
					}
					k -= p->len - p->off;
				}
				if (at == &u->rq)
					continue;
			}
		}
		struct umsg *um = list_entry(at, struct umsg, link);
		if (copied && um->nfds)
			break; /* a message with files starts a read of its own */
		size_t from = um->off + skip, n = MIN(m->len - copied, um->len - from);
		if (sock_msg_copyout(m, um->data + from, n)) {
			err = -EFAULT;
			break;
		}
		if (!copied)
			source_name(m, um); /* as Linux's unix_stream_read_generic */
		if (!copied && (err = deliver_cmsgs(u, m, um, flags)))
			break;
		copied += n;
		skip = 0;
		bool had_fds = um->nfds > 0;
		at = at->next;
		if (!(flags & MSG_PEEK)) {
			um->off += n;
			u->rq_bytes -= n;
			if (um->off == um->len)
				unix_msg_unlink(u, um, grave);
			else
				at = &um->link; /* the vector is full: the rest stays */
		}
		if (had_fds)
			break;
	}
	unix_wait_end(&w);
	return copied ? (long)copied : err;
}

long
unix_recvmsg(struct socket *s, struct sock_msg *m, int flags, bool nonblock)
{
	struct unix_sock *u = s->s_priv;
	struct list_node grave = LIST_HEAD_INIT(grave);
	long r;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	mutex_lock(&unix_lock);
	r = u->type == SOCK_STREAM ? recv_stream(u, s, m, flags, nonblock, &grave)
	                           : recv_packet(u, s, m, flags, nonblock, &grave);
	mutex_unlock(&unix_lock);
	unix_grave_flush(&grave);
	return r;
}

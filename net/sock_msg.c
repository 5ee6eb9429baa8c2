/* The socket data calls (include/socket.h): send, sendto, sendmsg,
 * sendmmsg, recvfrom, recvmsg, recvmmsg and read/write on a socket, each
 * made one struct sock_msg (the app's msghdr checked and copied in, as
 * Linux's ___sys_sendmsg and ___sys_recvmsg) for the family; the helpers
 * the families move bytes and control messages with. Exercised by
 * tests/guest/posix_unix.c. */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "socket.h"
#include "socket_impl.h"
#include "syscall.h"
#include "uaccess.h"
#include "uapi/time.h"
#include "uapi/uio.h"
#include "vfs.h"

#define SIGPIPE 13
#define IOV_MAX 1024
#define OPTMEM_MAX 20480 /* /proc/sys/net/core/optmem_max: control data bytes */
#define MMSG_MAX 1024    /* UIO_MAXIOV: sendmmsg/recvmmsg's vlen */

static int
msg_copy(struct sock_msg *m, void *kbuf, size_t n, bool in)
{
	size_t at = m->done, k;

	for (int i = 0; i < m->iovlen && n; i++) {
		struct linux_iovec *v = &m->iov[i];
		if (at >= v->len) {
			at -= v->len;
			continue;
		}
		k = MIN(n, v->len - at);
		long e = in ? copy_from_user(kbuf, (uint8_t *)v->base + at, k)
		            : copy_to_user((uint8_t *)v->base + at, kbuf, k);
		if (e)
			return -EFAULT;
		kbuf = (uint8_t *)kbuf + k;
		m->done += k;
		n -= k;
		at = 0;
	}
	return 0;
}

int
sock_msg_copyin(struct sock_msg *m, void *dst, size_t n)
{
	return msg_copy(m, dst, n, true);
}

int
sock_msg_copyout(struct sock_msg *m, const void *src, size_t n)
{
	return msg_copy(m, (void *)src, n, false);
}

int
sock_put_cmsg(struct sock_msg *m, int level, int type, const void *data, size_t len)
{
	struct linux_cmsghdr h = {CMSG_LEN(len), level, type};
	uint8_t *at = (uint8_t *)m->control + m->controlused;

	if (!m->control || m->controllen - m->controlused < CMSG_LEN(len)) {
		m->flags |= MSG_CTRUNC;
		return 0;
	}
	if (copy_to_user(at, &h, sizeof(h)) || copy_to_user(at + sizeof(h), data, len))
		return -EFAULT;
	m->controlused += MIN(CMSG_SPACE(len), m->controllen - m->controlused);
	return 0;
}

/* the vector's total, each entry checked as Linux's import_iovec */
static long
iov_check(struct sock_msg *m)
{
	m->len = 0;
	for (int i = 0; i < m->iovlen; i++) {
		if ((long)m->iov[i].len < 0)
			return -EINVAL;
		if (!user_range_ok(m->iov[i].base, m->iov[i].len))
			return -EFAULT;
		m->len += m->iov[i].len;
	}
	return 0;
}

static bool
nonblocking(struct socket *s, int flags)
{
	return (s->s_file->f_flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
}

static long
do_send(struct socket *s, struct sock_msg *m, int flags)
{
	long r = iov_check(m);

	if (!r)
		r = s->s_ops->sendmsg(s, m, flags, nonblocking(s, flags));
	if (r == -EPIPE && !(flags & MSG_NOSIGNAL))
		signal_raise(thread_self(), SIGPIPE);
	return r;
}

static long
do_recv(struct socket *s, struct sock_msg *m, int flags)
{
	long r = iov_check(m);

	return r ? r : s->s_ops->recvmsg(s, m, flags, nonblocking(s, flags));
}

long
sock_io(struct socket *s, struct linux_iovec *iov, int cnt, bool write)
{
	struct sock_msg m = {.iov = iov, .iovlen = cnt};

	return write ? do_send(s, &m, 0) : do_recv(s, &m, 0);
}

SYSCALL(sendto)
{
	struct linux_iovec v = {(void *)a1, (size_t)a2};
	struct sock_msg m = {.iov = &v, .iovlen = 1};
	struct file *f;
	long err;
	struct socket *s = sock_get((int)a0, &f, &err);

	if (!s)
		return err;
	if (a4) {
		if (a5 < 0 || a5 > SOCKADDR_MAX) {
			err = -EINVAL;
			goto out;
		}
		if (copy_from_user(m.name, (void *)a4, (size_t)a5)) {
			err = -EFAULT;
			goto out;
		}
		m.namelen = (int)a5;
	}
	err = do_send(s, &m, (int)a3);
out:
	file_put(f);
	return err;
}

/* the source address to the app: as much as fits, the length in *ulen */
static int
name_out(void *uaddr, int *ulen, const struct sock_msg *m)
{
	int room;

	if (!uaddr || !ulen)
		return 0;
	if (copy_from_user(&room, ulen, sizeof(room)))
		return -EFAULT;
	if (room < 0)
		return -EINVAL;
	if (copy_to_user(uaddr, m->name, (size_t)MIN(room, m->namelen)))
		return -EFAULT;
	return copy_to_user(ulen, &m->namelen, sizeof(int)) ? -EFAULT : 0;
}

SYSCALL(recvfrom)
{
	struct linux_iovec v = {(void *)a1, (size_t)a2};
	struct sock_msg m = {.iov = &v, .iovlen = 1};
	struct file *f;
	long err, e;
	struct socket *s = sock_get((int)a0, &f, &err);

	if (!s)
		return err;
	err = do_recv(s, &m, (int)a3);
	if (err >= 0 && (e = name_out((void *)a4, (int *)a5, &m)))
		err = e;
	file_put(f);
	return err;
}

/* the app's msghdr into m (send: its control data copied too; free
 * with msg_end): 0, -EFAULT, -EINVAL, -EMSGSIZE, -ENOBUFS, -ENOMEM */
static int
msg_begin(struct sock_msg *m, struct linux_msghdr *h, const struct linux_msghdr *uh, bool send)
{
	memset(m, 0, sizeof(*m));
	if (copy_from_user(h, uh, sizeof(*h)))
		return -EFAULT;
	if (h->msg_name && h->msg_namelen < 0)
		return -EINVAL;
	if (h->msg_iovlen > IOV_MAX)
		return -EMSGSIZE;
	m->iovlen = (int)h->msg_iovlen;
	if (!(m->iov = kmalloc(sizeof(*m->iov) * MAX(h->msg_iovlen, 1))))
		return -ENOMEM;
	if (copy_from_user(m->iov, h->msg_iov, sizeof(*m->iov) * h->msg_iovlen))
		return -EFAULT;
	if (send && h->msg_name) {
		m->namelen = MIN(h->msg_namelen, SOCKADDR_MAX);
		if (copy_from_user(m->name, h->msg_name, (size_t)m->namelen))
			return -EFAULT;
	}
	m->controllen = h->msg_controllen;
	if (!send) {
		m->control = h->msg_control;
		return 0;
	}
	if (m->controllen > OPTMEM_MAX)
		return -ENOBUFS;
	if (m->controllen && !(m->control = kmalloc(m->controllen)))
		return -ENOMEM;
	if (m->controllen && copy_from_user(m->control, h->msg_control, m->controllen))
		return -EFAULT;
	return 0;
}

static void
msg_end(struct sock_msg *m, bool send)
{
	kfree(m->iov);
	if (send)
		kfree(m->control);
}

static long
sendmsg1(struct socket *s, const struct linux_msghdr *uh, int flags)
{
	struct linux_msghdr h;
	struct sock_msg m;
	long r = msg_begin(&m, &h, uh, true);

	if (!r)
		r = do_send(s, &m, flags);
	msg_end(&m, true);
	return r;
}

/* one recvmsg: the count, the msghdr's namelen, controllen and flags
 * written back */
static long
recvmsg1(struct socket *s, struct linux_msghdr *uh, int flags)
{
	struct linux_msghdr h;
	struct sock_msg m;
	long r = msg_begin(&m, &h, uh, false);

	if (!r)
		r = do_recv(s, &m, flags);
	if (r >= 0) {
		int32_t nl = h.msg_name ? MIN(m.namelen, h.msg_namelen) : 0, fl = m.flags;
		size_t cl = m.controlused;
		if (h.msg_name && copy_to_user(h.msg_name, m.name, (size_t)nl))
			r = -EFAULT;
		nl = h.msg_name ? m.namelen : 0;
		if (copy_to_user(&uh->msg_namelen, &nl, sizeof(nl)) ||
		    copy_to_user(&uh->msg_flags, &fl, sizeof(fl)) ||
		    copy_to_user(&uh->msg_controllen, &cl, sizeof(cl)))
			r = -EFAULT;
	}
	msg_end(&m, false);
	return r;
}

SYSCALL(sendmsg)
{
	struct file *f;
	long err;
	struct socket *s = sock_get((int)a0, &f, &err);

	if (!s)
		return err;
	err = sendmsg1(s, (const struct linux_msghdr *)a1, (int)a2);
	file_put(f);
	return err;
}

SYSCALL(recvmsg)
{
	struct file *f;
	long err;
	struct socket *s = sock_get((int)a0, &f, &err);

	if (!s)
		return err;
	err = recvmsg1(s, (struct linux_msghdr *)a1, (int)a2);
	file_put(f);
	return err;
}

SYSCALL(sendmmsg)
{
	struct linux_mmsghdr *v = (struct linux_mmsghdr *)a1;
	unsigned vlen = (unsigned)MIN((unsigned long)a2, MMSG_MAX), i;
	struct file *f;
	long err = 0, r;
	struct socket *s = sock_get((int)a0, &f, &err);

	if (!s)
		return err;
	for (i = 0; i < vlen; i++) {
		if ((r = sendmsg1(s, &v[i].msg_hdr, (int)a3)) < 0) {
			err = r;
			break;
		}
		uint32_t n = (uint32_t)r;
		if (copy_to_user(&v[i].msg_len, &n, sizeof(n))) {
			err = -EFAULT;
			break;
		}
	}
	file_put(f);
	return i ? (long)i : err; /* as Linux: the count once one went */
}

SYSCALL(recvmmsg)
{
	struct linux_mmsghdr *v = (struct linux_mmsghdr *)a1;
	unsigned vlen = (unsigned)MIN((unsigned long)a2, MMSG_MAX), i;
	int flags = (int)a3;
	uint64_t deadline = 0;
	struct file *f;
	long err = 0, r;
	struct socket *s = sock_get((int)a0, &f, &err);

	if (!s)
		return err;
	if (a4) {
		struct linux_timespec ts;
		if (copy_from_user(&ts, (void *)a4, sizeof(ts))) {
			err = -EFAULT;
			goto out;
		}
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000) {
			err = -EINVAL;
			goto out;
		}
		deadline = clock_ns() + (uint64_t)ts.sec * 1000000000ull + (uint64_t)ts.nsec;
	}
	for (i = 0; i < vlen; i++) {
		if ((r = recvmsg1(s, &v[i].msg_hdr, flags)) < 0) {
			err = r;
			break;
		}
		uint32_t n = (uint32_t)r;
		if (copy_to_user(&v[i].msg_len, &n, sizeof(n))) {
			err = -EFAULT;
			break;
		}
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (deadline && clock_ns() >= deadline) { /* checked after each, as Linux */
			i++;
			break;
		}
	}
	err = i ? (long)i : err;
out:
	file_put(f);
	return err;
}

/* The socket system calls (include/socket.h): arguments checked and
 * copied in, the socket found behind its fd, the work handed to its
 * family's ops; sockets are open files (read, write, readv, writev,
 * poll, ioctl, fstat, close). Linux's net/socket.c is the model for the
 * order of the checks. tests/guest/posix_unix.c exercises it. */
#include "socket.h"
#include "clock.h"
#include "cred.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "poll.h"
#include "sched.h"
#include "sections.h"
#include "signal.h"
#include "socket_impl.h"
#include "syscall.h"
#include "uaccess.h"
#include "uapi/ioctls.h"
#include "uapi/stat.h"
#include "uapi/uio.h"
#include "vfs.h"

#define SIGPIPE 13
#define IOV_MAX 1024
#define RMEM_MAX 212992 /* /proc/sys/net/core/rmem_max, wmem_max, and the defaults */
#define SOCK_MIN_SNDBUF 4608
#define SOCK_MIN_RCVBUF 2304

static const struct file_ops sock_fops;

struct socket *
sock_of(struct file *f)
{
	return f && f->f_ops == &sock_fops ? f->f_priv : NULL;
}

uint64_t
sock_deadline(uint64_t timeo)
{
	return timeo ? clock_ns() + timeo : 0;
}

static const struct sock_family *
family_of(int family)
{
	for (const struct sock_family *const *p = __start_sock_families; p < __stop_sock_families;
	     p++)
		if ((*p)->family == family)
			return *p;
	return NULL;
}

/* a socket and its open file (f_priv); NULL when out of memory */
static struct socket *
sock_new(int family, int type, int protocol, int flags)
{
	struct socket *s = kzalloc(sizeof(*s));
	struct file *f = s ? kzalloc(sizeof(*f)) : NULL;

	if (!f) {
		kfree(s);
		return NULL;
	}
	f->f_ops = &sock_fops;
	f->f_flags = O_RDWR | (flags & O_NONBLOCK);
	f->f_refs = 1;
	f->f_priv = s;
	s->s_file = f;
	s->s_family = family;
	s->s_type = type;
	s->s_protocol = protocol;
	s->s_rcvbuf = s->s_sndbuf = RMEM_MAX;
	return s;
}

/* a socket that its family never took (s_ops NULL) */
static void
sock_free(struct socket *s)
{
	kfree(s->s_file);
	kfree(s);
}

static int
sock_install(struct socket *s, int flags)
{
	int fd = fd_install(s->s_file, 0, flags & SOCK_CLOEXEC);

	if (fd < 0)
		file_put(s->s_file);
	return fd;
}

struct socket *
sock_get(int fd, struct file **fp, long *err)
{
	struct file *f = fd_get(fd);
	struct socket *s = sock_of(f);

	*err = !f ? -EBADF : -ENOTSOCK;
	if (f && !s)
		file_put(f);
	*fp = s ? f : NULL;
	return s;
}

static int
check_type(long type, int *kind)
{
	*kind = (int)(type & SOCK_TYPE_MASK);
	if (type & ~(long)(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	return *kind >= 1 && *kind <= 10 ? 0 : -EINVAL;
}

static int
sock_create(long family, long type, long protocol, struct socket **out)
{
	const struct sock_family *fam;
	int kind, err;

	if (family < 0 || family >= AF_MAX)
		return -EAFNOSUPPORT;
	if ((err = check_type(type, &kind)))
		return err;
	if (!(fam = family_of((int)family)))
		return -EAFNOSUPPORT;
	if (!(*out = sock_new((int)family, kind, (int)protocol, (int)type)))
		return -ENOMEM;
	if ((err = fam->create(*out, (int)protocol))) {
		sock_free(*out);
		return err;
	}
	return 0;
}

SYSCALL(socket)
{
	struct socket *s;
	int err = sock_create(a0, a1, a2, &s);

	return err ? err : sock_install(s, (int)a1);
}

SYSCALL(socketpair)
{
	struct socket *a, *b;
	int err, fds[2];

	if ((err = sock_create(a0, a1, a2, &a)))
		return err;
	if ((err = sock_create(a0, a1, a2, &b))) {
		file_put(a->s_file);
		return err;
	}
	const struct sock_family *fam = family_of((int)a0);
	err = fam->pair ? fam->pair(a, b) : -EOPNOTSUPP;
	if (err)
		goto err_put;
	if ((fds[0] = fd_install(a->s_file, 0, a1 & SOCK_CLOEXEC)) < 0) {
		err = fds[0];
		goto err_put;
	}
	if ((fds[1] = fd_install(b->s_file, 0, a1 & SOCK_CLOEXEC)) < 0) {
		fd_close(fds[0]);
		file_put(b->s_file);
		return fds[1];
	}
	if (copy_to_user((void *)a3, fds, sizeof(fds))) {
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -EFAULT;
	}
	return 0;
err_put:
	file_put(a->s_file);
	file_put(b->s_file);
	return err;
}

/* an address from the app: 0 or -EINVAL, -EFAULT */
static int
addr_in(const void *uaddr, long len, uint8_t *buf)
{
	if (len < 0 || len > SOCKADDR_MAX)
		return -EINVAL;
	return copy_from_user(buf, uaddr, (size_t)len) ? -EFAULT : 0;
}

/* an address to the app: as much as fits, and the whole length in *ulen */
static int
addr_out(void *uaddr, int *ulen, const void *addr, int len)
{
	int room;

	if (copy_from_user(&room, ulen, sizeof(room)))
		return -EFAULT;
	if (room < 0)
		return -EINVAL;
	if (copy_to_user(uaddr, addr, (size_t)MIN(room, len)))
		return -EFAULT;
	return copy_to_user(ulen, &len, sizeof(len)) ? -EFAULT : 0;
}

SYSCALL(bind)
{
	uint8_t addr[SOCKADDR_MAX];
	struct file *f;
	long err;
	struct socket *s = sock_get((int)a0, &f, &err);

	if (!s)
		return err;
	if (!(err = addr_in((void *)a1, a2, addr)))
		err = s->s_ops->bind(s, addr, (int)a2);
	file_put(f);
	return err;
}

SYSCALL(connect)
{
	uint8_t addr[SOCKADDR_MAX];
	struct file *f;
	long err;
	struct socket *s = sock_get((int)a0, &f, &err);

	if (!s)
		return err;
	if (!(err = addr_in((void *)a1, a2, addr)))
		err = s->s_ops->connect(s, addr, (int)a2, f->f_flags & O_NONBLOCK);
	file_put(f);
	return err;
}

SYSCALL(listen)
{
	struct file *f;
	long err;
	struct socket *s = sock_get((int)a0, &f, &err);
	unsigned backlog = (unsigned)a1;

	if (!s)
		return err;
	err = s->s_ops->listen(s, (int)MIN(backlog, SOMAXCONN)); /* negative: SOMAXCONN, as Linux */
	file_put(f);
	return err;
}

SYSCALL(accept4)
{
	struct file *f;
	long err;
	struct socket *s = sock_get((int)a0, &f, &err), *ns;
	uint8_t addr[SOCKADDR_MAX];
	int flags = (int)a3, fd;

	if (!s)
		return err;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) {
		err = -EINVAL;
		goto out;
	}
	/* the fd first, as Linux: at RLIMIT_NOFILE the connection stays queued */
	if ((fd = fd_reserve()) < 0) {
		err = fd;
		goto out;
	}
	if (!(ns = sock_new(s->s_family, s->s_type, s->s_protocol, flags))) {
		fd_unreserve(fd);
		err = -ENOMEM;
		goto out;
	}
	ns->s_rcvbuf = s->s_rcvbuf;
	ns->s_sndbuf = s->s_sndbuf;
	if ((err = s->s_ops->accept(s, ns, f->f_flags & O_NONBLOCK))) {
		sock_free(ns);
		fd_unreserve(fd);
		goto out;
	}
	if (a1) {
		int len = ns->s_ops->getname(ns, addr, true);
		if (len < 0 || (err = addr_out((void *)a1, (int *)a2, addr, len))) {
			file_put(ns->s_file); /* Linux drops the connection too */
			fd_unreserve(fd);
			err = len < 0 ? len : err;
			goto out;
		}
	}
	fd_fill(fd, ns->s_file, flags & SOCK_CLOEXEC);
	err = fd;
out:
	file_put(f);
	return err;
}

SYSCALL(accept)
{
	return sys_accept4(a0, a1, a2, 0, 0, 0);
}

SYSCALL(shutdown)
{
	struct file *f;
	long err;
	struct socket *s = sock_get((int)a0, &f, &err);

	if (!s)
		return err;
	err = a1 < SHUT_RD || a1 > SHUT_RDWR ? -EINVAL : s->s_ops->shutdown(s, (int)a1);
	file_put(f);
	return err;
}

static long
getname(long fd, void *uaddr, int *ulen, bool peer)
{
	uint8_t addr[SOCKADDR_MAX];
	struct file *f;
	long err;
	struct socket *s = sock_get((int)fd, &f, &err);

	if (!s)
		return err;
	int len = s->s_ops->getname(s, addr, peer);
	err = len < 0 ? len : addr_out(uaddr, ulen, addr, len);
	file_put(f);
	return err;
}

SYSCALL(getsockname)
{
	return getname(a0, (void *)a1, (int *)a2, false);
}

SYSCALL(getpeername)
{
	return getname(a0, (void *)a1, (int *)a2, true);
}

/* --- options --- */
static int
set_timeout(const void *val, int len, uint64_t *timeo)
{
	struct linux_timeval tv;

	if (len < (int)sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0)
		*timeo = 1; /* XXX: Linux makes a negative timeout non-blocking; here 1 ns */
	else
		*timeo = (uint64_t)tv.tv_sec * 1000000000ull + (uint64_t)tv.tv_usec * 1000;
	return 0;
}

static int
set_buf(int *buf, int val, int min, bool force)
{
	if (force && !cred_capable())
		return -EPERM;
	if (!force && (unsigned)val > RMEM_MAX)
		val = RMEM_MAX;
	*buf = MAX(val < 0 || val > INT32_MAX / 2 ? INT32_MAX : val * 2, min); /* as Linux */
	return 0;
}

static int
setopt_generic(struct socket *s, int name, const void *val, int len)
{
	int v = 0;

	if (name == SO_RCVTIMEO || name == SO_SNDTIMEO)
		return set_timeout(val, len, name == SO_RCVTIMEO ? &s->s_rcvtimeo : &s->s_sndtimeo);
	if (len < (int)sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
		return set_buf(&s->s_sndbuf, v, SOCK_MIN_SNDBUF, name == SO_SNDBUFFORCE);
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
		return set_buf(&s->s_rcvbuf, v, SOCK_MIN_RCVBUF, name == SO_RCVBUFFORCE);
	case SO_TYPE:
	case SO_DOMAIN:
	case SO_PROTOCOL:
	case SO_ACCEPTCONN:
	case SO_PEERCRED:
	case SO_ERROR:
		return -ENOPROTOOPT; /* read-only, as Linux */
	}
	return 1; /* not the generic layer's */
}

/* the generic layer's options into val (room for SOCKADDR_MAX): the
 * length, or 0 when not its own */
static int
getopt_generic(struct socket *s, int name, void *val)
{
	int v;

	switch (name) {
	case SO_TYPE:
		v = s->s_type;
		break;
	case SO_DOMAIN:
		v = s->s_family;
		break;
	case SO_PROTOCOL:
		v = s->s_protocol;
		break;
	case SO_SNDBUF:
		v = s->s_sndbuf;
		break;
	case SO_RCVBUF:
		v = s->s_rcvbuf;
		break;
	case SO_RCVTIMEO:
	case SO_SNDTIMEO: {
		uint64_t t = name == SO_RCVTIMEO ? s->s_rcvtimeo : s->s_sndtimeo;
		struct linux_timeval tv = {(int64_t)(t / 1000000000ull),
		                           (int64_t)(t % 1000000000ull / 1000)};
		memcpy(val, &tv, sizeof(tv));
		return sizeof(tv);
	}
	default:
		return 0;
	}
	memcpy(val, &v, sizeof(v));
	return sizeof(v);
}

SYSCALL(setsockopt)
{
	uint8_t val[SOCKADDR_MAX];
	struct file *f;
	long err;
	struct socket *s = sock_get((int)a0, &f, &err);
	int level = (int)a1, name = (int)a2, len = (int)a4;

	if (!s)
		return err;
	if (len < 0) {
		err = -EINVAL;
		goto out;
	}
	memset(val, 0, sizeof(val));
	if (copy_from_user(val, (void *)a3, (size_t)MIN(len, SOCKADDR_MAX))) {
		err = -EFAULT;
		goto out;
	}
	err = level == SOL_SOCKET ? setopt_generic(s, name, val, len) : 1;
	if (err == 1)
		err = s->s_ops->setsockopt ? s->s_ops->setsockopt(s, level, name, val, len)
		                           : -ENOPROTOOPT;
out:
	file_put(f);
	return err;
}

SYSCALL(getsockopt)
{
	uint8_t val[SOCKOPT_MAX];
	struct file *f;
	long err;
	struct socket *s = sock_get((int)a0, &f, &err);
	int level = (int)a1, name = (int)a2, room, len = 0;

	if (!s)
		return err;
	if (copy_from_user(&room, (void *)a4, sizeof(room))) {
		err = -EFAULT;
		goto out;
	}
	if (room < 0) {
		err = -EINVAL;
		goto out;
	}
	if (level == SOL_SOCKET)
		len = getopt_generic(s, name, val);
	if (!len) {
		len = SOCKOPT_MAX;
		err = s->s_ops->getsockopt ? s->s_ops->getsockopt(s, level, name, val, &len)
		                           : -ENOPROTOOPT;
		if (err)
			goto out;
	}
	len = MIN(len, room);
	err = copy_to_user((void *)a3, val, (size_t)len) ||
	              copy_to_user((void *)a4, &len, sizeof(len))
	          ? -EFAULT
	          : 0;
out:
	file_put(f);
	return err;
}

/* --- the open file --- */
static long
sock_read(struct file *f, void *buf, size_t n, uint64_t *off)
{
	struct linux_iovec v = {buf, n};

	return sock_io(f->f_priv, &v, 1, false);
}

static long
sock_write(struct file *f, const void *buf, size_t n, uint64_t *off)
{
	struct linux_iovec v = {(void *)buf, n};

	return sock_io(f->f_priv, &v, 1, true);
}

static long
sock_rwv(struct file *f, const struct linux_iovec *uiov, int cnt, bool write)
{
	struct linux_iovec *v = kmalloc(sizeof(*v) * (size_t)MAX(cnt, 1));
	long r;

	if (!v)
		return -ENOMEM;
	r = copy_from_user(v, uiov, sizeof(*v) * (size_t)cnt) ? -EFAULT
	                                                      : sock_io(f->f_priv, v, cnt, write);
	kfree(v);
	return r;
}

static int
sock_poll(struct file *f, struct poll_table *pt)
{
	struct socket *s = f->f_priv;

	return s->s_ops->poll(s, pt);
}

static int
sock_ioctl(struct file *f, unsigned long cmd, void *arg)
{
	struct socket *s = f->f_priv;
	long r = net_if_ioctl(cmd, arg);

	if (r != -ENOTTY)
		return (int)r;
	return s->s_ops->ioctl ? s->s_ops->ioctl(s, cmd, arg) : -ENOTTY;
}

static int
sock_stat(struct file *f, void *statbuf)
{
	struct socket *s = f->f_priv;
	struct vnode v = {.v_mode = S_IFSOCK | 0777,
	                  .v_ino = s->s_ino ? s->s_ino : (uintptr_t)s >> 4};

	vfs_stat_node(&v, statbuf);
	return 0;
}

static void
sock_release(struct file *f)
{
	struct socket *s = f->f_priv;

	s->s_ops->release(s);
	kfree(s);
}

static const struct file_ops sock_fops = {
    .read = sock_read,
    .write = sock_write,
    .rwv = sock_rwv,
    .poll = sock_poll,
    .ioctl = sock_ioctl,
    .stat = sock_stat,
    .release = sock_release,
};

/* Pipes and eventfds: buffers in memory whose readers and writers block
 * through the readiness generation (core/event/poll.c). A pipe holds 64 KiB
 * (F_SETPIPE_SZ changes it); a write of at most PIPE_BUF bytes goes in
 * whole or waits (never interleaved with another writer's), larger ones
 * may be split; a read with no writer left sees end-of-file, a write
 * with no reader left gets -EPIPE and SIGPIPE. */
#include "pipe.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "sync.h"
#include "syscall.h"
#include "uaccess.h"
#include "uapi/eventfd.h"
#include "uapi/limits.h"
#include "vfs.h"

#define PIPE_SIZE 65536
#define PIPE_MAX_SIZE (1u << 20) /* Linux's /proc/sys/fs/pipe-max-size */

struct pipe {
	struct mutex lock;
	uint8_t *buf;
	size_t head, len, cap;  /* ring: len bytes from head, cap in all */
	int readers, writers;   /* open ends */
	uint64_t writes, reads; /* the times bytes went in, came out (EPOLLET) */
};

static long
pipe_read(struct file *f, void *ubuf, size_t n, uint64_t *off)
{
	struct pipe *p = f->f_priv;

	for (;;) {
		uint64_t seen = poll_generation();
		mutex_lock(&p->lock);
		if (p->len) {
			size_t done = 0;
			while (done < n && p->len) {
				size_t k = MIN(MIN(n - done, p->len), p->cap - p->head);
				if (copy_to_user((uint8_t *)ubuf + done, p->buf + p->head, k)) {
					mutex_unlock(&p->lock);
					return done ? (long)done : -EFAULT;
				}
				p->head = (p->head + k) % p->cap;
				p->len -= k;
				done += k;
			}
			p->reads++;
			mutex_unlock(&p->lock);
			poll_notify();
			return (long)done;
		}
		bool eof = p->writers == 0;
		mutex_unlock(&p->lock);
		if (eof || !n)
			return 0;
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (poll_wait_intr(seen, 0) == -EINTR)
			return -ERESTARTSYS; /* SA_RESTART reads again */
	}
}

static long
pipe_write(struct file *f, const void *ubuf, size_t n, uint64_t *off)
{
	struct pipe *p = f->f_priv;
	size_t done = 0;

	while (done < n) {
		uint64_t seen = poll_generation();
		mutex_lock(&p->lock);
		if (!p->readers) {
			mutex_unlock(&p->lock);
			signal_raise(thread_self(), 13 /* SIGPIPE */);
			return done ? (long)done : -EPIPE;
		}
		size_t room = p->cap - p->len, before = done;
		if (n <= PIPE_BUF && room < n)
			room = 0; /* atomic: all of it at once, or wait */
		while (room && done < n) {
			size_t tail = (p->head + p->len) % p->cap;
			size_t k = MIN(MIN(n - done, room), p->cap - tail);
			if (copy_from_user(p->buf + tail, (const uint8_t *)ubuf + done, k)) {
				mutex_unlock(&p->lock);
				return done ? (long)done : -EFAULT;
			}
			p->len += k;
			room -= k;
			done += k;
		}
		if (done > before)
			p->writes++;
		mutex_unlock(&p->lock);
		/* only news wakes the pollers: a notify with nothing written
		 * would end this writer's own wait below at once, and a full
		 * pipe would be polled in a loop until the reader preempts it */
		if (done > before)
			poll_notify();
		if (done < n) {
			if (f->f_flags & O_NONBLOCK)
				return done ? (long)done : -EAGAIN;
			if (poll_wait_intr(seen, 0) == -EINTR)
				return done ? (long)done : -ERESTARTSYS;
		}
	}
	return (long)done;
}

static int
pipe_poll(struct file *f)
{
	struct pipe *p = f->f_priv;
	int r = 0;

	mutex_lock(&p->lock);
	if ((f->f_flags & O_ACCMODE) == O_RDONLY) {
		if (p->len)
			r |= POLLIN;
		if (!p->writers)
			r |= POLLHUP;
	} else {
		if (p->len < p->cap)
			r |= POLLOUT;
		if (!p->readers)
			r |= POLLERR;
	}
	mutex_unlock(&p->lock);
	return r;
}

static void
pipe_close(struct file *f)
{
	struct pipe *p = f->f_priv;
	bool last;

	mutex_lock(&p->lock);
	if ((f->f_flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	last = !p->readers && !p->writers;
	mutex_unlock(&p->lock);
	poll_notify();
	if (last) {
		kfree(p->buf);
		kfree(p);
	}
}

static int
pipe_stat(struct file *f, void *statbuf)
{
	struct vnode v = {.v_mode = 0010000 | 0600, .v_ino = (uintptr_t)f->f_priv >> 4};

	vfs_stat_node(&v, statbuf);
	return 0;
}

static int
pipe_ioctl(struct file *f, unsigned long cmd, void *arg)
{
	struct pipe *p = f->f_priv;
	int n;

	if (cmd != 0x541b) /* FIONREAD */
		return -ENOTTY;
	mutex_lock(&p->lock);
	n = (int)p->len;
	mutex_unlock(&p->lock);
	return copy_to_user(arg, &n, sizeof(n)) ? -EFAULT : 0;
}

static const struct file_ops pipe_ops = {
    .read = pipe_read,
    .write = pipe_write,
    .poll = pipe_poll,
    .close = pipe_close,
    .stat = pipe_stat,
    .ioctl = pipe_ioctl,
};

static struct file *
end_new(struct pipe *p, int flags)
{
	struct file *f = kzalloc(sizeof(*f));

	if (f) {
		f->f_ops = &pipe_ops;
		f->f_flags = flags;
		f->f_refs = 1;
		f->f_priv = p;
	}
	return f;
}

SYSCALL(pipe2)
{
	int flags = (int)a1, fds[2];
	struct pipe *p;
	struct file *r, *w;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	p = kzalloc(sizeof(*p));
	if (!p || !(p->buf = kmalloc(PIPE_SIZE))) {
		kfree(p);
		return -ENOMEM;
	}
	p->cap = PIPE_SIZE;
	p->readers = p->writers = 1;
	r = end_new(p, O_RDONLY | (flags & O_NONBLOCK));
	w = end_new(p, O_WRONLY | (flags & O_NONBLOCK));
	if (!r || !w) {
		kfree(r);
		kfree(w);
		kfree(p->buf);
		kfree(p);
		return -ENOMEM;
	}
	fds[0] = fd_install(r, 0, flags & O_CLOEXEC);
	fds[1] = fds[0] < 0 ? -EMFILE : fd_install(w, 0, flags & O_CLOEXEC);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			fd_close(fds[0]);
		else
			file_put(r);
		file_put(w);
		return -EMFILE;
	}
	if (copy_to_user((void *)a0, fds, sizeof(fds))) {
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -EFAULT;
	}
	return 0;
}

SYSCALL(pipe)
{
	return sys_pipe2(a0, 0, 0, 0, 0, 0);
}

long
pipe_size(struct file *f)
{
	struct pipe *p = f->f_priv;

	if (f->f_ops != &pipe_ops)
		return -EBADF;
	mutex_lock(&p->lock);
	long r = (long)p->cap;
	mutex_unlock(&p->lock);
	return r;
}

long
pipe_resize(struct file *f, unsigned long size)
{
	struct pipe *p = f->f_priv;
	size_t cap = PAGE_SIZE;
	uint8_t *buf;

	if (f->f_ops != &pipe_ops)
		return -EBADF;
	if (size > PIPE_MAX_SIZE)
		return -EPERM; /* Linux, for a caller without CAP_SYS_RESOURCE */
	while (cap < size)
		cap *= 2; /* a power of two of pages, as Linux */
	if (!(buf = kmalloc(cap)))
		return -ENOMEM;
	mutex_lock(&p->lock);
	if (p->len > cap) {
		mutex_unlock(&p->lock);
		kfree(buf);
		return -EBUSY;
	}
	for (size_t i = 0; i < p->len; i++) /* the ring, straightened */
		buf[i] = p->buf[(p->head + i) % p->cap];
	kfree(p->buf);
	p->buf = buf;
	p->head = 0;
	p->cap = cap;
	mutex_unlock(&p->lock);
	poll_notify(); /* more room, maybe */
	return (long)cap;
}

bool
pipe_events(struct file *f, uint64_t *seq)
{
	struct pipe *p = f->f_priv;

	if (f->f_ops != &pipe_ops)
		return false;
	mutex_lock(&p->lock);
	*seq = (f->f_flags & O_ACCMODE) == O_RDONLY ? p->writes : p->reads;
	mutex_unlock(&p->lock);
	return true;
}

/* --- eventfd: a 64-bit counter --- */
struct efd {
	struct mutex lock;
	uint64_t count;
	bool semaphore;
};

static long
efd_read(struct file *f, void *ubuf, size_t n, uint64_t *off)
{
	struct efd *e = f->f_priv;
	uint64_t v;

	if (n < 8)
		return -EINVAL;
	for (;;) {
		uint64_t seen = poll_generation();
		mutex_lock(&e->lock);
		if (e->count) {
			v = e->semaphore ? 1 : e->count;
			e->count -= v;
			mutex_unlock(&e->lock);
			poll_notify();
			return copy_to_user(ubuf, &v, 8) ? -EFAULT : 8;
		}
		mutex_unlock(&e->lock);
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (poll_wait_intr(seen, 0) == -EINTR)
			return -ERESTARTSYS;
	}
}

static long
efd_write(struct file *f, const void *ubuf, size_t n, uint64_t *off)
{
	struct efd *e = f->f_priv;
	uint64_t v;

	if (n < 8)
		return -EINVAL;
	if (copy_from_user(&v, ubuf, 8))
		return -EFAULT;
	if (v == UINT64_MAX)
		return -EINVAL;
	for (;;) {
		uint64_t seen = poll_generation();
		mutex_lock(&e->lock);
		if (UINT64_MAX - 1 - e->count >= v) {
			e->count += v;
			mutex_unlock(&e->lock);
			poll_notify();
			return 8;
		}
		mutex_unlock(&e->lock);
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (poll_wait_intr(seen, 0) == -EINTR)
			return -ERESTARTSYS;
	}
}

static int
efd_poll(struct file *f)
{
	struct efd *e = f->f_priv;
	int r = 0;

	mutex_lock(&e->lock);
	if (e->count)
		r |= POLLIN;
	if (e->count < UINT64_MAX - 1)
		r |= POLLOUT;
	mutex_unlock(&e->lock);
	return r;
}

static void
efd_close(struct file *f)
{
	kfree(f->f_priv);
}

static const struct file_ops efd_ops = {
    .fd_name = "eventfd",
    .read = efd_read,
    .write = efd_write,
    .poll = efd_poll,
    .close = efd_close,
    .stat = pipe_stat,
};

SYSCALL(eventfd2)
{
	int flags = (int)a1, fd;
	struct efd *e;
	struct file *f;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	e = kzalloc(sizeof(*e));
	f = e ? end_new(NULL, O_RDWR | (flags & O_NONBLOCK)) : NULL;
	if (!f) {
		kfree(e);
		return -ENOMEM;
	}
	e->count = (uint32_t)a0;
	e->semaphore = flags & EFD_SEMAPHORE;
	f->f_ops = &efd_ops;
	f->f_priv = e;
	fd = fd_install(f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL(eventfd)
{
	return sys_eventfd2(a0, 0, 0, 0, 0, 0);
}

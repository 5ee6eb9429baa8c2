/* Pipes and eventfds: buffers in memory with wait queues of their own
 * (include/poll.h): a pipe's read end waits on 'rd' (woken by a write,
 * POLLIN, or the last writer going, POLLHUP), its write end on 'wr'
 * (woken by a read, POLLOUT, or the last reader going, POLLERR); an
 * eventfd has one. Blocked readers and writers, poll and epoll all wait
 * there. A pipe's buffer is allocated at the first write (an idle pipe
 * costs a few hundred bytes, as on Linux). A pipe holds 64 KiB
 * (F_SETPIPE_SZ changes it); a write of at most PIPE_BUF bytes goes in
 * whole or waits (never interleaved with another writer's), larger ones
 * may be split; a read with no writer left sees end-of-file, a write
 * with no reader left gets -EPIPE and SIGPIPE. */
#include "pipe.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "poll.h"
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
	uint8_t *buf;          /* NULL until the first write */
	size_t head, len, cap; /* ring: len bytes from head, cap in all */
	int readers, writers;  /* open ends */
	struct poll_head rd, wr;
};

static long
pipe_read(struct file *f, void *ubuf, size_t n, uint64_t *off)
{
	struct pipe *p = f->f_priv;
	struct poll_sleeper s;
	struct poll_waiter w;
	long r;

	poll_sleeper_init(&s);
	poll_waiter_add(&w, &s, &p->rd, POLLIN | POLLHUP);
	for (;;) {
		poll_sleeper_arm(&s);
		mutex_lock(&p->lock);
		if (p->len) {
			size_t done = 0;
			r = 0;
			while (done < n && p->len) {
				size_t k = MIN(MIN(n - done, p->len), p->cap - p->head);
				if (copy_to_user((uint8_t *)ubuf + done, p->buf + p->head, k)) {
					r = -EFAULT;
					break;
				}
				p->head = (p->head + k) % p->cap;
				p->len -= k;
				done += k;
			}
			mutex_unlock(&p->lock);
			if (done)
				poll_wake(&p->wr, POLLOUT);
			r = done ? (long)done : r;
			break;
		}
		bool eof = p->writers == 0;
		mutex_unlock(&p->lock);
		if (eof || !n) {
			r = 0;
			break;
		}
		if (f->f_flags & O_NONBLOCK) {
			r = -EAGAIN;
			break;
		}
		if (poll_sleep(&s, 0) == -EINTR) {
			r = -ERESTARTSYS; /* SA_RESTART reads again */
			break;
		}
	}
	poll_waiter_del(&w);
	return r;
}

static long
pipe_write(struct file *f, const void *ubuf, size_t n, uint64_t *off)
{
	struct pipe *p = f->f_priv;
	struct poll_sleeper s;
	struct poll_waiter w;
	size_t done = 0;
	long err = 0;

	poll_sleeper_init(&s);
	poll_waiter_add(&w, &s, &p->wr, POLLOUT | POLLERR);
	while (done < n) {
		poll_sleeper_arm(&s);
		mutex_lock(&p->lock);
		if (!p->readers) {
			mutex_unlock(&p->lock);
			signal_raise(thread_self(), 13 /* SIGPIPE */);
			err = -EPIPE;
			break;
		}
		if (!p->buf && !(p->buf = kmalloc(p->cap))) {
			mutex_unlock(&p->lock);
			err = -ENOMEM;
			break;
		}
		size_t room = p->cap - p->len, before = done;
		if (n <= PIPE_BUF && room < n)
			room = 0; /* atomic: all of it at once, or wait */
		while (room && done < n) {
			size_t tail = (p->head + p->len) % p->cap;
			size_t k = MIN(MIN(n - done, room), p->cap - tail);
			if (copy_from_user(p->buf + tail, (const uint8_t *)ubuf + done, k)) {
				err = -EFAULT;
				break;
			}
			p->len += k;
			room -= k;
			done += k;
		}
		mutex_unlock(&p->lock);
		if (done > before)
			poll_wake(&p->rd, POLLIN); /* only news wakes the readers */
		if (err || done == n)
			break;
		if (f->f_flags & O_NONBLOCK) {
			err = -EAGAIN;
			break;
		}
		if (poll_sleep(&s, 0) == -EINTR) {
			err = -ERESTARTSYS;
			break;
		}
	}
	poll_waiter_del(&w);
	return done ? (long)done : err;
}

static int
pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->f_priv;
	bool rd = (f->f_flags & O_ACCMODE) == O_RDONLY;
	int r = 0;

	poll_register(pt, rd ? &p->rd : &p->wr);
	mutex_lock(&p->lock);
	if (rd) {
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
pipe_release(struct file *f)
{
	struct pipe *p = f->f_priv;
	bool rd = (f->f_flags & O_ACCMODE) == O_RDONLY, gone, last;

	mutex_lock(&p->lock);
	gone = rd ? --p->readers == 0 : --p->writers == 0;
	last = !p->readers && !p->writers;
	mutex_unlock(&p->lock);
	if (gone && !last) /* the other end hears of it */
		poll_wake(rd ? &p->wr : &p->rd, rd ? POLLERR : POLLHUP);
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
    .release = pipe_release,
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
	if (!(p = kzalloc(sizeof(*p))))
		return -ENOMEM;
	p->cap = PIPE_SIZE;
	poll_head_init(&p->rd);
	poll_head_init(&p->wr);
	p->readers = p->writers = 1;
	r = end_new(p, O_RDONLY | (flags & O_NONBLOCK));
	w = end_new(p, O_WRONLY | (flags & O_NONBLOCK));
	if (!r || !w) {
		kfree(r);
		kfree(w);
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
	if (size == 0 || size > 1ul << 31)
		return -EINVAL; /* Linux's round_pipe_size gives 0 */
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
	p->buf = p->buf ? buf : NULL; /* an idle pipe stays without one */
	if (!p->buf)
		kfree(buf);
	p->head = 0;
	p->cap = cap;
	mutex_unlock(&p->lock);
	poll_wake(&p->wr, POLLOUT); /* more room, maybe */
	return (long)cap;
}

/* --- eventfd: a 64-bit counter --- */
struct efd {
	struct mutex lock;
	uint64_t count;
	bool semaphore;
	struct poll_head wq; /* a read wakes writers (POLLOUT), a write readers (POLLIN) */
};

/* wait on the eventfd until try() is done (>= 0 or an error) */
static long
efd_wait(struct file *f, int mask, long (*try)(struct efd *e, uint64_t *v), uint64_t *v)
{
	struct efd *e = f->f_priv;
	struct poll_sleeper s;
	struct poll_waiter w;
	long r;

	poll_sleeper_init(&s);
	poll_waiter_add(&w, &s, &e->wq, mask);
	for (;;) {
		poll_sleeper_arm(&s);
		mutex_lock(&e->lock);
		r = try(e, v);
		mutex_unlock(&e->lock);
		if (r >= 0)
			break;
		if (f->f_flags & O_NONBLOCK) {
			r = -EAGAIN;
			break;
		}
		if (poll_sleep(&s, 0) == -EINTR) {
			r = -ERESTARTSYS;
			break;
		}
	}
	poll_waiter_del(&w);
	return r;
}

static long
efd_take(struct efd *e, uint64_t *v)
{
	if (!e->count)
		return -EAGAIN;
	*v = e->semaphore ? 1 : e->count;
	e->count -= *v;
	return 0;
}

static long
efd_add(struct efd *e, uint64_t *v)
{
	if (UINT64_MAX - 1 - e->count < *v)
		return -EAGAIN;
	e->count += *v;
	return 0;
}

static long
efd_read(struct file *f, void *ubuf, size_t n, uint64_t *off)
{
	struct efd *e = f->f_priv;
	uint64_t v;
	long r;

	if (n < 8)
		return -EINVAL;
	if ((r = efd_wait(f, POLLIN, efd_take, &v)) < 0)
		return r;
	poll_wake(&e->wq, POLLOUT);
	return copy_to_user(ubuf, &v, 8) ? -EFAULT : 8;
}

static long
efd_write(struct file *f, const void *ubuf, size_t n, uint64_t *off)
{
	struct efd *e = f->f_priv;
	uint64_t v;
	long r;

	if (n < 8)
		return -EINVAL;
	if (copy_from_user(&v, ubuf, 8))
		return -EFAULT;
	if (v == UINT64_MAX)
		return -EINVAL;
	if ((r = efd_wait(f, POLLOUT, efd_add, &v)) < 0)
		return r;
	poll_wake(&e->wq, POLLIN);
	return 8;
}

static int
efd_poll(struct file *f, struct poll_table *pt)
{
	struct efd *e = f->f_priv;
	int r = 0;

	poll_register(pt, &e->wq);
	mutex_lock(&e->lock);
	if (e->count)
		r |= POLLIN;
	if (e->count < UINT64_MAX - 1)
		r |= POLLOUT;
	mutex_unlock(&e->lock);
	return r;
}

static void
efd_release(struct file *f)
{
	kfree(f->f_priv);
}

static const struct file_ops efd_ops = {
    .fd_name = "eventfd",
    .read = efd_read,
    .write = efd_write,
    .poll = efd_poll,
    .release = efd_release,
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
	poll_head_init(&e->wq);
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

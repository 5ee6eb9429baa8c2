/* epoll over the readiness of core/event/poll.c: an interest list of open
 * files; epoll_wait reports the ready ones. Level-triggered by default;
 * EPOLLET reports an entry once per arrival: for pipes each write (read
 * end) or read (write end) is one, counted by the pipe (include/pipe.h);
 * for other files a new readiness bit is (so data arriving at a file
 * that is readable already goes unreported there until it was drained:
 * XXX, they have no arrival count yet). An entry is also reported once
 * when added or modified while ready, as Linux. EPOLLONESHOT disarms an
 * entry once reported, until EPOLL_CTL_MOD. EPOLLEXCLUSIVE is accepted
 * with Linux's checks; every waiter wakes (Linux: one or more). */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "pipe.h"
#include "queue.h"
#include "signal.h"
#include "sync.h"
#include "syscall.h"
#include "uaccess.h"
#include "vfs.h"

struct interest {
	struct list_node link;
	int fd;
	struct file *file; /* a reference */
	uint32_t events;
	uint64_t data;
	bool disarmed; /* EPOLLONESHOT, reported */
	/* EPOLLET: not reported since added or modified; the readiness seen
	 * last; the file's arrival count when last reported */
	bool fresh;
	uint32_t last;
	uint64_t seq;
};

/* the events to report for 'in' now (0: none); *seq its arrival count */
static uint32_t
to_report(struct interest *in, uint64_t *seq)
{
	uint32_t r;
	bool counted;

	if (in->disarmed)
		return 0;
	r = (uint32_t)file_poll(in->file) & (in->events | POLLERR | POLLHUP);
	if (!r || !(in->events & EPOLLET))
		return r;
	counted = pipe_events(in->file, seq);
	if (in->fresh || (r & ~in->last) || (counted && *seq != in->seq))
		return r;
	return 0;
}

struct epoll {
	struct mutex lock;
	struct list_node list;
};

static void
ep_close(struct file *f)
{
	struct epoll *ep = f->f_priv;
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &ep->list)
	{
		struct interest *in = list_entry(n, struct interest, link);
		file_put(in->file);
		kfree(in);
	}
	kfree(ep);
}

static int ep_poll(struct file *f);

static int
ep_stat(struct file *f, void *statbuf)
{
	struct vnode v = {.v_mode = 0600, .v_ino = (uintptr_t)f->f_priv >> 4};

	vfs_stat_node(&v, statbuf);
	return 0;
}

static const struct file_ops ep_ops = {
    .close = ep_close, .stat = ep_stat, .poll = ep_poll, .fd_name = "eventpoll"};

static int
collect(struct epoll *ep, struct linux_epoll_event *out, int max)
{
	struct list_node *n;
	int k = 0;

	list_for_each(n, &ep->list)
	{
		struct interest *in = list_entry(n, struct interest, link);
		uint64_t seq = in->seq;
		if (in->disarmed || k == max)
			continue;
		uint32_t r = to_report(in, &seq);
		if (in->events & EPOLLET) /* the level now, reported or not */
			in->last = (uint32_t)file_poll(in->file) & (in->events | POLLERR | POLLHUP);
		if (!r)
			continue;
		in->fresh = false;
		in->seq = seq;
		out[k].events = r;
		out[k].data = in->data;
		k++;
		if (in->events & EPOLLONESHOT)
			in->disarmed = true;
	}
	return k;
}

static int
ep_poll(struct file *f)
{
	struct epoll *ep = f->f_priv;
	struct list_node *n;
	int ready = 0;

	mutex_lock(&ep->lock);
	list_for_each(n, &ep->list)
	{
		struct interest *in = list_entry(n, struct interest, link);
		uint64_t seq;
		if (to_report(in, &seq)) {
			ready = 1;
			break;
		}
	}
	mutex_unlock(&ep->lock);
	return ready ? POLLIN : 0;
}

SYSCALL(epoll_create1)
{
	struct epoll *ep;
	struct file *f;
	int fd;

	if (a0 & ~O_CLOEXEC)
		return -EINVAL;
	ep = kzalloc(sizeof(*ep));
	f = kzalloc(sizeof(*f));
	if (!ep || !f) {
		kfree(ep);
		kfree(f);
		return -ENOMEM;
	}
	list_init(&ep->list);
	f->f_ops = &ep_ops;
	f->f_priv = ep;
	f->f_refs = 1;
	f->f_flags = O_RDWR;
	fd = fd_install(f, 0, a0 & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL(epoll_create)
{
	return a0 <= 0 ? -EINVAL : sys_epoll_create1(0, 0, 0, 0, 0, 0);
}

SYSCALL(epoll_ctl)
{
	struct file *epf = fd_get((int)a0), *target;
	struct linux_epoll_event ev = {0};
	struct interest *in = NULL;
	struct list_node *n;
	struct epoll *ep;
	long err = 0;

	if (!epf)
		return -EBADF;
	if (epf->f_ops != &ep_ops) {
		file_put(epf);
		return -EINVAL;
	}
	ep = epf->f_priv;
	if (!(target = fd_get((int)a2))) {
		file_put(epf);
		return -EBADF;
	}
	if (target == epf || (target->f_ops->poll == NULL && target->f_node)) {
		/* regular files and folders: Linux refuses them too */
		err = target == epf ? -EINVAL : -EPERM;
		goto out;
	}
	if (a1 != EPOLL_CTL_DEL && copy_from_user(&ev, (void *)a3, sizeof(ev))) {
		err = -EFAULT;
		goto out;
	}
	/* Linux: EPOLLEXCLUSIVE only with these, and never by EPOLL_CTL_MOD */
	if ((ev.events & EPOLLEXCLUSIVE) &&
	    (a1 == EPOLL_CTL_MOD || (ev.events & ~(POLLIN | POLLOUT | POLLERR | POLLHUP |
	                                           EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)))) {
		err = -EINVAL;
		goto out;
	}
	mutex_lock(&ep->lock);
	list_for_each(n, &ep->list) if (list_entry(n, struct interest, link)->fd == (int)a2 &&
	                                list_entry(n, struct interest, link)->file == target) in =
	    list_entry(n, struct interest, link);
	switch (a1) {
	case EPOLL_CTL_ADD:
		if (in) {
			err = -EEXIST;
			break;
		}
		if (!(in = kzalloc(sizeof(*in)))) {
			err = -ENOMEM;
			break;
		}
		file_get(target);
		*in = (struct interest){.fd = (int)a2,
		                        .file = target,
		                        .events = ev.events,
		                        .data = ev.data,
		                        .fresh = true};
		list_add_tail(&ep->list, &in->link);
		break;
	case EPOLL_CTL_MOD:
		if (!in) {
			err = -ENOENT;
			break;
		}
		if (in->events & EPOLLEXCLUSIVE) {
			err = -EINVAL;
			break;
		}
		in->events = ev.events;
		in->data = ev.data;
		in->disarmed = false;
		in->fresh = true;
		break;
	case EPOLL_CTL_DEL:
		if (!in) {
			err = -ENOENT;
			break;
		}
		list_del(&in->link);
		file_put(in->file);
		kfree(in);
		break;
	default:
		err = -EINVAL;
	}
	mutex_unlock(&ep->lock);
	poll_notify(); /* a waiter may now have something to report */
out:
	file_put(target);
	file_put(epf);
	return err;
}

static long
ep_wait(int epfd, struct linux_epoll_event *uev, int max, int timeout_ms)
{
	struct file *epf = fd_get(epfd);
	struct linux_epoll_event *ev;
	uint64_t deadline = timeout_ms < 0 ? 0 : clock_ns() + (uint64_t)timeout_ms * 1000000u;
	long k;

	if (!epf)
		return -EBADF;
	if (epf->f_ops != &ep_ops || max <= 0 || max > 65536) {
		file_put(epf);
		return -EINVAL;
	}
	ev = kmalloc((size_t)max * sizeof(*ev));
	if (!ev) {
		file_put(epf);
		return -ENOMEM;
	}
	for (;;) {
		uint64_t seen = poll_generation();
		mutex_lock(&((struct epoll *)epf->f_priv)->lock);
		k = collect(epf->f_priv, ev, max);
		mutex_unlock(&((struct epoll *)epf->f_priv)->lock);
		if (k || timeout_ms == 0)
			break;
		if (signal_pending()) {
			k = -EINTR; /* epoll_wait never restarts, SA_RESTART or not */
			break;
		}
		if (poll_wait_intr(seen, deadline) == -ETIMEDOUT && deadline &&
		    clock_ns() >= deadline)
			break;
	}
	if (k > 0 && copy_to_user(uev, ev, (size_t)k * sizeof(*ev)))
		k = -EFAULT;
	kfree(ev);
	file_put(epf);
	return k;
}

SYSCALL(epoll_wait)
{
	return ep_wait((int)a0, (void *)a1, (int)a2, (int)a3);
}
SYSCALL(epoll_pwait)
{
	long err = a4 ? signal_wait_mask((const void *)a4, (size_t)a5) : 0; /* for the wait alone */

	return err ? err : ep_wait((int)a0, (void *)a1, (int)a2, (int)a3);
}

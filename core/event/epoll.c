/* epoll on the wait queues of include/poll.h: every interest (a file
 * watched through an fd) has an entry on each wait queue of its file,
 * whose callback puts the interest on the epoll's ready list, unless the
 * events that happened are none it asked for, and wakes the epoll's
 * waiters. epoll_wait looks only at the ready list: O(ready), not
 * O(watched). A level-triggered interest goes back on the list once
 * reported (the next epoll_wait looks again and drops it when no longer
 * ready); an EPOLLET one waits for the next wake-up, so an arrival (a
 * write to a pipe or an eventfd, input at the tty) is reported once.
 * EPOLLONESHOT disarms an interest once reported, until EPOLL_CTL_MOD. An
 * interest is also reported once when added or modified while ready, as
 * Linux. EPOLLEXCLUSIVE (with Linux's checks) puts the interest's entries
 * after the others on its file's wait queues, and a wake-up stops at the
 * first exclusive interest whose epoll has a waiter (one or more wake,
 * as Linux, not all). An epoll may watch another, not itself nor
 * in a loop, 5 levels deep at most (-ELOOP), as Linux.
 * An interest is keyed by (fd, file) and holds no reference to its
 * file: closing an fd leaves it while the file stays open (a dup), and
 * the file's last reference going removes it from every epoll (the file
 * lists its interests, f_ep), as Linux's eventpoll_release.
 * Locks: the interests (a list and a hash on the fd) under the epoll's
 * mutex; the ready list and an interest's place on it under a spinlock
 * that the callbacks take; the files' lists under links_lock. Nested
 * epolls are locked outer first; nest_lock and release_lock come before
 * any epoll's mutex. */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "poll.h"
#include "queue.h"
#include "signal.h"
#include "spinlock.h"
#include "sync.h"
#include "syscall.h"
#include "uaccess.h"
#include "vfs.h"

#define EP_MAX_NESTS 4 /* Linux: epolls below the one watched */

struct epoll;
struct ep_entry; /* an interest's entry on one wait queue of its file */

struct ep_item {
	struct list_node link;  /* ep->all */
	struct ep_item *hnext;  /* ep->hash's chain */
	struct list_node ready; /* ep->ready, when queued */
	/* file->f_ep's list (under links_lock); fpprev NULL: on none */
	struct ep_item *fnext, **fpprev;
	struct epoll *ep;
	int fd;
	struct file *file; /* no reference: the interest goes with the file */
	uint64_t data;
	struct ep_entry *entries;
	/* under ep->rdlock (the callbacks read them) */
	uint32_t events;
	bool queued;   /* on ep->ready */
	bool disarmed; /* EPOLLONESHOT, reported */
};

struct ep_entry {
	struct poll_entry e;
	struct ep_item *in;
	struct ep_entry *next;
};

struct epoll {
	struct mutex lock; /* the interests */
	struct list_node all;
	struct ep_item **hash; /* nbuckets chains, a power of two */
	size_t nbuckets, count;
	struct spinlock rdlock; /* the ready list */
	struct list_node ready;
	size_t nready;
	/* epoll_wait's sleepers, and whoever polls the epoll fd (POLLIN) */
	struct poll_head wq;
};

static const struct file_ops ep_ops;
static struct mutex nest_lock = MUTEX_INIT; /* adding an epoll to an epoll */
/* a watched file's last reference going against an epoll's close */
static struct mutex release_lock = MUTEX_INIT;
static struct spinlock links_lock = SPINLOCK_INIT; /* every file's f_ep list */

#define HASH_MAX 65536

static size_t
bucket(struct epoll *ep, int fd)
{
	return ((uint32_t)fd * 2654435761u) & (ep->nbuckets - 1);
}

static struct ep_item *
find(struct epoll *ep, int fd, struct file *f)
{
	for (struct ep_item *in = ep->hash[bucket(ep, fd)]; in; in = in->hnext)
		if (in->fd == fd && in->file == f)
			return in;
	return NULL;
}

/* into the hash, which doubles past two interests a bucket: 0, -ENOMEM */
static int
hash_add(struct epoll *ep, struct ep_item *in)
{
	if (ep->count >= 2 * ep->nbuckets && ep->nbuckets < HASH_MAX) {
		size_t nb = ep->nbuckets * 2;
		struct ep_item **h = kzalloc(nb * sizeof(*h));
		if (h) {
			struct ep_item **old = ep->hash;
			size_t ob = ep->nbuckets;
			ep->hash = h;
			ep->nbuckets = nb;
			for (size_t b = 0; b < ob; b++)
				for (struct ep_item *i = old[b], *next; i; i = next) {
					next = i->hnext;
					i->hnext = h[bucket(ep, i->fd)];
					h[bucket(ep, i->fd)] = i;
				}
			kfree(old);
		} /* else: longer chains */
	}
	in->hnext = ep->hash[bucket(ep, in->fd)];
	ep->hash[bucket(ep, in->fd)] = in;
	ep->count++;
	return 0;
}

static void
hash_del(struct epoll *ep, struct ep_item *in)
{
	struct ep_item **pp = &ep->hash[bucket(ep, in->fd)];

	while (*pp != in)
		pp = &(*pp)->hnext;
	*pp = in->hnext;
	ep->count--;
}

/* on the ready list unless there (rdlock held): true when it went on */
static bool
enqueue(struct epoll *ep, struct ep_item *in, bool head)
{
	if (in->queued)
		return false;
	if (head)
		list_add_head(&ep->ready, &in->ready);
	else
		list_add_tail(&ep->ready, &in->ready);
	in->queued = true;
	ep->nready++;
	return true;
}

/* the callback of an interest's entries: something happened at its
 * file. Nonzero for an exclusive interest when it took the event for a
 * waiter (ep_poll_callback's ewake): its epoll has one (in epoll_wait, or
 * polling the epoll fd), and the event is input alone for an interest in
 * input, output alone for one in output, or neither (a hang-up, an
 * error); then the other exclusive interests are not woken. */
static int
ep_callback(struct poll_entry *e, int events)
{
	struct ep_item *in = container_of(e, struct ep_entry, e)->in;
	struct epoll *ep = in->ep;
	uint64_t fl = spin_lock_irqsave(&ep->rdlock);
	bool woke = false;
	int taken = 0;

	if (!in->disarmed && (!events || (events & (int)(in->events | POLLERR | POLLHUP)))) {
		int io = events & (POLLIN | POLLOUT);
		woke = enqueue(ep, in, false);
		taken = !(in->events & EPOLLEXCLUSIVE) ||
		        (!list_empty(&ep->wq.entries) &&
		         (!io || (io != (POLLIN | POLLOUT) && (io & (int)in->events))));
	}
	spin_unlock_irqrestore(&ep->rdlock, fl);
	if (woke)
		poll_wake(&ep->wq, POLLIN);
	return taken;
}

/* queue an interest found ready outside a callback (ADD, MOD) */
static void
ready_now(struct epoll *ep, struct ep_item *in)
{
	uint64_t fl = spin_lock_irqsave(&ep->rdlock);
	bool woke = enqueue(ep, in, false);

	spin_unlock_irqrestore(&ep->rdlock, fl);
	if (woke)
		poll_wake(&ep->wq, POLLIN);
}

struct ep_table {
	struct poll_table pt;
	struct ep_item *in;
	int err;
};

static void
ep_queue(struct poll_table *pt, struct poll_head *h)
{
	struct ep_table *t = container_of(pt, struct ep_table, pt);
	struct ep_entry *e = kzalloc(sizeof(*e));

	if (!e) {
		t->err = -ENOMEM;
		return;
	}
	e->in = t->in;
	e->next = t->in->entries;
	t->in->entries = e;
	if (t->in->events & EPOLLEXCLUSIVE)
		poll_entry_add_exclusive(h, &e->e, ep_callback);
	else
		poll_entry_add(h, &e->e, ep_callback);
}

/* on its file's list of interests */
static void
file_link(struct ep_item *in)
{
	struct file *f = in->file;
	uint64_t fl = spin_lock_irqsave(&links_lock);

	in->fnext = f->f_ep;
	if (in->fnext)
		in->fnext->fpprev = &in->fnext;
	in->fpprev = &f->f_ep;
	__atomic_store_n(&f->f_ep, in, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&links_lock, fl);
}

static void
file_unlink(struct ep_item *in)
{
	uint64_t fl;

	if (!in->fpprev)
		return;
	fl = spin_lock_irqsave(&links_lock);
	*in->fpprev = in->fnext;
	if (in->fnext)
		in->fnext->fpprev = in->fpprev;
	in->fpprev = NULL;
	spin_unlock_irqrestore(&links_lock, fl);
}

/* off the file's wait queues, its list and the ready list, then freed
 * (lock held; off ep->all and the hash already when it was there) */
static void
interest_free(struct epoll *ep, struct ep_item *in)
{
	uint64_t fl;

	while (in->entries) {
		struct ep_entry *e = in->entries;
		in->entries = e->next;
		poll_entry_del(&e->e); /* its callback is done, and will not run */
		kfree(e);
	}
	fl = spin_lock_irqsave(&ep->rdlock);
	if (in->queued) {
		list_del(&in->ready);
		ep->nready--;
	}
	spin_unlock_irqrestore(&ep->rdlock, fl);
	file_unlink(in);
	kfree(in);
}

/* Report up to max ready interests into out (lock held), looking at each
 * interest that was on the ready list when called, and no other: the
 * level-triggered ones reported go back at its tail. out NULL: only
 * whether one is ready (1 or 0), which stays at the head of the list.
 * Interests no longer ready leave the list either way. */
static int
collect(struct epoll *ep, struct linux_epoll_event *out, int max)
{
	uint64_t fl = spin_lock_irqsave(&ep->rdlock);
	size_t todo = ep->nready;
	int k = 0;

	while (todo-- && (!out || k < max)) {
		struct ep_item *in = list_first_entry(&ep->ready, struct ep_item, ready);
		uint32_t events = in->events, r = 0;
		bool disarmed = in->disarmed;
		list_del(&in->ready);
		in->queued = false; /* a wake-up from now on queues it again */
		ep->nready--;
		spin_unlock_irqrestore(&ep->rdlock, fl);
		if (!disarmed)
			r = (uint32_t)file_poll(in->file, NULL) & (events | POLLERR | POLLHUP);
		fl = spin_lock_irqsave(&ep->rdlock);
		if (!r)
			continue;
		if (!out) {
			enqueue(ep, in, true);
			k = 1;
			break;
		}
		out[k].events = r;
		out[k].data = in->data;
		k++;
		if (events & EPOLLONESHOT)
			in->disarmed = true;
		else if (!(events & EPOLLET))
			enqueue(ep, in, false);
	}
	spin_unlock_irqrestore(&ep->rdlock, fl);
	return k;
}

static void
ep_release(struct file *f)
{
	struct epoll *ep = f->f_priv;
	struct list_node *n, *tmp;

	mutex_lock(&release_lock); /* no watched file's release is in ep */
	mutex_lock(&ep->lock);
	list_for_each_safe(n, tmp, &ep->all)
	{
		interest_free(ep, list_entry(n, struct ep_item, link));
	}
	mutex_unlock(&ep->lock);
	mutex_unlock(&release_lock);
	kfree(ep->hash);
	kfree(ep);
}

/* Linux's eventpoll_release: the last reference to f went (file_put,
 * before its release op), so no epoll_ctl can name it: each interest in it
 * leaves its epoll, whose epoll_wait no longer reports it. An epoll_wait
 * looking at the file holds that epoll's lock, which this waits for;
 * release_lock keeps each epoll from being closed meanwhile. */
void
epoll_file_release(struct file *f)
{
	mutex_lock(&release_lock);
	for (;;) {
		uint64_t fl = spin_lock_irqsave(&links_lock);
		struct ep_item *in = f->f_ep;
		struct epoll *ep;
		spin_unlock_irqrestore(&links_lock, fl);
		if (!in)
			break;
		ep = in->ep; /* 'in' stays: only its epoll's close or this frees it */
		mutex_lock(&ep->lock);
		list_del(&in->link);
		hash_del(ep, in);
		interest_free(ep, in);
		mutex_unlock(&ep->lock);
	}
	mutex_unlock(&release_lock);
}

static int
ep_poll(struct file *f, struct poll_table *pt)
{
	struct epoll *ep = f->f_priv;
	int ready;

	poll_register(pt, &ep->wq);
	mutex_lock(&ep->lock);
	ready = collect(ep, NULL, 0);
	mutex_unlock(&ep->lock);
	return ready ? POLLIN : 0;
}

static int
ep_stat(struct file *f, void *statbuf)
{
	struct vnode v = {.v_mode = 0600, .v_ino = (uintptr_t)f->f_priv >> 4};

	vfs_stat_node(&v, statbuf);
	return 0;
}

static const struct file_ops ep_ops = {
    .release = ep_release, .stat = ep_stat, .poll = ep_poll, .fd_name = "eventpoll"};

SYSCALL(epoll_create1)
{
	struct epoll *ep;
	struct file *f;
	int fd;

	if (a0 & ~O_CLOEXEC)
		return -EINVAL;
	ep = kzalloc(sizeof(*ep));
	f = kzalloc(sizeof(*f));
	if (ep)
		ep->hash = kzalloc(16 * sizeof(*ep->hash));
	if (!ep || !f || !ep->hash) {
		if (ep)
			kfree(ep->hash);
		kfree(ep);
		kfree(f);
		return -ENOMEM;
	}
	ep->nbuckets = 16;
	list_init(&ep->all);
	list_init(&ep->ready);
	ep->rdlock = (struct spinlock)SPINLOCK_INIT;
	poll_head_init(&ep->wq);
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
	return (int)a0 <= 0 ? -EINVAL : sys_epoll_create1(0, 0, 0, 0, 0, 0);
}

/* -ELOOP when 'from' is 'to' or watches it, directly or through other
 * epolls, or when the chain below goes deeper than Linux allows */
static int
loop_check(struct epoll *from, struct epoll *to, int depth)
{
	struct list_node *n;
	int r = 0;

	if (from == to || depth > EP_MAX_NESTS)
		return -ELOOP;
	mutex_lock(&from->lock);
	list_for_each(n, &from->all)
	{
		struct ep_item *in = list_entry(n, struct ep_item, link);
		if (in->file->f_ops == &ep_ops && (r = loop_check(in->file->f_priv, to, depth + 1)))
			break;
	}
	mutex_unlock(&from->lock);
	return r;
}

static long
ctl_add(struct epoll *ep, int fd, struct file *target, const struct linux_epoll_event *ev)
{
	struct ep_item *in;
	struct ep_table t;
	int r;

	if (find(ep, fd, target))
		return -EEXIST;
	if (!(in = kzalloc(sizeof(*in))))
		return -ENOMEM;
	*in = (struct ep_item){
	    .ep = ep, .fd = fd, .file = target, .events = ev->events, .data = ev->data};
	list_init(&in->ready);
	t = (struct ep_table){.pt = {ep_queue}, .in = in};
	r = file_poll(target, &t.pt);
	if (t.err) {
		interest_free(ep, in);
		return t.err;
	}
	list_add_tail(&ep->all, &in->link);
	hash_add(ep, in);
	file_link(in); /* target is held: its release waits for ep->lock */
	if (r & (int)(ev->events | POLLERR | POLLHUP))
		ready_now(ep, in);
	return 0;
}

static long
ctl_mod(struct epoll *ep, struct ep_item *in, const struct linux_epoll_event *ev)
{
	uint64_t fl;

	if (in->events & EPOLLEXCLUSIVE)
		return -EINVAL;
	fl = spin_lock_irqsave(&ep->rdlock);
	in->events = ev->events;
	in->disarmed = false;
	spin_unlock_irqrestore(&ep->rdlock, fl);
	in->data = ev->data;
	if (file_poll(in->file, NULL) & (int)(ev->events | POLLERR | POLLHUP))
		ready_now(ep, in);
	return 0;
}

SYSCALL(epoll_ctl)
{
	struct file *epf = fd_get((int)a0), *target;
	struct linux_epoll_event ev = {0};
	struct ep_item *in;
	struct epoll *ep;
	bool nested = false;
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
	if (a1 == EPOLL_CTL_ADD && target->f_ops == &ep_ops) {
		nested = true;
		mutex_lock(&nest_lock); /* no two adds make a loop together */
		if ((err = loop_check(target->f_priv, ep, 1)))
			goto out;
	}
	mutex_lock(&ep->lock);
	in = find(ep, (int)a2, target);
	switch (a1) {
	case EPOLL_CTL_ADD:
		err = ctl_add(ep, (int)a2, target, &ev);
		break;
	case EPOLL_CTL_MOD:
		err = in ? ctl_mod(ep, in, &ev) : -ENOENT;
		break;
	case EPOLL_CTL_DEL:
		if (!in) {
			err = -ENOENT;
			break;
		}
		list_del(&in->link);
		hash_del(ep, in);
		interest_free(ep, in);
		break;
	default:
		err = -EINVAL;
	}
	mutex_unlock(&ep->lock);
out:
	if (nested)
		mutex_unlock(&nest_lock);
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
	struct poll_sleeper s;
	struct poll_waiter w;
	struct epoll *ep;
	long k;

	if (!epf)
		return -EBADF;
	if (epf->f_ops != &ep_ops || max <= 0 || max > 65536) {
		file_put(epf);
		return -EINVAL;
	}
	ep = epf->f_priv;
	ev = kmalloc((size_t)max * sizeof(*ev));
	if (!ev) {
		file_put(epf);
		return -ENOMEM;
	}
	poll_sleeper_init(&s);
	poll_waiter_add(&w, &s, &ep->wq, POLLIN);
	for (;;) {
		poll_sleeper_arm(&s);
		mutex_lock(&ep->lock);
		k = collect(ep, ev, max);
		mutex_unlock(&ep->lock);
		if (k || timeout_ms == 0)
			break;
		if (signal_pending()) {
			k = -EINTR; /* epoll_wait never restarts, SA_RESTART or not */
			break;
		}
		if (poll_sleep(&s, deadline) == -ETIMEDOUT)
			break;
	}
	poll_waiter_del(&w);
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

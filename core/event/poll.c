/* Readiness: the per-object wait queues of include/poll.h (poll heads,
 * entries with a callback, a thread's sleep on them), and poll and
 * select on top: one pass over the fds registers an entry on each
 * file's heads, later passes only look, and the caller sleeps until one
 * of its entries is woken. epoll (core/event/epoll.c) keeps entries of
 * its own. */
#include "poll.h"
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "rlimit.h"
#include "sched.h"
#include "signal.h"
#include "sync.h"
#include "syscall.h"
#include "uaccess.h"
#include "uapi/time.h"
#include "vfs.h"

void
poll_head_init(struct poll_head *h)
{
	h->lock = (struct spinlock)SPINLOCK_INIT;
	list_init(&h->entries);
}

static void
entry_add(struct poll_head *h, struct poll_entry *e, poll_wake_fn wake, bool exclusive)
{
	uint64_t fl = spin_lock_irqsave(&h->lock);

	e->head = h;
	e->wake = wake;
	e->exclusive = exclusive;
	if (exclusive)
		list_add_tail(&h->entries, &e->link);
	else
		list_add_head(&h->entries, &e->link);
	spin_unlock_irqrestore(&h->lock, fl);
}

void
poll_entry_add(struct poll_head *h, struct poll_entry *e, poll_wake_fn wake)
{
	entry_add(h, e, wake, false);
}

void
poll_entry_add_exclusive(struct poll_head *h, struct poll_entry *e, poll_wake_fn wake)
{
	entry_add(h, e, wake, true);
}

void
poll_entry_del(struct poll_entry *e)
{
	struct poll_head *h = e->head;
	uint64_t fl;

	if (!h)
		return;
	fl = spin_lock_irqsave(&h->lock);
	list_del(&e->link);
	e->head = NULL;
	spin_unlock_irqrestore(&h->lock, fl);
}

void
poll_wake(struct poll_head *h, int events)
{
	uint64_t fl;
	struct list_node *n, *tmp;

	if (list_empty(&h->entries)) /* unlocked: a waiter adds, then looks */
		return;
	fl = spin_lock_irqsave(&h->lock);
	list_for_each_safe(n, tmp, &h->entries)
	{
		struct poll_entry *e = list_entry(n, struct poll_entry, link);
		if (e->wake(e, events) && e->exclusive)
			break;
	}
	spin_unlock_irqrestore(&h->lock, fl);
}

void
poll_sleeper_init(struct poll_sleeper *s)
{
	s->t = thread_self();
	s->woken = 0;
}

void
poll_sleeper_arm(struct poll_sleeper *s)
{
	__atomic_store_n(&s->woken, 0, __ATOMIC_SEQ_CST);
}

static int
waiter_wake(struct poll_entry *e, int events)
{
	struct poll_waiter *w = container_of(e, struct poll_waiter, e);

	if (events && w->mask && !(events & w->mask))
		return 0;
	__atomic_store_n(&w->s->woken, 1, __ATOMIC_SEQ_CST);
	sched_wake(w->s->t);
	return 1;
}

void
poll_waiter_add(struct poll_waiter *w, struct poll_sleeper *s, struct poll_head *h, int mask)
{
	w->s = s;
	w->mask = mask;
	poll_entry_add(h, &w->e, waiter_wake);
}

void
poll_waiter_del(struct poll_waiter *w)
{
	poll_entry_del(&w->e);
}

int
poll_sleep(struct poll_sleeper *s, uint64_t deadline_ns)
{
	for (;;) {
		sched_prepare_block();
		if (__atomic_load_n(&s->woken, __ATOMIC_SEQ_CST)) {
			sched_cancel_block();
			return 0;
		}
		if (signal_pending()) {
			sched_cancel_block();
			return -EINTR;
		}
		if (deadline_ns && clock_ns() >= deadline_ns) {
			sched_cancel_block();
			return -ETIMEDOUT;
		}
		sched_block_until(deadline_ns); /* then look again: woken, a signal, the time */
	}
}

int
file_poll(struct file *f, struct poll_table *pt)
{
	return f->f_ops->poll ? f->f_ops->poll(f, pt) : POLLIN | POLLOUT;
}

/* --- poll and select --- */
/* one poll call's entries: a file reference each, in chunks that stay
 * in the small kmalloc classes */
#define CHUNK_N 36
struct poll_chunk {
	struct poll_chunk *next;
	int used;
	struct {
		struct poll_waiter w;
		struct file *f;
	} e[CHUNK_N];
};

struct poll_set {
	struct poll_table pt;
	struct poll_sleeper s;
	struct poll_chunk *chunks;
	struct file *cur; /* the file being polled, and what wakes for it */
	int mask;
	int err; /* -ENOMEM: an entry could not be made */
};

static void
set_queue(struct poll_table *pt, struct poll_head *h)
{
	struct poll_set *ps = container_of(pt, struct poll_set, pt);
	struct poll_chunk *c = ps->chunks;

	if (!c || c->used == CHUNK_N) {
		if (!(c = kmalloc(sizeof(*c)))) {
			ps->err = -ENOMEM;
			return;
		}
		c->next = ps->chunks;
		c->used = 0;
		ps->chunks = c;
	}
	file_get(c->e[c->used].f = ps->cur);
	poll_waiter_add(&c->e[c->used].w, &ps->s, h, ps->mask);
	c->used++;
}

static void
set_init(struct poll_set *ps)
{
	*ps = (struct poll_set){.pt = {set_queue}};
	poll_sleeper_init(&ps->s);
}

static void
set_free(struct poll_set *ps)
{
	while (ps->chunks) {
		struct poll_chunk *c = ps->chunks;
		for (int i = 0; i < c->used; i++) {
			poll_waiter_del(&c->e[i].w);
			file_put(c->e[i].f);
		}
		ps->chunks = c->next;
		kfree(c);
	}
}

/* one pass; ps non-NULL: register on every file until one is ready */
static int
poll_once(struct linux_pollfd *p, size_t n, struct poll_set *ps)
{
	int ready = 0;

	for (size_t i = 0; i < n; i++) {
		struct file *f;
		p[i].revents = 0;
		if (p[i].fd < 0)
			continue;
		if (!(f = fd_get(p[i].fd))) {
			p[i].revents = POLLNVAL;
		} else {
			int mask = p[i].events | POLLERR | POLLHUP, r;
			if (ps && !ready) {
				ps->cur = f;
				ps->mask = mask;
			}
			r = file_poll(f, ps && !ready ? &ps->pt : NULL);
			p[i].revents = (short)(r & mask);
			file_put(f);
		}
		ready += p[i].revents != 0;
	}
	return ready;
}

/* poll's loop, select's too. deadline: 0 = forever, UINT64_MAX = do not
 * wait. The count ready, -ENOMEM, or -ERESTARTNOHAND (a signal) */
static long
poll_loop(struct linux_pollfd *p, size_t n, uint64_t deadline)
{
	struct poll_set ps;
	long ready;

	set_init(&ps);
	for (bool first = true;; first = false) {
		poll_sleeper_arm(&ps.s);
		ready = poll_once(p, n, first && deadline != UINT64_MAX ? &ps : NULL);
		if (ready || deadline == UINT64_MAX)
			break;
		if (ps.err) {
			ready = ps.err;
			break;
		}
		if (signal_pending()) {
			ready = -ERESTARTNOHAND; /* -EINTR after a handler */
			break;
		}
		if (poll_sleep(&ps.s, deadline) == -ETIMEDOUT) {
			ready = poll_once(p, n, NULL); /* as Linux: a last look */
			break;
		}
	}
	set_free(&ps);
	return ready;
}

/* an array of the app's size: kmalloc, or vmem past 1 MiB */
static void *
big_alloc(size_t size)
{
	return size <= MiB(1) ? kmalloc(size + 1) : vmem_alloc(size);
}

static void
big_free(void *p, size_t size)
{
	if (size <= MiB(1))
		kfree(p);
	else if (p)
		vmem_free(p, size);
}

static long
do_poll(struct linux_pollfd *up, size_t n, uint64_t deadline)
{
	size_t size = n * sizeof(struct linux_pollfd);
	struct linux_pollfd *p;
	long ready;

	if (n > rlimit_cur(RLIMIT_NOFILE))
		return -EINVAL; /* Linux */
	if (!(p = big_alloc(size)))
		return -ENOMEM;
	if (copy_from_user(p, up, size)) {
		big_free(p, size);
		return -EFAULT;
	}
	ready = poll_loop(p, n, deadline);
	if (ready >= 0 && copy_to_user(up, p, size))
		ready = -EFAULT;
	big_free(p, size);
	return ready;
}

static uint64_t
deadline_ms(int ms)
{
	if (ms < 0)
		return 0;
	if (ms == 0)
		return UINT64_MAX;
	return clock_ns() + (uint64_t)ms * 1000000u;
}

static long
deadline_ts(const void *uts, uint64_t *out)
{
	struct linux_timespec ts;

	if (!uts) {
		*out = 0;
		return 0;
	}
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
		return -EINVAL;
	*out = !ts.sec && !ts.nsec
	           ? UINT64_MAX
	           : clock_ns() + (uint64_t)ts.sec * 1000000000u + (uint64_t)ts.nsec;
	return 0;
}

SYSCALL(poll)
{
	return do_poll((struct linux_pollfd *)a0, (size_t)a1, deadline_ms((int)a2));
}
SYSCALL(ppoll)
{
	uint64_t d;
	long err = deadline_ts((void *)a2, &d);

	if (!err && a3)
		err = signal_wait_mask((const void *)a3, (size_t)a4); /* for the wait alone */
	return err ? err : do_poll((struct linux_pollfd *)a0, (size_t)a1, d);
}

/* select on top of poll: the bit sets become a pollfd array. Bits past
 * NR_OPEN are ignored (Linux: past the fd table) */
static long
do_select(int n, uint64_t *uin, uint64_t *uout, uint64_t *uex, uint64_t deadline)
{
	uint64_t *in, *out, *ex;
	size_t words, np = 0;
	struct linux_pollfd *p = NULL;
	long r;

	if (n < 0)
		return -EINVAL;
	n = MIN(n, NR_OPEN);
	words = (size_t)(n + 63) / 64;
	if (!(in = kzalloc(3 * words * 8 + 1)))
		return -ENOMEM;
	out = in + words;
	ex = out + words;
	if ((uin && copy_from_user(in, uin, words * 8)) ||
	    (uout && copy_from_user(out, uout, words * 8)) ||
	    (uex && copy_from_user(ex, uex, words * 8))) {
		r = -EFAULT;
		goto done;
	}
	for (size_t w = 0; w < words; w++)
		for (uint64_t b = in[w] | out[w] | ex[w]; b; b &= b - 1)
			np++; /* no popcnt: the kernel is built for any x86-64 */
	if (!(p = big_alloc(np * sizeof(*p)))) {
		r = -ENOMEM;
		goto done;
	}
	np = 0;
	for (int fd = 0; fd < n; fd++) {
		short ev = (short)((in[fd / 64] >> (fd % 64) & 1 ? POLLIN : 0) |
		                   (out[fd / 64] >> (fd % 64) & 1 ? POLLOUT : 0) |
		                   (ex[fd / 64] >> (fd % 64) & 1 ? POLLPRI : 0));
		if (ev)
			p[np++] = (struct linux_pollfd){fd, ev, 0};
	}
	if ((r = poll_loop(p, np, deadline)) < 0)
		goto done; /* a signal: the sets stay as they were */
	memset(in, 0, 3 * words * 8);
	r = 0;
	for (size_t i = 0; i < np; i++) {
		int fd = p[i].fd;
		if (p[i].revents & POLLNVAL) {
			r = -EBADF;
			goto done;
		}
		if (p[i].revents & (POLLIN | POLLHUP | POLLERR) && (p[i].events & POLLIN))
			in[fd / 64] |= 1ull << (fd % 64), r++;
		if (p[i].revents & (POLLOUT | POLLERR) && (p[i].events & POLLOUT))
			out[fd / 64] |= 1ull << (fd % 64), r++;
		if (p[i].revents & POLLPRI)
			ex[fd / 64] |= 1ull << (fd % 64), r++;
	}
	if ((uin && copy_to_user(uin, in, words * 8)) ||
	    (uout && copy_to_user(uout, out, words * 8)) ||
	    (uex && copy_to_user(uex, ex, words * 8)))
		r = -EFAULT;
done:
	big_free(p, np * sizeof(*p));
	kfree(in);
	return r;
}

SYSCALL(select)
{
	int64_t tv[2];
	uint64_t d = 0;

	if (a4) {
		if (copy_from_user(tv, (void *)a4, sizeof(tv)))
			return -EFAULT;
		if (tv[0] < 0 || tv[1] < 0)
			return -EINVAL;
		d = !tv[0] && !tv[1]
		        ? UINT64_MAX
		        : clock_ns() + (uint64_t)tv[0] * 1000000000u + (uint64_t)tv[1] * 1000u;
	}
	return do_select((int)a0, (uint64_t *)a1, (uint64_t *)a2, (uint64_t *)a3, d);
}

SYSCALL(pselect6)
{
	uint64_t d, sig[2]; /* the sixth argument: { const sigset_t *ss; size_t ss_len; } */
	long err = deadline_ts((void *)a4, &d);

	if (!err && a5 && copy_from_user(sig, (void *)a5, sizeof(sig)))
		err = -EFAULT;
	if (!err && a5 && sig[0])
		err =
		    signal_wait_mask((const void *)sig[0], (size_t)sig[1]); /* for the wait alone */
	return err ? err : do_select((int)a0, (uint64_t *)a1, (uint64_t *)a2, (uint64_t *)a3, d);
}

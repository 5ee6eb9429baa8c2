/* Readiness: one generation counter and wait queue that every pipe and
 * eventfd bumps when its state changes, and poll, select and epoll on
 * top. XXX: one queue for all waiters (a change wakes every poller to
 * look again); per-file queues when servers need it. epoll is
 * level-triggered; EPOLLET is taken as level-triggered, which can only
 * report more often, never miss. */
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

static uint64_t generation;
static struct waitq pollers = {SPINLOCK_INIT, LIST_HEAD_INIT(pollers.wq_list)};

int
file_poll(struct file *f)
{
	return f->f_ops->poll ? f->f_ops->poll(f) : POLLIN | POLLOUT;
}

void
poll_notify(void)
{
	__atomic_fetch_add(&generation, 1, __ATOMIC_SEQ_CST);
	waitq_wake_all(&pollers);
}

uint64_t
poll_generation(void)
{
	return __atomic_load_n(&generation, __ATOMIC_SEQ_CST);
}

static bool
changed(void *arg)
{
	return poll_generation() != *(uint64_t *)arg;
}

bool
poll_wait(uint64_t seen, uint64_t deadline_ns)
{
	return waitq_wait(&pollers, changed, &seen, deadline_ns);
}

static bool
changed_or_signal(void *arg)
{
	return changed(arg) || signal_pending();
}

int
poll_wait_intr(uint64_t seen, uint64_t deadline_ns)
{
	if (waitq_wait(&pollers, changed_or_signal, &seen, deadline_ns))
		return changed(&seen) || !signal_pending() ? 0 : -EINTR;
	return -ETIMEDOUT;
}

static int
poll_once(struct linux_pollfd *p, size_t n)
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
			int r = file_poll(f);
			p[i].revents = (short)(r & (p[i].events | POLLERR | POLLHUP));
			file_put(f);
		}
		ready += p[i].revents != 0;
	}
	return ready;
}

/* deadline: 0 = forever, UINT64_MAX = do not wait */
static long
do_poll(struct linux_pollfd *up, size_t n, uint64_t deadline)
{
	struct linux_pollfd *p;
	long ready;

	if (n > rlimit_cur(RLIMIT_NOFILE))
		return -EINVAL; /* Linux */
	p = kmalloc(n * sizeof(*p) + 1);
	if (!p)
		return -ENOMEM;
	if (copy_from_user(p, up, n * sizeof(*p))) {
		kfree(p);
		return -EFAULT;
	}
	for (;;) {
		uint64_t seen = poll_generation();
		ready = poll_once(p, n);
		if (ready || deadline == UINT64_MAX)
			break;
		if (signal_pending()) {
			kfree(p);
			return -ERESTARTNOHAND; /* -EINTR after a handler */
		}
		int w = poll_wait_intr(seen, deadline);
		if (w == -ETIMEDOUT && deadline && clock_ns() >= deadline)
			break;
	}
	if (copy_to_user(up, p, n * sizeof(*p)))
		ready = -EFAULT;
	kfree(p);
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
	if (!(p = kmalloc(np * sizeof(*p) + 1))) {
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
	for (;;) {
		uint64_t seen = poll_generation();
		r = poll_once(p, np);
		if (r || deadline == UINT64_MAX)
			break;
		if (signal_pending()) {
			r = -ERESTARTNOHAND; /* the sets stay as they were */
			goto done;
		}
		int w = poll_wait_intr(seen, deadline);
		if (w == -ETIMEDOUT && deadline && clock_ns() >= deadline)
			break;
	}
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
	kfree(p);
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

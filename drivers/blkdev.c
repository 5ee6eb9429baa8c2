/* The block layer (include/blkdev.h): the list of block devices, request
 * checks, splitting of requests longer than a driver takes, the counts of
 * /proc/diskstats, and the sleeping helpers. Exercised by tests/kernel/test_blkdev.c (a memory
 * disk) and, through /dev/vda, by tests/e2e/blk-disk.sh. */
#include "blkdev.h"
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "sched.h"
#include "spinlock.h"

static struct list_node devs = LIST_HEAD_INIT(devs); /* under devs_lock */
static struct spinlock devs_lock = SPINLOCK_INIT;
static int ndevs;

static bool
valid_dev(const struct blkdev *d)
{
	uint32_t bs = d->bd_block_size;

	return d->bd_name[0] && strnlen(d->bd_name, BLK_NAME_MAX) < BLK_NAME_MAX &&
	       bs >= BLK_SECTOR_SIZE && bs <= 65536 && (bs & (bs - 1)) == 0 &&
	       d->bd_max_bytes >= bs && d->bd_max_bytes % bs == 0 && d->bd_ops && d->bd_ops->submit;
}

static struct blkdev *
find_locked(const char *name)
{
	struct list_node *n;

	list_for_each(n, &devs)
	{
		struct blkdev *d = list_entry(n, struct blkdev, bd_link);
		if (!strcmp(d->bd_name, name))
			return d;
	}
	return NULL;
}

int
blk_register(struct blkdev *d)
{
	uint64_t f;
	int err;

	if (!valid_dev(d))
		return -EINVAL;
	f = spin_lock_irqsave(&devs_lock);
	if (find_locked(d->bd_name)) {
		spin_unlock_irqrestore(&devs_lock, f);
		return -EEXIST;
	}
	d->bd_index = (unsigned)ndevs++;
	d->bd_rmw_lock = (struct mutex)MUTEX_INIT;
	d->bd_stat_lock = (struct spinlock)SPINLOCK_INIT;
	memset(&d->bd_stats, 0, sizeof(d->bd_stats));
	list_add_tail(&devs, &d->bd_link);
	spin_unlock_irqrestore(&devs_lock, f);
	err = blk_devnode_create(d);
	if (err)
		printk(KERN_WARN "blk: %s: no /dev node (%d)", d->bd_name, err);
	printk(KERN_INFO "blk: %s: %lu sectors (%lu MiB), block %u%s", d->bd_name,
	       (unsigned long)d->bd_sectors, (unsigned long)(d->bd_sectors >> 11), d->bd_block_size,
	       d->bd_readonly ? ", read-only" : "");
	return 0;
}

struct blkdev *
blk_find(const char *name)
{
	uint64_t f = spin_lock_irqsave(&devs_lock);
	struct blkdev *d = find_locked(name);

	spin_unlock_irqrestore(&devs_lock, f);
	return d;
}

int
blk_count(void)
{
	return READ_ONCE(ndevs);
}

struct blkdev *
blk_at(int i)
{
	uint64_t f = spin_lock_irqsave(&devs_lock);
	struct blkdev *d = NULL;
	struct list_node *n;

	list_for_each(n, &devs)
	{
		if (i-- == 0) {
			d = list_entry(n, struct blkdev, bd_link);
			break;
		}
	}
	spin_unlock_irqrestore(&devs_lock, f);
	return d;
}

static int
check(struct blkdev *d, struct blk_req *r)
{
	uint64_t nsec;

	if (r->br_op == BLK_FLUSH)
		return 0;
	if ((r->br_op != BLK_READ && r->br_op != BLK_WRITE) || !r->br_buf || !r->br_len)
		return -EINVAL;
	if (r->br_len % d->bd_block_size || (r->br_sector * BLK_SECTOR_SIZE) % d->bd_block_size)
		return -EINVAL;
	nsec = r->br_len / BLK_SECTOR_SIZE;
	if (r->br_sector > READ_ONCE(d->bd_sectors) ||
	    nsec > READ_ONCE(d->bd_sectors) - r->br_sector)
		return -EIO;
	if (r->br_op == BLK_WRITE && d->bd_readonly)
		return -EROFS;
	return 0;
}

/* --- accounting: a request counts from its submission to the driver to
 * its completion; busy and weighted time advance at each change of the
 * number in flight (Linux's io_ticks and time_in_queue) --- */

static void
stat_advance(struct blk_stats *st, uint64_t now)
{
	if (st->bs_in_flight) {
		st->bs_busy_ns += now - st->bs_since_ns;
		st->bs_queue_ns += (now - st->bs_since_ns) * st->bs_in_flight;
	}
	st->bs_since_ns = now;
}

static void
stat_start(struct blkdev *d, struct blk_req *r)
{
	uint64_t f, now = clock_ns();

	r->br_start_ns = now;
	f = spin_lock_irqsave(&d->bd_stat_lock);
	stat_advance(&d->bd_stats, now);
	d->bd_stats.bs_in_flight++;
	spin_unlock_irqrestore(&d->bd_stat_lock, f);
}

/* r is over: counted when it reached the device (done), else only gone */
static void
stat_end(struct blkdev *d, struct blk_req *r, bool done)
{
	struct blk_stats *st = &d->bd_stats;
	uint64_t f, now = clock_ns();

	f = spin_lock_irqsave(&d->bd_stat_lock);
	stat_advance(st, now);
	st->bs_in_flight--;
	if (done) {
		st->bs_ios[r->br_op]++;
		st->bs_sectors[r->br_op] += r->br_len / BLK_SECTOR_SIZE;
		st->bs_ns[r->br_op] += now - r->br_start_ns;
	}
	spin_unlock_irqrestore(&d->bd_stat_lock, f);
}

static void
part_done(struct blk_req *part)
{
	/* parts complete through blk_complete, which handles the parent */
}

/* the parts of a split request: the parent's br_drv holds the array */
static int
submit_split(struct blkdev *d, struct blk_req *r)
{
	size_t max = d->bd_max_bytes, n = (r->br_len + max - 1) / max, i;
	struct blk_req *parts = kzalloc(n * sizeof(*parts));
	int err = 0;

	if (!parts)
		return -ENOMEM;
	r->br_drv = parts;
	r->br_status = 0;
	__atomic_store_n(&r->br_pending, (int)n + 1, __ATOMIC_RELAXED); /* +1: ours */
	for (i = 0; i < n; i++) {
		struct blk_req *p = &parts[i];
		size_t off = i * max;
		p->br_op = r->br_op;
		p->br_sector = r->br_sector + off / BLK_SECTOR_SIZE;
		p->br_buf = (uint8_t *)r->br_buf + off;
		p->br_len = MIN(max, r->br_len - off);
		p->br_done = part_done;
		p->br_dev = d;
		p->br_parent = r;
		err = d->bd_ops->submit(d, p);
		if (err) {
			/* the parts never queued count as failed; a part
			 * in flight completes the parent later */
			for (size_t j = i; j < n; j++)
				blk_complete(&parts[j], -EIO);
			break;
		}
	}
	blk_complete(r, 0); /* drop our own count */
	return 0;
}

int
blk_submit(struct blkdev *d, struct blk_req *r)
{
	int err;

	if (!d || !r)
		return -EINVAL;
	if ((err = check(d, r)))
		return err;
	r->br_dev = d;
	r->br_parent = NULL;
	r->br_status = 0;
	r->br_pending = 0;
	if (r->br_op == BLK_FLUSH && !d->bd_cache) {
		/* no volatile cache: what completed is on the medium already;
		 * not sent, not counted (as Linux) */
		r->br_done(r);
		return 0;
	}
	stat_start(d, r);
	if (r->br_op != BLK_FLUSH && r->br_len > d->bd_max_bytes)
		err = submit_split(d, r); /* 0: r completes, if only with -EIO */
	else
		err = d->bd_ops->submit(d, r);
	if (err)
		stat_end(d, r, false);
	return err;
}

void
blk_complete(struct blk_req *r, int status)
{
	struct blk_req *parent = r->br_parent;

	if (!parent) {
		if (r->br_pending) {
			/* a split request: the last part (or the submitter) ends it */
			if (status)
				__atomic_compare_exchange_n(&r->br_status, &(int){0}, status, false,
				                            __ATOMIC_RELAXED, __ATOMIC_RELAXED);
			if (__atomic_sub_fetch(&r->br_pending, 1, __ATOMIC_ACQ_REL))
				return;
			kfree(r->br_drv);
			r->br_drv = NULL;
		} else {
			r->br_status = status;
		}
		stat_end(r->br_dev, r, true); /* before br_done: r may go with it */
		r->br_done(r);
		return;
	}
	blk_complete(parent, status);
}

size_t
blk_diskstats(char *b, size_t size)
{
	size_t n = 0;

	for (int i = 0; i < blk_count() && n < size; i++) {
		struct blkdev *d = blk_at(i);
		struct blk_stats st;
		uint64_t f;

		if (!d)
			break;
		f = spin_lock_irqsave(&d->bd_stat_lock);
		stat_advance(&d->bd_stats, clock_ns());
		st = d->bd_stats;
		spin_unlock_irqrestore(&d->bd_stat_lock, f);
		/* major minor name; reads: ios merges sectors ms; writes: the
		 * same; in flight, io ms, weighted ms; discards: ios merges
		 * sectors ms; flushes: ios ms */
		n += (size_t)fmt_snprintf(
		    b + n, size - n,
		    "%4u %7u %s %lu 0 %lu %lu %lu 0 %lu %lu %u %lu %lu 0 0 0 0 %lu %lu\n",
		    BLK_MAJOR, 16 * d->bd_index, d->bd_name, (unsigned long)st.bs_ios[BLK_READ],
		    (unsigned long)st.bs_sectors[BLK_READ],
		    (unsigned long)(st.bs_ns[BLK_READ] / 1000000),
		    (unsigned long)st.bs_ios[BLK_WRITE], (unsigned long)st.bs_sectors[BLK_WRITE],
		    (unsigned long)(st.bs_ns[BLK_WRITE] / 1000000), st.bs_in_flight,
		    (unsigned long)(st.bs_busy_ns / 1000000),
		    (unsigned long)(st.bs_queue_ns / 1000000), (unsigned long)st.bs_ios[BLK_FLUSH],
		    (unsigned long)(st.bs_ns[BLK_FLUSH] / 1000000));
	}
	return MIN(n, size);
}

/* --- the sleeping helpers --- */

struct waiter {
	struct thread *w_thread;
	int w_done; /* atomic: set once by done() */
};

static void
waiter_done(struct blk_req *r)
{
	struct waiter *w = r->br_priv;
	struct thread *t = w->w_thread; /* w lives on the waiter's stack: read first */

	__atomic_store_n(&w->w_done, 1, __ATOMIC_RELEASE);
	sched_wake(t);
}

static int
blk_sync(struct blkdev *d, int op, uint64_t sector, void *buf, size_t len)
{
	struct waiter w = {thread_self(), 0};
	struct blk_req r = {.br_op = op,
	                    .br_sector = sector,
	                    .br_buf = buf,
	                    .br_len = len,
	                    .br_done = waiter_done,
	                    .br_priv = &w};
	int err = blk_submit(d, &r);

	if (err)
		return err;
	while (!__atomic_load_n(&w.w_done, __ATOMIC_ACQUIRE)) {
		sched_prepare_block();
		if (!__atomic_load_n(&w.w_done, __ATOMIC_ACQUIRE))
			sched_block();
		else
			sched_cancel_block();
	}
	return r.br_status;
}

int
blk_read(struct blkdev *d, uint64_t sector, void *buf, size_t len)
{
	return blk_sync(d, BLK_READ, sector, buf, len);
}

int
blk_write(struct blkdev *d, uint64_t sector, const void *buf, size_t len)
{
	return blk_sync(d, BLK_WRITE, sector, (void *)buf, len);
}

int
blk_flush(struct blkdev *d)
{
	return blk_sync(d, BLK_FLUSH, 0, NULL, 0);
}

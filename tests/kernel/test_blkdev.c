/* In-guest tests of the block layer (drivers/blkdev.c) over a memory
 * disk whose requests complete in a worker thread, later than submit:
 * registration and /dev nodes, checks (range, alignment, read-only),
 * splitting of long requests, errors of one part, many in flight, flushes
 * sent only to a disk with a write cache, /proc/diskstats' counts.
 * virtio-blk itself is tested through /dev/vda by tests/e2e/blk-disk.sh. */
#include "blkdev.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "sched.h"
#include "spinlock.h"
#include "sync.h"
#include "vfs.h"

#define MD_BYTES KiB(256)
#define MD_MAX_BYTES KiB(16) /* the "driver's" limit: longer requests split */
#define MD_QUEUE 256

static struct {
	struct blkdev dev, ro, big; /* 512-byte blocks; read-only; 4 KiB blocks */
	struct blkdev wc;           /* a volatile write cache: FLUSH is sent */
	uint8_t *data;
	uint64_t bad_sector; /* requests touching it fail; 0: none */
	struct blk_req *queue[MD_QUEUE];
	unsigned head, tail; /* under lock */
	struct spinlock lock;
	struct semaphore items;
	int submits; /* requests the driver saw */
} md;

static void
md_do(struct blk_req *r)
{
	uint8_t *p = md.data + r->br_sector * BLK_SECTOR_SIZE;
	uint64_t nsec = r->br_len / BLK_SECTOR_SIZE;

	if (md.bad_sector && r->br_op != BLK_FLUSH && md.bad_sector >= r->br_sector &&
	    md.bad_sector < r->br_sector + nsec) {
		blk_complete(r, -EIO);
		return;
	}
	if (r->br_op == BLK_READ)
		memcpy(r->br_buf, p, r->br_len);
	else if (r->br_op == BLK_WRITE)
		memcpy(p, r->br_buf, r->br_len);
	blk_complete(r, 0);
}

static void *
md_worker(void *arg)
{
	for (;;) {
		sem_down(&md.items);
		uint64_t f = spin_lock_irqsave(&md.lock);
		struct blk_req *r = md.queue[md.tail++ % MD_QUEUE];
		spin_unlock_irqrestore(&md.lock, f);
		md_do(r);
	}
	return NULL;
}

static int
md_submit(struct blkdev *d, struct blk_req *r)
{
	uint64_t f;

	if (r->br_len > d->bd_max_bytes)
		return -EINVAL; /* the layer must have split it */
	f = spin_lock_irqsave(&md.lock);
	if (md.head - md.tail == MD_QUEUE) {
		spin_unlock_irqrestore(&md.lock, f);
		return -ENOSPC;
	}
	md.queue[md.head++ % MD_QUEUE] = r;
	__atomic_fetch_add(&md.submits, 1, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&md.lock, f);
	sem_up(&md.items);
	return 0;
}

static const struct blkdev_ops md_ops = {.submit = md_submit};

static void
md_describe(struct blkdev *d, const char *name, uint32_t bs, bool ro)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->bd_name, name, strlen(name) + 1);
	d->bd_sectors = MD_BYTES / BLK_SECTOR_SIZE;
	d->bd_block_size = bs;
	d->bd_readonly = ro;
	d->bd_max_bytes = MD_MAX_BYTES;
	d->bd_ops = &md_ops;
}

/* the memory disks, once for every case */
static bool
md_setup(void)
{
	if (md.data)
		return true;
	md.data = kzalloc(MD_BYTES);
	if (!md.data)
		return false;
	md.items = (struct semaphore)SEMAPHORE_INIT(0);
	md_describe(&md.dev, "mdtest", 512, false);
	md_describe(&md.ro, "mdtest-ro", 512, true);
	md_describe(&md.big, "mdtest-4k", 4096, false);
	md_describe(&md.wc, "mdtest-wc", 512, false);
	md.wc.bd_cache = true;
	if (IS_ERR(thread_create(md_worker, NULL, "mdisk", -1)))
		return false;
	return !blk_register(&md.dev) && !blk_register(&md.ro) && !blk_register(&md.big) &&
	       !blk_register(&md.wc);
}

static void
fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed + (i >> 9));
}

KTEST(blk_register_and_dev_node)
{
	struct blkdev dup;
	struct vnode *v;

	EXPECT(md_setup());
	EXPECT(blk_find("mdtest") == &md.dev);
	EXPECT(blk_find("nosuchdisk") == NULL);
	EXPECT(blk_count() >= 3);
	md_describe(&dup, "mdtest", 512, false);
	EXPECT_EQ(blk_register(&dup), -EEXIST);
	md_describe(&dup, "mdbad", 1000, false); /* not a power of two */
	EXPECT_EQ(blk_register(&dup), -EINVAL);
	EXPECT_EQ(vfs_lookup(NULL, "/dev/mdtest", true, &v), 0);
	EXPECT_EQ(v->v_mode & S_IFMT, S_IFBLK);
	EXPECT(md.dev.bd_node == v);
	vfs_put(v);
}

KTEST(blk_sync_round_trip_split)
{
	size_t n = KiB(100); /* 7 parts of at most 16 KiB */
	uint8_t *w = kmalloc(n), *r = kmalloc(n);
	int before;

	EXPECT(md_setup() && w && r);
	fill(w, n, 7);
	memset(r, 0, n);
	before = md.submits;
	EXPECT_EQ(blk_write(&md.dev, 3, w, n), 0);
	EXPECT_EQ(md.submits - before, 7);
	EXPECT_EQ(memcmp(md.data + 3 * 512, w, n), 0);
	EXPECT_EQ(blk_read(&md.dev, 3, r, n), 0);
	EXPECT_EQ(memcmp(r, w, n), 0);
	EXPECT_EQ(blk_flush(&md.dev), 0);
	kfree(w);
	kfree(r);
}

/* field k (1: reads completed ... 16: flushes completed, as iostats.rst
 * numbers them) of NAME's line in /proc/diskstats' text, or ~0 */
static uint64_t
diskstat(const char *text, const char *name, int k)
{
	size_t nlen = strlen(name);

	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		const char *p = l, *end = strchr(l, '\n');
		uint64_t v;
		int field = -2; /* major, minor, then the name */
		if (!end)
			break;
		while (p < end) {
			const char *w;
			while (*p == ' ')
				p++;
			w = p;
			while (p < end && *p != ' ')
				p++;
			if (field == 0 && ((size_t)(p - w) != nlen || strncmp(w, name, nlen)))
				break; /* another disk's line */
			if (field == k)
				return parse_u64(w, (size_t)(p - w), &v, false) ? ~0ull : v;
			field++;
		}
	}
	return ~0ull;
}

KTEST(blk_flush_sent_and_counted)
{
	uint8_t *w = kmalloc(KiB(40)), *text = kmalloc(4096);
	size_t n;
	int before;

	EXPECT(md_setup() && w && text);
	fill(w, KiB(40), 3);
	before = md.submits;
	EXPECT_EQ(blk_flush(&md.dev), 0); /* no cache: done at once, unsent */
	EXPECT_EQ(md.submits - before, 0);
	EXPECT_EQ(blk_flush(&md.wc), 0);
	EXPECT_EQ(md.submits - before, 1);
	EXPECT_EQ(blk_write(&md.wc, 16, w, KiB(40)), 0); /* 3 parts: one write */
	EXPECT_EQ(blk_read(&md.wc, 16, w, KiB(8)), 0);
	EXPECT_EQ(blk_write(&md.wc, 1, w, 0), -EINVAL); /* refused: not counted */
	n = blk_diskstats((char *)text, 4095);
	text[n] = 0;
	EXPECT_EQ(diskstat((char *)text, "mdtest-wc", 1), 1);               /* reads */
	EXPECT_EQ(diskstat((char *)text, "mdtest-wc", 3), 16);              /* sectors read */
	EXPECT_EQ(diskstat((char *)text, "mdtest-wc", 5), 1);               /* writes */
	EXPECT_EQ(diskstat((char *)text, "mdtest-wc", 7), 80);              /* sectors written */
	EXPECT_EQ(diskstat((char *)text, "mdtest-wc", 9), 0);               /* in flight */
	EXPECT_EQ(diskstat((char *)text, "mdtest-wc", 16), 1);              /* flushes */
	EXPECT_EQ(diskstat((char *)text, "mdtest-ro", 16), 0);              /* never sent */
	EXPECT_EQ(diskstat((char *)text, "mdtest-wc", 17) == ~0ull, false); /* 17 fields */
	EXPECT_EQ(diskstat((char *)text, "mdtest-wc", 18), ~0ull);
	kfree(w);
	kfree(text);
}

KTEST(blk_checks)
{
	uint64_t last = MD_BYTES / 512 - 1;
	uint8_t *b = kmalloc(8192);

	EXPECT(md_setup() && b);
	EXPECT_EQ(blk_read(&md.dev, last, b, 512), 0);        /* the last sector */
	EXPECT_EQ(blk_read(&md.dev, last, b, 1024), -EIO);    /* across the end */
	EXPECT_EQ(blk_read(&md.dev, last + 1, b, 512), -EIO); /* at the end */
	EXPECT_EQ(blk_read(&md.dev, ~0ull, b, 512), -EIO);    /* no overflow */
	EXPECT_EQ(blk_read(&md.dev, 0, b, 100), -EINVAL);     /* not whole sectors */
	EXPECT_EQ(blk_read(&md.dev, 0, b, 0), -EINVAL);
	EXPECT_EQ(blk_read(&md.big, 1, b, 4096), -EINVAL); /* not on a 4 KiB block */
	EXPECT_EQ(blk_read(&md.big, 8, b, 512), -EINVAL);
	EXPECT_EQ(blk_read(&md.big, 8, b, 8192), 0);
	EXPECT_EQ(blk_write(&md.ro, 0, b, 512), -EROFS);
	EXPECT_EQ(blk_read(&md.ro, 0, b, 512), 0);
	EXPECT_EQ(blk_flush(&md.ro), 0);
	kfree(b);
}

KTEST(blk_split_part_error_fails_whole)
{
	uint8_t *b = kmalloc(KiB(64));

	EXPECT(md_setup() && b);
	md.bad_sector = 40 + 70; /* inside the third 16 KiB part */
	EXPECT_EQ(blk_read(&md.dev, 40, b, KiB(64)), -EIO);
	EXPECT_EQ(blk_read(&md.dev, 40, b, KiB(16)), 0); /* first part alone */
	md.bad_sector = 0;
	EXPECT_EQ(blk_read(&md.dev, 40, b, KiB(64)), 0);
	kfree(b);
}

/* many asynchronous requests at once: each callback runs exactly once */
#define NASYNC 64
static int async_done[NASYNC];
static int async_left;
static struct thread *async_waiter;

static void
on_async(struct blk_req *r)
{
	int i = (int)(uintptr_t)r->br_priv;

	__atomic_fetch_add(&async_done[i], 1, __ATOMIC_RELAXED);
	if (__atomic_sub_fetch(&async_left, 1, __ATOMIC_ACQ_REL) == 0)
		sched_wake(async_waiter);
}

KTEST(blk_async_many_in_flight)
{
	struct blk_req *reqs = kzalloc(NASYNC * sizeof(*reqs));
	uint8_t *bufs = kmalloc(NASYNC * 2048);

	EXPECT(md_setup() && reqs && bufs);
	fill(md.data, MD_BYTES, 3);
	async_waiter = thread_self();
	async_left = NASYNC;
	for (int i = 0; i < NASYNC; i++) {
		async_done[i] = 0;
		reqs[i] = (struct blk_req){.br_op = BLK_READ,
		                           .br_sector = (uint64_t)i * 7,
		                           .br_buf = bufs + i * 2048,
		                           .br_len = 2048,
		                           .br_done = on_async,
		                           .br_priv = (void *)(uintptr_t)i};
		EXPECT_EQ(blk_submit(&md.dev, &reqs[i]), 0);
	}
	while (__atomic_load_n(&async_left, __ATOMIC_ACQUIRE)) {
		sched_prepare_block();
		if (__atomic_load_n(&async_left, __ATOMIC_ACQUIRE))
			sched_block();
		else
			sched_cancel_block();
	}
	for (int i = 0; i < NASYNC; i++) {
		EXPECT_EQ(async_done[i], 1);
		EXPECT_EQ(reqs[i].br_status, 0);
		EXPECT_EQ(memcmp(bufs + i * 2048, md.data + i * 7 * 512, 2048), 0);
	}
	/* refused requests never call back */
	struct blk_req bad = {
	    .br_op = BLK_WRITE, .br_buf = bufs, .br_len = 512, .br_done = on_async};
	EXPECT_EQ(blk_submit(&md.ro, &bad), -EROFS);
	EXPECT_EQ(async_left, 0);
	kfree(reqs);
	kfree(bufs);
}

/* virtio-balloon (virtio 1.x section 5.5, "Traditional Memory Balloon
 * Device"): memory back to the host.
 * - Inflate and deflate on the host's request (QMP `balloon`): the
 *   config's num_pages is the target; a thread of ours takes frames from
 *   the allocator and hands their page numbers to the host on the inflate
 *   queue (they leave MemTotal, frame_balloon), or gives them back on the
 *   deflate queue and frees them, then writes 'actual'.
 * - Stats (VIRTIO_BALLOON_F_STATS_VQ): one buffer of {tag, value} pairs
 *   the device holds; when it hands it back (its polling interval), the
 *   thread refills it with the figures of now (free, total, available,
 *   file caches) and gives it again.
 * - Free page reporting (VIRTIO_BALLOON_F_REPORTING): when the free
 *   memory has grown by REPORT_STEP since the last report, the thread
 *   takes free 2 MiB blocks from the allocator's lists (memory once used:
 *   never-touched memory costs the host nothing; a margin stays free for
 *   the app), hands them to the host on the reporting queue (QEMU
 *   discards their memory) and gives them back as untouched memory
 *   (frame_free_untouched): no free-list link is written into them, which
 *   would make the host back them again, and they are not reported twice.
 * Exercised by tests/e2e/balloon.sh (QMP balloon, MemTotal, info balloon,
 * the QEMU process's RSS). */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "sched.h"
#include "sync.h"
#include "virtio.h"

#define BALLOON_F_MUST_TELL_HOST (1ull << 0)
#define BALLOON_F_STATS_VQ (1ull << 1)
#define BALLOON_F_REPORTING (1ull << 5)

#define CFG_NUM_PAGES 0 /* le32: the host's target, 4 KiB pages */
#define CFG_ACTUAL 4    /* le32: what we hold */

#define VQ_INFLATE 0
#define VQ_DEFLATE 1
#define VQ_STATS 2
#define VQ_REPORT 3 /* after stats: QEMU makes the stats queue always */

#define BATCH 1024               /* page numbers per inflate/deflate request: a page */
#define REPORT_ORDER 9           /* 2 MiB blocks, as Linux's pageblock */
#define REPORT_BLOCKS 128        /* blocks per report request (one indirect chain) */
#define REPORT_MIN_ORDER 6       /* 256 KiB: smaller free blocks are not reported */
#define REPORT_STEP MiB(16)      /* free memory growth that triggers a report */
#define TICK_NS 500000000ull     /* the thread looks at the free memory this often */
#define ANSWER_NS 10000000000ull /* a device silent this long is dead */

/* the stats tags (5.5.6.3) */
#define ST_MEMFREE 4
#define ST_MEMTOT 5
#define ST_AVAIL 6
#define ST_CACHES 7
#define NSTATS 4

struct stat_pair {
	uint16_t tag;
	uint64_t val;
} __packed;

/* page numbers of the frames the host holds, a page of them per node */
struct held {
	struct held *next;
	uint32_t n;
	uint32_t pfn[(PAGE_SIZE - 16) / 4];
};

static struct {
	struct virtio_dev *dev;
	struct virtqueue *vq[4];
	struct spinlock lock; /* the queues and 'done'; interrupts off */
	struct waitq wq;      /* the thread */
	volatile bool config, stats_back;
	volatile int done; /* requests completed on the inflate/deflate/report queues */
	uint32_t *pfns;    /* BATCH page numbers, the request in flight */
	struct stat_pair *stats;
	struct held *held; /* under the thread alone */
	uint32_t actual;
	uint64_t reported_free; /* free bytes at the last report */
	bool dead;
} b = {.lock = SPINLOCK_INIT};

static void
vq_done(struct virtqueue *vq)
{
	uint32_t len;

	spin_lock(&b.lock);
	while (virtq_get(vq, &len)) {
		if (vq == b.vq[VQ_STATS])
			b.stats_back = true;
		else
			b.done++;
	}
	spin_unlock(&b.lock);
	waitq_wake_all(&b.wq);
}

static void
config_changed(struct virtio_dev *d)
{
	b.config = true;
	waitq_wake_all(&b.wq);
}

static bool
is_done(void *arg)
{
	return b.done != *(int *)arg;
}

/* one request on queue q, device-readable (out) or device-writable
 * buffers; waits for its answer. 0 or -EIO (the device is then failed) */
static int
send(unsigned q, const struct vq_buf *bufs, unsigned n, bool out)
{
	uint64_t f = spin_lock_irqsave(&b.lock);
	int before = b.done, e = virtq_add(b.vq[q], bufs, out ? n : 0, out ? 0 : n, &b);

	if (!e)
		virtq_kick(b.vq[q]);
	spin_unlock_irqrestore(&b.lock, f);
	if (e || !waitq_wait(&b.wq, is_done, &before, clock_ns() + ANSWER_NS)) {
		virtio_fail(b.dev, e ? "no room on a queue we alone use" : "no answer within 10 s");
		b.dead = true;
		return -EIO;
	}
	return 0;
}

static void
set_actual(void)
{
	b.dev->ops->write_config(b.dev, CFG_ACTUAL, &b.actual, sizeof(b.actual));
}

/* up to BATCH more frames to the host: how many went */
static uint32_t
inflate(uint32_t want)
{
	uint32_t n = 0;

	if (!b.held || b.held->n == ARRAY_SIZE(b.held->pfn)) {
		struct held *h = kpage_alloc(0);
		if (!h)
			return 0;
		h->next = b.held;
		b.held = h;
	}
	want = MIN(want, (uint32_t)BATCH);
	want = MIN(want, (uint32_t)(ARRAY_SIZE(b.held->pfn) - b.held->n));
	for (; n < want; n++) {
		/* the app's reserve stays: inflating below the working set
		 * takes what is free, never what the app holds */
		uint64_t pa = frame_alloc_app();
		if (!pa)
			break;
		b.pfns[n] = (uint32_t)(pa >> PAGE_SHIFT);
	}
	struct vq_buf buf = {mm_v2p(b.pfns), n * 4};
	if (!n || send(VQ_INFLATE, &buf, 1, true)) {
		for (uint32_t i = 0; i < n; i++)
			frame_free((uint64_t)b.pfns[i] << PAGE_SHIFT, 0);
		return 0;
	}
	memcpy(&b.held->pfn[b.held->n], b.pfns, n * 4);
	b.held->n += n;
	frame_balloon(n);
	return n;
}

/* up to BATCH frames back from the host: how many came */
static uint32_t
deflate(uint32_t want)
{
	struct held *h = b.held;
	uint32_t n;

	while (h && !h->n) {
		b.held = h->next;
		kpage_free(h, 0);
		h = b.held;
	}
	if (!h)
		return 0;
	n = MIN(MIN(want, (uint32_t)BATCH), h->n);
	memcpy(b.pfns, &h->pfn[h->n - n], n * 4);
	struct vq_buf buf = {mm_v2p(b.pfns), n * 4};
	if (send(VQ_DEFLATE, &buf, 1, true))
		return 0; /* XXX: a dead device keeps its frames */
	h->n -= n;
	frame_balloon(-(int64_t)n);
	for (uint32_t i = 0; i < n; i++)
		frame_free((uint64_t)b.pfns[i] << PAGE_SHIFT, 0);
	return n;
}

/* the host's target, reached by batches */
static void
resize(void)
{
	uint32_t target, got;

	b.config = false;
	virtio_read_config(b.dev, CFG_NUM_PAGES, &target, sizeof(target));
	while (!b.dead && b.actual != target) {
		got = b.actual < target ? inflate(target - b.actual) : deflate(b.actual - target);
		if (!got)
			break; /* out of memory (or of frames to give back): next tick */
		b.actual = b.actual < target ? b.actual + got : b.actual - got;
		set_actual();
	}
}

static void
fill_stats(void)
{
	uint64_t free = frame_free_bytes(), keep = frame_reserve_bytes();

	b.stats[0] = (struct stat_pair){ST_MEMFREE, free};
	b.stats[1] = (struct stat_pair){ST_MEMTOT, frame_total_bytes()};
	b.stats[2] = (struct stat_pair){ST_AVAIL, free > keep ? free - keep : 0};
	b.stats[3] = (struct stat_pair){ST_CACHES, mm_file_bytes()};
}

static int
give_stats(void)
{
	struct vq_buf buf = {mm_v2p(b.stats), NSTATS * sizeof(struct stat_pair)};
	uint64_t f;
	int e;

	fill_stats();
	f = spin_lock_irqsave(&b.lock);
	b.stats_back = false;
	e = virtq_add(b.vq[VQ_STATS], &buf, 1, 0, b.stats);
	if (!e)
		virtq_kick(b.vq[VQ_STATS]);
	spin_unlock_irqrestore(&b.lock, f);
	return e;
}

/* one request of free blocks from the lists (the largest first, down to
 * REPORT_MIN_ORDER: page tables sit in many 2 MiB ranges) while more than
 * a margin stays free: how many blocks went */
static unsigned
report_round(void)
{
	static uint64_t blocks[REPORT_BLOCKS];
	static unsigned orders[REPORT_BLOCKS];
	static struct vq_buf bufs[REPORT_BLOCKS];
	uint64_t margin = frame_total_bytes() / 16 + frame_reserve_bytes();
	unsigned n = 0;

	for (unsigned o = REPORT_ORDER; o >= REPORT_MIN_ORDER && n < REPORT_BLOCKS; o--) {
		while (n < REPORT_BLOCKS && frame_free_bytes() > margin + (PAGE_SIZE << o)) {
			if (!(blocks[n] = frame_alloc_touched(o)))
				break;
			orders[n] = o;
			bufs[n] = (struct vq_buf){blocks[n], (uint32_t)(PAGE_SIZE << o)};
			n++;
		}
	}
	bool sent = n && !send(VQ_REPORT, bufs, n, false);
	for (unsigned i = 0; i < n; i++) {
		if (sent)
			frame_free_untouched(blocks[i], orders[i]);
		else
			frame_free(blocks[i], orders[i]);
	}
	return sent ? n : 0;
}

static void
report(void)
{
	while (!b.dead && report_round() == REPORT_BLOCKS)
		;
	b.reported_free = frame_free_bytes();
}

static bool
has_work(void *arg)
{
	return b.config || b.stats_back;
}

static void *
balloon_thread(void *arg)
{
	while (!b.dead) {
		waitq_wait(&b.wq, has_work, NULL, clock_ns() + TICK_NS);
		if (b.config || b.actual != 0)
			resize(); /* also after a shortage: try again */
		if (b.stats_back && !b.dead && give_stats())
			break;
		uint64_t free = frame_free_bytes();
		if (b.vq[VQ_REPORT] && !b.dead && free > b.reported_free + REPORT_STEP)
			report();
		else if (free < b.reported_free)
			b.reported_free = free; /* the app took memory: report its next free */
	}
	return NULL;
}

static int
balloon_probe(struct virtio_dev *d)
{
	int e;

	if (b.dev)
		return -EBUSY;
	e = virtio_negotiate(d, VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC |
	                            BALLOON_F_MUST_TELL_HOST | BALLOON_F_STATS_VQ |
	                            BALLOON_F_REPORTING);
	if (e)
		return e;
	waitq_init(&b.wq);
	b.pfns = kpage_alloc(0);
	b.stats = kpage_alloc(0);
	if (!b.pfns || !b.stats) {
		e = -ENOMEM;
		goto err_free;
	}
	b.dev = d;
	d->priv = &b;
	for (unsigned q = 0; q < 4; q++) {
		if ((q == VQ_STATS && !virtio_has(d, BALLOON_F_STATS_VQ)) ||
		    (q == VQ_REPORT && !virtio_has(d, BALLOON_F_REPORTING)))
			continue;
		/* Linux numbers the queues that exist: without stats, the
		 * reporting queue is the third */
		unsigned index = q == VQ_REPORT && !virtio_has(d, BALLOON_F_STATS_VQ) ? 2 : q;
		if (!(b.vq[q] = virtq_create(d, index, 64, vq_done, NULL))) {
			e = -ENODEV;
			goto err_forget;
		}
	}
	if ((e = virtio_setup_irqs(d)))
		goto err_forget;
	d->config_changed = config_changed;
	virtio_driver_ok(d);
	b.reported_free = frame_free_bytes(); /* the first report: after a growth */
	if (b.vq[VQ_STATS] && give_stats()) {
		e = -EIO;
		goto err_forget;
	}
	b.config = true; /* a target set before we came */
	struct thread *t = thread_create(balloon_thread, NULL, "balloon", -1);
	if (IS_ERR(t)) {
		e = (int)PTR_ERR(t);
		goto err_forget;
	}
	printk(KERN_INFO "virtio-balloon: %s:%s%s", d->name,
	       virtio_has(d, BALLOON_F_STATS_VQ) ? " stats" : "",
	       virtio_has(d, BALLOON_F_REPORTING) ? " free page reporting" : "");
	return 0;

err_forget:
	d->config_changed = NULL;
	memset(b.vq, 0, sizeof(b.vq)); /* the core frees the queues */
	b.dev = NULL;
err_free:
	if (b.pfns)
		kpage_free(b.pfns, 0);
	if (b.stats)
		kpage_free(b.stats, 0);
	b.pfns = NULL;
	b.stats = NULL;
	return e;
}
VIRTIO_DRIVER(balloon, VIRTIO_ID_BALLOON, balloon_probe);

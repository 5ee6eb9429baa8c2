/* virtio-rng (virtio 1.x section 5.4, "Entropy Device"): one queue of
 * device-writable buffers. At probe its first bytes go into the kernel's
 * generator (random_mix); virtio_rng_read() hands out the raw bytes.
 * Exercised by the virtio-rng boots of tests/run (test_virtio_rng.c
 * compares with the file behind `-object rng-random,filename=FILE`). */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "random.h"
#include "sync.h"
#include "virtio.h"

#define RNG_BUF PAGE_SIZE             /* bytes asked of the device at once */
#define RNG_SEED_BYTES 64             /* mixed in at probe */
#define RNG_TIMEOUT_NS 10000000000ull /* a device silent this long is dead */
#define RNG_EMPTY_MAX 8               /* empty answers in a row: it stopped giving */

static struct {
	struct virtio_dev *dev; /* the first device; others are refused */
	struct virtqueue *vq;
	struct spinlock lock; /* the queue, and done/got; with interrupts off */
	struct mutex readers; /* one request in flight: one reader at a time */
	struct waitq wq;      /* the reader, until done */
	uint8_t *buf;         /* RNG_BUF bytes the device writes into */
	volatile bool done;   /* set by the interrupt: got is valid */
	uint32_t got;         /* bytes the device wrote */
	bool dead;            /* no more requests (virtio_fail was called) */
	uint64_t delivered;   /* bytes handed out since boot; under readers */
} rng = {.lock = SPINLOCK_INIT, .readers = MUTEX_INIT};

static void
rng_done(struct virtqueue *vq)
{
	uint32_t len;

	spin_lock(&rng.lock);
	while (virtq_get(vq, &len)) {
		rng.got = MIN(len, (uint32_t)RNG_BUF);
		rng.done = true;
	}
	spin_unlock(&rng.lock);
	waitq_wake_all(&rng.wq);
}

static bool
is_done(void *arg)
{
	return rng.done;
}

/* one request of n <= RNG_BUF bytes: the bytes written, or -EIO */
static long
request(size_t n)
{
	struct vq_buf b = {mm_v2p(rng.buf), (uint32_t)n};
	uint64_t f;
	int e;

	f = spin_lock_irqsave(&rng.lock);
	rng.done = false;
	e = virtq_add(rng.vq, &b, 0, 1, &rng);
	if (!e)
		virtq_kick(rng.vq);
	spin_unlock_irqrestore(&rng.lock, f);
	if (e) {
		virtio_fail(rng.dev, "no room on a queue we alone use");
		return -EIO;
	}
	if (!waitq_wait(&rng.wq, is_done, NULL, clock_ns() + RNG_TIMEOUT_NS)) {
		virtio_fail(rng.dev, "no answer within 10 s");
		return -EIO;
	}
	return rng.got;
}

long
virtio_rng_read(void *buf, size_t n)
{
	size_t done = 0;
	int empty = 0;
	long got = 0;

	if (!rng.vq)
		return -ENODEV;
	mutex_lock(&rng.readers);
	while (done < n && !rng.dead && empty < RNG_EMPTY_MAX) {
		got = request(MIN(n - done, (size_t)RNG_BUF));
		if (got < 0) {
			rng.dead = true;
			break;
		}
		empty = got ? 0 : empty + 1;
		memcpy((uint8_t *)buf + done, rng.buf, (size_t)got);
		done += (size_t)got;
		rng.delivered += (uint64_t)got;
	}
	mutex_unlock(&rng.readers);
	return done || !rng.dead ? (long)done : -EIO;
}

uint64_t
virtio_rng_delivered(void)
{
	return READ_ONCE(rng.delivered);
}

static int
rng_probe(struct virtio_dev *d)
{
	uint8_t seed[RNG_SEED_BYTES];
	long n;
	int e;

	if (rng.dev)
		return -EBUSY;
	e = virtio_negotiate(d, VIRTIO_F_RING_EVENT_IDX);
	if (e)
		return e;
	rng.buf = kpage_alloc(0);
	if (!rng.buf)
		return -ENOMEM;
	waitq_init(&rng.wq);
	rng.vq = virtq_create(d, 0, 8, rng_done, NULL);
	if (!rng.vq) {
		e = -ENODEV;
		goto err_free_buf;
	}
	e = virtio_setup_irqs(d);
	if (e)
		goto err_forget;
	rng.dev = d;
	virtio_driver_ok(d);
	n = virtio_rng_read(seed, sizeof(seed));
	if (n < 0) {
		e = (int)n;
		goto err_forget;
	}
	random_mix(seed, (size_t)n);
	printk(KERN_INFO "virtio-rng: %s: %ld bytes mixed into the kernel's generator", d->name, n);
	return 0;

err_forget:
	rng.vq = NULL; /* the core frees the queue */
	rng.dev = NULL;
	rng.dead = false;
err_free_buf:
	kpage_free(rng.buf, 0);
	rng.buf = NULL;
	return e;
}
VIRTIO_DRIVER(rng, VIRTIO_ID_RNG, rng_probe);

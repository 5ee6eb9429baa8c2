/* Block devices (drivers/blkdev.c): what file systems and /dev/vdX use.
 * A driver fills a struct blkdev and registers it; users find it by name
 * and queue requests. Units: sectors are 512 bytes whatever the device's
 * logical block size; a request's position and length must be multiples
 * of that block size.
 *
 * Asynchronous use:
 *   struct blk_req r = { .br_op = BLK_READ, .br_sector = 8, .br_buf = buf,
 *                        .br_len = 4096, .br_done = my_done, .br_priv = me };
 *   int e = blk_submit(d, &r);       // 0: my_done(&r) runs once, later;
 *                                    // -errno: refused, my_done never runs
 *   ... my_done: r->br_status is 0 or -EIO
 * Synchronous use (the caller sleeps):
 *   blk_read(d, 8, buf, 4096); blk_write(...); blk_flush(d);
 *
 * Buffers are kernel memory with a direct-map address: the heap (kmalloc,
 * kpage_alloc) or the kernel image, never a kernel stack or an app
 * address (devices reach them by physical address). Errors, for both
 * forms: -EINVAL (misaligned position or length, a zero-length read or
 * write), -EIO (past the end of the device, or the device failed it),
 * -EROFS (a write to a read-only device; a flush there is fine), -ENOMEM.
 * Requests longer than the driver's bd_max_bytes are split here and
 * complete once, when every part has. A FLUSH to a device without a
 * volatile write cache (bd_cache false) completes at once, unsent.
 * Every request that reached the driver is counted (struct blk_stats,
 * /proc/diskstats), once however it was split. */
#ifndef UNUM_BLKDEV_H
#define UNUM_BLKDEV_H

#include "queue.h"
#include "sync.h"
#include "types.h"

#define BLK_SECTOR_SIZE 512
#define BLK_NAME_MAX 16
#define BLK_MAJOR                                                                                  \
	254 /* st_rdev and /proc/diskstats: Linux's first dynamic                                  \
	     * block major, virtio-blk's there; minor 16 * bd_index */

enum blk_op {
	BLK_READ,
	BLK_WRITE,
	BLK_FLUSH, /* everything completed before is durable when this completes */
};

struct blkdev;
struct blk_req;
typedef void (*blk_done_t)(struct blk_req *r);

struct blk_req {
	/* set by the caller */
	int br_op;          /* enum blk_op */
	uint64_t br_sector; /* first sector (512 bytes); ignored by FLUSH */
	void *br_buf;       /* direct-mapped kernel memory */
	size_t br_len;      /* bytes; 0 for FLUSH */
	blk_done_t br_done; /* called once, in interrupt context or in
	                     * the submitting thread: must not sleep */
	void *br_priv;      /* the caller's */
	/* set by the block layer */
	int br_status; /* 0 or -EIO, valid in br_done */
	struct blkdev *br_dev;
	struct blk_req *br_parent; /* a part of a split request, else NULL */
	int br_pending;            /* a split request: parts not done yet (atomic) */
	uint64_t br_start_ns;      /* clock_ns() when it went to the driver */
	void *br_drv;              /* the driver's, while the request is with it */
};

struct blkdev_ops {
	/* Take a valid request (checked by the block layer: in range,
	 * aligned, at most bd_max_bytes, not a write when read-only) and
	 * call blk_complete() for it when done. May sleep (a full ring);
	 * 0, or -errno when it could not be queued (blk_complete not called). */
	int (*submit)(struct blkdev *d, struct blk_req *r);
};

/* what /proc/diskstats shows (Linux's iostats fields), indexed by
 * enum blk_op; under bd_stat_lock (irqs off: completions count it) */
struct blk_stats {
	uint64_t bs_ios[3];     /* requests completed (split ones once) */
	uint64_t bs_sectors[3]; /* 512-byte sectors they moved */
	uint64_t bs_ns[3];      /* their time, submit to completion, summed */
	unsigned bs_in_flight;  /* requests with the driver now */
	uint64_t bs_busy_ns;    /* time with at least one in flight */
	uint64_t bs_queue_ns;   /* that time weighted by the number in flight */
	uint64_t bs_since_ns;   /* clock_ns() of the last in-flight change */
};

struct blkdev {
	/* set by the driver before blk_register, read-only afterwards except
	 * bd_sectors (a capacity change: written once, atomically) */
	char bd_name[BLK_NAME_MAX]; /* "vda" */
	uint64_t bd_sectors;        /* capacity in 512-byte sectors */
	uint32_t bd_block_size;     /* logical block size, bytes: 512 * 2^k */
	bool bd_readonly;
	bool bd_cache;       /* a volatile write cache: FLUSH is sent */
	size_t bd_max_bytes; /* longest request the driver takes */
	const struct blkdev_ops *bd_ops;
	void *bd_priv; /* the driver's */
	/* set by blk_register */
	unsigned bd_index;        /* registration order, from 0 */
	struct vnode *bd_node;    /* /dev/NAME */
	struct mutex bd_rmw_lock; /* /dev/NAME's partial-block writes */
	struct spinlock bd_stat_lock;
	struct blk_stats bd_stats; /* under bd_stat_lock */
	struct list_node bd_link;
};

/* Add d to the list and make /dev/NAME for it (a block device node:
 * read, write, pread/pwrite, lseek, fsync, ioctl BLKGETSIZE64...).
 * -EEXIST when the name is taken, -EINVAL for a bad description. Call
 * after vfs_init (drivers probe later in start-up). */
int blk_register(struct blkdev *d);
struct blkdev *blk_find(const char *name); /* NULL when none */
int blk_count(void);
struct blkdev *blk_at(int i); /* in registration order */

/* queue a request (see the top of this file); may sleep */
int blk_submit(struct blkdev *d, struct blk_req *r);
/* drivers: r is done with status 0 or -EIO (any context) */
void blk_complete(struct blk_req *r, int status);

/* Linux's name for disk 'index' (from 0) of a driver whose disks are
 * PREFIX + letters: vda..vdz, vdaa..vdaz, vdba.., vdzz, vdaaa.. Returns 0,
 * or -EINVAL when it does not fit in size (nothing useful written). */
int blk_disk_name(char *buf, size_t size, const char *prefix, unsigned index);

/* /proc/diskstats: one line per device in Linux's 20-field layout
 * (Documentation/admin-guide/iostats.rst; merges and discards 0).
 * Returns the bytes written to b, at most size. */
size_t blk_diskstats(char *b, size_t size);

/* synchronous helpers: 0 or -errno, sleeping until done */
int blk_read(struct blkdev *d, uint64_t sector, void *buf, size_t len);
int blk_write(struct blkdev *d, uint64_t sector, const void *buf, size_t len);
int blk_flush(struct blkdev *d);

static inline uint64_t
blk_size_bytes(const struct blkdev *d)
{
	return READ_ONCE(d->bd_sectors) * BLK_SECTOR_SIZE;
}

/* /dev/NAME's file ops (drivers/blk_devnode.c), for blk_register */
int blk_devnode_create(struct blkdev *d);

#endif

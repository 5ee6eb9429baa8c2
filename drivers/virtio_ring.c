/* The split-virtqueue engine (virtio 1.x section 2.7, and 2.6 of 0.9.5):
 * descriptor free list, chains, indirect tables, EVENT_IDX in both
 * directions, interrupt suppression, polled completion. Pure logic over
 * memory it is given (drivers/virtio_ring.h), so tests/unit/test_virtq.c
 * runs it against a simulated device: make unit && build/tests/unit/test_virtq */
#include "virtio_ring.h"
#include "errno.h"
#include "printk.h"

/* what we remember of a request, indexed by its head descriptor */
struct vring_info {
	void *token;              /* NULL: the head is not in use */
	struct vring_desc *indir; /* its indirect table, or NULL */
	uint16_t ndescs;          /* descriptors it holds in the ring (1 if indirect) */
	uint16_t nindir;          /* entries of indir */
};

/* vq->ring_state; touched only by the queue's driver, under its lock */
struct vring_state {
	uint16_t free_head; /* first free descriptor, linked through .next */
	uint16_t num_free;
	uint16_t avail_shadow; /* our next avail->idx; published by virtq_kick */
	uint16_t kicked;       /* avail->idx the device saw at the last kick */
	uint16_t last_used;    /* next used ring entry to take */
	uint16_t watch_used;   /* used->idx at the last virtq_rescue */
	bool cb_disabled;      /* virtq_disable_cb in force */
	bool broken;           /* the device returned a bad id */
	struct vring_info info[];
};

static inline struct vring_state *
st(const struct virtqueue *vq)
{
	return vq->ring_state;
}

/* full barrier: our stores are visible before the loads that follow
 * (the device's view of avail->idx before we read its event index) */
static inline void
mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

size_t
vring_legacy_bytes(unsigned size)
{
	size_t avail = sizeof(struct vring_desc) * size + sizeof(uint16_t) * (3 + size);

	return ALIGN_UP(avail, (size_t)VIRTQ_LEGACY_ALIGN) +
	       ALIGN_UP(sizeof(uint16_t) * 3 + sizeof(struct vring_used_elem) * size,
	                (size_t)VIRTQ_LEGACY_ALIGN);
}

size_t
vring_state_bytes(unsigned size)
{
	return sizeof(struct vring_state) + sizeof(struct vring_info) * size;
}

void
vring_setup(struct virtqueue *vq, unsigned size, void *mem, uint64_t pa, void *state)
{
	struct vring_state *s = state;
	size_t used_off = ALIGN_UP(sizeof(struct vring_desc) * size + sizeof(uint16_t) * (3 + size),
	                           (size_t)VIRTQ_LEGACY_ALIGN);

	if (!size || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		panic("vring_setup: bad queue size %u", size);
	vq->size = size;
	vq->desc = mem;
	vq->avail = (struct vring_avail *)((char *)mem + sizeof(struct vring_desc) * size);
	vq->used = (struct vring_used *)((char *)mem + used_off);
	vq->desc_pa = pa;
	vq->avail_pa = pa + sizeof(struct vring_desc) * size;
	vq->used_pa = pa + used_off;
	vq->ring_state = s;
	for (unsigned i = 0; i < size; i++)
		vq->desc[i].next = (uint16_t)(i + 1);
	s->free_head = 0;
	s->num_free = (uint16_t)size;
	s->avail_shadow = s->kicked = s->last_used = s->watch_used = 0;
	s->cb_disabled = s->broken = false;
}

unsigned
virtq_free_descs(const struct virtqueue *vq)
{
	return st(vq)->num_free;
}

/* fill n consecutive descriptors of a chain: table entries or ring slots
 * found by following .next from 'head' */
static uint16_t
fill_chain(struct vring_desc *d, uint16_t head, bool linked, const struct vq_buf *bufs,
           unsigned out, unsigned n)
{
	uint16_t i = head, last = head;

	for (unsigned k = 0; k < n; k++) {
		d[i].addr = bufs[k].pa;
		d[i].len = bufs[k].len;
		d[i].flags =
		    (k >= out ? VRING_DESC_F_WRITE : 0) | (k + 1 < n ? VRING_DESC_F_NEXT : 0);
		if (!linked)
			d[i].next = (uint16_t)(k + 1 < n ? k + 1 : 0);
		last = i;
		i = linked ? d[i].next : (uint16_t)(k + 1);
	}
	return last;
}

int
virtq_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned out, unsigned in, void *token)
{
	struct vring_state *s = st(vq);
	unsigned n = out + in;
	struct vring_desc *table = NULL;
	uint64_t table_pa = 0;
	uint16_t head, last;

	if (!n || !token || n < out)
		return -EINVAL;
	if (vq->indirect && n > 1 && s->num_free >= 1)
		table = vring_table_alloc(n, &table_pa);
	if (!table && n > s->num_free)
		return -ENOSPC;
	head = s->free_head;
	if (table) {
		fill_chain(table, 0, false, bufs, out, n);
		s->free_head = vq->desc[head].next;
		vq->desc[head].addr = table_pa;
		vq->desc[head].len = (uint32_t)(sizeof(struct vring_desc) * n);
		vq->desc[head].flags = VRING_DESC_F_INDIRECT;
		s->num_free--;
		s->info[head].ndescs = 1;
	} else {
		last = fill_chain(vq->desc, head, true, bufs, out, n);
		s->free_head = vq->desc[last].next;
		s->num_free -= (uint16_t)n;
		s->info[head].ndescs = (uint16_t)n;
	}
	s->info[head].token = token;
	s->info[head].indir = table;
	s->info[head].nindir = table ? (uint16_t)n : 0;
	vq->avail->ring[s->avail_shadow & (vq->size - 1)] = head;
	s->avail_shadow++;
	return 0;
}

void
virtq_kick(struct virtqueue *vq)
{
	struct vring_state *s = st(vq);
	uint16_t old = s->kicked, new_idx = s->avail_shadow;
	bool notify;

	if (old == new_idx)
		return; /* nothing added since the last kick */
	/* descriptors and ring entries before the index that publishes them */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_ONCE(vq->avail->idx, new_idx);
	s->kicked = new_idx;
	mb(); /* the index out before we read whether the device wants to hear */
	if (vq->event_idx)
		notify = vring_need_event(*vring_avail_event(vq), new_idx, old);
	else
		notify = !(READ_ONCE(vq->used->flags) & VRING_USED_F_NO_NOTIFY);
	if (notify)
		vq->dev->ops->notify(vq);
}

bool
virtq_rescue(struct virtqueue *vq)
{
	struct vring_state *s = st(vq);
	uint16_t used = READ_ONCE(vq->used->idx), seen = s->watch_used;
	bool stuck;

	s->watch_used = used;
	if (s->broken || s->kicked == used || used != seen)
		return false; /* nothing outstanding, or the device moved */
	if (vq->event_idx)
		/* it asked to hear of the entry after the last it completed,
		 * and we published past that without telling it */
		stuck = READ_ONCE(*vring_avail_event(vq)) == used;
	else
		stuck = !(READ_ONCE(vq->used->flags) & VRING_USED_F_NO_NOTIFY);
	if (stuck)
		vq->dev->ops->notify(vq);
	return stuck;
}

/* give the descriptors of request 'head' back to the free list */
static void
free_chain(struct virtqueue *vq, uint16_t head)
{
	struct vring_state *s = st(vq);
	struct vring_info *inf = &s->info[head];
	uint16_t last = head;

	for (unsigned k = 1; k < inf->ndescs; k++)
		last = vq->desc[last].next;
	vq->desc[last].next = s->free_head;
	s->free_head = head;
	s->num_free += inf->ndescs;
	if (inf->indir)
		vring_table_free(inf->indir, inf->nindir);
	inf->token = NULL;
	inf->indir = NULL;
}

bool
vring_pending(const struct virtqueue *vq)
{
	return st(vq)->last_used != READ_ONCE(vq->used->idx);
}

bool
virtq_pending(const struct virtqueue *vq)
{
	return vring_pending(vq);
}

bool
vring_broken(const struct virtqueue *vq)
{
	return st(vq)->broken;
}

void *
virtq_get(struct virtqueue *vq, uint32_t *len)
{
	struct vring_state *s = st(vq);
	struct vring_used_elem e;
	void *token;

	if (s->broken || !vring_pending(vq))
		return NULL;
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the entry after the index */
	e = vq->used->ring[s->last_used & (vq->size - 1)];
	if (e.id >= vq->size || !s->info[e.id].token) {
		s->broken = true;
		printk(KERN_ERR "virtio: %s queue %u: the device completed descriptor %u, "
		                "which it was not given; queue stopped",
		       vq->dev ? vq->dev->name : "?", vq->index, e.id);
		return NULL;
	}
	token = s->info[e.id].token;
	free_chain(vq, (uint16_t)e.id);
	s->last_used++;
	if (len)
		*len = e.len;
	/* with EVENT_IDX, interrupt us again for the next completion */
	if (vq->event_idx && !s->cb_disabled) {
		WRITE_ONCE(*vring_used_event(vq), s->last_used);
		mb();
	}
	return token;
}

void
virtq_dump(const struct virtqueue *vq, const char *what)
{
	const struct vring_state *s = st(vq);

	printk(KERN_EMERG "  %s queue %u: avail %u (kicked %u) used %u taken %u free %u/%u "
	                  "%s%s%s used_event %u avail_event %u",
	       what, vq->index, s->avail_shadow, s->kicked, READ_ONCE(vq->used->idx), s->last_used,
	       s->num_free, vq->size, s->cb_disabled ? "cb-off" : "cb-on",
	       vq->event_idx ? " event-idx" : "", s->broken ? " BROKEN" : "",
	       READ_ONCE(*vring_used_event(vq)), READ_ONCE(*vring_avail_event(vq)));
}

void
virtq_disable_cb(struct virtqueue *vq)
{
	struct vring_state *s = st(vq);

	if (s->cb_disabled)
		return;
	s->cb_disabled = true;
	/* With EVENT_IDX the device ignores the flag (and the spec wants it 0):
	 * an event index just behind us is one it will not reach for 65535
	 * completions, more than a queue can hold. */
	if (vq->event_idx)
		WRITE_ONCE(*vring_used_event(vq), (uint16_t)(s->last_used - 1));
	else
		WRITE_ONCE(vq->avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
}

bool
virtq_enable_cb(struct virtqueue *vq)
{
	struct vring_state *s = st(vq);

	s->cb_disabled = false;
	if (vq->event_idx)
		WRITE_ONCE(*vring_used_event(vq), s->last_used);
	else
		WRITE_ONCE(vq->avail->flags, 0);
	mb(); /* the request out before we look at what arrived */
	return !vring_pending(vq);
}

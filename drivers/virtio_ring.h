/* Inside the virtio subsystem: how drivers/virtio.c (kernel) and
 * tests/unit/test_virtq.c (host) set up the ring engine of
 * drivers/virtio_ring.c over memory they allocated. Device drivers use
 * include/virtio.h only. */
#ifndef UNUM_DRIVERS_VIRTIO_RING_H
#define UNUM_DRIVERS_VIRTIO_RING_H

#include "virtio.h"

/* Bytes of the legacy contiguous layout for 'size' descriptors: the
 * descriptor table, the avail ring (+ used_event), padding to
 * VIRTQ_LEGACY_ALIGN, the used ring (+ avail_event). */
size_t vring_legacy_bytes(unsigned size);
/* bytes of the engine's private state (vq->ring_state) */
size_t vring_state_bytes(unsigned size);
/* Lay out the rings of vq in 'mem' (zeroed, VIRTQ_LEGACY_ALIGN-aligned,
 * at guest-physical 'pa', vring_legacy_bytes(size) long), link every
 * descriptor into the free list and take 'state' (zeroed,
 * vring_state_bytes(size)) as vq->ring_state. vq->dev, event_idx and
 * indirect must be set; size is a power of two <= VIRTQ_MAX_SIZE. */
void vring_setup(struct virtqueue *vq, unsigned size, void *mem, uint64_t pa, void *state);
/* the device has completions we have not taken with virtq_get */
bool vring_pending(const struct virtqueue *vq);
/* the device returned a descriptor id we never gave it: the queue is
 * dead (virtq_get returns NULL from then on; logged once) */
bool vring_broken(const struct virtqueue *vq);

/* The spec's rule (2.7.7.2 / 2.7.10): with EVENT_IDX, notify when the
 * index moved from 'old' to 'new' past 'event', all modulo 2^16. */
static inline bool
vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}
/* the index fields after the two rings (EVENT_IDX) */
static inline volatile uint16_t *
vring_used_event(const struct virtqueue *vq)
{
	return &vq->avail->ring[vq->size];
}
static inline volatile uint16_t *
vring_avail_event(const struct virtqueue *vq)
{
	return (volatile uint16_t *)&vq->used->ring[vq->size];
}

/* Indirect descriptor tables, supplied by whoever links the engine (the
 * kernel: kmalloc; the host test: malloc with pa = the pointer). n
 * descriptors, 16-byte aligned, physically contiguous; NULL when out of
 * memory (the request then goes as a plain chain). */
struct vring_desc *vring_table_alloc(unsigned n, uint64_t *pa);
void vring_table_free(struct vring_desc *t, unsigned n);

#endif

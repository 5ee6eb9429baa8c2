/* Fuzz drivers/virtio_ring.c against a device that lies. The input is a
 * program: a header byte (queue size 2..256, EVENT_IDX, indirect
 * descriptors, whether table allocations fail), then operations: the
 * driver adds a request of 1..8 buffers or kicks or takes completions
 * (virtq_get) or turns callbacks off and on; the device completes a
 * request it took honestly, or writes a used entry of its choosing (any
 * id, any length) at the next slot or any slot, or moves used->idx
 * anywhere (jumping ahead, going back), or writes used->flags and
 * avail_event. The device writes only what the spec gives it (the used
 * ring and avail_event): the descriptor table and avail ring are the
 * driver's. Besides the sanitizers, the harness fails when
 * - virtq_get returns a token that is not outstanding, or one twice,
 *   or a length other than the one the device wrote;
 * - the free-descriptor count disagrees with the outstanding requests
 *   (each holds its chain, or one slot when indirect);
 * - an indirect table is freed twice, or leaks once all are done;
 * - a queue that did not report itself broken cannot complete everything
 *   outstanding honestly at the end (unless the device moved used->idx
 *   off its own entries: then its later ones land where the driver is
 *   not looking, the device's fault). */
#include <stdlib.h>

#include "../../drivers/virtio_ring.h"
#include "errno.h"
#include "fuzz.h"

/* ---- indirect tables: malloc, pa = the pointer ---- */

static int tables_out;
static bool tables_fail;
static struct vring_desc *tables[VIRTQ_MAX_SIZE]; /* the live ones */

struct vring_desc *
vring_table_alloc(unsigned n, uint64_t *pa)
{
	struct vring_desc *t;

	if (tables_fail)
		return NULL;
	t = aligned_alloc(16, ALIGN_UP(sizeof(*t) * n, 16));
	for (unsigned i = 0; i < ARRAY_SIZE(tables); i++)
		if (!tables[i]) {
			tables[i] = t;
			break;
		}
	tables_out++;
	*pa = (uint64_t)(uintptr_t)t;
	return t;
}

void
vring_table_free(struct vring_desc *t, unsigned n)
{
	unsigned i = 0;

	while (i < ARRAY_SIZE(tables) && tables[i] != t)
		i++;
	if (i == ARRAY_SIZE(tables))
		fuzz_fail("vring_table_free of a table not out (freed twice?)");
	tables[i] = NULL;
	tables_out--;
	free(t);
}

/* ---- the queue, the requests and the device ---- */

#define REQS 512

static struct {
	struct virtqueue vq;
	struct virtio_dev dev;
	void *mem, *state;
	uint16_t last_avail; /* the device's next avail entry */
	uint16_t used_idx;   /* the device's copy of used->idx */
	uint16_t taken[VIRTQ_MAX_SIZE];
	unsigned ntaken; /* heads taken from avail, not completed */
	struct {
		bool out;      /* outstanding */
		bool indirect; /* a table is out for it */
		unsigned descs;
	} req[REQS];
	unsigned nout, descs_out, indirect_out;
} q;

static void
sim_notify(struct virtqueue *vq)
{
}
static const struct virtio_transport_ops sim_ops = {.name = "fuzz", .notify = sim_notify};

static void
dev_take(void)
{
	uint16_t avail = q.vq.avail->idx;

	while (q.last_avail != avail && q.ntaken < q.vq.size)
		q.taken[q.ntaken++] = q.vq.avail->ring[q.last_avail++ & (q.vq.size - 1)];
}

static void
dev_write_used(unsigned slot, uint32_t id, uint32_t len)
{
	q.vq.used->ring[slot & (q.vq.size - 1)] = (struct vring_used_elem){id, len};
}

static void
dev_publish(uint16_t idx)
{
	__atomic_store_n(&q.vq.used->idx, idx, __ATOMIC_RELEASE);
	q.used_idx = idx;
}

static void
check_counts(void)
{
	unsigned free_descs = virtq_free_descs(&q.vq);

	if (free_descs + q.descs_out != q.vq.size)
		fuzz_fail("%u descriptors free, %u held by %u requests, in a queue of %u",
		          free_descs, q.descs_out, q.nout, q.vq.size);
	if (tables_out != (int)q.indirect_out)
		fuzz_fail("%d indirect tables out, %u indirect requests outstanding", tables_out,
		          q.indirect_out);
}

/* virtq_get once; false when it gave nothing */
static bool
get_one(uint32_t want_len, bool check_len)
{
	uint32_t len = 0xdeadbeef;
	void *t = virtq_get(&q.vq, &len);

	if (!t)
		return false;
	uintptr_t r = (uintptr_t)t - 1;
	if (r >= REQS || !q.req[r].out)
		fuzz_fail("virtq_get returned token %#lx, not outstanding", (unsigned long)t);
	if (check_len && len != want_len)
		fuzz_fail("virtq_get gave length %u, the device wrote %u", len, want_len);
	q.req[r].out = false;
	q.nout--;
	q.descs_out -= q.req[r].descs;
	q.indirect_out -= q.req[r].indirect;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t hdr = fuzz_take(&in, 1);
	unsigned qsize = 2u << (hdr & 7); /* 2..256 */

	memset(&q, 0, sizeof(q));
	q.dev.ops = &sim_ops;
	strcpy(q.dev.name, "virtio-fuzz");
	q.vq.dev = &q.dev;
	q.vq.event_idx = hdr & 8;
	q.vq.indirect = hdr & 16;
	tables_fail = hdr & 32;
	tables_out = 0;
	q.mem = aligned_alloc(VIRTQ_LEGACY_ALIGN, vring_legacy_bytes(qsize));
	memset(q.mem, 0, vring_legacy_bytes(qsize));
	q.state = calloc(1, vring_state_bytes(qsize));
	vring_setup(&q.vq, qsize, q.mem, (uint64_t)(uintptr_t)q.mem, q.state);

	unsigned next_req = 0;
	bool idx_moved = false; /* the device moved used->idx off its entries */
	while (in.left) {
		uint8_t op = fuzz_take(&in, 1);
		switch (op % 10) {
		case 0: { /* driver: add a request */
			struct vq_buf b[8];
			unsigned n = 1 + (op >> 4) % 8, out = fuzz_take(&in, 1) % (n + 1);
			if (next_req == REQS)
				break;
			for (unsigned i = 0; i < n; i++)
				b[i] = (struct vq_buf){0x1000 * (i + 1), 64};
			unsigned before = virtq_free_descs(&q.vq);
			int err =
			    virtq_add(&q.vq, b, out, n - out, (void *)(uintptr_t)(next_req + 1));
			if (err && err != -ENOSPC)
				fuzz_fail("virtq_add: %d", err);
			if (!err) {
				unsigned used = before - virtq_free_descs(&q.vq);
				if (used != 1 && used != n)
					fuzz_fail("a request of %u took %u descriptors", n, used);
				q.req[next_req].out = true;
				q.req[next_req].descs = used;
				q.req[next_req].indirect = used == 1 && n > 1;
				q.indirect_out += q.req[next_req].indirect;
				q.descs_out += used;
				q.nout++;
				next_req++;
			}
			break;
		}
		case 1:
			virtq_kick(&q.vq);
			break;
		case 2: /* driver: take what completed */
			while (get_one(0, false))
				;
			break;
		case 3: /* device: complete a request it took, honestly */
			dev_take();
			if (q.ntaken) {
				unsigned k = fuzz_take(&in, 1) % q.ntaken;
				uint16_t head = q.taken[k];
				uint32_t len = fuzz_take(&in, 2);
				/* the driver's next entry is this one unless the device
				 * published others before it */
				bool next = !vring_pending(&q.vq);
				q.taken[k] = q.taken[--q.ntaken];
				dev_write_used(q.used_idx, head, len);
				dev_publish(q.used_idx + 1);
				if (next && !vring_broken(&q.vq) && !get_one(len, true) &&
				    !vring_broken(&q.vq))
					fuzz_fail("an honest completion of head %u not returned",
					          head);
			}
			break;
		case 4: /* device: a used entry of its choosing at the next slot */
			dev_write_used(q.used_idx,
			               fuzz_take(&in, 2) | (op & 0x80 ? 0xffff0000u : 0),
			               fuzz_take(&in, 4));
			dev_publish(q.used_idx + 1);
			break;
		case 5: /* device: an entry at any slot, not published */
			dev_write_used(fuzz_take(&in, 2), fuzz_take(&in, 4), fuzz_take(&in, 4));
			break;
		case 6: /* device: used->idx anywhere */
			dev_publish(fuzz_take(&in, 2));
			idx_moved = true;
			break;
		case 7:
			virtq_disable_cb(&q.vq);
			break;
		case 8:
			virtq_enable_cb(&q.vq);
			break;
		case 9: /* device: flags and avail_event */
			q.vq.used->flags = fuzz_take(&in, 2);
			*vring_avail_event(&q.vq) = fuzz_take(&in, 2);
			break;
		}
		check_counts();
	}
	/* the end: a working queue completes everything outstanding (the
	 * device takes at most a queue's worth of heads at a time) */
	virtq_kick(&q.vq);
	while (get_one(0, false))
		;
	for (unsigned round = 0; round < 4 && !vring_broken(&q.vq); round++) {
		dev_take();
		while (!vring_broken(&q.vq) && q.ntaken) {
			uint16_t head = q.taken[--q.ntaken];
			bool next = !vring_pending(&q.vq);
			dev_write_used(q.used_idx, head, 7);
			dev_publish(q.used_idx + 1);
			while (get_one(7, next))
				;
		}
	}
	if (!vring_broken(&q.vq)) {
		check_counts();
		if (q.nout && !idx_moved) /* else its entries land where the driver is not */
			fuzz_fail("%u requests outstanding that the device never took", q.nout);
	}
	/* free what a broken queue still holds (the driver resets the device) */
	for (unsigned i = 0; i < ARRAY_SIZE(tables); i++) {
		free(tables[i]);
		tables[i] = NULL;
	}
	free(q.mem);
	free(q.state);
	return 0;
}

/* drivers/virtio_ring.c on the host, against a simulated device in the same
 * process that reads guest-physical addresses as host pointers: chains,
 * 16-bit index wrap-around, out-of-order completion, EVENT_IDX in both
 * directions, interrupt suppression, running out of descriptors, indirect
 * tables, a device returning a bad id.
 * Run: make unit && build/tests/unit/test_virtq */
#include <stdlib.h>

#include "../../drivers/virtio_ring.h"
#include "errno.h"
#include "unit.h"

/* ---- indirect tables: malloc, pa = the pointer; failures on demand ---- */

static int tables_out;   /* allocated and not yet freed */
static bool tables_fail; /* make vring_table_alloc return NULL */

struct vring_desc *
vring_table_alloc(unsigned n, uint64_t *pa)
{
	struct vring_desc *t;

	if (tables_fail)
		return NULL;
	t = aligned_alloc(16, ALIGN_UP(sizeof(*t) * n, 16));
	if (t) {
		tables_out++;
		*pa = (uint64_t)(uintptr_t)t;
	}
	return t;
}

void
vring_table_free(struct vring_desc *t, unsigned n)
{
	tables_out--;
	free(t);
}

/* ---- the simulated device ---- */

#define MAXCHAIN 64

struct req {
	uint16_t head;
	unsigned n, nout;
	struct vq_buf b[MAXCHAIN];
	bool indirect;
	int tag; /* random_against_model's slot */
};

static struct sim {
	struct virtqueue vq;
	struct virtio_dev dev;
	void *mem, *state;
	unsigned notifies;   /* ops->notify calls */
	unsigned interrupts; /* completions that the device would signal */
	uint16_t last_avail; /* next avail entry the device takes */
	uint16_t used_idx;   /* the device's copy of used->idx */
	struct req seen[VIRTQ_MAX_SIZE];
	unsigned nseen; /* taken, not completed */
	bool fill;      /* write into the buffers (real ones) on completion */
} sim;

static void
sim_notify(struct virtqueue *vq)
{
	sim.notifies++;
}

static const struct virtio_transport_ops sim_ops = {.name = "sim", .notify = sim_notify};

static void
sim_make(unsigned size, bool event_idx, bool indirect)
{
	free(sim.mem);
	free(sim.state);
	memset(&sim, 0, sizeof(sim));
	sim.dev.ops = &sim_ops;
	strcpy(sim.dev.name, "virtio-sim");
	sim.vq.dev = &sim.dev;
	sim.vq.event_idx = event_idx;
	sim.vq.indirect = indirect;
	sim.mem = aligned_alloc(VIRTQ_LEGACY_ALIGN, vring_legacy_bytes(size));
	sim.state = calloc(1, vring_state_bytes(size));
	memset(sim.mem, 0, vring_legacy_bytes(size));
	vring_setup(&sim.vq, size, sim.mem, (uint64_t)(uintptr_t)sim.mem, sim.state);
	tables_out = 0;
	tables_fail = false;
}

/* the device's side of the EVENT_IDX rule, written out as the spec words
 * it: signal when 'event' lies in [old, new) modulo 2^16 */
static bool
sim_crossed(uint16_t event, uint16_t old, uint16_t new_idx)
{
	unsigned span = (uint16_t)(new_idx - old), dist = (uint16_t)(event - old);

	return dist < span;
}

/* take every request the driver published; tell the driver (EVENT_IDX)
 * to notify again once it publishes past what we took */
static void
sim_take(void)
{
	struct virtqueue *vq = &sim.vq;
	uint16_t avail = vq->avail->idx;

	while (sim.last_avail != avail) {
		struct req *r = &sim.seen[sim.nseen++];
		uint16_t head = vq->avail->ring[sim.last_avail++ & (vq->size - 1)];
		struct vring_desc *d = vq->desc;
		uint16_t i = head;

		memset(r, 0, sizeof(*r));
		r->head = head;
		if (d[head].flags & VRING_DESC_F_INDIRECT) {
			r->indirect = true;
			d = (struct vring_desc *)(uintptr_t)vq->desc[head].addr;
			i = 0;
		}
		for (;;) {
			if (r->n == MAXCHAIN) {
				unit_fail(__FILE__, __LINE__, "chain longer than %d", MAXCHAIN);
				break;
			}
			r->b[r->n].pa = d[i].addr;
			r->b[r->n].len = d[i].len;
			if (!(d[i].flags & VRING_DESC_F_WRITE)) {
				if (r->nout != r->n)
					unit_fail(__FILE__, __LINE__,
					          "readable after writable descriptor");
				r->nout = r->n + 1;
			}
			r->n++;
			if (!(d[i].flags & VRING_DESC_F_NEXT))
				break;
			i = d[i].next;
		}
	}
	if (vq->event_idx)
		*vring_avail_event(vq) = sim.last_avail;
}

/* complete seen[k]: report 'written' bytes, written into its first
 * writable buffer when sim.fill (the other cases pass made-up addresses) */
static void
sim_complete(unsigned k, uint32_t written)
{
	struct virtqueue *vq = &sim.vq;
	struct req r = sim.seen[k];
	uint16_t old = sim.used_idx;

	if (sim.fill && r.nout < r.n)
		memset((void *)(uintptr_t)r.b[r.nout].pa, 0xa5, MIN(written, r.b[r.nout].len));
	sim.seen[k] = sim.seen[--sim.nseen];
	vq->used->ring[sim.used_idx & (vq->size - 1)].id = r.head;
	vq->used->ring[sim.used_idx & (vq->size - 1)].len = written;
	sim.used_idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->used->idx = sim.used_idx;
	if (vq->event_idx ? sim_crossed(*vring_used_event(vq), old, sim.used_idx)
	                  : !(vq->avail->flags & VRING_AVAIL_F_NO_INTERRUPT))
		sim.interrupts++;
}

static struct req *
sim_find(uint16_t head)
{
	for (unsigned k = 0; k < sim.nseen; k++)
		if (sim.seen[k].head == head)
			return &sim.seen[k];
	return NULL;
}

/* ---- the cases ---- */

static void
chain_out_then_in(void)
{
	static char a[16], b[32], c[64];
	struct vq_buf bufs[] = {{(uintptr_t)a, 16}, {(uintptr_t)b, 32}, {(uintptr_t)c, 64}};
	uint32_t len = 0;
	int token;

	sim_make(8, false, false);
	sim.fill = true;
	EXPECT_EQ(virtq_free_descs(&sim.vq), 8);
	EXPECT_EQ(virtq_add(&sim.vq, bufs, 2, 1, &token), 0);
	EXPECT_EQ(virtq_free_descs(&sim.vq), 5);
	sim_take();
	EXPECT_EQ(sim.nseen, 0); /* not published before the kick */
	virtq_kick(&sim.vq);
	EXPECT_EQ(sim.notifies, 1);
	sim_take();
	EXPECT_EQ(sim.nseen, 1);
	EXPECT_EQ(sim.seen[0].n, 3);
	EXPECT_EQ(sim.seen[0].nout, 2);
	EXPECT(!sim.seen[0].indirect);
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(sim.seen[0].b[i].pa, bufs[i].pa);
		EXPECT_EQ(sim.seen[0].b[i].len, bufs[i].len);
	}
	EXPECT(virtq_get(&sim.vq, &len) == NULL);
	sim_complete(0, 40);
	EXPECT_EQ(sim.interrupts, 1);
	EXPECT(virtq_get(&sim.vq, &len) == &token);
	EXPECT_EQ(len, 40);
	EXPECT_EQ((unsigned char)c[39], 0xa5);
	EXPECT_EQ(c[40], 0);
	EXPECT(virtq_get(&sim.vq, &len) == NULL);
	EXPECT_EQ(virtq_free_descs(&sim.vq), 8);
	virtq_kick(&sim.vq); /* nothing new: no notification */
	EXPECT_EQ(sim.notifies, 1);
}

static void
bad_requests(void)
{
	struct vq_buf b = {0x1000, 8};
	int token;

	sim_make(4, false, false);
	EXPECT_EQ(virtq_add(&sim.vq, &b, 0, 0, &token), -EINVAL);
	EXPECT_EQ(virtq_add(&sim.vq, &b, 1, 0, NULL), -EINVAL);
	EXPECT_EQ(virtq_free_descs(&sim.vq), 4);
}

/* 70000 requests through a 4-entry queue: both 16-bit indices wrap */
static void
indices_wrap_around(void)
{
	static char buf[4][8];
	static int tokens[4];
	unsigned done = 0;

	sim_make(4, true, false);
	for (unsigned i = 0; i < 70000; i += 2) {
		for (unsigned j = 0; j < 2; j++) {
			struct vq_buf b[2] = {{(uintptr_t)buf[j * 2], 8},
			                      {(uintptr_t)buf[j * 2 + 1], 8}};
			tokens[j] = (int)(i + j);
			EXPECT_EQ(virtq_add(&sim.vq, b, 1, 1, &tokens[j]), 0);
		}
		virtq_kick(&sim.vq);
		sim_take();
		EXPECT_EQ(sim.nseen, 2);
		/* complete in reverse: out of order */
		sim_complete(1, 4);
		sim_complete(0, 8);
		for (unsigned j = 0; j < 2; j++) {
			uint32_t len;
			int *t = virtq_get(&sim.vq, &len);
			if (!t || *t != (int)(i + 1 - j) || len != (j ? 8 : 4)) {
				unit_fail(__FILE__, __LINE__, "request %u: token %d len %u", i + j,
				          t ? *t : -1, len);
				return;
			}
			done++;
		}
		EXPECT_EQ(virtq_free_descs(&sim.vq), 4);
	}
	EXPECT_EQ(done, 70000);
	EXPECT_EQ(sim.vq.avail->idx, (uint16_t)70000);
	EXPECT_EQ(sim.vq.used->idx, (uint16_t)70000);
	/* EVENT_IDX: the device asked to hear of each batch, one notification each */
	EXPECT_EQ(sim.notifies, 35000);
}

/* a kick lost as on QEMU's TCG with one vCPU (virtq_rescue): the driver
 * read a stale avail_event, the device stopped on the index it saw; the
 * watch notifies again, once the device has made no progress for one
 * interval, and never while the device moves or has nothing to do */
static void
lost_kick_rescued(void)
{
	struct vq_buf b = {0x1000, 8};
	int t[8];

	sim_make(8, true, false);
	for (int i = 0; i < 2; i++)
		EXPECT_EQ(virtq_add(&sim.vq, &b, 1, 0, &t[i]), 0);
	virtq_kick(&sim.vq);
	EXPECT_EQ(sim.notifies, 1);
	/* a device that ran not once in a whole interval is told again */
	EXPECT_EQ(virtq_rescue(&sim.vq), true);
	EXPECT_EQ(sim.notifies, 2);
	sim_take();
	sim_complete(0, 0);
	sim_complete(0, 0);
	EXPECT(virtq_get(&sim.vq, NULL) != NULL);
	EXPECT(virtq_get(&sim.vq, NULL) != NULL);
	EXPECT_EQ(virtq_rescue(&sim.vq), false); /* moved: 0 -> 2 */
	EXPECT_EQ(virtq_rescue(&sim.vq), false); /* nothing outstanding */
	/* the race: the device's avail_event = 2 not yet seen, the kick 2 -> 3
	 * judged against the stale 1 */
	*vring_avail_event(&sim.vq) = 1;
	EXPECT_EQ(virtq_add(&sim.vq, &b, 1, 0, &t[2]), 0);
	virtq_kick(&sim.vq);
	EXPECT_EQ(sim.notifies, 2);
	*vring_avail_event(&sim.vq) = 2;
	EXPECT_EQ(virtq_rescue(&sim.vq), true);
	EXPECT_EQ(sim.notifies, 3);
	/* the device took it and is working (no completion yet, avail_event
	 * moved past used): no more notifications */
	sim_take();
	EXPECT_EQ(virtq_rescue(&sim.vq), false);
	EXPECT_EQ(sim.notifies, 3);
	sim_complete(0, 0);
	EXPECT(virtq_get(&sim.vq, NULL) != NULL);

	/* without EVENT_IDX: the flags say whether it wants to hear */
	sim_make(8, false, false);
	sim.vq.used->flags = VRING_USED_F_NO_NOTIFY;
	EXPECT_EQ(virtq_add(&sim.vq, &b, 1, 0, &t[0]), 0);
	virtq_kick(&sim.vq);
	EXPECT_EQ(sim.notifies, 0);
	EXPECT_EQ(virtq_rescue(&sim.vq), false); /* it said it polls */
	sim.vq.used->flags = 0;
	EXPECT_EQ(virtq_rescue(&sim.vq), true);
	EXPECT_EQ(sim.notifies, 1);
}

/* driver -> device: VRING_USED_F_NO_NOTIFY, and avail_event with EVENT_IDX */
static void
notify_suppression(void)
{
	struct vq_buf b = {0x1000, 8};
	int t[8];

	sim_make(8, false, false);
	sim.vq.used->flags = VRING_USED_F_NO_NOTIFY;
	EXPECT_EQ(virtq_add(&sim.vq, &b, 1, 0, &t[0]), 0);
	virtq_kick(&sim.vq);
	EXPECT_EQ(sim.notifies, 0);
	sim.vq.used->flags = 0;
	EXPECT_EQ(virtq_add(&sim.vq, &b, 1, 0, &t[1]), 0);
	virtq_kick(&sim.vq);
	EXPECT_EQ(sim.notifies, 1);

	sim_make(8, true, false);
	sim.vq.used->flags = VRING_USED_F_NO_NOTIFY; /* ignored with EVENT_IDX */
	/* avail_event 0 (the device took nothing yet): 0 -> 1 crosses it */
	EXPECT_EQ(virtq_add(&sim.vq, &b, 1, 0, &t[0]), 0);
	virtq_kick(&sim.vq);
	EXPECT_EQ(sim.notifies, 1);
	/* the device has not run: it still waits for index 0, already passed */
	EXPECT_EQ(virtq_add(&sim.vq, &b, 1, 0, &t[1]), 0);
	virtq_kick(&sim.vq);
	EXPECT_EQ(sim.notifies, 1);
	sim_take(); /* took 2; avail_event = 2 */
	EXPECT_EQ(*vring_avail_event(&sim.vq), 2);
	/* three at once, 2 -> 5: passes 2, one notification */
	for (int i = 2; i < 5; i++)
		EXPECT_EQ(virtq_add(&sim.vq, &b, 1, 0, &t[i]), 0);
	virtq_kick(&sim.vq);
	EXPECT_EQ(sim.notifies, 2);
	/* a device that wants to hear only from index 7: 5 -> 6 is quiet,
	 * 6 -> 8 passes 7 */
	*vring_avail_event(&sim.vq) = 7;
	EXPECT_EQ(virtq_add(&sim.vq, &b, 1, 0, &t[5]), 0);
	virtq_kick(&sim.vq);
	EXPECT_EQ(sim.notifies, 2);
	EXPECT_EQ(virtq_add(&sim.vq, &b, 1, 0, &t[6]), 0);
	EXPECT_EQ(virtq_add(&sim.vq, &b, 1, 0, &t[7]), 0);
	virtq_kick(&sim.vq);
	EXPECT_EQ(sim.notifies, 3);
	/* the rule at the 16-bit wrap */
	EXPECT(vring_need_event(0xffff, 0x0001, 0xfffe));
	EXPECT(vring_need_event(0x0000, 0x0001, 0xfffe));
	EXPECT(!vring_need_event(0x0001, 0x0001, 0xfffe));
	EXPECT(!vring_need_event(0xfffd, 0x0001, 0xfffe));
}

/* device -> driver: used_event with EVENT_IDX, the NO_INTERRUPT flag
 * without; disable/enable with completions arriving meanwhile */
static void
interrupt_suppression(void)
{
	struct vq_buf b = {0x1000, 8};
	int t[6];

	for (int ev = 0; ev < 2; ev++) {
		sim_make(8, ev, false);
		for (int i = 0; i < 6; i++)
			EXPECT_EQ(virtq_add(&sim.vq, &b, 0, 1, &t[i]), 0);
		virtq_kick(&sim.vq);
		sim_take();
		EXPECT_EQ(sim.nseen, 6);
		sim_complete(0, 1);
		EXPECT_EQ(sim.interrupts, 1);
		if (ev) {
			/* nothing taken yet: used_event still 0, passed: no more */
			sim_complete(0, 1);
			EXPECT_EQ(sim.interrupts, 1);
		} else {
			sim_complete(0, 1);
			EXPECT_EQ(sim.interrupts, 2);
		}
		unsigned before = sim.interrupts;
		EXPECT(virtq_get(&sim.vq, NULL) != NULL);
		EXPECT(virtq_get(&sim.vq, NULL) != NULL);
		virtq_disable_cb(&sim.vq);
		if (!ev)
			EXPECT_EQ(sim.vq.avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
		sim_complete(0, 1);
		EXPECT_EQ(sim.interrupts, before); /* suppressed */
		EXPECT(!virtq_enable_cb(&sim.vq)); /* one arrived meanwhile */
		EXPECT_EQ(sim.vq.avail->flags, 0);
		EXPECT(virtq_get(&sim.vq, NULL) != NULL);
		EXPECT(virtq_enable_cb(&sim.vq)); /* drained */
		sim_complete(0, 1);
		EXPECT_EQ(sim.interrupts, before + 1);
		EXPECT(virtq_get(&sim.vq, NULL) != NULL);
		/* a long stretch with interrupts off, then on again */
		virtq_disable_cb(&sim.vq);
		sim_complete(0, 1);
		EXPECT(virtq_get(&sim.vq, NULL) != NULL);
		EXPECT_EQ(sim.interrupts, before + 1);
		EXPECT(virtq_enable_cb(&sim.vq));
		sim_complete(0, 1); /* the last one interrupts again */
		EXPECT_EQ(sim.interrupts, before + 2);
		EXPECT(virtq_get(&sim.vq, NULL) != NULL);
		EXPECT_EQ(sim.nseen, 0);
		EXPECT_EQ(virtq_free_descs(&sim.vq), 8);
	}
}

static void
out_of_descriptors(void)
{
	struct vq_buf b[3] = {{0x1000, 1}, {0x2000, 2}, {0x3000, 3}};
	int t[4];

	sim_make(8, false, false);
	EXPECT_EQ(virtq_add(&sim.vq, b, 1, 2, &t[0]), 0);
	EXPECT_EQ(virtq_add(&sim.vq, b, 2, 1, &t[1]), 0);
	EXPECT_EQ(virtq_free_descs(&sim.vq), 2);
	EXPECT_EQ(virtq_add(&sim.vq, b, 3, 0, &t[2]), -ENOSPC);
	EXPECT_EQ(virtq_free_descs(&sim.vq), 2); /* nothing queued */
	EXPECT_EQ(virtq_add(&sim.vq, b, 0, 2, &t[3]), 0);
	EXPECT_EQ(virtq_free_descs(&sim.vq), 0);
	EXPECT_EQ(virtq_add(&sim.vq, b, 1, 0, &t[2]), -ENOSPC);
	virtq_kick(&sim.vq);
	sim_take();
	EXPECT_EQ(sim.nseen, 3); /* the refused requests never reached it */
	/* free the middle one first: its descriptors serve a new request */
	struct req *r = sim_find(sim.seen[1].head);
	EXPECT(r && r->nout == 2);
	sim_complete(1, 0);
	EXPECT(virtq_get(&sim.vq, NULL) == &t[1]);
	EXPECT_EQ(virtq_free_descs(&sim.vq), 3);
	EXPECT_EQ(virtq_add(&sim.vq, b, 3, 0, &t[2]), 0);
	virtq_kick(&sim.vq);
	sim_take();
	while (sim.nseen)
		sim_complete(0, 0);
	for (int i = 0; i < 3; i++)
		EXPECT(virtq_get(&sim.vq, NULL) != NULL);
	EXPECT_EQ(virtq_free_descs(&sim.vq), 8);
	/* larger than the whole queue, without indirect: never fits */
	struct vq_buf many[9];
	for (int i = 0; i < 9; i++)
		many[i] = (struct vq_buf){0x1000, 1};
	EXPECT_EQ(virtq_add(&sim.vq, many, 9, 0, &t[0]), -ENOSPC);
}

static void
indirect_tables(void)
{
	struct vq_buf many[10];
	int t[3];

	for (int i = 0; i < 10; i++)
		many[i] = (struct vq_buf){0x1000u * (i + 1), (uint32_t)(i + 1)};
	sim_make(4, true, true);
	/* ten buffers on a four-entry queue: one descriptor, one table */
	EXPECT_EQ(virtq_add(&sim.vq, many, 4, 6, &t[0]), 0);
	EXPECT_EQ(virtq_free_descs(&sim.vq), 3);
	EXPECT_EQ(tables_out, 1);
	/* one buffer: no table */
	EXPECT_EQ(virtq_add(&sim.vq, many, 1, 0, &t[1]), 0);
	EXPECT_EQ(virtq_free_descs(&sim.vq), 2);
	EXPECT_EQ(tables_out, 1);
	/* no memory for a table: a plain chain */
	tables_fail = true;
	EXPECT_EQ(virtq_add(&sim.vq, many, 1, 1, &t[2]), 0);
	EXPECT_EQ(virtq_free_descs(&sim.vq), 0);
	tables_fail = false;
	virtq_kick(&sim.vq);
	sim_take();
	EXPECT_EQ(sim.nseen, 3);
	EXPECT(sim.seen[0].indirect && sim.seen[0].n == 10 && sim.seen[0].nout == 4);
	for (int i = 0; i < 10; i++) {
		EXPECT_EQ(sim.seen[0].b[i].pa, many[i].pa);
		EXPECT_EQ(sim.seen[0].b[i].len, many[i].len);
	}
	EXPECT_EQ(sim.vq.desc[sim.seen[0].head].len, 10 * sizeof(struct vring_desc));
	EXPECT(!sim.seen[1].indirect && sim.seen[1].n == 1);
	EXPECT(!sim.seen[2].indirect && sim.seen[2].n == 2);
	while (sim.nseen)
		sim_complete(0, 0);
	for (int i = 0; i < 3; i++)
		EXPECT(virtq_get(&sim.vq, NULL) != NULL);
	EXPECT_EQ(tables_out, 0);
	EXPECT_EQ(virtq_free_descs(&sim.vq), 4);
}

static void
device_returns_bad_id(void)
{
	struct vq_buf b = {0x1000, 8};
	int t;

	sim_make(8, false, false);
	EXPECT_EQ(virtq_add(&sim.vq, &b, 0, 1, &t), 0);
	virtq_kick(&sim.vq);
	sim_take();
	sim.seen[0].head = 5; /* never handed out */
	unit_log_clear();
	sim_complete(0, 1);
	EXPECT(virtq_get(&sim.vq, NULL) == NULL);
	EXPECT(vring_broken(&sim.vq));
	EXPECT(strstr(unit.log, "virtio-sim queue 0") != NULL);
	EXPECT(strstr(unit.log, "descriptor 5") != NULL);
}

/* random requests against a model: any mix of sizes, completion order and
 * batching; every token comes back once, with the length the device
 * wrote, each request reached the device as it was added, and the queue
 * ends with every descriptor free */
static void
random_against_model(void)
{
	enum { SIZE = 16, SLOTS = 2 * SIZE, ROUNDS = 20000 };
	static int tokens[SLOTS];
	static bool out[SLOTS];
	static unsigned nbufs[SLOTS], nout[SLOTS];
	static uint32_t want_len[SLOTS];
	int fifo[SLOTS]; /* added, not yet taken by the device, in order */
	unsigned fifo_n = 0, busy = 0;
	struct vq_buf b[SIZE + 4];

	for (int ind = 0; ind < 2; ind++) {
		sim_make(SIZE, ind, ind);
		memset(out, 0, sizeof(out));
		fifo_n = busy = 0;
		for (int round = 0; round < ROUNDS; round++) {
			unsigned op = (unsigned)unit_rand_below(4), free_before;
			int slot = -1;
			if (op <= 1) {
				unsigned n = 1 + (unsigned)unit_rand_below(ind ? SIZE + 3 : 5);
				unsigned o = (unsigned)unit_rand_below(n + 1);
				for (int k = 0; k < SLOTS && slot < 0; k++)
					if (!out[k])
						slot = k;
				if (slot < 0)
					continue;
				for (unsigned k = 0; k < n; k++)
					b[k] = (struct vq_buf){0x10000u * (slot + 1) + k, k + 1};
				unsigned need = (ind && n > 1) ? 1 : n;
				free_before = virtq_free_descs(&sim.vq);
				int e = virtq_add(&sim.vq, b, o, n - o, &tokens[slot]);
				if (need > free_before) {
					EXPECT_EQ(e, -ENOSPC);
					EXPECT_EQ(virtq_free_descs(&sim.vq), free_before);
					continue;
				}
				EXPECT_EQ(e, 0);
				EXPECT_EQ(virtq_free_descs(&sim.vq), free_before - need);
				out[slot] = true;
				nbufs[slot] = n;
				nout[slot] = o;
				fifo[fifo_n++] = slot;
				busy++;
			} else if (op == 2) {
				unsigned before = sim.nseen;
				virtq_kick(&sim.vq);
				sim_take();
				for (unsigned k = before; k < sim.nseen; k++) {
					struct req *r = &sim.seen[k];
					r->tag = fifo[0];
					memmove(fifo, fifo + 1, sizeof(int) * --fifo_n);
					EXPECT_EQ(r->n, nbufs[r->tag]);
					EXPECT_EQ(r->nout, nout[r->tag]);
					EXPECT_EQ(r->b[r->n - 1].pa,
					          0x10000u * (r->tag + 1) + r->n - 1);
				}
				while (sim.nseen && unit_rand_below(2)) {
					unsigned k = (unsigned)unit_rand_below(sim.nseen);
					uint32_t len = (uint32_t)unit_rand_below(100);
					want_len[sim.seen[k].tag] = len;
					sim_complete(k, len);
				}
			} else {
				uint32_t len;
				int *t = virtq_get(&sim.vq, &len);
				if (!t)
					continue;
				slot = (int)(t - tokens);
				if (slot < 0 || slot >= SLOTS || !out[slot]) {
					unit_fail(__FILE__, __LINE__, "token %p not outstanding",
					          (void *)t);
					return;
				}
				EXPECT_EQ(len, want_len[slot]);
				out[slot] = false;
				busy--;
			}
		}
		/* drain */
		virtq_kick(&sim.vq);
		sim_take();
		while (sim.nseen)
			sim_complete(0, 0);
		while (virtq_get(&sim.vq, NULL))
			busy--;
		EXPECT_EQ(busy, 0);
		EXPECT_EQ(virtq_free_descs(&sim.vq), SIZE);
		EXPECT_EQ(tables_out, 0);
		EXPECT(!vring_broken(&sim.vq));
	}
}

int
main(void)
{
	RUN(chain_out_then_in);
	RUN(bad_requests);
	RUN(indices_wrap_around);
	RUN(notify_suppression);
	RUN(lost_kick_rescued);
	RUN(interrupt_suppression);
	RUN(out_of_descriptors);
	RUN(indirect_tables);
	RUN(device_returns_bad_id);
	RUN(random_against_model);
	free(sim.mem);
	free(sim.state);
	return unit_done();
}

/* The app's address space (include/vma.h): regions in a red-black tree
 * (include/rbtree.h) ordered by address, under one mutex, pages allocated
 * on the first touch. Each region keeps the free gap below it and the
 * largest gap of its subtree, so mmap finds room in O(log n). File
 * regions map the file's own frames (the VFS's page cache,
 * core/fs/filemap.c): MAP_SHARED ones as they are, so every mapping of a
 * file and read()/write() see the same bytes; MAP_PRIVATE ones borrowed
 * (PTE_BORROWED: read-only) until the page is written. Anonymous memory
 * read before it is written maps the one zero frame (borrowed) until
 * written. */
#include "vma.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "rbtree.h"
#include "sched.h"
#include "sync.h"
#include "uaccess.h"
#include "vfs.h"

struct vma {
	struct rb_node rb;    /* in 'vmas', by start */
	uintptr_t start, end; /* page aligned, [start, end) */
	/* bytes free between the previous region's end (or 0) and start,
	 * counting only [APP_MMAP_BOTTOM, mmap_top), where find_room
	 * looks; and the largest such gap in this node's subtree */
	uintptr_t gap, max_gap;
	int prot;
	/* file regions: the file, the offset of 'start' in it, MAP_SHARED or
	 * not; 'paged': a private file region, whose page is copied from the
	 * file at its first touch (the loader's labelled segments have a file
	 * for their name only: they were filled at load time) */
	struct vnode *node;
	uint64_t off;
	bool shared, paged;
	/* a region with no file that the loader named (vma_name, static
	 * string; NULL: none), 'off' then its offset in what it came from */
	const char *name;
	bool noreserve; /* MAP_NORESERVE: never charged (include/mm.h, overcommit) */
};

static void gap_update(struct rb_node *n);
static const struct rb_augment gap_aug = {.update = gap_update};
static struct rb_tree vmas = RB_TREE_INIT(&gap_aug); /* under 'lock' */
static struct mutex lock = MUTEX_INIT;
static uintptr_t brk_base, brk_cur;
static size_t private_pages;   /* frames of private regions, atomic */
static size_t shared_pages;    /* a file's frames mapped by shared regions, atomic */
static size_t rss_peak;        /* the most of both there were, pages, under 'lock' */
static size_t span, span_peak; /* bytes the regions span, and the most they did, under 'lock' */
static size_t committed;       /* bytes of the charged regions, under 'lock' */

static uint64_t
pte_flags(int prot)
{
	uint64_t f = 0;

	if (prot & PROT_WRITE)
		f |= PTE_W;
	if (!(prot & PROT_EXEC))
		f |= PTE_NX;
	return f;
}

/* the entry's flags for a page of a region with protection prot, given
 * the entry it had (raw): a borrowed frame stays borrowed and read-only
 * whatever the protection (mprotect adding PROT_WRITE included: the
 * write fault gives the region its own frame); PROT_NONE keeps the
 * frame in an entry the caller makes not present */
static uint64_t
app_pte(int prot, uint64_t raw)
{
	uint64_t f = prot == PROT_NONE ? PTE_NX : pte_flags(prot);

	if (raw & PTE_BORROWED)
		f = (f & ~PTE_W) | PTE_BORROWED;
	return f;
}

/* the one zero frame: what every read of never-written anonymous memory
 * (or of a file's hole) maps (borrowed, read-only); made at the first
 * such read, never freed */
static uint64_t zero_pa;

#define VMA(n) rb_entry_or_null(n, struct vma, rb)

/* the region maps its file's frames (shared, or private and paged from
 * it): the file counts it (filemap_ref) and tells it of changes */
static bool
maps_file(const struct vma *v)
{
	return v->shared || v->paged;
}

/* the overcommit rule (include/mm.h): v, with protection prot, is charged
 * for its size: writable, private or anonymous, not MAP_NORESERVE */
static bool
charged(const struct vma *v, int prot)
{
	return (prot & PROT_WRITE) && !v->shared && !v->noreserve;
}

/* the charge of [s, e) inside v */
static size_t
charge_of(const struct vma *v, uintptr_t s, uintptr_t e)
{
	s = MAX(s, v->start), e = MIN(e, v->end);
	return charged(v, v->prot) && e > s ? e - s : 0;
}

size_t
mm_commit_limit(void)
{
	return MM_OVERCOMMIT_RATIO * frame_total_bytes();
}

size_t
mm_committed(void)
{
	return __atomic_load_n(&committed, __ATOMIC_RELAXED);
}

/* take 'bytes' more under the limit (lock held): 0 or -ENOMEM */
static int
charge(size_t bytes)
{
	if (bytes > mm_commit_limit() || committed > mm_commit_limit() - bytes)
		return -ENOMEM;
	__atomic_store_n(&committed, committed + bytes, __ATOMIC_RELAXED);
	return 0;
}

static void
uncharge(size_t bytes)
{
	assert(bytes <= committed);
	__atomic_store_n(&committed, committed - bytes, __ATOMIC_RELAXED);
}

static void
gap_update(struct rb_node *n)
{
	struct vma *v = VMA(n), *l = VMA(n->rb_left), *r = VMA(n->rb_right);

	v->max_gap = MAX(v->gap, MAX(l ? l->max_gap : 0, r ? r->max_gap : 0));
}

static bool
start_less(const struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct vma, rb)->start < rb_entry(b, struct vma, rb)->start;
}

static bool
addr_below_end(const void *key, const struct rb_node *n)
{
	return *(const uintptr_t *)key < rb_entry(n, struct vma, rb)->end;
}

static struct vma *
next_of(const struct vma *v)
{
	return VMA(rb_next(&v->rb));
}

/* the first region that ends above addr (it may start above it too) */
static struct vma *
first_after(uintptr_t addr)
{
	return VMA(rb_search(&vmas, &addr, addr_below_end));
}

static struct vma *
find(uintptr_t addr)
{
	struct vma *v = first_after(addr);

	return v && v->start <= addr ? v : NULL;
}

/* v's start or its previous region's end moved: its gap again */
static void
set_gap(struct vma *v)
{
	struct vma *p;
	uintptr_t lo, hi;

	if (!v)
		return;
	p = VMA(rb_prev(&v->rb));
	lo = MAX(p ? p->end : 0, APP_MMAP_BOTTOM);
	hi = MIN(v->start, vma_layout()->mmap_top);
	v->gap = hi > lo ? hi - lo : 0;
	rb_propagate(&vmas, &v->rb);
}

static void
link_vma(struct vma *v)
{
	v->gap = 0;
	span += v->end - v->start;
	span_peak = MAX(span_peak, span);
	rb_insert(&vmas, &v->rb, start_less);
	set_gap(v);
	set_gap(next_of(v));
}

static void
unlink_vma(struct vma *v)
{
	struct vma *next = next_of(v);

	span -= v->end - v->start;
	rb_remove(&vmas, &v->rb);
	set_gap(next);
}

/* split v at 'at' (inside it): v keeps [start, at), a new region like it
 * takes [at, end). 0 or -ENOMEM (then v is unchanged). */
static int
split(struct vma *v, uintptr_t at)
{
	struct vma *tail = kmalloc(sizeof(*tail));

	if (!tail || (maps_file(v) && filemap_ref(v->node, 1))) {
		kfree(tail);
		return -ENOMEM;
	}
	*tail = *v;
	if (tail->node)
		vfs_node_hold(tail->node); /* each piece holds its file */
	tail->start = at;
	tail->off = v->off + (at - v->start);
	span -= v->end - at; /* the tail's link counts it again */
	v->end = at;
	link_vma(tail);
	return 0;
}

/* free the frames of [s, e) and unmap them (a TLB shootdown per 64): the
 * region's own frames only; a borrowed one is unmapped, and a file's
 * (not the zero frame) leaves the count of file pages mapped */
static void
drop_pages(uintptr_t s, uintptr_t e)
{
	uint64_t pas[64];
	size_t own = 0, file = 0;

	while (s < e) {
		size_t n = mm_take_frames(s, e, pas, ARRAY_SIZE(pas), &s);
		for (size_t i = 0; i < n; i++) {
			if (!(pas[i] & PTE_BORROWED)) {
				frame_free(pas[i], 0);
				own++;
			} else if ((pas[i] & PTE_ADDR) != zero_pa) {
				file++;
			}
		}
	}
	__atomic_sub_fetch(&private_pages, own, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&shared_pages, file, __ATOMIC_RELAXED);
}

/* unmap [s, e) keeping its frames: a file's shared frames, which stay the
 * file's, or frames mremap moved elsewhere (present or not: PROT_NONE
 * keeps its frame in a non-present entry, which mm_unmap would leave);
 * how many were not borrowed */
static size_t
forget_pages(uintptr_t s, uintptr_t e)
{
	uint64_t pas[64];
	size_t n = 0;

	while (s < e) {
		size_t k = mm_take_frames(s, e, pas, ARRAY_SIZE(pas), &s);
		for (size_t i = 0; i < k; i++)
			n += !(pas[i] & PTE_BORROWED);
	}
	return n;
}

/* the same for a shared region's pages, which leave the app's count */
static void
forget_shared(uintptr_t s, uintptr_t e)
{
	__atomic_sub_fetch(&shared_pages, forget_pages(s, e), __ATOMIC_RELAXED);
}

/* a page came in (lock held): the high-water mark of the resident pages */
static void
rss_grew(void)
{
	rss_peak = MAX(rss_peak, __atomic_load_n(&private_pages, __ATOMIC_RELAXED) +
	                             __atomic_load_n(&shared_pages, __ATOMIC_RELAXED));
}

/* remove [s, e) from the regions, splitting them (lock held) */
static int
carve(uintptr_t s, uintptr_t e)
{
	struct vma *v, *next;

	for (v = first_after(s); v && v->start < e; v = next) {
		next = next_of(v);
		/* the file's shared frames stay the file's: only unmapped */
		if (v->shared)
			forget_shared(MAX(s, v->start), MIN(e, v->end));
		size_t c = charge_of(v, s, e);
		if (v->start < s && v->end > e) {
			if (split(v, e))
				return -ENOMEM;
			uncharge(c);
			span -= v->end - s;
			v->end = s;
			set_gap(next_of(v));
			break;
		} else if (v->start < s) {
			uncharge(c);
			span -= v->end - s;
			v->end = s;
			set_gap(next);
		} else if (v->end > e) {
			uncharge(c);
			span -= e - v->start;
			v->off += e - v->start;
			v->start = e;
			set_gap(v);
		} else {
			uncharge(c);
			unlink_vma(v);
			if (maps_file(v))
				filemap_ref(v->node, -1);
			if (v->node)
				vfs_node_release(v->node);
			kfree(v);
		}
	}
	drop_pages(s, e);
	return 0;
}

static bool
is_free(uintptr_t s, uintptr_t e)
{
	struct vma *v = first_after(s);

	return !v || v->start >= e;
}

/* the highest free range of len below the mmap top, or 0 (lock held):
 * above the last region, else in the highest gap that is large enough,
 * found through the subtrees' largest gaps */
static uintptr_t
find_room(size_t len)
{
	struct vma *last = VMA(rb_last(&vmas)), *v;
	uintptr_t lo = MAX(last ? last->end : 0, APP_MMAP_BOTTOM), top = vma_layout()->mmap_top;
	struct rb_node *n = vmas.rb_root;

	if (lo < top && top - lo >= len)
		return top - len;
	if (!n || VMA(n)->max_gap < len)
		return 0;
	for (;;) {
		v = VMA(n);
		if (n->rb_right && VMA(n->rb_right)->max_gap >= len)
			n = n->rb_right;
		else if (v->gap >= len)
			return MIN(v->start, top) - len;
		else if (n->rb_left && VMA(n->rb_left)->max_gap >= len)
			n = n->rb_left;
		else
			panic("vma: max_gap %#lx of %#lx is in no subtree",
			      (unsigned long)v->max_gap, (unsigned long)v->start);
	}
}

/* a new region [s, e) like 'like' (its file, at the matching offset) */
static int
insert(uintptr_t s, uintptr_t e, int prot, const struct vma *like)
{
	struct vma *v = kmalloc(sizeof(*v));

	if (!v)
		return -ENOMEM;
	*v = (struct vma){.start = s, .end = e, .prot = prot};
	if (like) {
		v->noreserve = like->noreserve;
		v->shared = like->node && like->shared;
		v->name = like->name;
		if (like->name)
			v->off = like->off + (s - like->start);
	}
	if (charged(v, prot) && charge(e - s)) {
		kfree(v);
		return -ENOMEM;
	}
	if (like && like->node) {
		v->node = like->node;
		v->off = like->off + (s - like->start);
		v->shared = like->shared;
		v->paged = like->paged;
		if (maps_file(v) && filemap_ref(v->node, 1)) {
			uncharge(charge_of(v, s, e));
			kfree(v);
			return -ENOMEM;
		}
		vfs_node_hold(v->node);
	}
	link_vma(v);
	return 0;
}

long
vma_map(uintptr_t addr, size_t len, int prot, int flags)
{
	return vma_map_file(addr, len, prot, flags, NULL, 0);
}

long
vma_map_file(uintptr_t addr, size_t len, int prot, int flags, struct vnode *node, uint64_t off)
{
	uintptr_t s;
	long err;

	if (!len || (addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (len > USER_TOP)
		return -ENOMEM;
	mutex_lock(&lock);
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		s = addr;
		if (s + len > USER_TOP || s + len < s) {
			err = -ENOMEM;
			goto out;
		}
		if ((flags & MAP_FIXED_NOREPLACE) && !is_free(s, s + len)) {
			err = -EEXIST;
			goto out;
		}
		if ((err = carve(s, s + len)))
			goto out;
	} else if (addr && addr >= APP_MMAP_BOTTOM && addr + len <= USER_TOP &&
	           is_free(addr, addr + len)) {
		s = addr;
	} else if (!(s = find_room(len))) {
		err = -ENOMEM;
		goto out;
	}
	struct vma like = {.start = s,
	                   .node = node,
	                   .off = off,
	                   .shared = node && (flags & MAP_SHARED),
	                   .paged = node && !(flags & MAP_SHARED),
	                   .noreserve = flags & MAP_NORESERVE};
	err = insert(s, s + len, prot, &like);
	if (!err)
		err = (long)s;
out:
	mutex_unlock(&lock);
	return err;
}

int
vma_unmap(uintptr_t addr, size_t len)
{
	int err;

	if ((addr & (PAGE_SIZE - 1)) || !len || addr + len > USER_TOP)
		return -EINVAL;
	mutex_lock(&lock);
	err = carve(addr, addr + ALIGN_UP(len, PAGE_SIZE));
	mutex_unlock(&lock);
	return err;
}

long
vma_remap(uintptr_t old, size_t olen, size_t nlen, bool may_move, bool fixed, uintptr_t want)
{
	struct vma *last, like, *v;
	uintptr_t s;
	long err = 0;

	olen = ALIGN_UP(olen, PAGE_SIZE);
	nlen = ALIGN_UP(nlen, PAGE_SIZE);
	if ((old & (PAGE_SIZE - 1)) || !olen || !nlen || (fixed && (want & (PAGE_SIZE - 1))))
		return -EINVAL;
	if (old + olen > USER_TOP || old + olen < old || nlen > USER_TOP ||
	    (fixed && (want + nlen > USER_TOP || want + nlen < want)))
		return -EINVAL;
	if (fixed && want < old + olen && want + nlen > old)
		return -EINVAL; /* the new place overlaps the old, as Linux */
	mutex_lock(&lock);
	for (uintptr_t p = old; p < old + olen;) {
		struct vma *v = find(p);
		if (!v) {
			err = -EFAULT; /* Linux: the old range must be mapped */
			goto out;
		}
		p = v->end;
	}
	last = find(old + olen - 1);
	if (!fixed && nlen <= olen) { /* shrink in place */
		err = carve(old + nlen, old + olen);
		err = err ? err : (long)old;
		goto out;
	}
	/* the grown tail continues the last region: its file, offset, protection */
	like = *last;
	like.off = last->off + (old + olen - last->start);
	if (!fixed && is_free(old + olen, old + nlen)) {
		like.start = old + olen;
		err = insert(old + olen, old + nlen, last->prot, &like);
		err = err ? err : (long)old;
		goto out;
	}
	if (!may_move) {
		err = -ENOMEM;
		goto out;
	}
	if (fixed) {
		s = want;
		if ((err = carve(s, s + nlen)))
			goto out;
	} else if (!(s = find_room(nlen))) {
		err = -ENOMEM;
		goto out;
	}
	/* the regions again at s, each with its own file, offset, protection.
	 * XXX: charged at the new place before the old is uncharged, so a move
	 * near the overcommit limit can be ENOMEM where Linux (charging only
	 * the growth) succeeds */
	size_t keep = MIN(olen, nlen);
	for (v = first_after(old); v && v->start < old + keep; v = next_of(v)) {
		struct vma piece;
		uintptr_t ps = MAX(old, v->start), pe = MIN(old + keep, v->end);
		piece = *v;
		piece.off = v->off + (ps - v->start);
		piece.start = s + (ps - old);
		if ((err = insert(piece.start, s + (pe - old), v->prot, &piece)))
			goto undo;
	}
	if (nlen > olen) {
		like.start = s + olen;
		if ((err = insert(s + olen, s + nlen, last->prot, &like)))
			goto undo;
	}
	/* private frames move with their contents; shared ones are the file's
	 * and fault in again from it */
	bool stale = false;
	for (uintptr_t p = old; p < old + keep; p += PAGE_SIZE) {
		uint64_t raw = mm_pte_raw(p);
		struct vma *v = find(p);
		if (!(raw & PTE_ADDR) || v->shared)
			continue;
		if ((err = mm_map_deferred(s + (p - old), raw & PTE_ADDR, PAGE_SIZE,
		                           app_pte(v->prot, raw), &stale))) {
			if (stale)
				mm_tlb_shootdown(s, keep);
			/* the frames stay where they were; the new place goes */
			for (uintptr_t q = old; q < p; q += PAGE_SIZE)
				if (!find(q)->shared)
					forget_pages(s + (q - old), s + (q - old) + PAGE_SIZE);
			goto undo;
		}
		if (v->prot == PROT_NONE)
			mm_set_not_present_deferred(s + (p - old), &stale);
	}
	if (stale)
		mm_tlb_shootdown(s, keep);
	/* the old place keeps no frames: private ones moved, shared ones
	 * leave the count and fault in again */
	for (v = first_after(old); v && v->start < old + keep; v = next_of(v)) {
		uintptr_t ps = MAX(old, v->start), pe = MIN(old + keep, v->end);
		if (v->shared)
			forget_shared(ps, pe);
		else
			forget_pages(ps, pe);
	}
	carve(old, old + olen);
	err = (long)s;
	goto out;
undo:
	carve(s, s + nlen);
out:
	mutex_unlock(&lock);
	return err;
}

int
vma_protect(uintptr_t addr, size_t len, int prot)
{
	uintptr_t e = addr + ALIGN_UP(len, PAGE_SIZE);
	int err = 0;

	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	mutex_lock(&lock);
	for (uintptr_t p = addr; p < e;) {
		struct vma *v = find(p);
		if (!v) {
			err = -ENOMEM;
			goto out;
		}
		p = v->end;
	}
	if (e <= addr)
		goto out; /* nothing to change */
	/* split at the edges, then set the protection inside */
	struct vma *v = find(addr);
	if (v->start < addr && (err = split(v, addr)))
		goto out;
	v = find(e - 1);
	if (v->end > e && (err = split(v, e)))
		goto out;
	/* the overcommit charge as the new protection makes it */
	size_t add = 0, sub = 0;
	for (v = find(addr); v && v->start < e; v = next_of(v)) {
		if (charged(v, prot) && !charged(v, v->prot))
			add += v->end - v->start;
		else if (!charged(v, prot) && charged(v, v->prot))
			sub += v->end - v->start;
	}
	uncharge(sub);
	if (charge(add)) {
		__atomic_store_n(&committed, committed + sub, __ATOMIC_RELAXED);
		err = -ENOMEM;
		goto out;
	}
	for (v = find(addr); v && v->start < e; v = next_of(v))
		v->prot = prot;
	bool stale = false;
	for (uintptr_t p = addr; p < e; p += PAGE_SIZE) {
		uint64_t pte = mm_pte_raw(p);
		if (!(pte & PTE_ADDR))
			continue;
		/* PROT_NONE: present bit off, frame kept (its contents come back
		 * with the next mprotect, as on Linux) */
		mm_map_deferred(p, pte & PTE_ADDR, PAGE_SIZE, app_pte(prot, pte), &stale);
		if (prot == PROT_NONE)
			mm_set_not_present_deferred(p, &stale);
	}
	if (stale) /* one shootdown for the range, not one per page */
		mm_tlb_shootdown(addr, e - addr);
out:
	mutex_unlock(&lock);
	return err;
}

/* a page of a file region beyond the file's last page (as the file is
 * now: a file that grows makes more of a mapping reachable, as on Linux) */
static bool
past_end(const struct vma *v, uintptr_t page)
{
	if (!v->shared && !v->paged)
		return false;
	return v->off + (page - v->start) >= ALIGN_UP(vfs_size(v->node), PAGE_SIZE);
}

bool
vma_bus(uintptr_t addr)
{
	struct vma *v;
	bool r;

	mutex_lock(&lock);
	r = (v = find(addr)) && past_end(v, ALIGN_DOWN(addr, PAGE_SIZE));
	mutex_unlock(&lock);
	return r;
}

/* a frame of the region's own for page, replacing 'from' (a borrowed
 * frame's address, or 0: none mapped): its bytes, or the file's for a
 * private file page (as they are now; zeros past the end), or zeros */
static int
own_frame(struct vma *v, uintptr_t page, uint64_t from)
{
	uint64_t pa = frame_alloc_app(); /* the kernel's reserve stays (oom.c) */
	int err;

	if (!pa)
		return -ENOMEM;
	if (from && from != zero_pa)
		memcpy(mm_p2v(pa), mm_p2v(from), PAGE_SIZE);
	else if (v->paged && !from)
		filemap_copy(v->node, v->off + (page - v->start), mm_p2v(pa));
	else
		memset(mm_p2v(pa), 0, PAGE_SIZE);
	err = mm_map(page, pa, PAGE_SIZE, pte_flags(v->prot));
	if (err) {
		frame_free(pa, 0);
	} else {
		__atomic_add_fetch(&private_pages, 1, __ATOMIC_RELAXED);
		if (from && from != zero_pa) /* the file's frame it borrowed */
			__atomic_sub_fetch(&shared_pages, 1, __ATOMIC_RELAXED);
		rss_grew();
	}
	return err;
}

/* the zero frame, borrowed, at page (read-only whatever the protection) */
static int
borrow_zero(struct vma *v, uintptr_t page)
{
	if (!zero_pa) {
		if (!(zero_pa = frame_alloc(0)))
			return -ENOMEM;
		memset(mm_p2v(zero_pa), 0, PAGE_SIZE);
	}
	return mm_map(page, zero_pa, PAGE_SIZE, app_pte(v->prot, PTE_BORROWED));
}

/* a file region's page from the file's own frame: a shared region maps
 * it as the region allows (a write makes it for a hole), a private one
 * borrows it (read-only: its first write copies it); a hole read is the
 * zero frame */
static int
file_frame(struct vma *v, uintptr_t page, bool write)
{
	uint64_t pa;
	int err = filemap_page(v->node, (v->off + (page - v->start)) / PAGE_SIZE,
	                       write && v->shared, &pa);

	if (err)
		return err == -ENOMEM ? -ENOMEM : -EIO; /* a full tmpfs: SIGBUS, as Linux */
	if (!pa)
		return borrow_zero(v, page);
	err = mm_map(page, pa, PAGE_SIZE,
	             v->shared ? pte_flags(v->prot) : app_pte(v->prot, PTE_BORROWED));
	if (!err) {
		__atomic_add_fetch(&shared_pages, 1, __ATOMIC_RELAXED);
		rss_grew();
	}
	return err;
}

/* The app's page faults, by the app or by the kernel copying for it
 * (arch/x86_64/trap.c hands every fault below USER_TOP here, and this is
 * where what a page costs is decided): memory is used only when written.
 * - never-written anonymous memory (mmap, brk, stacks, the bss past the
 *   file's bytes) read: the zero frame, borrowed (PTE_BORROWED, read-only);
 * - a MAP_SHARED file page: the file's own frame (core/fs/filemap.c),
 *   writable as the region; a hole read borrows the zero frame, a write
 *   there gives the file a frame;
 * - a MAP_PRIVATE file page read: the file's own frame, borrowed (one
 *   frame for every mapping that reads it), or the zero frame for a hole;
 * - a write where the page is absent or borrowed in a private region: a
 *   frame of the region's own (zeroed, or a copy of what was borrowed or
 *   the file's).
 * A file page past the file's last page is SIGBUS (-EIO), as Linux. */
int
vma_fault(uintptr_t addr, bool write, bool exec)
{
	uintptr_t page = ALIGN_DOWN(addr, PAGE_SIZE);
	struct vma *v;
	int err = -EFAULT;

	if (addr >= USER_TOP)
		return -EFAULT;
	mutex_lock(&lock);
	v = find(addr);
	if (!v || v->prot == PROT_NONE || (write && !(v->prot & PROT_WRITE)) ||
	    (exec && !(v->prot & PROT_EXEC)))
		goto out;
	uint64_t raw = mm_pte_raw(page);
	if ((raw & PTE_P) && (!write || (raw & PTE_W))) {
		err = 0; /* another thread mapped it meanwhile */
		goto out;
	}
	if (raw & PTE_ADDR) {
		if (write && (raw & PTE_BORROWED) && v->shared) /* the zero frame: a hole */
			err = past_end(v, page) ? -EIO : file_frame(v, page, true);
		else if (write && (raw & PTE_BORROWED)) /* the first write: copy on write */
			err = own_frame(v, page, raw & PTE_ADDR);
		else /* kept through PROT_NONE */
			err = mm_map(page, raw & PTE_ADDR, PAGE_SIZE, app_pte(v->prot, raw));
		goto out;
	}
	if (past_end(v, page)) {
		err = -EIO; /* SIGBUS, as Linux: no file behind this page */
		goto out;
	}
	if (v->shared || (v->paged && !write))
		err = file_frame(v, page, write);
	else if (write || v->paged)
		err = own_frame(v, page, 0);
	else
		err = borrow_zero(v, page);
out:
	mutex_unlock(&lock);
	/* The out-of-memory decision, made here only: a fault, the app's touch
	 * or the kernel's copy for it (trap.c hands both here), that cannot get
	 * a frame (or a page table for it) kills the app (mm_oom_kill), as
	 * Linux would; it never becomes a signal the app could catch. */
	if (err == -ENOMEM)
		mm_oom_kill();
	return err;
}

static bool
mapped_for(uintptr_t addr, bool write)
{
	uint64_t raw = mm_pte_raw(ALIGN_DOWN(addr, PAGE_SIZE));

	return (raw & PTE_P) && (!write || (raw & PTE_W));
}

int
vma_fault_in(uintptr_t addr, bool write)
{
	might_sleep();
	if (addr >= USER_TOP)
		return -EFAULT;
	if (mapped_for(addr, write))
		return 0;
	/* mapped after the call, or the caller would retry forever */
	if (vma_fault(addr, write, false) || !mapped_for(addr, write))
		return -EFAULT;
	return 0;
}

int
vma_fill(uintptr_t addr, const void *src, size_t len)
{
	return copy_to_user((void *)addr, src, len) ? -EFAULT : 0;
}

int
vma_zero(uintptr_t addr, size_t len)
{
	static const uint8_t zeros[256];

	for (size_t n; len; addr += n, len -= n) {
		n = MIN(len, sizeof(zeros));
		if (copy_to_user((void *)addr, zeros, n))
			return -EFAULT;
	}
	return 0;
}

int
vma_discard(uintptr_t addr, size_t len)
{
	uintptr_t e = addr + ALIGN_UP(len, PAGE_SIZE);

	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	mutex_lock(&lock);
	for (uintptr_t p = addr; p < e;) {
		struct vma *v = find(p);
		if (!v) {
			mutex_unlock(&lock);
			return -ENOMEM;
		}
		p = v->end;
	}
	/* shared file pages are the file's: they come back from it */
	for (struct vma *v = first_after(addr); v && v->start < e; v = next_of(v))
		if (v->shared)
			forget_shared(MAX(addr, v->start), MIN(e, v->end));
	drop_pages(addr, e);
	mutex_unlock(&lock);
	return 0;
}

int
vma_sync(uintptr_t addr, size_t len)
{
	uintptr_t e = addr + ALIGN_UP(len, PAGE_SIZE);
	int err = 0;

	mutex_lock(&lock);
	for (uintptr_t p = addr; p < e && !err;) {
		struct vma *v = find(p);
		if (!v)
			err = -ENOMEM;
		else
			p = v->end;
	}
	mutex_unlock(&lock);
	return err; /* the frames are the file's: nothing to write back */
}

/* the part of v at file offsets from 'from' on: [*s, v->end); false when
 * none */
static bool
from_offset(const struct vma *v, uint64_t from, uintptr_t *s)
{
	uint64_t end = v->off + (v->end - v->start);

	if (from >= end)
		return false;
	*s = from > v->off ? v->start + (from - v->off) : v->start;
	return true;
}

void
vma_file_cut(struct vnode *node, uint64_t size)
{
	uint64_t from = ALIGN_UP(size, PAGE_SIZE);
	uintptr_t s;

	mutex_lock(&lock);
	for (struct vma *v = VMA(rb_first(&vmas)); v; v = next_of(v)) {
		if (v->node != node || !maps_file(v) || !from_offset(v, from, &s))
			continue;
		if (v->shared)
			forget_shared(s, v->end);
		drop_pages(s, v->end); /* private copies too, as Linux's truncate */
	}
	mutex_unlock(&lock);
}

void
vma_file_filled(struct vnode *node, uint64_t off, uint64_t len)
{
	uint64_t from = ALIGN_DOWN(off, PAGE_SIZE), to = ALIGN_UP(off + len, PAGE_SIZE);
	uintptr_t s;

	mutex_lock(&lock);
	for (struct vma *v = VMA(rb_first(&vmas)); v; v = next_of(v)) {
		if (v->node != node || !maps_file(v) || !from_offset(v, from, &s) || to <= v->off)
			continue;
		uintptr_t e = MIN(v->end, v->start + (to - v->off));
		for (uintptr_t p = s; p < e; p += PAGE_SIZE) {
			uint64_t raw = mm_pte_raw(p);
			if ((raw & PTE_BORROWED) && (raw & PTE_ADDR) == zero_pa)
				forget_pages(p, p + PAGE_SIZE); /* the next touch maps the file's */
		}
	}
	mutex_unlock(&lock);
}

void
vma_label(uintptr_t addr, size_t len, struct vnode *node, uint64_t off)
{
	mutex_lock(&lock);
	for (struct vma *v = first_after(addr); v && v->start < addr + len; v = next_of(v)) {
		if (v->start >= addr && v->end <= addr + len && !v->node) {
			v->node = node;
			vfs_node_hold(node); /* released with the region, as any file region */
			v->off = off + (v->start - addr); /* filled by the loader: not paged */
		}
	}
	mutex_unlock(&lock);
}

void
vma_name(uintptr_t addr, size_t len, const char *name, uint64_t off)
{
	mutex_lock(&lock);
	for (struct vma *v = first_after(addr); v && v->start < addr + len; v = next_of(v)) {
		if (v->start >= addr && v->end <= addr + len && !v->node) {
			v->name = name;
			v->off = off + (v->start - addr);
		}
	}
	mutex_unlock(&lock);
}

/* Linux's /proc/self/maps line: fields, padded to column 73, the name;
 * an anonymous region's offset 0, as Linux's */
size_t
vma_describe(char *b, size_t size)
{
	size_t len = 0;
	char path[256];

	mutex_lock(&lock);
	for (struct vma *v = VMA(rb_first(&vmas)); v; v = next_of(v)) {
		const char *name = "";
		if (v->node && vfs_path(v->node, path, sizeof(path)) > 0)
			name = path;
		else if (v->name)
			name = v->name;
		else if (v->start >= brk_base && v->end <= ALIGN_UP(brk_cur, PAGE_SIZE) && brk_base)
			name = "[heap]";
		else if (v->start < vma_layout()->stack_top && v->end >= vma_layout()->stack_top)
			name = "[stack]";
		int k = fmt_snprintf(
		    b + len, size - len, "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ",
		    (unsigned long)v->start, (unsigned long)v->end, v->prot & PROT_READ ? 'r' : '-',
		    v->prot & PROT_WRITE ? 'w' : '-', v->prot & PROT_EXEC ? 'x' : '-',
		    v->shared ? 's' : 'p', (unsigned long)(v->node || v->name ? v->off : 0), 0,
		    v->node ? 1 : 0, (unsigned long)(v->node ? v->node->v_ino : 0));
		if (k < 0 || (size_t)k >= size - len)
			break;
		len += (size_t)k;
		if (*name) {
			size_t pad = k < 73 ? 73 - (size_t)k : 0; /* k: with a space */
			k = fmt_snprintf(b + len, size - len, "%*s%s", (int)pad, "", name);
			if (k < 0 || (size_t)k >= size - len)
				break;
			len += (size_t)k;
		}
		if (len + 1 >= size)
			break;
		b[len++] = '\n';
	}
	mutex_unlock(&lock);
	return len;
}

void
vma_set_brk_base(uintptr_t base)
{
	brk_base = brk_cur = ALIGN_UP(base, PAGE_SIZE);
}

uintptr_t
vma_brk(uintptr_t want)
{
	uintptr_t old = ALIGN_UP(brk_cur, PAGE_SIZE), neu = ALIGN_UP(want, PAGE_SIZE);

	/* Linux's refusals (mm/mmap.c, brk): below the start, past the app's
	 * half (brk(-1): the rounding wraps to 0, which must not shrink the
	 * break over the image), or growing to within a page of the next
	 * region; the break is then unchanged */
	if (!want || want < brk_base || neu < want || neu > USER_TOP)
		return brk_cur;
	if (neu > old &&
	    (vma_covers(neu) || vma_map(old, neu - old, PROT_READ | PROT_WRITE,
	                                MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS) < 0))
		return brk_cur;
	if (neu < old)
		vma_unmap(neu, old - neu);
	brk_cur = want;
	return brk_cur;
}

bool
vma_covers(uintptr_t addr)
{
	bool r;

	mutex_lock(&lock);
	r = find(addr) != NULL;
	mutex_unlock(&lock);
	return r;
}

bool
vma_mapped(uintptr_t addr, size_t len)
{
	uintptr_t e = addr + ALIGN_UP(len, PAGE_SIZE);
	bool r = e >= addr;

	mutex_lock(&lock);
	for (uintptr_t p = addr; r && p < e;) {
		struct vma *v = find(p);
		if (!v)
			r = false;
		else
			p = v->end;
	}
	mutex_unlock(&lock);
	return r;
}

/* the address space's size and its pages present, bytes (/proc/self/stat) */
size_t
vma_total(void)
{
	return __atomic_load_n(&span, __ATOMIC_RELAXED);
}

size_t
vma_resident(void)
{
	return (__atomic_load_n(&private_pages, __ATOMIC_RELAXED) +
	        __atomic_load_n(&shared_pages, __ATOMIC_RELAXED)) *
	       PAGE_SIZE;
}

void
vma_usage(struct vma_usage *u)
{
	*u = (struct vma_usage){0};
	mutex_lock(&lock);
	for (struct vma *v = VMA(rb_first(&vmas)); v; v = next_of(v)) {
		size_t n = v->end - v->start;
		uintptr_t top = vma_layout()->stack_top;
		if (v->start < top && v->end >= top)
			u->stack += n;
		else if ((v->prot & PROT_WRITE) && !v->shared)
			u->data += n; /* Linux's data_vm: private writable, not the stack */
		else if ((v->prot & PROT_EXEC) && v->node)
			u->exe += n;
	}
	if (rb_first(&vmas)) {
		u->lo = VMA(rb_first(&vmas))->start;
		u->hi = VMA(rb_last(&vmas))->end;
	}
	u->total = span;
	u->peak = span_peak;
	u->anon = __atomic_load_n(&private_pages, __ATOMIC_RELAXED) * PAGE_SIZE;
	u->file = __atomic_load_n(&shared_pages, __ATOMIC_RELAXED) * PAGE_SIZE;
	u->rss = u->anon + u->file;
	u->hwm = MAX(rss_peak * PAGE_SIZE, u->rss);
	mutex_unlock(&lock);
}

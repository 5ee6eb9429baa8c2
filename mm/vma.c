/* The app's address space (include/vma.h): regions in a sorted list
 * under one mutex, pages allocated on the first touch. */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "queue.h"
#include "sync.h"
#include "uaccess.h"
#include "vma.h"

struct vma {
	struct list_node link;
	uintptr_t start, end; /* page aligned, [start, end) */
	int prot;
};

static struct list_node vmas = LIST_HEAD_INIT(vmas);
static struct mutex lock = MUTEX_INIT;
static uintptr_t brk_base, brk_cur;

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

static struct vma *
find(uintptr_t addr)
{
	struct list_node *n;

	list_for_each(n, &vmas) {
		struct vma *v = list_entry(n, struct vma, link);
		if (addr < v->start)
			return NULL;
		if (addr < v->end)
			return v;
	}
	return NULL;
}

/* free the frames of [s, e) and unmap them (one TLB shootdown) */
static void
drop_pages(uintptr_t s, uintptr_t e)
{
	uint64_t pas[64];
	int n = 0;

	for (uintptr_t p = s; p < e; p += PAGE_SIZE) {
		uint64_t pte = mm_pte_raw(p); /* PROT_NONE pages hold frames too */
		if (!(pte & PTE_ADDR))
			continue;
		if (n == (int)ARRAY_SIZE(pas)) {
			mm_unmap(s, p - s);
			for (int i = 0; i < n; i++)
				frame_free(pas[i], 0);
			n = 0;
			s = p;
		}
		pas[n++] = pte & PTE_ADDR;
	}
	if (n) {
		mm_unmap(s, e - s);
		for (int i = 0; i < n; i++)
			frame_free(pas[i], 0);
	}
}

/* remove [s, e) from the region list, splitting regions (lock held) */
static int
carve(uintptr_t s, uintptr_t e)
{
	struct list_node *n, *tmp;

	list_for_each_safe(n, tmp, &vmas) {
		struct vma *v = list_entry(n, struct vma, link);
		if (v->end <= s || v->start >= e)
			continue;
		if (v->start < s && v->end > e) {
			struct vma *tail = kmalloc(sizeof(*tail));
			if (!tail)
				return -ENOMEM;
			*tail = (struct vma){ .start = e, .end = v->end, .prot = v->prot };
			list_insert(&v->link, &tail->link, v->link.next);
			v->end = s;
		} else if (v->start < s) {
			v->end = s;
		} else if (v->end > e) {
			v->start = e;
		} else {
			list_del(&v->link);
			kfree(v);
		}
	}
	drop_pages(s, e);
	return 0;
}

static bool
is_free(uintptr_t s, uintptr_t e)
{
	struct list_node *n;

	list_for_each(n, &vmas) {
		struct vma *v = list_entry(n, struct vma, link);
		if (v->start < e && v->end > s)
			return false;
	}
	return true;
}

/* the highest free range of len below APP_MMAP_TOP (lock held) */
static uintptr_t
find_room(size_t len)
{
	uintptr_t top = APP_MMAP_TOP;
	struct list_node *n;

	/* walk down from the top: regions are sorted upwards */
	for (n = vmas.prev; n != &vmas; n = n->prev) {
		struct vma *v = list_entry(n, struct vma, link);
		if (v->start >= top)
			continue;
		if (v->end <= top && top - v->end >= len)
			return top - len;
		top = MIN(top, v->start);
	}
	return top - APP_MMAP_BOTTOM >= len ? top - len : 0;
}

static int
insert(uintptr_t s, uintptr_t e, int prot)
{
	struct vma *v = kmalloc(sizeof(*v));
	struct list_node *n;

	if (!v)
		return -ENOMEM;
	*v = (struct vma){ .start = s, .end = e, .prot = prot };
	list_for_each(n, &vmas)
		if (list_entry(n, struct vma, link)->start > s)
			break;
	list_add_before(n, &v->link);
	return 0;
}

long
vma_map(uintptr_t addr, size_t len, int prot, int flags)
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
	err = insert(s, s + len, prot);
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

int
vma_protect(uintptr_t addr, size_t len, int prot)
{
	uintptr_t e = addr + ALIGN_UP(len, PAGE_SIZE);
	struct list_node *n;
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
	/* split at the edges, then set the protection inside */
	list_for_each(n, &vmas) {
		struct vma *v = list_entry(n, struct vma, link);
		if (v->start < addr && v->end > addr) {
			if ((err = insert(addr, v->end, v->prot)))
				goto out;
			v->end = addr;
		}
	}
	list_for_each(n, &vmas) {
		struct vma *v = list_entry(n, struct vma, link);
		if (v->start < e && v->end > e) {
			if ((err = insert(e, v->end, v->prot)))
				goto out;
			v->end = e;
		}
	}
	list_for_each(n, &vmas) {
		struct vma *v = list_entry(n, struct vma, link);
		if (v->start >= addr && v->end <= e)
			v->prot = prot;
	}
	for (uintptr_t p = addr; p < e; p += PAGE_SIZE) {
		uint64_t pte = mm_pte_raw(p);
		if (!(pte & PTE_ADDR))
			continue;
		/* PROT_NONE: present bit off, frame kept (its contents come back
		 * with the next mprotect, as on Linux) */
		uint64_t f = prot == PROT_NONE ? PTE_NX : pte_flags(prot);
		mm_map(p, pte & PTE_ADDR, PAGE_SIZE, f);
		if (prot == PROT_NONE)
			mm_set_not_present(p);
	}
out:
	mutex_unlock(&lock);
	return err;
}

int
vma_fault(uintptr_t addr, bool write, bool exec)
{
	uintptr_t page = ALIGN_DOWN(addr, PAGE_SIZE);
	struct vma *v;
	uint64_t pa;
	int err = -EFAULT;

	if (addr >= USER_TOP)
		return -EFAULT;
	mutex_lock(&lock);
	v = find(addr);
	if (!v || v->prot == PROT_NONE || (write && !(v->prot & PROT_WRITE)) ||
	    (exec && !(v->prot & PROT_EXEC)))
		goto out;
	uint64_t raw = mm_pte_raw(page);
	if (raw & PTE_P) {
		err = 0; /* another thread mapped it meanwhile */
		goto out;
	}
	if (raw & PTE_ADDR) { /* kept through PROT_NONE */
		err = mm_map(page, raw & PTE_ADDR, PAGE_SIZE, pte_flags(v->prot));
		goto out;
	}
	pa = frame_alloc(0);
	if (!pa) {
		err = -ENOMEM;
		goto out;
	}
	memset(mm_p2v(pa), 0, PAGE_SIZE);
	err = mm_map(page, pa, PAGE_SIZE, pte_flags(v->prot));
	if (err)
		frame_free(pa, 0);
out:
	mutex_unlock(&lock);
	return err;
}

int
vma_fill(uintptr_t addr, const void *src, size_t len)
{
	return copy_to_user((void *)addr, src, len) ? -EFAULT : 0;
}

int
vma_discard(uintptr_t addr, size_t len)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	mutex_lock(&lock);
	drop_pages(addr, addr + ALIGN_UP(len, PAGE_SIZE));
	mutex_unlock(&lock);
	return 0;
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

	if (!want || want < brk_base)
		return brk_cur;
	if (neu > old && vma_map(old, neu - old, PROT_READ | PROT_WRITE,
				 MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS) < 0)
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

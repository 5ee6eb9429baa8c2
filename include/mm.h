/* Memory: physical frames (a buddy allocator over the boot memory map),
 * the kernel page tables (a direct map of all RAM at MM_DIRECT_BASE plus
 * the kernel image, W^X), MMIO mappings, and the kernel heap.
 * Errors: allocation functions return NULL (frame: 0) when memory is
 * exhausted; nothing here panics except broken invariants. */
#ifndef UNUM_MM_H
#define UNUM_MM_H

#include "types.h"

#define PAGE_SIZE 4096ul
#define PAGE_SHIFT 12
#define MM_DIRECT_BASE 0xffff800000000000ul
#define MM_KERNEL_VMA 0xffffffff80000000ul
#define FRAME_MAX_ORDER 10 /* largest block: 4 MiB */

static inline void *
mm_p2v(uint64_t pa)
{
	return (void *)(pa + MM_DIRECT_BASE);
}
static inline uint64_t
mm_v2p(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	return v >= MM_KERNEL_VMA ? v - MM_KERNEL_VMA : v - MM_DIRECT_BASE;
}

/* --- frames (mm/frame.c) ---
 * A buddy allocator: one byte of state per frame in a map carved from
 * the first free range that holds it; free blocks are linked through
 * their own memory, reached at direct_base + phys. At boot only memory
 * below 'limit' is reachable (the boot page tables map 1 GiB), so the
 * rest waits for frame_add_high() after the direct map is complete.
 * Typical use at boot:
 *   frame_init(MM_DIRECT_BASE, ranges, n, GiB(1));  // free RAM ranges
 *   ... build page tables ...; frame_add_high();
 *   uint64_t pa = frame_alloc(0); ... frame_free(pa, 0);
 * Freeing a block that is not allocated at that order panics. */
struct frame_range {
	uint64_t base, len;
};
int frame_init(uintptr_t direct_base, const struct frame_range *r, int n, uint64_t limit);
void frame_add_high(void);
uint64_t frame_alloc(unsigned order); /* physical address; 0 when none */
/* one frame for the app's demand (a page fault): 0 when taking it would
 * leave fewer than a reserve (a 16th of RAM, at most 1 MiB) free, so the
 * kernel can still finish what it does when the app is out of memory */
uint64_t frame_alloc_app(void);
void frame_free(uint64_t pa, unsigned order);
/* free page reporting (drivers/virtio_balloon.c): a block from the free
 * lists only (memory already touched; 0 when they have none), and a block
 * given back as untouched (the host discarded it: it joins the lists
 * only when they run dry, since linking it would write into it) */
uint64_t frame_alloc_touched(unsigned order);
void frame_free_untouched(uint64_t pa, unsigned order);
uint64_t frame_free_bytes(void);
uint64_t frame_total_bytes(void); /* less what the balloon gave the host */
/* the balloon (drivers/virtio_balloon.c) holds 'pages' more (or fewer,
 * < 0) allocated frames for the host: they leave the total, as Linux's
 * MemTotal drops when its balloon inflates */
void frame_balloon(int64_t pages);
uint64_t frame_ballooned_bytes(void);
uint64_t frame_reserve_bytes(void); /* what frame_alloc_app leaves free */
/* Memory by use (/proc/meminfo's Cached and Shmem, sysinfo's sharedram):
 * the file systems in memory say how many bytes of file contents they
 * hold (ramfs and tmpfs data, the page cache's frames), as they take and
 * give back memory for them */
void mm_count_file(int64_t delta);
uint64_t mm_file_bytes(void);

/* --- page tables (mm/paging.c) --- */
#define PTE_P (1ul << 0)
#define PTE_W (1ul << 1)
#define PTE_U (1ul << 2)
#define PTE_PWT (1ul << 3)
#define PTE_PCD (1ul << 4)
#define PTE_PS (1ul << 7)
#define PTE_G (1ul << 8)
#define PTE_NX (1ul << 63)
#define PTE_ADDR 0x000ffffffffff000ul
/* a software bit (ignored by the MMU): the frame is not the mapping's
 * own but borrowed (the shared zero frame, a file's page under a private
 * mapping): mapped read-only, replaced by a frame of the mapping's own
 * at the first write (mm/vma.c), and never freed with the mapping */
#define PTE_BORROWED (1ul << 9)

/* Build the kernel's tables: direct map of every RAM range in boot_info
 * (NX, 2 MiB pages where aligned) and the kernel image with 4 KiB
 * pages, text RX, rodata R+NX, data RW+NX; then switch CR3. Panics
 * naming the shortage when frames run out. */
void mm_paging_init(void);
/* Map 'len' bytes of device memory at 'pa' uncached into the direct map
 * and return its address (idempotent; pages already mapped are left as
 * they are). Panics when out of frames for page tables. */
void *mm_map_mmio(uint64_t pa, size_t len);
/* The same, cached and read-only: firmware tables (ACPI, MP) that may lie
 * outside RAM in the memory map */
const void *mm_map_firmware(uint64_t pa, size_t len);
/* Map [va, va+len) to [pa, pa+len) with 4 KiB pages and the given PTE
 * flags (PTE_P added); replaces existing 4 KiB mappings (when a present
 * entry changes, every CPU's TLB forgets it: then call it holding no
 * spinlock). 0, or -ENOMEM
 * when a page table cannot be allocated, or -EINVAL on misalignment or
 * a range inside a large page. mm_unmap clears and flushes. */
int mm_map(uintptr_t va, uint64_t pa, size_t len, uint64_t flags);
/* The same for a loop over many pages (mprotect, mremap): no shootdown
 * here; *stale becomes true when a present entry changed, and the caller
 * then calls mm_tlb_shootdown once for the whole range (one IPI round,
 * not one per page). */
int mm_map_deferred(uintptr_t va, uint64_t pa, size_t len, uint64_t flags, bool *stale);
void mm_tlb_shootdown(uintptr_t va, size_t len);
/* unmapping flushes every CPU's TLB (an IPI shootdown): call it holding
 * no spinlock */
void mm_unmap(uintptr_t va, size_t len);
/* Take the frames out of [va, end): each 4 KiB entry that holds one
 * (present or not: PROT_NONE keeps its frame) is cleared and its
 * physical address stored in pas[], at most 'max' of them (a borrowed
 * entry's with PTE_BORROWED or'd in: its frame is not the mapping's to
 * give back, only to count); ranges with
 * no page table are stepped over whole, so an untouched 8 MiB stack
 * costs a few steps. Returns the count and sets *next to where the walk
 * stopped (end when done). Every CPU's TLB is flushed for the range
 * before it returns, so the frames may be freed at once; call it
 * holding no spinlock. */
size_t mm_take_frames(uintptr_t va, uintptr_t end, uint64_t *pas, size_t max, uintptr_t *next);
/* the same for all of [va, end), the frames given back to the allocator
 * (borrowed ones are only unmapped): how many were given back */
size_t mm_free_frames(uintptr_t va, uintptr_t end);
/* a CPU came online: 'ncpus' now take part in shootdowns */
void mm_smp_join(int ncpus);
/* Look up a kernel virtual address: the PTE bits, 0 if not mapped. */
uint64_t mm_query(uintptr_t va);
uint64_t mm_kernel_cr3(void); /* physical address of the kernel's PML4 */
/* the 4 KiB entry as stored (present or not), 0 when no table covers va;
 * and clearing its present bit, keeping the frame (PROT_NONE) */
uint64_t mm_pte_raw(uintptr_t va);
void mm_set_not_present(uintptr_t va);
/* the same for a loop (no shootdown: *stale as mm_map_deferred says) */
void mm_set_not_present_deferred(uintptr_t va, bool *stale);

/* --- heap (mm/heap.c) ---
 * kmalloc: size classes 16..2048 bytes from one-page slabs, through a
 * per-CPU cache with no lock on the fast path; larger requests take
 * whole frame blocks of the fewest pages that hold them (no header in
 * them: 4096 bytes cost one page). Memory is 16-byte aligned and not
 * zeroed (kzalloc zeroes). kfree(NULL) is a no-op; kfree works on any
 * CPU, whichever CPU allocated. Callable with interrupts off. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
/* the calling CPU's cached free objects back to their slabs (so empty
 * slabs return to the frame allocator) */
void heap_flush(void);
/* page-granular, page-aligned, zeroed; for stacks and tables */
void *kpage_alloc(unsigned order);
void kpage_free(void *p, unsigned order);

struct heap_stats {
	uint64_t slab_pages, large_pages, allocs, frees;
};
void heap_stats(struct heap_stats *st);

/* host unit tests build heap.c over this page source */
#define HEAP_CPUS 64 /* per-CPU caches: at least MAX_CPUS (acpi.h) */
struct heap_page_ops {
	void *(*alloc)(unsigned order);
	void (*free)(void *p, unsigned order);
	unsigned (*cpu)(void); /* the calling CPU's index, < HEAP_CPUS */
};
void heap_init(const struct heap_page_ops *ops);

/* --- virtually contiguous memory (mm/vmem.c) ---
 * Large kernel buffers made of single 4 KiB frames mapped side by side
 * (RW, NX, global) in a region of their own, VMEM_BASE.. VMEM_BASE +
 * VMEM_SIZE: above the direct map's reach (checked at first use against
 * the CPU's physical address width), away from the kernel stacks at
 * 0xffffc00000000000 and below the kernel image. Sizes are rounded up to
 * pages; memory is not zeroed. The caller remembers the size.
 * - vmem_alloc: NULL for size 0 or when frames, page tables or address
 *   space run out (then nothing stays allocated).
 * - vmem_resize: the block at its new size, possibly moved; growing maps
 *   the same frames at a larger range (no byte copy) or extends the block
 *   in place when the addresses after it are free; shrinking frees the
 *   tail's frames. NULL when growing fails: the old block is untouched.
 *   p NULL: vmem_alloc; size 0: vmem_free, NULL.
 * - vmem_free: unmaps (a TLB shootdown on every CPU), then frees frames.
 * May sleep (a mutex); call holding no spinlock. */
#define VMEM_BASE 0xffffd00000000000ul
#define VMEM_SIZE (1ul << 40) /* 1 TiB of addresses */
void *vmem_alloc(size_t size);
void *vmem_resize(void *p, size_t old, size_t size);
void vmem_free(void *p, size_t size);
/* another's frames side by side (a file's pages seen as one block: a
 * ramfs file for the loader, core/fs/ramfs.c): NULL when address space
 * or page tables run out; vmem_unmap takes the range away and leaves
 * the frames to their owner */
void *vmem_map_frames(const uint64_t *pas, size_t n);
void vmem_unmap(void *p, size_t size);

/* --- overcommit: our rule (mm/vma.c) ---
 * The app's address space is charged only for what could need frames of
 * its own: regions that are writable and private (a MAP_SHARED file
 * region's pages are the file's) or anonymous, and not MAP_NORESERVE.
 * mmap, brk, mremap and mprotect (making such a region writable) are
 * ENOMEM only when the charged total would exceed MM_OVERCOMMIT_RATIO
 * times the guest's memory (frame_total_bytes()): more generous than
 * Linux's heuristic, which refuses one mapping larger than RAM plus swap,
 * because runtimes reserve big. MAP_NORESERVE and PROT_NONE regions cost
 * nothing and are refused only when the address space is full. So in a
 * 128 MiB guest 512 MiB succeeds and 1 TiB fails, unless MAP_NORESERVE
 * or PROT_NONE. Memory is given on the first touch (a page fault); when
 * no frame is left for it the app is killed (mm_oom_kill, below). */
#define MM_OVERCOMMIT_RATIO 64
/* the bytes charged now (/proc/meminfo's Committed_AS) and the limit */
size_t mm_committed(void);
size_t mm_commit_limit(void);

/* --- out of memory (mm/oom.c) ---
 * The app's demand (a page fault) found no frame: the kernel log says
 * "unum: out of memory: killed /app/NAME (rss N KiB, free N KiB)" and
 * the VM ends with 137, as the app killed by SIGKILL (Linux's OOM killer
 * with one process to choose); no signal handler runs. Called by the
 * fault path only (vma_fault), holding no lock. */
void mm_oom_kill(void) __noreturn;

/* --- kernel stacks (mm/kstack.c): guard page below each --- */
int kstack_alloc(uintptr_t *lo, uintptr_t *hi); /* 0, -ENOMEM, -EAGAIN */
void kstack_free(uintptr_t lo);

/* --- allocation failure injection (tests/kernel/test_nomem.c) ---
 * Asked before every kmalloc (mm_heap_fail) and every frame allocation
 * (mm_frame_fail: frame_alloc, frame_alloc_app, and through them kpage,
 * vmem, page tables); true makes that one fail as out of memory. NULL,
 * as always outside the test: no cost beyond the test of the pointer. */
extern bool (*mm_heap_fail)(void);
extern bool (*mm_frame_fail)(void);

void mm_init(void);

#endif

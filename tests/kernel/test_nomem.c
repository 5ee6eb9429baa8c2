/* In-guest tests of kernel allocations failing under system calls
 * (include/mm.h, allocation failure injection): each call is made again
 * and again with the allocations of this thread failing from the n-th on
 * (n = 0, 1, 2, ... until the call needs no more), and each time it must
 * return -ENOMEM (with n = 0 always: each call allocates; later, success
 * is allowed where a failure has a fallback), never panic, and leave the memory as it found it: the
 * heap's live objects and the frames (free plus the heap's slabs) back where they were. */
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "sched.h"
#include "syscall.h"
#include "uaccess.h"
#include "uapi/fcntl.h"
#include "vma.h"

static struct thread *victim;
static long ok_left; /* allocations the victim may still make */
static long failed;  /* allocations made to fail */

static bool
fail_hook(void)
{
	if (thread_self() != victim)
		return false;
	if (ok_left > 0) {
		ok_left--;
		return false;
	}
	failed++;
	return true;
}

static void
arm(long n)
{
	victim = thread_self();
	ok_left = n;
	failed = 0;
	__atomic_store_n(&mm_heap_fail, fail_hook, __ATOMIC_SEQ_CST);
	__atomic_store_n(&mm_frame_fail, fail_hook, __ATOMIC_SEQ_CST);
}

static void
disarm(void)
{
	__atomic_store_n(&mm_heap_fail, NULL, __ATOMIC_SEQ_CST);
	__atomic_store_n(&mm_frame_fail, NULL, __ATOMIC_SEQ_CST);
}

struct usage {
	uint64_t live;   /* heap objects allocated and not freed */
	uint64_t frames; /* free frames plus the heap's slab pages, bytes */
};

static struct usage
usage(void)
{
	struct heap_stats hs;

	heap_flush();
	heap_stats(&hs);
	return (struct usage){hs.allocs - hs.frees, frame_free_bytes() + hs.slab_pages * PAGE_SIZE};
}

static char *user_page; /* an app page for the calls' arguments */

/* one call under test: its result (closing or undoing what it made is
 * undo's job, given that result) */
struct call {
	const char *name;
	long (*call)(void);
	void (*undo)(long r);
	void (*after)(void); /* optional: after every call, failed or not */
};

static long
do_sys(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	return syscall_call(nr, a0, a1, a2, a3, a4, a5);
}

static void
undo_close(long fd)
{
	do_sys(__NR_close, fd, 0, 0, 0, 0, 0);
}

static long
c_open(void)
{
	return do_sys(__NR_openat, AT_FDCWD, (long)user_page, O_CREAT | O_RDWR, 0600, 0, 0);
}

/* the file may be made and the open fail after (as on Linux) */
static void
a_open(void)
{
	do_sys(__NR_unlinkat, AT_FDCWD, (long)user_page, 0, 0, 0, 0);
}

static long
c_mkdir(void)
{
	return do_sys(__NR_mkdirat, AT_FDCWD, (long)user_page, 0700, 0, 0, 0);
}

static void
u_mkdir(long r)
{
	(void)r;
	do_sys(__NR_unlinkat, AT_FDCWD, (long)user_page, 0x200 /* AT_REMOVEDIR */, 0, 0, 0);
}

/* 64 KiB written to a file opened before arming, truncated to 0 after */
static long file_fd = -1;

static long
c_write(void)
{
	return do_sys(__NR_write, file_fd, (long)(user_page + PAGE_SIZE), 16 * PAGE_SIZE, 0, 0, 0);
}

static void
a_write(void)
{
	do_sys(__NR_ftruncate, file_fd, 0, 0, 0, 0, 0);
	do_sys(__NR_lseek, file_fd, 0, 0 /* SEEK_SET */, 0, 0, 0);
}

static long
c_pipe(void)
{
	return do_sys(__NR_pipe2, (long)(user_page + 256), 0, 0, 0, 0, 0);
}

static void
u_pipe(long r)
{
	int fds[2];

	(void)r;
	if (copy_from_user(fds, user_page + 256, sizeof(fds)) == 0) {
		undo_close(fds[0]);
		undo_close(fds[1]);
	}
}

static long
c_mmap(void)
{
	return do_sys(__NR_mmap, 0, 16 * PAGE_SIZE, PROT_READ | PROT_WRITE,
	              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void
u_mmap(long a)
{
	do_sys(__NR_munmap, a, 16 * PAGE_SIZE, 0, 0, 0, 0);
}

static long
c_epoll(void)
{
	return do_sys(__NR_epoll_create1, 0, 0, 0, 0, 0, 0);
}

static long
c_eventfd(void)
{
	return do_sys(__NR_eventfd2, 0, 0, 0, 0, 0, 0);
}

/* epoll_ctl ADD of an eventfd: the two fds made before arming */
static long ep_fd = -1, ev_fd = -1;

static long
c_epoll_ctl(void)
{
	return do_sys(__NR_epoll_ctl, ep_fd, 1 /* EPOLL_CTL_ADD */, ev_fd, (long)(user_page + 512),
	              0, 0);
}

static void
u_epoll_ctl(long r)
{
	(void)r;
	do_sys(__NR_epoll_ctl, ep_fd, 2 /* EPOLL_CTL_DEL */, ev_fd, (long)(user_page + 512), 0, 0);
}

static void
check(const struct call *c)
{
	long r, n;

	/* once unhindered: caches and tables the first call grows stay */
	r = c->call();
	if (r < 0) {
		ktest_fail(__FILE__, __LINE__, "%s without failures: got %ld", c->name, r);
		return;
	}
	if (c->undo)
		c->undo(r);
	if (c->after)
		c->after();
	for (n = 0; n < 256; n++) {
		struct usage before = usage(), after;
		arm(n);
		r = c->call();
		disarm();
		long nfail = failed;
		if (n == 0 && r != -ENOMEM)
			ktest_fail(
			    __FILE__, __LINE__,
			    "%s with its first allocation failing: got %ld, want -ENOMEM (%d)",
			    c->name, r, -ENOMEM);
		else if (r < 0 && r != -ENOMEM)
			ktest_fail(
			    __FILE__, __LINE__,
			    "%s, allocations failing from the %ld-th: got %ld, want -ENOMEM (%d)",
			    c->name, n, r, -ENOMEM);
		if (r >= 0 && c->undo)
			c->undo(r);
		if (c->after)
			c->after();
		after = usage();
		if (after.live != before.live || after.frames != before.frames)
			ktest_fail(__FILE__, __LINE__,
			           "%s, allocations failing from the %ld-th (%ld failed, result "
			           "%ld): heap objects %lu then %lu, frames %lu KiB then %lu KiB",
			           c->name, n, nfail, r, (unsigned long)before.live,
			           (unsigned long)after.live, (unsigned long)(before.frames >> 10),
			           (unsigned long)(after.frames >> 10));
		if (!nfail)
			return; /* the call needed no more than n allocations */
	}
	ktest_fail(__FILE__, __LINE__, "%s still allocating after %ld allocations", c->name, n);
}

KTEST(syscalls_enomem_on_failed_allocations)
{
	static const struct call calls[] = {
	    {"openat O_CREAT", c_open, undo_close, a_open},
	    {"mkdirat", c_mkdir, u_mkdir, NULL},
	    {"write 64 KiB to a file", c_write, NULL, a_write},
	    {"pipe2", c_pipe, u_pipe, NULL},
	    {"mmap", c_mmap, u_mmap, NULL},
	    {"epoll_create1", c_epoll, undo_close, NULL},
	    {"eventfd2", c_eventfd, undo_close, NULL},
	    {"epoll_ctl ADD", c_epoll_ctl, u_epoll_ctl, NULL},
	};
	static const char path[] = "/nomem-test", wpath[] = "/nomem-write";
	long a = vma_map(0, 17 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);

	if (a < 0) {
		ktest_fail(__FILE__, __LINE__, "vma_map: got %ld", a);
		return;
	}
	user_page = (char *)a;
	/* every page of the buffer present before arming: the calls' copies
	 * must not fault pages in (their frames would count as the call's) */
	for (size_t off = 0; off < 17 * PAGE_SIZE; off += PAGE_SIZE)
		EXPECT_EQ(copy_to_user(user_page + off, "w", 1), 0);
	EXPECT_EQ(copy_to_user(user_page, wpath, sizeof(wpath)), 0);
	file_fd = do_sys(__NR_openat, AT_FDCWD, (long)user_page, O_CREAT | O_RDWR, 0600, 0, 0);
	EXPECT(file_fd >= 0);
	do_sys(__NR_unlinkat, AT_FDCWD, (long)user_page, 0, 0, 0, 0); /* open, unlinked */
	EXPECT_EQ(copy_to_user(user_page, path, sizeof(path)), 0);
	ep_fd = c_epoll();
	ev_fd = c_eventfd();
	EXPECT(ep_fd >= 0 && ev_fd >= 0);
	for (size_t i = 0; i < ARRAY_SIZE(calls); i++)
		check(&calls[i]);
	undo_close(ep_fd);
	undo_close(ev_fd);
	undo_close(file_fd);
	EXPECT_EQ(vma_unmap(a, 17 * PAGE_SIZE), 0);
}

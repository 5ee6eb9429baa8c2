/* In-guest checks of futexes on app pages never touched before: an
 * anonymous page and a MAP_PRIVATE file page, each mapped fresh for each
 * case, so the kernel's first read or compare-and-swap of the word is
 * the page's first touch (Linux faults it in outside the futex's lock;
 * so must we). WAIT, WAKE, WAKE_OP, CMP_REQUEUE and the PI locks. Built
 * three ways like every tests/guest program; passes on Linux too. */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Linux's values (<linux/futex.h>, which musl's toolchain lacks) */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_OP_ADD 1
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP(op, oparg, cmp, cmparg)                                                           \
	((((op)&0xf) << 28) | (((cmp)&0xf) << 24) | (((oparg)&0xfff) << 12) | ((cmparg)&0xfff))

#define PAGES 64
#define MARK 0x1234u /* the file's second word of every page; the first is 0 */

static int file_fd = -1;
static int next_page;

static long
futex(uint32_t *uaddr, int op, uint32_t val, uintptr_t val2, uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static uint32_t
tid(void)
{
	return (uint32_t)syscall(SYS_gettid);
}

/* a page nobody has touched: anonymous, or the next page of the file */
static uint32_t *
fresh(int file)
{
	void *p;

	if (file) {
		if (next_page >= PAGES)
			return NULL;
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, file_fd,
		         (off_t)next_page++ * 4096);
	} else {
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	return p == MAP_FAILED ? NULL : p;
}

static void
drop(uint32_t *p)
{
	if (p)
		munmap(p, 4096);
}

static int
make_file(void)
{
	static uint32_t page[1024];
	char path[] = "/tmp/futex2-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	page[1] = MARK;
	for (int i = 0; i < PAGES; i++)
		if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
			return -1;
	return fd;
}

static void *
waiter(void *arg)
{
	uint32_t *w = arg;

	return (void *)futex(w, FUTEX_WAIT, 0, 0, NULL, 0);
}

struct holder {
	uint32_t *word;
	volatile int locked;
	long lock_r, unlock_r;
};

static void *
pi_holder(void *arg)
{
	struct holder *h = arg;
	struct timespec ms50 = {0, 50000000};

	h->lock_r = futex(h->word, FUTEX_LOCK_PI, 0, 0, NULL, 0);
	__atomic_store_n(&h->locked, 1, __ATOMIC_SEQ_CST);
	nanosleep(&ms50, NULL); /* the main thread blocks on the lock meanwhile */
	h->unlock_r = futex(h->word, FUTEX_UNLOCK_PI, 0, 0, NULL, 0);
	return NULL;
}

static void
cases(int file)
{
	const char *kind = file ? "MAP_PRIVATE file page" : "anonymous page";
	struct timespec ms10 = {0, 10000000}, ms1 = {0, 1000000};
	char name[120];
	uint32_t *p;
	long r;

#define NAME(what) (snprintf(name, sizeof(name), "%s on a never-touched %s", what, kind), name)
	p = fresh(file);
	r = p ? futex(p, FUTEX_WAIT, 1, 0, NULL, 0) : 0;
	CHECK(p && r == -1 && errno == EAGAIN, NAME("FUTEX_WAIT with another value: EAGAIN"));
	drop(p);

	if (file) {
		p = fresh(file);
		r = p ? futex(p + 1, FUTEX_WAIT, MARK, (uintptr_t)&ms10, NULL, 0) : 0;
		CHECK(p && r == -1 && errno == ETIMEDOUT,
		      NAME("FUTEX_WAIT reads the file's word: ETIMEDOUT"));
		drop(p);
	}

	p = fresh(file);
	r = p ? futex(p, FUTEX_WAIT, 0, (uintptr_t)&ms10, NULL, 0) : 0;
	CHECK(p && r == -1 && errno == ETIMEDOUT, NAME("FUTEX_WAIT with its value: ETIMEDOUT"));
	drop(p);

	p = fresh(file);
	r = p ? futex(p, FUTEX_WAKE, 1, 0, NULL, 0) : -1;
	CHECK(p && r == 0, NAME("FUTEX_WAKE, nobody waiting: 0"));
	drop(p);

	/* the waiter's WAIT is the first touch; the WAKE finds it */
	p = fresh(file);
	if (p) {
		pthread_t t;
		void *res = (void *)-2;
		pthread_create(&t, NULL, waiter, p);
		r = 0;
		for (int i = 0; i < 10000 && r == 0; i++) {
			nanosleep(&ms1, NULL);
			r = futex(p, FUTEX_WAKE, 1, 0, NULL, 0);
		}
		pthread_join(t, &res);
		CHECK(r == 1 && res == 0, NAME("FUTEX_WAIT woken by FUTEX_WAKE"));
		if (r != 1 || res != 0)
			printf("# wake %ld, wait %ld\n", r, (long)res);
	} else {
		CHECK(0, NAME("FUTEX_WAIT woken by FUTEX_WAKE (mmap)"));
	}
	drop(p);

	p = fresh(file);
	r = p ? futex(p + 2, FUTEX_WAKE_OP, 1, 1, p, FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0))
	      : -1;
	CHECK(p && r == 0 && p[0] == 5, NAME("FUTEX_WAKE_OP updates the word: 5"));
	drop(p);

	p = fresh(file);
	r = p ? futex(p, FUTEX_CMP_REQUEUE, 1, 1, p + 2, 0) : -1;
	CHECK(p && r == 0, NAME("FUTEX_CMP_REQUEUE compares the word: 0"));
	drop(p);

	p = fresh(file);
	r = p ? futex(p, FUTEX_LOCK_PI, 0, 0, NULL, 0) : -1;
	CHECK(p && r == 0 && p[0] == tid(), NAME("FUTEX_LOCK_PI takes it: our TID"));
	r = p ? futex(p, FUTEX_UNLOCK_PI, 0, 0, NULL, 0) : -1;
	CHECK(p && r == 0 && p[0] == 0, NAME("FUTEX_UNLOCK_PI frees it"));
	drop(p);

	p = fresh(file);
	r = p ? futex(p, FUTEX_TRYLOCK_PI, 0, 0, NULL, 0) : -1;
	CHECK(p && r == 0 && p[0] == tid(), NAME("FUTEX_TRYLOCK_PI takes it"));
	r = p ? futex(p, FUTEX_TRYLOCK_PI, 0, 0, NULL, 0) : 0;
	CHECK(p && r == -1 && errno == EDEADLK, NAME("FUTEX_TRYLOCK_PI again: EDEADLK"));
	if (p)
		futex(p, FUTEX_UNLOCK_PI, 0, 0, NULL, 0);
	drop(p);

	p = fresh(file);
	r = p ? futex(p, FUTEX_UNLOCK_PI, 0, 0, NULL, 0) : 0;
	CHECK(p && r == -1 && errno == EPERM, NAME("FUTEX_UNLOCK_PI of a free word: EPERM"));
	drop(p);

	/* contended: another thread takes it first (the first touch) */
	p = fresh(file);
	if (p) {
		struct holder h = {.word = p};
		pthread_t t;
		pthread_create(&t, NULL, pi_holder, &h);
		while (!__atomic_load_n(&h.locked, __ATOMIC_SEQ_CST))
			nanosleep(&ms1, NULL);
		r = futex(p, FUTEX_LOCK_PI, 0, 0, NULL, 0);
		pthread_join(t, NULL);
		CHECK(h.lock_r == 0 && h.unlock_r == 0 && r == 0 && (p[0] & 0x3fffffffu) == tid(),
		      NAME("FUTEX_LOCK_PI handed over by the holder's UNLOCK_PI"));
		futex(p, FUTEX_UNLOCK_PI, 0, 0, NULL, 0);
	} else {
		CHECK(0, NAME("FUTEX_LOCK_PI handed over (mmap)"));
	}
	drop(p);
#undef NAME
}

int
main(void)
{
	uint32_t page[2];

	file_fd = make_file();
	CHECK(file_fd >= 0, "a file to map");
	cases(0);
	if (file_fd >= 0) {
		cases(1);
		/* the private pages took the writes; the file kept its bytes */
		CHECK(pread(file_fd, page, sizeof(page), 0) == (ssize_t)sizeof(page) &&
		          page[0] == 0 && page[1] == MARK,
		      "the file is unchanged by writes to its private pages");
	}
	return tap_done();
}

/* The app's fd table (include/fdtable.h). One app, so one table: an
 * array of slots that doubles on demand (64 slots to start, at most
 * NR_OPEN), a bitmap of the slots in use (the lowest free fd is a word
 * scan from a hint, as Linux's next_fd) and one of close-on-exec flags.
 * Changes take turns under a mutex (a growth allocates); fd_get, the hot
 * path, takes only a spinlock for the load and the reference, with
 * interrupts off so that the holder is never preempted. A growth copies
 * the arrays under the mutex alone (fd_get only reads them) and swaps
 * them in under the spinlock. */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "rlimit.h"
#include "spinlock.h"
#include "vfs.h"

#define FD_INIT 64 /* Linux's NR_OPEN_DEFAULT */

struct fdt {
	int cap;           /* slots: a power of two, >= FD_INIT */
	struct file **f;   /* cap slots */
	uint64_t *used;    /* cap bits: the slot holds a file */
	uint64_t *cloexec; /* cap bits */
};

static struct file *init_f[FD_INIT];
static uint64_t init_used[FD_INIT / 64], init_cloexec[FD_INIT / 64];

static struct {
	struct spinlock slots; /* t (its pointers and slots) against fd_get */
	struct mutex lock;     /* every change, one at a time */
	struct fdt t;
	int next; /* no free fd below this (under lock) */
} fds = {
    .slots = SPINLOCK_INIT,
    .lock = MUTEX_INIT,
    .t = {FD_INIT, init_f, init_used, init_cloexec},
};

static bool
bit(const uint64_t *map, int i)
{
	return map[i / 64] >> (i % 64) & 1;
}

static void
set_bit(uint64_t *map, int i, bool on)
{
	if (on)
		map[i / 64] |= 1ull << (i % 64);
	else
		map[i / 64] &= ~(1ull << (i % 64));
}

/* the lowest fd >= from whose bit in map is 'want', or cap when none */
static int
scan(const uint64_t *map, int cap, int from, bool want)
{
	for (int w = from / 64; w < cap / 64; w++) {
		uint64_t bits = want ? map[w] : ~map[w];
		if (w == from / 64)
			bits &= ~0ull << (from % 64);
		if (bits)
			return w * 64 + __builtin_ctzll(bits);
	}
	return cap;
}

/* the fds the app may use: RLIMIT_NOFILE, at most NR_OPEN */
static int
fd_limit(void)
{
	return (int)MIN(rlimit_cur(RLIMIT_NOFILE), (uint64_t)NR_OPEN);
}

static size_t
fdt_bytes(int cap)
{
	return (size_t)cap * sizeof(struct file *) + 2 * (size_t)cap / 8;
}

/* make room for fd (lock held): 0 or -ENOMEM. The new arrays are one
 * vmem block (an 8 MiB table is past kmalloc's largest) */
static int
grow(int fd)
{
	struct fdt old = fds.t, t;
	uint64_t fl;
	uint8_t *mem;

	t.cap = old.cap;
	while (t.cap <= fd)
		t.cap *= 2;
	if (!(mem = vmem_alloc(fdt_bytes(t.cap))))
		return -ENOMEM;
	memset(mem, 0, fdt_bytes(t.cap));
	t.f = (struct file **)mem;
	t.used = (uint64_t *)(mem + (size_t)t.cap * sizeof(struct file *));
	t.cloexec = t.used + t.cap / 64;
	memcpy(t.f, old.f, (size_t)old.cap * sizeof(struct file *));
	memcpy(t.used, old.used, (size_t)old.cap / 8);
	memcpy(t.cloexec, old.cloexec, (size_t)old.cap / 8);
	fl = spin_lock_irqsave(&fds.slots);
	fds.t = t;
	spin_unlock_irqrestore(&fds.slots, fl);
	if (old.f != init_f)
		vmem_free(old.f, fdt_bytes(old.cap));
	return 0;
}

/* put f in slot fd (lock held, the slot within the table); the file
 * the slot held before, or NULL */
static struct file *
set_slot(int fd, struct file *f, bool cloexec)
{
	uint64_t fl = spin_lock_irqsave(&fds.slots);
	struct file *old = fds.t.f[fd];

	fds.t.f[fd] = f;
	set_bit(fds.t.used, fd, f != NULL);
	set_bit(fds.t.cloexec, fd, f && cloexec);
	spin_unlock_irqrestore(&fds.slots, fl);
	return old;
}

/* the lowest free fd >= min_fd, the table grown to hold it (lock held);
 * -EMFILE, -ENOMEM */
static int
find_free(int min_fd)
{
	int limit = fd_limit(), start, fd;

	min_fd = MAX(min_fd, 0);
	start = MAX(min_fd, fds.next);
	for (;;) {
		fd = start < fds.t.cap ? scan(fds.t.used, fds.t.cap, start, false) : start;
		if (fd >= limit)
			return -EMFILE;
		if (fd < fds.t.cap)
			return fd;
		if (grow(fd))
			return -ENOMEM;
	}
}

int
fd_install(struct file *f, int min_fd, bool cloexec)
{
	int fd;

	mutex_lock(&fds.lock);
	fd = find_free(min_fd);
	if (fd >= 0) {
		set_slot(fd, f, cloexec);
		if (MAX(min_fd, 0) <= fds.next)
			fds.next = fd + 1; /* every fd below is in use */
	}
	mutex_unlock(&fds.lock);
	return fd;
}

int
fd_reserve(void)
{
	int fd;

	mutex_lock(&fds.lock);
	fd = find_free(0);
	if (fd >= 0) {
		uint64_t fl = spin_lock_irqsave(&fds.slots);
		set_bit(fds.t.used, fd, true); /* used, with no file: reserved */
		spin_unlock_irqrestore(&fds.slots, fl);
		fds.next = fd + 1;
	}
	mutex_unlock(&fds.lock);
	return fd;
}

void
fd_fill(int fd, struct file *f, bool cloexec)
{
	mutex_lock(&fds.lock);
	set_slot(fd, f, cloexec);
	mutex_unlock(&fds.lock);
}

void
fd_unreserve(int fd)
{
	mutex_lock(&fds.lock);
	set_slot(fd, NULL, false);
	if (fd < fds.next)
		fds.next = fd;
	mutex_unlock(&fds.lock);
}

struct file *
fd_get(int fd)
{
	struct file *f = NULL;
	uint64_t fl;

	if (fd < 0)
		return NULL;
	fl = spin_lock_irqsave(&fds.slots);
	if (fd < fds.t.cap && (f = fds.t.f[fd]))
		file_get(f);
	spin_unlock_irqrestore(&fds.slots, fl);
	return f;
}

int
fd_close(int fd)
{
	struct file *f = NULL;

	if (fd < 0)
		return -EBADF;
	mutex_lock(&fds.lock);
	/* a reserved fd (no file yet) is not open: it stays reserved */
	if (fd < fds.t.cap && fds.t.f[fd] && (f = set_slot(fd, NULL, false)) && fd < fds.next)
		fds.next = fd;
	mutex_unlock(&fds.lock);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

/* the close-on-exec flag of an open fd: 0/1, or -EBADF (set: 'on' >= 0) */
int
fd_cloexec(int fd, int on)
{
	int r = -EBADF;
	uint64_t fl;

	if (fd < 0)
		return -EBADF;
	mutex_lock(&fds.lock);
	fl = spin_lock_irqsave(&fds.slots);
	if (fd < fds.t.cap && fds.t.f[fd]) {
		if (on >= 0)
			set_bit(fds.t.cloexec, fd, on);
		r = bit(fds.t.cloexec, fd);
	}
	spin_unlock_irqrestore(&fds.slots, fl);
	mutex_unlock(&fds.lock);
	return r;
}

/* dup (newfd < 0: the lowest free >= min_fd) and dup2/dup3 */
int
fd_dup(int oldfd, int newfd, int min_fd, bool cloexec)
{
	struct file *f = fd_get(oldfd), *old = NULL;
	int err = 0;

	if (!f)
		return -EBADF;
	if (newfd < 0) {
		/* Linux: F_DUPFD past the limit (min_fd is unsigned there) */
		int fd =
		    min_fd < 0 || min_fd >= fd_limit() ? -EINVAL : fd_install(f, min_fd, cloexec);
		if (fd < 0)
			file_put(f);
		return fd;
	}
	if (newfd >= fd_limit()) {
		file_put(f);
		return -EBADF;
	}
	mutex_lock(&fds.lock);
	if (newfd >= fds.t.cap)
		err = grow(newfd);
	else if (bit(fds.t.used, newfd) && !fds.t.f[newfd])
		err = -EBUSY; /* Linux: an fd an accept or open holds, still empty */
	if (!err)
		old = set_slot(newfd, f, cloexec);
	mutex_unlock(&fds.lock);
	if (err) {
		file_put(f);
		return err;
	}
	if (old)
		file_put(old);
	return newfd;
}

int
fd_next(int from, struct file **f)
{
	uint64_t fl = spin_lock_irqsave(&fds.slots);
	int fd = scan(fds.t.used, fds.t.cap, MAX(from, 0), true);

	while (fd < fds.t.cap && !fds.t.f[fd]) /* reserved: not open yet */
		fd = scan(fds.t.used, fds.t.cap, fd + 1, true);
	if (fd < fds.t.cap)
		file_get(*f = fds.t.f[fd]);
	else
		fd = -1;
	spin_unlock_irqrestore(&fds.slots, fl);
	return fd;
}

/* In-guest checks that the kernel never acts on an app pointer into the
 * kernel's half (Linux's access_ok): futex on a kernel-half word (mapped
 * or not) and on an unmapped app word, and read, write, stat, open,
 * readv, pipe, clock_gettime and friends with a kernel-half buffer, are
 * -EFAULT, and the kernel lives on; a call to a kernel-half address is
 * the app's SIGSEGV (its handler sees SEGV_MAPERR at the target). Raw system calls (no vDSO, no
 * libc checks). Built three ways like every tests/guest program; passes on Linux too. */
#define _GNU_SOURCE
#include "tap.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* Linux's values (<linux/futex.h>, which musl's toolchain lacks) */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE 128

/* the kernel's half: the direct map and the kernel image (mapped here
 * and on Linux), a hole, the first address past the app's half
 * (non-canonical) and the last page */
static const uintptr_t kaddrs[] = {0xffff800000200000ul, 0xffffffff80200000ul, 0xffffc00000000000ul,
                                   0x0000800000000000ul, 0xfffffffffffff000ul};
#define NK (sizeof(kaddrs) / sizeof(kaddrs[0]))

static long
futex(uintptr_t uaddr, int op, uint32_t val, uintptr_t val2, uintptr_t uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

/* the call failed with EFAULT (errno as it left it) */
static int
efault(long r)
{
	return r == -1 && errno == EFAULT;
}

static void
check_futex(uintptr_t k, const char *what)
{
	struct timespec ms = {0, 1000000};
	uint32_t word = 0;
	char name[96];

	for (int priv = 0; priv <= FUTEX_PRIVATE; priv += FUTEX_PRIVATE) {
		/* a right or wrong guess at the word: both EFAULT */
		for (uint32_t v = 0; v < 2; v++) {
			snprintf(name, sizeof(name), "futex WAIT%s val %u on %s %#lx: EFAULT",
			         priv ? "|PRIVATE" : "", v, what, (unsigned long)k);
			CHECK(efault(futex(k, FUTEX_WAIT | priv, v, (uintptr_t)&ms, 0, 0)), name);
		}
		snprintf(name, sizeof(name), "futex WAKE%s on %s: EFAULT", priv ? "|PRIVATE" : "",
		         what);
		CHECK(efault(futex(k, FUTEX_WAKE | priv, 1, 0, 0, 0)), name);
		snprintf(name, sizeof(name), "futex WAIT_BITSET%s on %s: EFAULT",
		         priv ? "|PRIVATE" : "", what);
		CHECK(efault(futex(k, FUTEX_WAIT_BITSET | priv, 0, (uintptr_t)&ms, 0, ~0u)), name);
	}
	snprintf(name, sizeof(name), "futex REQUEUE to %s: EFAULT", what);
	CHECK(efault(futex((uintptr_t)&word, FUTEX_REQUEUE | FUTEX_PRIVATE, 1, 1, k, 0)), name);
	snprintf(name, sizeof(name), "futex CMP_REQUEUE from %s: EFAULT", what);
	CHECK(efault(futex(k, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE, 1, 1, (uintptr_t)&word, 0)), name);
	snprintf(name, sizeof(name), "futex WAKE_OP on %s: EFAULT", what);
	CHECK(efault(futex((uintptr_t)&word, FUTEX_WAKE_OP | FUTEX_PRIVATE, 1, 1, k, 0)), name);
	snprintf(name, sizeof(name), "futex LOCK_PI, TRYLOCK_PI, UNLOCK_PI on %s: EFAULT", what);
	CHECK(efault(futex(k, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, 0, 0, 0)) &&
	          efault(futex(k, FUTEX_TRYLOCK_PI | FUTEX_PRIVATE, 0, 0, 0, 0)) &&
	          efault(futex(k, FUTEX_UNLOCK_PI | FUTEX_PRIVATE, 0, 0, 0, 0)),
	      name);
}

/* Linux checks the alignment first: a misaligned kernel word is EINVAL */
static void
check_futex_order(void)
{
	long r = futex(kaddrs[0] + 1, FUTEX_WAKE, 1, 0, 0, 0);

	CHECK(r == -1 && errno == EINVAL, "futex WAKE on a misaligned kernel word: EINVAL");
}

/* an app page that was mapped and is no more */
static void
check_futex_unmapped(void)
{
	struct timespec ms = {0, 1000000};
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a = (uintptr_t)p;

	CHECK(p != MAP_FAILED && munmap(p, 4096) == 0, "an unmapped app page");
	CHECK(efault(futex(a, FUTEX_WAIT, 0, (uintptr_t)&ms, 0, 0)),
	      "futex WAIT on an unmapped app word: EFAULT");
	CHECK(efault(futex(a, FUTEX_WAIT | FUTEX_PRIVATE, 0, (uintptr_t)&ms, 0, 0)),
	      "futex WAIT|PRIVATE on an unmapped app word: EFAULT");
	/* a shared futex is keyed by its page: Linux looks the page up */
	CHECK(efault(futex(a, FUTEX_WAKE, 1, 0, 0, 0)),
	      "futex WAKE (shared) on an unmapped app word: EFAULT");
	/* a private one by its address only: nothing to wake, 0 */
	CHECK(futex(a, FUTEX_WAKE | FUTEX_PRIVATE, 1, 0, 0, 0) == 0,
	      "futex WAKE|PRIVATE on an unmapped app word: 0");
	CHECK(efault(futex(a, FUTEX_LOCK_PI | FUTEX_PRIVATE, 0, 0, 0, 0)),
	      "futex LOCK_PI on an unmapped app word: EFAULT");
}

static void
check_calls(uintptr_t k, const char *what)
{
	void *kp = (void *)k;
	char name[96], buf[64];
	int fds[2] = {-1, -1};
	int fd = open("/proc/self/maps", O_RDONLY);
	int zero = open("/dev/zero", O_RDONLY);
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	struct iovec iov = {kp, 16};
	struct stat st;

#define CALL(expr, call)                                                                           \
	do {                                                                                       \
		snprintf(name, sizeof(name), "%s with %s %#lx: EFAULT", call, what,                \
		         (unsigned long)k);                                                        \
		CHECK(efault(expr), name);                                                         \
	} while (0)
	CALL(syscall(SYS_read, fd, kp, 16), "read of a file");
	CALL(syscall(SYS_read, zero, kp, 16), "read of /dev/zero");
	CALL(syscall(SYS_pread64, fd, kp, 16, 0), "pread");
	CALL(syscall(SYS_readv, fd, &iov, 1), "readv");
	CALL(syscall(SYS_readv, fd, kp, 1), "readv's iovec");
	CALL(syscall(SYS_write, 1, kp, 16), "write to stdout");
	CALL(syscall(SYS_writev, 1, &iov, 1), "writev");
	CALL(syscall(SYS_stat, kp, &st), "stat's path");
	CALL(syscall(SYS_stat, "/", kp), "stat's buffer");
	CALL(syscall(SYS_fstat, fd, kp), "fstat");
	CALL(syscall(SYS_open, kp, O_RDONLY), "open");
	CALL(syscall(SYS_openat, AT_FDCWD, kp, O_RDONLY), "openat");
	CALL(syscall(SYS_readlink, "/proc/self/exe", kp, 16), "readlink");
	CALL(syscall(SYS_getcwd, kp, 64), "getcwd");
	CALL(syscall(SYS_uname, kp), "uname");
	CALL(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, kp), "clock_gettime");
	CALL(syscall(SYS_nanosleep, kp, NULL), "nanosleep");
	CALL(syscall(SYS_rt_sigprocmask, SIG_BLOCK, kp, NULL, 8), "rt_sigprocmask's set");
	CALL(syscall(SYS_rt_sigaction, SIGUSR1, kp, NULL, 8), "rt_sigaction's action");
	CALL(syscall(SYS_pipe, kp), "pipe");
	CALL(syscall(SYS_getrandom, kp, 16, 0), "getrandom");
	CALL(syscall(SYS_getdents64, dir, kp, 64), "getdents64");
	if (pipe(fds) == 0) {
		CALL(syscall(SYS_write, fds[1], kp, 16), "write to a pipe");
		CHECK(write(fds[1], "0123456789abcdef", 16) == 16, "write to a pipe");
		CALL(syscall(SYS_read, fds[0], kp, 16), "read of a pipe");
		CHECK(read(fds[0], buf, sizeof(buf)) == 16, "the pipe's bytes are still there");
		close(fds[0]);
		close(fds[1]);
	}
#undef CALL
	close(fd);
	close(zero);
	close(dir);
}

static sigjmp_buf jb;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr, got_rip;

static void
on_segv(int sig, siginfo_t *si, void *uc)
{
	got_sig = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	got_rip = (uintptr_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
	siglongjmp(jb, 1);
}

/* the app calls into the kernel's half: unmapped there, or the direct
 * map's first page (mapped here, NX; mapped on Linux, supervisor) */
static void
check_call(uintptr_t k)
{
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO}, old;
	char name[96];

	got_sig = got_code = 0;
	got_addr = got_rip = 0;
	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(jb, 1) == 0)
		((void (*)(void))k)();
	sigaction(SIGSEGV, &old, NULL);
	snprintf(name, sizeof(name), "a call to %#lx: SIGSEGV, SEGV_MAPERR there, RIP there",
	         (unsigned long)k);
	CHECK(got_sig == SIGSEGV && got_code == SEGV_MAPERR && got_addr == k && got_rip == k, name);
	if (got_addr != k || got_rip != k)
		printf("# expected si_addr and RIP %#lx, got %#lx and %#lx (signal %d code %d)\n",
		       (unsigned long)k, (unsigned long)got_addr, (unsigned long)got_rip, got_sig,
		       got_code);
}

int
main(void)
{
	for (size_t i = 0; i < NK; i++)
		check_futex(kaddrs[i], "a kernel address");
	check_futex_order();
	check_futex_unmapped();
	for (size_t i = 0; i < NK; i++)
		check_calls(kaddrs[i], "a kernel pointer");
	check_call(0xffffa00000000000ul);
	check_call(0xffff800000000000ul);
	CHECK(getpid() > 0, "the kernel lives on");
	return tap_done();
}

/* Process, thread, identity and time system calls: one app, root, in a
 * VM of its own. */
#include "arch.h"
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "power.h"
#include "random.h"
#include "sched.h"
#include "signal.h"
#include "sync.h"
#include "syscall.h"
#include "uaccess.h"
#include "uapi/prctl.h"
#include "uapi/sysinfo.h"
#include "uapi/time.h"
#include "vfs.h"

SYSCALL(getpid)
{
	return 1;
}
SYSCALL(getppid)
{
	return 0;
}
SYSCALL(gettid)
{
	return thread_self()->t_id;
}
/* uids and gids: core/proc/sys_cred.c; resource limits: core/proc/rlimit.c */

SYSCALL(arch_prctl)
{
	uint64_t v;

	switch (a0) {
	case ARCH_SET_FS:
		if ((uintptr_t)a1 >= USER_TOP)
			return -EPERM;
		arch_set_fs_base((uint64_t)a1);
		return 0;
	case ARCH_GET_FS:
		v = arch_fs_base();
		return copy_to_user((void *)a1, &v, sizeof(v)) ? -EFAULT : 0;
	case ARCH_SET_GS:
	case ARCH_GET_GS:
		return -EPERM; /* GS is the kernel's per-CPU base */
	default:
		return -EINVAL;
	}
}

SYSCALL(set_robust_list)
{
	return a1 == 24 ? 0 : -EINVAL; /* XXX: kept nowhere: one thread, no futex owners die */
}

SYSCALL(uname)
{
	char f[6][65] = {"Linux", "unum", "6.1.0-unum", "#1 SMP unum", "x86_64", "(none)"};

	/* hostname=NAME on the kernel command line */
	memcpy(f[1], vfs_hostname(), strnlen(vfs_hostname(), 64) + 1);
	return copy_to_user((void *)a0, f, sizeof(f)) ? -EFAULT : 0;
}

/* a CPU-time clock id made from a pid or tid (clock_getcpuclockid,
 * pthread_getcpuclockid): the time of the app or of one of its threads */
static long
cpuclock_read(int clk, uint64_t *ns)
{
	int id = ~(clk >> 3);
	struct thread *t;

	if ((clk & 3) > CPUCLOCK_SCHED)
		return -EINVAL;
	if (!(clk & CPUCLOCK_PERTHREAD)) {
		if (id != 0 && id != 1) /* 0: the caller's process */
			return -EINVAL;
		*ns = thread_app_cpu_ns();
		return 0;
	}
	t = id ? thread_find(id) : thread_self();
	if (!t || !t->t_app)
		return -EINVAL;
	*ns = thread_cpu_ns_of(t); /* XXX: t may exit meanwhile; threads are freed late */
	return 0;
}

static long
clock_read(int clk, struct linux_timespec *ts)
{
	uint64_t ns;
	long err;

	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_TAI: /* TAI - UTC is 0 until someone sets it, as in Linux */
		ns = clock_realtime_ns();
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		ns = clock_ns();
		break;
	case CLOCK_PROCESS_CPUTIME_ID:
		ns = thread_app_cpu_ns();
		break;
	case CLOCK_THREAD_CPUTIME_ID:
		ns = thread_cpu_ns();
		break;
	default:
		if (clk >= 0)
			return -EINVAL;
		if ((err = cpuclock_read(clk, &ns)))
			return err;
	}
	ts->sec = (int64_t)(ns / 1000000000u);
	ts->nsec = (int64_t)(ns % 1000000000u);
	return 0;
}

SYSCALL(clock_gettime)
{
	struct linux_timespec ts;
	long err = clock_read((int)a0, &ts);

	if (err)
		return err;
	return copy_to_user((void *)a1, &ts, sizeof(ts)) ? -EFAULT : 0;
}

/* 1 ns for every clock: the coarse ones read the same nanosecond clock
 * as the others (they are no cheaper here, so they are not coarser) */
SYSCALL(clock_getres)
{
	struct linux_timespec ts = {0, 1};
	long err = clock_read((int)a0, &ts);

	if (err)
		return err;
	ts.sec = 0;
	ts.nsec = 1;
	return a1 && copy_to_user((void *)a1, &ts, sizeof(ts)) ? -EFAULT : 0;
}

SYSCALL(gettimeofday)
{
	uint64_t ns = clock_realtime_ns();
	int64_t tv[2] = {(int64_t)(ns / 1000000000u), (int64_t)(ns % 1000000000u / 1000)};

	return a0 && copy_to_user((void *)a0, tv, sizeof(tv)) ? -EFAULT : 0;
}

SYSCALL(time)
{
	int64_t t = (int64_t)(clock_realtime_ns() / 1000000000u);

	if (a0 && copy_to_user((void *)a0, &t, sizeof(t)))
		return -EFAULT;
	return t;
}

/* a signal with a handler ends the sleep: -EINTR, the time left in
 * urem for a relative one (include/signal.h) */
static long
sleep_ts(int clk, int flags, const struct linux_timespec *ureq, struct linux_timespec *urem)
{
	struct linux_timespec ts;
	uint64_t ns, deadline;

	if (copy_from_user(&ts, ureq, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
		return -EINVAL;
	ns = (uint64_t)ts.sec * 1000000000u + (uint64_t)ts.nsec;
	if (flags & TIMER_ABSTIME)
		deadline = clk == CLOCK_REALTIME ? clock_realtime_to_mono(ns) : ns;
	else
		deadline = clock_ns() + ns;
	return signal_nanosleep(deadline ? deadline : 1, !(flags & TIMER_ABSTIME), urem);
}

SYSCALL(nanosleep)
{
	return sleep_ts(CLOCK_MONOTONIC, 0, (const struct linux_timespec *)a0,
	                (struct linux_timespec *)a1);
}
SYSCALL(clock_nanosleep)
{
	int clk = (int)a0;

	/* a thread's CPU clock cannot be slept on (Linux: no nsleep for it);
	 * bit 2 of a negative clock id marks a thread's (clock_getcpuclockid) */
	if (clk == CLOCK_THREAD_CPUTIME_ID || (clk < 0 && (clk & 4)))
		return -EOPNOTSUPP;
	/* XXX: Linux also sleeps on the process's CPU clock; not here */
	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME)
		return -EINVAL;
	return sleep_ts((int)a0, (int)a1, (const struct linux_timespec *)a2,
	                (struct linux_timespec *)a3);
}

SYSCALL(sched_yield)
{
	sched_yield();
	return 0;
}

SYSCALL(futex)
{
	uint64_t timeout = UINT64_MAX;
	int cmd = (int)a1 & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);

	if ((cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_LOCK_PI ||
	     cmd == FUTEX_LOCK_PI2) &&
	    a3) {
		struct linux_timespec ts;
		if (copy_from_user(&ts, (void *)a3, sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			return -EINVAL;
		timeout = (uint64_t)ts.sec * 1000000000u + (uint64_t)ts.nsec;
	} else if (cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE || cmd == FUTEX_WAKE_OP) {
		timeout = (uint64_t)(uint32_t)a3; /* val2: how many to requeue or wake */
	}
	return futex_op((uint32_t *)a0, (int)a1, (uint32_t)a2, timeout, (uint32_t *)a4,
	                (uint32_t)a5);
}

SYSCALL(getrandom)
{
	uint8_t buf[256];
	size_t done = 0, n = (size_t)a1;

	/* GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE; the pool is always
	 * ready, so none changes what is returned */
	if ((a2 & ~7l) || (a2 & 6) == 6)
		return -EINVAL;
	while (done < n) {
		size_t k = MIN(n - done, sizeof(buf));
		random_bytes(buf, k);
		if (copy_to_user((uint8_t *)a0 + done, buf, k))
			return done ? (long)done : -EFAULT;
		done += k;
	}
	return (long)n;
}

SYSCALL(sched_getaffinity)
{
	uint64_t mask = 0;
	int n = sched_cpu_count();

	if ((size_t)a1 < sizeof(mask) || (a1 & (sizeof(mask) - 1)))
		return -EINVAL;
	if ((int)a0 != 0 && !thread_find((int)a0))
		return -ESRCH; /* Linux: a pid (a thread id) that is not there */
	mask = n >= 64 ? ~0ull : (1ull << n) - 1;
	return copy_to_user((void *)a2, &mask, sizeof(mask)) ? -EFAULT : (long)sizeof(mask);
}

/* The app is the only process and fork is -ENOSYS, so there is never a
 * child: ECHILD once the arguments pass Linux's kernel_wait4 checks (the
 * options it knows; -INT_MIN has no process group) */
#define WAIT_OPTIONS (1 /* WNOHANG */ | 2 /* WUNTRACED */ | 8 /* WCONTINUED */ | 0xe0000000u)
SYSCALL(wait4)
{
	if ((uint32_t)a2 & ~WAIT_OPTIONS)
		return -EINVAL;
	if ((int)a0 == INT32_MIN)
		return -ESRCH;
	return -ECHILD;
}

SYSCALL(getcpu)
{
	uint32_t cpu = (uint32_t)sched_this_cpu(), node = 0;

	if (a0 && copy_to_user((void *)a0, &cpu, 4))
		return -EFAULT;
	if (a1 && copy_to_user((void *)a1, &node, 4))
		return -EFAULT;
	return 0;
}

SYSCALL(prctl)
{
	char name[16];
	long n;

	switch (a0) {
	case PR_SET_NAME:
		n = strncpy_from_user(name, (const char *)a1, sizeof(name));
		if (n == -EFAULT)
			return -EFAULT;
		name[sizeof(name) - 1] = '\0';
		memcpy(thread_self()->t_name, name, sizeof(name));
		return 0;
	case PR_GET_NAME:
		return copy_to_user((void *)a1, thread_self()->t_name, 16) ? -EFAULT : 0;
	default:
		return -EINVAL; /* XXX: the other options are not there yet */
	}
}

SYSCALL(sched_setaffinity)
{
	uint64_t mask = 0;
	int n = sched_cpu_count();

	if ((size_t)a1 < sizeof(mask))
		return -EINVAL;
	if (copy_from_user(&mask, (void *)a2, sizeof(mask)))
		return -EFAULT;
	if (n < 64)
		mask &= (1ull << n) - 1;
	if (!mask)
		return -EINVAL;
	if (a0 && a0 != thread_self()->t_id)
		return -ESRCH; /* XXX: other threads by tid are not looked up yet */
	sched_set_affinity(thread_self(), mask);
	if (!(mask >> sched_this_cpu() & 1))
		sched_migrate_self(__builtin_ctzll(mask));
	return 0;
}

SYSCALL(sysinfo)
{
	struct linux_sysinfo si = {
	    .uptime = (int64_t)(clock_ns() / 1000000000u),
	    .totalram = frame_total_bytes(),
	    .freeram = frame_free_bytes(),
	    .sharedram = mm_file_bytes(),      /* ramfs and tmpfs: Linux's shmem */
	    .bufferram = 0,                    /* no block cache */
	    .procs = (uint16_t)thread_count(), /* Linux: its threads */
	    .mem_unit = 1,
	};

	return copy_to_user((void *)a0, &si, sizeof(si)) ? -EFAULT : 0;
}

SYSCALL(times)
{
	/* the app's threads together, in clock ticks of 10 ms */
	int64_t t[4] = {(int64_t)(thread_app_cpu_ns() / 10000000u), 0, 0, 0};

	if (a0 && copy_to_user((void *)a0, t, sizeof(t)))
		return -EFAULT;
	return (long)(clock_ns() / 10000000u);
}

SYSCALL(getrusage)
{
	int64_t ru[18] = {0};
	uint64_t ns;

	if (a0 != 0 && a0 != 1 && a0 != -1) /* SELF, THREAD, CHILDREN */
		return -EINVAL;
	ns = a0 == 1 ? thread_cpu_ns() : thread_app_cpu_ns(); /* XXX: all of it as user time */
	if (a0 != -1) {
		ru[0] = (int64_t)(ns / 1000000000u);
		ru[1] = (int64_t)(ns % 1000000000u / 1000u);
	}
	return copy_to_user((void *)a1, ru, sizeof(ru)) ? -EFAULT : 0;
}

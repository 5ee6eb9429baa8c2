/* Resource limits (include/rlimit.h): getrlimit, setrlimit, prlimit64
 * with Linux's checks (getrlimit(2)): soft above hard is -EINVAL,
 * raising a hard limit needs root's capabilities (-EPERM), and a hard
 * limit of open files above NR_OPEN is -EPERM (Linux: nr_open). */
#include "rlimit.h"
#include "cred.h"
#include "errno.h"
#include "lib.h"
#include "spinlock.h"
#include "syscall.h"
#include "uaccess.h"
#include "vfs.h"
#include "vma.h"

#define INF RLIM_INFINITY
/* Linux's defaults for a process started by init (include/asm-generic/
 * resource.h), the stack as this kernel has it */
static struct linux_rlimit limits[RLIM_NLIMITS] = {
    {INF, INF},                       /* CPU */
    {INF, INF},                       /* FSIZE */
    {INF, INF},                       /* DATA */
    {APP_STACK_SIZE, APP_STACK_SIZE}, /* STACK */
    {0, INF},                         /* CORE */
    {INF, INF},                       /* RSS */
    {INF, INF},                       /* NPROC */
    {1024, 4096},                     /* NOFILE: INR_OPEN_CUR, INR_OPEN_MAX */
    {8 << 20, 8 << 20},               /* MEMLOCK */
    {INF, INF},                       /* AS */
    {INF, INF},                       /* LOCKS */
    {INF, INF},                       /* SIGPENDING: queued in the heap */
    {819200, 819200},                 /* MSGQUEUE */
    {0, 0},                           /* NICE */
    {0, 0},                           /* RTPRIO */
    {INF, INF},                       /* RTTIME */
};
static struct spinlock limits_lock = SPINLOCK_INIT;

uint64_t
rlimit_cur(int r)
{
	return __atomic_load_n(&limits[r].cur, __ATOMIC_RELAXED);
}

static long
check(int r, const struct linux_rlimit *old, const struct linux_rlimit *n)
{
	if (n->cur > n->max)
		return -EINVAL;
	if (n->max > old->max && !cred_capable())
		return -EPERM;
	if (r == RLIMIT_NOFILE && n->max > NR_OPEN)
		return -EPERM;
	if (r == RLIMIT_STACK && n->max > APP_STACK_SIZE)
		return -EPERM; /* XXX: the main stack is mapped once, at its full size */
	return 0;
}

/* new (may be NULL) replaces the limit; the old one goes to *old */
static long
prlimit(int r, const struct linux_rlimit *new, struct linux_rlimit *old)
{
	uint64_t f;
	long err = 0;

	if (r < 0 || r >= RLIM_NLIMITS)
		return -EINVAL;
	f = spin_lock_irqsave(&limits_lock);
	*old = limits[r];
	if (new && !(err = check(r, old, new)))
		limits[r] = *new;
	spin_unlock_irqrestore(&limits_lock, f);
	return err;
}

SYSCALL(prlimit64)
{
	struct linux_rlimit n, old;
	long err;

	if (a0 != 0 && a0 != 1) /* 0 or the pid */
		return -ESRCH;
	if (a2 && copy_from_user(&n, (const void *)a2, sizeof(n)))
		return -EFAULT;
	if ((err = prlimit((int)a1, a2 ? &n : NULL, &old)))
		return err;
	return a3 && copy_to_user((void *)a3, &old, sizeof(old)) ? -EFAULT : 0;
}

SYSCALL(getrlimit)
{
	struct linux_rlimit old;
	long err = prlimit((int)a0, NULL, &old);

	if (err)
		return err;
	return copy_to_user((void *)a1, &old, sizeof(old)) ? -EFAULT : 0;
}

SYSCALL(setrlimit)
{
	struct linux_rlimit n, old;

	if (copy_from_user(&n, (const void *)a1, sizeof(n)))
		return -EFAULT;
	return prlimit((int)a0, &n, &old);
}

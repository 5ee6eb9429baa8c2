/* clone for threads (the flags pthread_create of glibc and musl use) and
 * thread exit with CLONE_CHILD_CLEARTID's futex wake. A new app thread
 * is a kernel thread that returns to the app as if from the syscall,
 * with 0 in rax, the given stack and TLS. fork and vfork: -ENOSYS. */
#include "arch.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "net.h"
#include "power.h"
#include "sched.h"
#include "signal.h"
#include "sync.h"
#include "syscall.h"
#include "uaccess.h"
#include "uapi/sched.h"

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)

void arch_return_to_app(const struct syscall_frame *f) __noreturn;

struct clone_start {
	struct syscall_frame f; /* the child's registers */
	uint64_t tls;
	uint32_t *clear_tid;
	bool settls;
};

static int app_threads = 1; /* the app's threads alive; the last exit ends the VM */
static void *
clone_child(void *arg)
{
	struct clone_start *cs = arg;
	struct syscall_frame f = cs->f;

	if (cs->settls)
		arch_set_fs_base(cs->tls);
	thread_self()->t_clear_tid = cs->clear_tid;
	kfree(cs);
	arch_return_to_app(&f);
}

SYSCALL(clone)
{
	unsigned long flags = (unsigned long)a0;
	uintptr_t stack = (uintptr_t)a1;
	uint32_t *ptid = (uint32_t *)a2, *ctid = (uint32_t *)a3;
	struct clone_start *cs;
	struct thread *t;
	uint32_t tid;

	if ((flags & THREAD_FLAGS) != THREAD_FLAGS || (flags & CLONE_VFORK))
		return -ENOSYS; /* fork and vfork: no processes yet */
	if (!stack)
		return -EINVAL;
	cs = kzalloc(sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	cs->f = *arch_syscall_frame();
	cs->f.rax = 0;
	cs->f.rsp = stack;
	cs->settls = flags & CLONE_SETTLS;
	cs->tls = (uint64_t)a4;
	cs->clear_tid = flags & CLONE_CHILD_CLEARTID ? ctid : NULL;
	t = thread_create_suspended(clone_child, cs, "app");
	if (IS_ERR(t)) {
		kfree(cs);
		return PTR_ERR(t) == -ENOMEM ? -EAGAIN : PTR_ERR(t);
	}
	/* the ids are in place before the child runs: it may exit (and clear
	 * the one the parent joins on) at once */
	thread_set_app(t);
	tid = (uint32_t)t->t_id;
	t->t_sigmask = thread_self()->t_sigmask; /* a new thread inherits the mask */
	__atomic_fetch_add(&app_threads, 1, __ATOMIC_SEQ_CST);
	if (((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &tid, sizeof(tid))) ||
	    ((flags & CLONE_CHILD_SETTID) && copy_to_user(ctid, &tid, sizeof(tid)))) {
		thread_start_created(t, -1); /* XXX: runs anyway; the app sees -EFAULT */
		thread_detach(t);
		return -EFAULT;
	}
	thread_start_created(t, -1);
	thread_detach(t);
	return tid;
}

SYSCALL(fork)
{
	return -ENOSYS;
}
SYSCALL(vfork)
{
	return -ENOSYS;
}
SYSCALL(clone3)
{
	return -ENOSYS;
} /* glibc falls back to clone */

SYSCALL(set_tid_address)
{
	thread_self()->t_clear_tid = (uint32_t *)a0;
	return thread_self()->t_id;
}

SYSCALL(exit)
{
	uint32_t *ctid = thread_self()->t_clear_tid, zero = 0;

	if (__atomic_sub_fetch(&app_threads, 1, __ATOMIC_SEQ_CST) == 0) {
		net_drain();
		kernel_exit((int)a0 & 0xff);
	}
	signal_thread_exit(thread_self());
	if (ctid && !copy_to_user(ctid, &zero, sizeof(zero)))
		futex_wake(ctid, 1, FUTEX_BITSET_MATCH_ANY);
	thread_exit(NULL);
}

SYSCALL(exit_group)
{
	net_drain(); /* what the app sent reaches its peer before the VM ends */
	kernel_exit((int)a0 & 0xff);
}

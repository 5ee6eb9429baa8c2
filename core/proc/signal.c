/* App signals (include/signal.h): actions, masks, delivery and the
 * frame, which follows Linux's rt_sigframe on x86-64 (arch/x86/include/
 * uapi/asm/sigcontext.h, ucontext.h): the handler's return address
 * (sa_restorer), a ucontext with the machine context and the FPU state,
 * and a siginfo; rt_sigreturn restores it all. Restarts of interrupted
 * calls follow Linux's arch/x86/kernel/signal.c (handle_signal and
 * arch_do_signal_or_restart). Sending and waiting: core/proc/sigqueue.c. */
#include "signal.h"
#include "arch.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "power.h"
#include "printk.h"
#include "sched.h"
#include "signal_impl.h"
#include "syscall.h"
#include "uaccess.h"

static struct linux_sigaction actions[NSIG + 1];
/* signals whose action discards them (SIG_IGN, or SIG_DFL where that
 * ignores): CHLD URG WINCH CONT at first; atomic, changed by rt_sigaction */
uint64_t signal_ignored = BIT(SIGCHLD) | BIT(SIGURG) | BIT(SIGWINCH) | BIT(SIGCONT);

static bool
default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

/* flags a handler starts without, as a function call would (Linux's
 * setup_rt_frame): DF, TF and RF */
#define HANDLER_FLAGS_OFF 0x10500ul

/* build the frame on the app's stack for 'sig'; regs holds the context
 * to come back to. Returns the handler's stack pointer, or 0 when the
 * frame cannot be written (the app then dies of SIGSEGV). */
static uintptr_t
push_frame(const struct linux_sigaction *a, const struct ksiginfo *info,
           const struct linux_sigcontext *regs, uintptr_t addr, uint64_t oldmask)
{
	struct thread *t = thread_self();
	uintptr_t sp = regs->rsp;
	size_t fpsize = arch_fpu_area_size();
	struct linux_rt_sigframe fr;
	uint8_t *fp;

	if ((a->flags & SA_ONSTACK) && t->t_altsize && !t->t_on_altstack)
		sp = t->t_altstack + t->t_altsize;
	else
		sp -= 128; /* the red zone */
	sp = ALIGN_DOWN(sp - fpsize, 64);
	uintptr_t fpaddr = sp;
	sp = ALIGN_DOWN(sp - sizeof(struct linux_rt_sigframe), 16) - 8;
	memset(&fr, 0, sizeof(fr));
	fr.pretcode = a->restorer;
	fr.uc.ss_sp = t->t_altstack;
	fr.uc.ss_size = t->t_altsize;
	fr.uc.ss_flags = t->t_altsize ? (t->t_on_altstack ? SS_ONSTACK : 0) : SS_DISABLE;
	fr.uc.mc = *regs;
	fr.uc.mc.fpstate = fpaddr;
	fr.uc.mc.oldmask = oldmask;
	fr.uc.mc.cr2 = addr;
	fr.uc.sigmask = oldmask;
	memcpy(fr.info, info, sizeof(fr.info));
	fp = kmalloc(fpsize + 64);
	if (!fp)
		return 0;
	uint8_t *fpa = (uint8_t *)ALIGN_UP((uintptr_t)fp, 64);
	memset(fpa, 0, fpsize);
	arch_fpu_save(fpa);
	bool ok = !copy_to_user((void *)fpaddr, fpa, fpsize) &&
	          !copy_to_user((void *)sp, &fr, sizeof(fr));
	kfree(fp);
	return ok ? sp : 0;
}

/* the handler's entry state: its arguments, the frame as its stack */
static bool
enter(const struct ksiginfo *info, struct linux_sigcontext *regs, uintptr_t addr, uint64_t old,
      uint64_t *rip, uint64_t *rsp, uint64_t *rdi, uint64_t *rsi, uint64_t *rdx)
{
	struct thread *t = thread_self();
	int sig = info->si_signo;
	struct linux_sigaction *a = &actions[sig];
	uintptr_t sp;

	if (!(a->flags & SA_RESTORER))
		return false; /* no way back: musl and glibc always give one */
	sp = push_frame(a, info, regs, addr, old);
	if (!sp)
		return false;
	if ((a->flags & SA_ONSTACK) && t->t_altsize && sp >= t->t_altstack &&
	    sp < t->t_altstack + t->t_altsize)
		t->t_on_altstack = true;
	t->t_sigmask |= a->mask | (a->flags & SA_NODEFER ? 0 : BIT(sig));
	t->t_sigmask &= ~(BIT(SIGKILL) | BIT(SIGSTOP));
	*rip = a->handler;
	*rsp = sp;
	*rdi = (uint64_t)sig;
	*rsi = sp + __builtin_offsetof(struct linux_rt_sigframe, info);
	*rdx = sp + __builtin_offsetof(struct linux_rt_sigframe, uc);
	if (a->flags & SA_RESETHAND) {
		a->handler = SIG_DFL;
		if (default_ignored(sig))
			__atomic_fetch_or(&signal_ignored, BIT(sig), __ATOMIC_ACQ_REL);
	}
	return true;
}

/* the machine context of a trap frame: every register as the CPU left it */
static void
mc_of_trapframe(const struct trapframe *tf, struct linux_sigcontext *m)
{
	*m = (struct linux_sigcontext){
	    .r8 = tf->r8,
	    .r9 = tf->r9,
	    .r10 = tf->r10,
	    .r11 = tf->r11,
	    .r12 = tf->r12,
	    .r13 = tf->r13,
	    .r14 = tf->r14,
	    .r15 = tf->r15,
	    .rdi = tf->rdi,
	    .rsi = tf->rsi,
	    .rbp = tf->rbp,
	    .rbx = tf->rbx,
	    .rdx = tf->rdx,
	    .rax = tf->rax,
	    .rcx = tf->rcx,
	    .rsp = tf->rsp,
	    .rip = tf->rip,
	    .rflags = tf->rflags,
	    .csgsfs = 0x33,
	};
}

bool
signal_fault(struct trapframe *tf, int sig, int code, uintptr_t addr)
{
	struct linux_sigaction *a = &actions[sig];
	struct linux_sigcontext m;

	mc_of_trapframe(tf, &m);
	/* the app believes it runs in user mode: a page fault's error code
	 * carries the user bit (4), as Linux's does */
	m.err = tf->vector == 14 ? tf->error | 4 : tf->error;
	m.trapno = tf->vector;

	struct ksiginfo info = {.si_signo = sig, .si_code = code};

	memcpy(&info.si_pid, &addr, sizeof(addr)); /* si_addr */
	if (a->handler == SIG_DFL || a->handler == SIG_IGN || (thread_self()->t_sigmask & BIT(sig)))
		return false;
	if (!enter(&info, &m, addr, thread_self()->t_sigmask, &tf->rip, &tf->rsp, &tf->rdi,
	           &tf->rsi, &tf->rdx))
		return false;
	tf->rflags &= ~HANDLER_FLAGS_OFF;
	return true;
}

static void __noreturn
die(int sig)
{
	printk(KERN_ERR "app: killed by signal %d", sig);
	kernel_exit(128 + sig);
}

static bool
is_restart(long ret)
{
	return ret == -ERESTARTSYS || ret == -ERESTARTNOINTR || ret == -ERESTARTNOHAND ||
	       ret == -ERESTART_RESTARTBLOCK;
}

/* a signal t does not block is pending (it may be one it ignores:
 * taking it discards it) */
static bool
deliverable(struct thread *t)
{
	return (__atomic_load_n(&t->t_sigpending, __ATOMIC_RELAXED) |
	        __atomic_load_n(&signal_shared_pending, __ATOMIC_RELAXED)) &
	       ~t->t_sigmask;
}

bool
signal_exit_work(long ret)
{
	struct thread *t = thread_self();

	return deliverable(t) || t->t_sigrestore || is_restart(ret);
}

/* the next pending signal t does not block and does not discard, with
 * its siginfo; 0 when there is none. One whose default action is fatal
 * ends the app here. */
static int
take_for_handler(struct thread *t, struct ksiginfo *info)
{
	int sig;

	while ((sig = signal_take(t, ~t->t_sigmask, info))) {
		struct linux_sigaction *a = &actions[sig];
		if (a->handler == SIG_IGN || (a->handler == SIG_DFL && default_ignored(sig)))
			continue;
		if (a->handler == SIG_DFL)
			die(sig);
		return sig;
	}
	return 0;
}

/* a handler is about to run: what becomes of the interrupted call */
static void
restart_for_handler(struct syscall_frame *f, long nr, const struct linux_sigaction *a)
{
	long ret = (long)f->rax;

	if (ret == -ERESTARTNOINTR || (ret == -ERESTARTSYS && (a->flags & SA_RESTART))) {
		f->rax = (uint64_t)nr;
		f->rip -= 2; /* back onto the SYSCALL instruction */
	} else if (is_restart(ret)) {
		f->rax = (uint64_t)-EINTR;
	}
}

void
signal_syscall_exit(struct syscall_frame *f, long nr)
{
	struct thread *t = thread_self();
	long ret = (long)f->rax;
	struct ksiginfo info;
	int sig;

	/* ppoll and friends that return for another reason put the mask
	 * back now, so a signal it alone let through stays pending */
	if (t->t_sigrestore && ret != -EINTR && !is_restart(ret)) {
		t->t_sigmask = t->t_sigsaved;
		t->t_sigrestore = false;
	}
	if ((sig = take_for_handler(t, &info))) {
		restart_for_handler(f, nr, &actions[sig]);
		uint64_t old = t->t_sigrestore ? t->t_sigsaved : t->t_sigmask;
		t->t_sigrestore = false;
		struct linux_sigcontext m = {
		    .r8 = f->r8,
		    .r9 = f->r9,
		    .r10 = f->r10,
		    .r11 = f->rflags,
		    .r12 = f->r12,
		    .r13 = f->r13,
		    .r14 = f->r14,
		    .r15 = f->r15,
		    .rdi = f->rdi,
		    .rsi = f->rsi,
		    .rbp = f->rbp,
		    .rbx = f->rbx,
		    .rdx = f->rdx,
		    .rax = f->rax,
		    .rcx = f->rip,
		    .rsp = f->rsp,
		    .rip = f->rip,
		    .rflags = f->rflags,
		    .csgsfs = 0x33,
		};
		if (!enter(&info, &m, 0, old, &f->rip, &f->rsp, &f->rdi, &f->rsi, &f->rdx))
			die(11);
		f->rflags &= ~HANDLER_FLAGS_OFF;
		return; /* one at a time: syscall_dispatch calls again for the next */
	}
	/* no handler ran: an interrupted call starts again */
	if (is_restart(ret)) {
		f->rax = ret == -ERESTART_RESTARTBLOCK ? __NR_restart_syscall : (uint64_t)nr;
		f->rip -= 2;
	}
	if (t->t_sigrestore) {
		t->t_sigmask = t->t_sigsaved;
		t->t_sigrestore = false;
	}
}

void
signal_trap_exit(struct trapframe *tf)
{
	struct thread *t = thread_self();
	struct linux_sigcontext m;
	struct ksiginfo info;

	while (t->t_app && deliverable(t)) {
		irq_enable(); /* as in a system call: the frame's pages may fault in */
		if (take_for_handler(t, &info)) {
			mc_of_trapframe(tf, &m);
			if (!enter(&info, &m, 0, t->t_sigmask, &tf->rip, &tf->rsp, &tf->rdi,
			           &tf->rsi, &tf->rdx))
				die(11);
			tf->rax = 0; /* as Linux's frame setup leaves it */
			tf->rflags &= ~HANDLER_FLAGS_OFF;
		}
		irq_disable();
	}
}

/* resume what a call left in t_restart_fn when a signal without a
 * handler interrupted it (Linux: -EINTR when there is nothing) */
SYSCALL(restart_syscall)
{
	struct thread *t = thread_self();
	long (*fn)(struct thread *) = t->t_restart_fn;

	t->t_restart_fn = NULL;
	return fn ? fn(t) : -EINTR;
}

SYSCALL(rt_sigaction)
{
	struct linux_sigaction n, o;

	if (a0 < 1 || a0 > NSIG || a3 != 8)
		return -EINVAL;
	if (a1 && (a0 == SIGKILL || a0 == SIGSTOP))
		return -EINVAL;
	o = actions[a0];
	if (a1 && copy_from_user(&n, (void *)a1, sizeof(n)))
		return -EFAULT;
	if (a2 && copy_to_user((void *)a2, &o, sizeof(o)))
		return -EFAULT;
	if (a1) {
		actions[a0] = n;
		if (n.handler == SIG_IGN || (n.handler == SIG_DFL && default_ignored((int)a0)))
			__atomic_fetch_or(&signal_ignored, BIT(a0), __ATOMIC_ACQ_REL);
		else
			__atomic_fetch_and(&signal_ignored, ~BIT(a0), __ATOMIC_ACQ_REL);
	}
	return 0;
}

SYSCALL(rt_sigprocmask)
{
	struct thread *t = thread_self();
	uint64_t set, old = t->t_sigmask;

	if (a3 != 8)
		return -EINVAL;
	if (a1) {
		if (copy_from_user(&set, (void *)a1, 8))
			return -EFAULT;
		switch (a0) {
		case 0:
			t->t_sigmask |= set;
			break; /* SIG_BLOCK */
		case 1:
			t->t_sigmask &= ~set;
			break; /* SIG_UNBLOCK */
		case 2:
			t->t_sigmask = set;
			break; /* SIG_SETMASK */
		default:
			return -EINVAL;
		}
		t->t_sigmask &= ~(BIT(SIGKILL) | BIT(SIGSTOP));
	}
	if (a2 && copy_to_user((void *)a2, &old, 8))
		return -EFAULT;
	return 0;
}

SYSCALL(rt_sigpending)
{
	struct thread *t = thread_self();
	uint64_t p = (__atomic_load_n(&t->t_sigpending, __ATOMIC_ACQUIRE) |
	              __atomic_load_n(&signal_shared_pending, __ATOMIC_ACQUIRE)) &
	             t->t_sigmask;

	return a1 != 8 ? -EINVAL : copy_to_user((void *)a0, &p, 8) ? -EFAULT : 0;
}

SYSCALL(sigaltstack)
{
	struct thread *t = thread_self();
	struct {
		uint64_t sp;
		int32_t flags, pad;
		uint64_t size;
	} ss, old = {t->t_altstack, t->t_altsize ? (t->t_on_altstack ? SS_ONSTACK : 0) : SS_DISABLE,
	             0, t->t_altsize};

	if (a0) {
		if (copy_from_user(&ss, (void *)a0, sizeof(ss)))
			return -EFAULT;
		if (t->t_on_altstack)
			return -EPERM;
		/* Linux: a mode of 0, SS_ONSTACK or SS_DISABLE, else -EINVAL.
		 * XXX: SS_AUTODISARM (1 << 31) is refused too, not honoured */
		int mode = ss.flags;
		if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
			return -EINVAL;
		if (mode == SS_DISABLE) {
			t->t_altstack = t->t_altsize = 0;
		} else {
			if (ss.size < 2048)
				return -ENOMEM;
			t->t_altstack = ss.sp;
			t->t_altsize = ss.size;
		}
	}
	if (a1 && copy_to_user((void *)a1, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

void arch_resume_trapframe(const struct trapframe *tf) __noreturn;

static long
restore_fpu(void *area)
{
	arch_fpu_restore(area);
	return 0;
}

/* back from the handler: everything as the frame says */
SYSCALL(rt_sigreturn)
{
	struct syscall_frame *f = arch_syscall_frame();
	struct thread *t = thread_self();
	struct linux_ucontext uc;
	struct trapframe tf;
	size_t fpsize = arch_fpu_area_size();
	uint8_t *fp, *fpa;

	if (copy_from_user(&uc, (void *)f->rsp, sizeof(uc)))
		die(11);
	fp = kmalloc(fpsize + 64);
	if (!fp)
		die(11);
	fpa = (uint8_t *)ALIGN_UP((uintptr_t)fp, 64);
	if (copy_from_user(fpa, (void *)uc.mc.fpstate, fpsize) ||
	    arch_try((long (*)(void *))restore_fpu, fpa, NULL)) {
		kfree(fp);
		die(11); /* a frame the app broke */
	}
	kfree(fp);
	t->t_sigmask = uc.sigmask & ~(BIT(SIGKILL) | BIT(SIGSTOP));
	t->t_on_altstack =
	    t->t_altsize && uc.mc.rsp >= t->t_altstack && uc.mc.rsp < t->t_altstack + t->t_altsize;
	tf = (struct trapframe){
	    .r15 = uc.mc.r15,
	    .r14 = uc.mc.r14,
	    .r13 = uc.mc.r13,
	    .r12 = uc.mc.r12,
	    .r11 = uc.mc.r11,
	    .r10 = uc.mc.r10,
	    .r9 = uc.mc.r9,
	    .r8 = uc.mc.r8,
	    .rbp = uc.mc.rbp,
	    .rdi = uc.mc.rdi,
	    .rsi = uc.mc.rsi,
	    .rdx = uc.mc.rdx,
	    .rcx = uc.mc.rcx,
	    .rbx = uc.mc.rbx,
	    .rax = uc.mc.rax,
	    .rip = uc.mc.rip,
	    .cs = 0x08,
	    .rflags = (uc.mc.rflags & 0xcd5) | 0x202,
	    .rsp = uc.mc.rsp,
	    .ss = 0x10,
	};
	if (tf.rip >= USER_TOP)
		die(11);
	irq_disable();
	/* a signal the restored mask lets through runs now, not at the
	 * app's next system call (one raised inside its own handler) */
	signal_trap_exit(&tf);
	arch_resume_trapframe(&tf);
}

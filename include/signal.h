/* Signals for the app (Linux x86-64 semantics for what is here):
 * handlers (rt_sigaction), masks, sigaltstack, the signal frame and
 * rt_sigreturn; faults in app code delivered to a handler; signals to
 * the process (kill, rt_sigqueueinfo, timers) and to one thread
 * (tgkill, rt_tgsigqueueinfo, SIGEV_THREAD_ID), with their siginfo
 * queued (real-time signals once per send, standard ones once);
 * rt_sigsuspend, pause, rt_sigtimedwait; POSIX timers on the wall and
 * CPU-time clocks (core/time/posix_timer.c);
 * alarm/setitimer/getitimer (ITIMER_REAL, ITIMER_VIRTUAL,
 * ITIMER_PROF). A signal is delivered whenever its thread returns to
 * app code: from a system call, from an interrupt or exception that
 * interrupted the app (a thread running on another CPU gets an IPI,
 * so a thread that spins without system calls takes it within a
 * slice), and from rt_sigreturn when the restored mask lets a pending
 * one through; one that arrives while the thread blocks in an
 * interruptible call (sleeps, futex wait, pipe and eventfd I/O,
 * poll/select/epoll, sigsuspend) wakes it, and the call ends with
 * -EINTR or restarts as on Linux (the -ERESTART* codes of errno.h,
 * resolved in signal_syscall_exit).
 *
 * A blocking call an app signal may interrupt:
 *   for (;;) {
 *           sched_prepare_block();
 *           if (ready) { sched_cancel_block(); break; }
 *           if (signal_pending()) { sched_cancel_block(); return -ERESTARTSYS; }
 *           sched_block_until(deadline);
 *   }
 */
#ifndef UNUM_SIGNAL_H
#define UNUM_SIGNAL_H

#include "arch.h"
#include "types.h"
#include "uapi/signal.h"

struct thread;

/* A fault in app code: deliver 'sig' to its handler by rewriting tf.
 * false when the signal is not handled (then the VM ends with 128+sig). */
bool signal_fault(struct trapframe *tf, int sig, int code, uintptr_t addr);
/* At the end of every system call made through the SYSCALL door: turn
 * an -ERESTART* result into -EINTR or a restart of call 'nr', deliver a
 * pending signal by rewriting f, put back a mask sigsuspend/ppoll
 * replaced. */
void signal_syscall_exit(struct syscall_frame *f, long nr);
/* is there anything for signal_syscall_exit to do? (the fast path;
 * syscall_dispatch asks again with interrupts off, until it says no) */
bool signal_exit_work(long ret);
/* An interrupt or exception that interrupted app code (user_mode(tf))
 * is about to return to it, interrupts off: deliver the signals pending
 * for the thread that it does not block, each by a frame built from tf
 * (every register and the FPU state, as rt_sigreturn restores them).
 * Returns with interrupts off, nothing left to deliver. */
void signal_trap_exit(struct trapframe *tf);
/* make sig pending on thread t (interrupt context too), as from kill:
 * si_code SI_USER; 0 or -EINVAL */
long signal_raise(struct thread *t, int sig);
/* send sig to thread t, or to the process (t NULL: any app thread that
 * does not block it takes it), with 'info' (NULL: SI_USER from pid 1).
 * Real-time signals queue one siginfo per send: -EAGAIN when there is
 * no memory for it. With 'info', call from thread context only. */
long signal_send(struct thread *t, int sig, const struct ksiginfo *info);
/* for the calling thread: a signal it does not block (nor ignore) is
 * pending, so an interruptible wait should end */
bool signal_pending(void);
/* sleep until the deadline (monotonic ns; 0: none): 0 when it passed,
 * -EINTR when signal_pending() ends it first */
int signal_sleep_until(uint64_t deadline_ns);
/* ppoll, pselect6, epoll_pwait, rt_sigsuspend: block with the app's
 * sigset at 'uset' (8 bytes) until the call returns; the old mask comes
 * back at system-call exit (after a handler, through its frame).
 * 0, -EINVAL (size), -EFAULT. */
long signal_wait_mask(const void *uset, size_t size);
/* nanosleep and clock_nanosleep: sleep to 'deadline' (monotonic ns);
 * when a signal interrupts a relative sleep, the time left goes to
 * 'urem' (when not NULL) and restart_syscall can resume it */
long signal_nanosleep(uint64_t deadline_ns, bool relative, void *urem);
/* an app thread ends: its queued signals and timers aimed at it go */
void signal_thread_exit(struct thread *t);

#endif

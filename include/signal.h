/* Signals for the app (Linux x86-64 semantics for what is here):
 * handlers (rt_sigaction), masks, sigaltstack, the signal frame and
 * rt_sigreturn; faults in app code delivered to a handler; kill/tgkill
 * to the app's own threads, delivered when the target next returns from
 * a system call (XXX: a thread spinning in app code without system
 * calls sees an asynchronous signal only then); alarm and setitimer
 * (ITIMER_REAL) raise SIGALRM; timer_create is not there yet. */
#ifndef UNUM_SIGNAL_H
#define UNUM_SIGNAL_H

#include "arch.h"
#include "types.h"

/* A fault in app code: deliver 'sig' to its handler by rewriting tf.
 * false when the signal is not handled (then the VM ends with 128+sig). */
bool signal_fault(struct trapframe *tf, int sig, int code, uintptr_t addr);
/* at the end of a system call: deliver a pending signal by rewriting f */
void signal_deliver_pending(struct syscall_frame *f);
/* make sig pending on thread t (interrupt context too); 0 or -EINVAL */
struct thread;
long signal_raise(struct thread *t, int sig);

#endif

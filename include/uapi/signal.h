/* Signals: numbers, actions, si_code values, sigevent and the layouts the
 * kernel copies to and from the app, Linux x86-64 values (asm/signal.h,
 * asm-generic/siginfo.h, asm-generic/signal-defs.h). */
#ifndef UNUM_UAPI_SIGNAL_H
#define UNUM_UAPI_SIGNAL_H

#include "types.h"

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPWR 30
#define SIGSYS 31
#define NSIG 64 /* signals 1..64; 32..64 real-time */

#define SIG_DFL 0
#define SIG_IGN 1

/* sa_flags */
#define SA_SIGINFO 4
#define SA_RESTORER 0x04000000
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000

/* ss_flags */
#define SS_ONSTACK 1
#define SS_DISABLE 2

/* struct sigaction as rt_sigaction(2) takes it (the kernel's, not libc's) */
struct linux_sigaction {
	uint64_t handler, flags, restorer, mask;
};

/* si_code */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TIMER (-2)
#define SI_TKILL (-6)
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTDIV 3
#define FPE_FLTOVF 4
#define FPE_FLTUND 5
#define FPE_FLTRES 6
#define FPE_FLTINV 7
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define TRAP_BRKPT 1

/* Linux's siginfo_t (128 bytes) for what the kernel fills in: kill and
 * sigqueue (pid, uid, value), timers (timer id, overrun, value) */
struct ksiginfo {
	int32_t si_signo, si_errno, si_code, si_pad;
	int32_t si_pid;    /* or si_timerid */
	int32_t si_uid;    /* or si_overrun */
	uint64_t si_value; /* union sigval */
	uint8_t si_rest[96];
};
_Static_assert(sizeof(struct ksiginfo) == 128, "siginfo size");

/* struct sigevent (timer_create): sigev_notify */
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD 2
#define SIGEV_THREAD_ID 4

struct linux_sigevent {
	uint64_t value;
	int32_t signo, notify, tid;
	int32_t pad[11];
};

/* The signal frame on x86-64 (asm/sigcontext.h, asm/ucontext.h and
 * arch/x86/include/asm/sigframe.h): the machine context in the order of
 * struct sigcontext, the ucontext around it, and rt_sigframe: the
 * handler's return address, the ucontext, the siginfo. */
struct linux_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp;
	uint64_t rip, rflags, csgsfs, err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved[8];
};
_Static_assert(sizeof(struct linux_sigcontext) == 256, "sigcontext size");

struct linux_ucontext {
	uint64_t flags, link;
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
	struct linux_sigcontext mc;
	uint64_t sigmask;
};
_Static_assert(__builtin_offsetof(struct linux_ucontext, mc) == 40, "ucontext layout");

struct linux_rt_sigframe {
	uint64_t pretcode;
	struct linux_ucontext uc;
	uint8_t info[128];
};
_Static_assert(sizeof(struct linux_rt_sigframe) == 440, "rt_sigframe size");

#endif

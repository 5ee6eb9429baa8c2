/* In-guest checks of asynchronous signals reaching code that makes no
 * system call: a thread spinning in registers gets a signal sent by
 * another thread (pthread_kill), the main thread spinning gets SIGALRM
 * from setitimer(ITIMER_REAL), and in both the spinner's registers,
 * flags, vector registers and MXCSR survive the handler; a signal raised
 * inside its own handler runs as soon as sigreturn unblocks it. Each
 * spin ends once its handler ran, and after 10 s at most (a watchdog
 * thread). Latencies are printed, not checked. */
#define _GNU_SOURCE
#include "tap.h"
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* the spinner's state, at fixed offsets for spin_regs below */
struct spin {
	volatile int handled; /* 0: set by the handler */
	volatile int stop;    /* 4: set by the watchdog at 10 s */
	uint64_t gpr[15];     /* 8: rax rbx rcx rdx rsi rdi rbp r8..r15 at the end */
	uint64_t xmm[32];     /* 128: xmm0..15, in at the start and out at the end */
	uint32_t mxcsr;       /* 384: in and out */
};

/* void spin_regs(struct spin *s): count in r15 until s->handled or
 * s->stop, every other register moving in step with it (an add-with-
 * carry chain carries the flags across iterations), MXCSR as s says */
__asm__(".text\n"
        ".globl spin_regs\n"
        ".type spin_regs, @function\n"
        "spin_regs:\n"
        "	push %rbp; push %rbx; push %r12; push %r13; push %r14; push %r15\n"
        "	mov %rdi, %rbp\n"
        "	ldmxcsr 384(%rbp)\n"
        "	movdqu 128(%rbp), %xmm0; movdqu 144(%rbp), %xmm1\n"
        "	movdqu 160(%rbp), %xmm2; movdqu 176(%rbp), %xmm3\n"
        "	movdqu 192(%rbp), %xmm4; movdqu 208(%rbp), %xmm5\n"
        "	movdqu 224(%rbp), %xmm6; movdqu 240(%rbp), %xmm7\n"
        "	movdqu 256(%rbp), %xmm8; movdqu 272(%rbp), %xmm9\n"
        "	movdqu 288(%rbp), %xmm10; movdqu 304(%rbp), %xmm11\n"
        "	movdqu 320(%rbp), %xmm12; movdqu 336(%rbp), %xmm13\n"
        "	movdqu 352(%rbp), %xmm14; movdqu 368(%rbp), %xmm15\n"
        "	xor %eax, %eax; xor %ebx, %ebx; xor %ecx, %ecx; xor %edx, %edx\n"
        "	xor %esi, %esi; xor %edi, %edi; xor %r8d, %r8d; xor %r9d, %r9d\n"
        "	xor %r10d, %r10d; xor %r11d, %r11d; xor %r13d, %r13d\n"
        "	xor %r14d, %r14d; xor %r15d, %r15d\n"
        "	movabs $0x8000000000000000, %r12\n"
        "1:	add $1, %rax; add $2, %rbx; add $3, %rcx; add $4, %rdx\n"
        "	add $5, %rsi; add $6, %rdi; add $7, %r8; add $8, %r9\n"
        "	add $9, %r10; add $10, %r11\n"
        "	add %r12, %r13\n"
        "	adc $0, %r14\n"
        "	paddq %xmm15, %xmm0; paddq %xmm15, %xmm1; paddq %xmm15, %xmm2\n"
        "	paddq %xmm15, %xmm3; paddq %xmm15, %xmm4; paddq %xmm15, %xmm5\n"
        "	paddq %xmm15, %xmm6; paddq %xmm15, %xmm7; paddq %xmm15, %xmm8\n"
        "	paddq %xmm15, %xmm9; paddq %xmm15, %xmm10; paddq %xmm15, %xmm11\n"
        "	paddq %xmm15, %xmm12; paddq %xmm15, %xmm13; paddq %xmm15, %xmm14\n"
        "	inc %r15\n"
        "	cmpl $0, (%rbp)\n"
        "	jne 2f\n"
        "	cmpl $0, 4(%rbp)\n"
        "	je 1b\n"
        "2:	mov %rax, 8(%rbp); mov %rbx, 16(%rbp); mov %rcx, 24(%rbp)\n"
        "	mov %rdx, 32(%rbp); mov %rsi, 40(%rbp); mov %rdi, 48(%rbp)\n"
        "	mov %rbp, 56(%rbp); mov %r8, 64(%rbp); mov %r9, 72(%rbp)\n"
        "	mov %r10, 80(%rbp); mov %r11, 88(%rbp); mov %r12, 96(%rbp)\n"
        "	mov %r13, 104(%rbp); mov %r14, 112(%rbp); mov %r15, 120(%rbp)\n"
        "	movdqu %xmm0, 128(%rbp); movdqu %xmm1, 144(%rbp)\n"
        "	movdqu %xmm2, 160(%rbp); movdqu %xmm3, 176(%rbp)\n"
        "	movdqu %xmm4, 192(%rbp); movdqu %xmm5, 208(%rbp)\n"
        "	movdqu %xmm6, 224(%rbp); movdqu %xmm7, 240(%rbp)\n"
        "	movdqu %xmm8, 256(%rbp); movdqu %xmm9, 272(%rbp)\n"
        "	movdqu %xmm10, 288(%rbp); movdqu %xmm11, 304(%rbp)\n"
        "	movdqu %xmm12, 320(%rbp); movdqu %xmm13, 336(%rbp)\n"
        "	movdqu %xmm14, 352(%rbp); movdqu %xmm15, 368(%rbp)\n"
        "	stmxcsr 384(%rbp)\n"
        "	movl $0x1f80, -8(%rsp); ldmxcsr -8(%rsp)\n"
        "	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbx; pop %rbp\n"
        "	ret\n"
        ".size spin_regs, .-spin_regs\n");
void spin_regs(struct spin *s);

#define MXCSR_TOWARD_ZERO 0x7f80

static struct spin sp;
static struct timespec sent_at, handled_at;
static pthread_t handler_thread;
static sem_t done;

static void
spin_prepare(void)
{
	sp.handled = sp.stop = 0;
	for (int i = 0; i < 15; i++) {
		sp.xmm[2 * i] = 1000u * i;
		sp.xmm[2 * i + 1] = 1000u * i + 7;
	}
	sp.xmm[30] = 1;
	sp.xmm[31] = 3;
	sp.mxcsr = MXCSR_TOWARD_ZERO;
}

/* the registers at the spin's end are what n iterations make */
static int
spin_intact(void)
{
	uint64_t n = sp.gpr[14];
	static const int gi[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10}; /* rax..rdi, r8..r11 */
	int ok = 1;

	for (int k = 0; k < 10; k++)
		if (sp.gpr[gi[k]] != n * (k + 1)) {
			printf("# register %d: expected %#llx, got %#llx\n", gi[k],
			       (unsigned long long)(n * (k + 1)),
			       (unsigned long long)sp.gpr[gi[k]]);
			ok = 0;
		}
	if (sp.gpr[6] != (uintptr_t)&sp || sp.gpr[11] != 0x8000000000000000ull ||
	    sp.gpr[12] != (n & 1 ? 0x8000000000000000ull : 0) || sp.gpr[13] != n / 2) {
		printf("# rbp %#llx r12 %#llx r13 %#llx r14 %llu (n %llu)\n",
		       (unsigned long long)sp.gpr[6], (unsigned long long)sp.gpr[11],
		       (unsigned long long)sp.gpr[12], (unsigned long long)sp.gpr[13],
		       (unsigned long long)n);
		ok = 0;
	}
	for (int i = 0; i < 15; i++)
		if (sp.xmm[2 * i] != 1000u * i + n || sp.xmm[2 * i + 1] != 1000u * i + 7 + 3 * n) {
			printf("# xmm%d: expected {%llu, %llu}, got {%llu, %llu}\n", i,
			       (unsigned long long)(1000u * i + n),
			       (unsigned long long)(1000u * i + 7 + 3 * n),
			       (unsigned long long)sp.xmm[2 * i],
			       (unsigned long long)sp.xmm[2 * i + 1]);
			ok = 0;
		}
	if (sp.xmm[30] != 1 || sp.xmm[31] != 3 || sp.mxcsr != MXCSR_TOWARD_ZERO) {
		printf("# xmm15 {%llu, %llu}, MXCSR %#x (expected {1, 3}, %#x)\n",
		       (unsigned long long)sp.xmm[30], (unsigned long long)sp.xmm[31], sp.mxcsr,
		       MXCSR_TOWARD_ZERO);
		ok = 0;
	}
	return ok;
}

/* the handler leaves every register it may touch changed, MXCSR too */
static void
on_spin_signal(int sig)
{
	uint32_t m = 0x1f80;

	clock_gettime(CLOCK_MONOTONIC, &handled_at);
	handler_thread = pthread_self();
	__asm__ volatile("ldmxcsr %0\n"
	                 "pcmpeqd %%xmm0, %%xmm0; pcmpeqd %%xmm1, %%xmm1\n"
	                 "pcmpeqd %%xmm2, %%xmm2; pcmpeqd %%xmm3, %%xmm3\n"
	                 "pcmpeqd %%xmm4, %%xmm4; pcmpeqd %%xmm5, %%xmm5\n"
	                 "pcmpeqd %%xmm6, %%xmm6; pcmpeqd %%xmm7, %%xmm7\n"
	                 "pcmpeqd %%xmm8, %%xmm8; pcmpeqd %%xmm9, %%xmm9\n"
	                 "pcmpeqd %%xmm10, %%xmm10; pcmpeqd %%xmm11, %%xmm11\n"
	                 "pcmpeqd %%xmm12, %%xmm12; pcmpeqd %%xmm13, %%xmm13\n"
	                 "pcmpeqd %%xmm14, %%xmm14; pcmpeqd %%xmm15, %%xmm15\n"
	                 "mov $-1, %%rax; mov %%rax, %%rcx; mov %%rax, %%rdx\n"
	                 "mov %%rax, %%rsi; mov %%rax, %%rdi; mov %%rax, %%r8\n"
	                 "mov %%rax, %%r9; mov %%rax, %%r10; mov %%rax, %%r11\n"
	                 "add $1, %%rax\n" /* CF set, ZF set */
	                 :
	                 : "m"(m)
	                 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0",
	                   "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
	                   "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc");
	sp.handled = 1;
}

static long
us_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000 + (b->tv_nsec - a->tv_nsec) / 1000;
}

/* ends a spin whose handler did not run within 10 s */
static void *
watchdog(void *arg)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	while (sem_timedwait(&done, &dl) == -1 && errno == EINTR)
		;
	if (!sp.handled)
		sp.stop = 1;
	return NULL;
}

static void *
spinner(void *arg)
{
	spin_regs(&sp);
	return NULL;
}

/* another thread spins; this one sends it SIGUSR1 (and is its watchdog) */
static void
test_thread_kill(void)
{
	pthread_t t;
	struct timespec ts = {0, 50000000}, dl;

	spin_prepare();
	signal(SIGUSR1, on_spin_signal);
	CHECK(pthread_create(&t, NULL, spinner, NULL) == 0, "start a spinning thread");
	nanosleep(&ts, NULL); /* let it get into the loop */
	clock_gettime(CLOCK_MONOTONIC, &sent_at);
	CHECK(pthread_kill(t, SIGUSR1) == 0, "pthread_kill the spinner");
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	ts.tv_nsec = 1000000;
	while (!sp.handled) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		if (now.tv_sec > dl.tv_sec ||
		    (now.tv_sec == dl.tv_sec && now.tv_nsec >= dl.tv_nsec))
			break;
		nanosleep(&ts, NULL);
	}
	if (!sp.handled)
		sp.stop = 1;
	pthread_join(t, NULL);
	CHECK(sp.handled && !sp.stop && pthread_equal(handler_thread, t),
	      "the spinning thread ran its handler before the spin ended");
	if (sp.handled)
		printf("# pthread_kill to handler: %ld us, %llu iterations\n",
		       us_between(&sent_at, &handled_at), (unsigned long long)sp.gpr[14]);
	CHECK(spin_intact(), "the spinner's registers, flags and FPU state survive the handler");
}

/* the main thread spins; SIGALRM from setitimer interrupts it */
static void
test_itimer(void)
{
	pthread_t w;
	sigset_t set;
	struct itimerval itv = {{0, 0}, {0, 20000}};

	spin_prepare();
	sem_init(&done, 0, 0);
	signal(SIGALRM, on_spin_signal);
	/* the watchdog blocks SIGALRM, so it cannot be the one to take it */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	CHECK(pthread_create(&w, NULL, watchdog, NULL) == 0, "start a watchdog");
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	clock_gettime(CLOCK_MONOTONIC, &sent_at);
	CHECK(setitimer(ITIMER_REAL, &itv, NULL) == 0, "setitimer ITIMER_REAL 20 ms");
	spin_regs(&sp);
	sem_post(&done);
	pthread_join(w, NULL);
	CHECK(sp.handled && !sp.stop && pthread_equal(handler_thread, pthread_self()),
	      "SIGALRM interrupts the spinning main thread");
	if (sp.handled)
		printf("# setitimer to handler: %ld us (20,000 us asked)\n",
		       us_between(&sent_at, &handled_at));
	CHECK(spin_intact(), "registers, flags and FPU state survive the SIGALRM handler");
}

static volatile int nested_runs, nested_inside;

static void
on_usr2(int sig)
{
	if (++nested_runs == 1) {
		raise(SIGUSR2); /* blocked while this handler runs: it waits */
		nested_inside = nested_runs;
	}
}

/* a signal raised in its own handler runs when sigreturn unblocks it,
 * before the app's next system call */
static void
test_nested_raise(void)
{
	long looks = 0;

	signal(SIGUSR2, on_usr2);
	raise(SIGUSR2);
	while (nested_runs < 2 && looks < 100000000)
		looks++;
	CHECK(nested_inside == 1, "the signal waits while its handler runs");
	CHECK(nested_runs == 2 && looks == 0,
	      "sigreturn delivers the signal it unblocks, before any system call");
	if (nested_runs != 2 || looks)
		printf("# handler runs %d, seen after %ld looks\n", nested_runs, looks);
}

int
main(void)
{
	test_nested_raise();
	test_thread_kill();
	test_itimer();
	return tap_done();
}

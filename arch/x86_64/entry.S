/* Interrupt and exception entry. Every vector enters on an IST stack
 * (the app owns the red zone below its %rsp). Vectors on IST1 move their
 * frame to the running thread's kernel stack before any C runs, so a
 * handler may block or switch threads (DESIGN.md "Ring 0"): below the
 * interrupted %rsp when that is already on the kernel stack, at its top
 * otherwise. NMI, #DF and #MC stay on their own per-CPU IST stacks. */
#include "asm.h"

#define FRAME_QWORDS 9	/* rbx, rax, vector, error, rip, cs, rflags, rsp, ss */

	.section .text.entry, "ax"

	.macro stub vec
	.balign 16
	.if (\vec == 8 || \vec == 10 || \vec == 11 || \vec == 12 || \vec == 13 || \vec == 14 || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	.if (\vec == 2 || \vec == 8 || \vec == 18)
	jmp isr_nocopy
	.else
	jmp isr_copy
	.endif
	.endm

	.globl isr_stubs
	.balign 16
isr_stubs:
	vec = 0
	.rept 256
	stub vec
	vec = vec + 1
	.endr

isr_copy:
	push %rax
	push %rbx
	mov 7*8(%rsp), %rax		/* interrupted rsp */
	mov %gs:PCPU_KSTACK_LO, %rbx
	cmp %rbx, %rax
	jbe 1f
	cmp %gs:PCPU_KSTACK_HI, %rax
	ja 1f
	and $-16, %rax			/* already on the kernel stack: go below */
	jmp 2f
1:	mov %gs:PCPU_KSTACK_HI, %rax
2:	sub $FRAME_QWORDS*8, %rax
	/* copy the nine qwords, then move onto the new stack */
	mov 0*8(%rsp), %rbx; mov %rbx, 0*8(%rax)
	mov 1*8(%rsp), %rbx; mov %rbx, 1*8(%rax)
	mov 2*8(%rsp), %rbx; mov %rbx, 2*8(%rax)
	mov 3*8(%rsp), %rbx; mov %rbx, 3*8(%rax)
	mov 4*8(%rsp), %rbx; mov %rbx, 4*8(%rax)
	mov 5*8(%rsp), %rbx; mov %rbx, 5*8(%rax)
	mov 6*8(%rsp), %rbx; mov %rbx, 6*8(%rax)
	mov 7*8(%rsp), %rbx; mov %rbx, 7*8(%rax)
	mov 8*8(%rsp), %rbx; mov %rbx, 8*8(%rax)
	mov %rax, %rsp
	pop %rbx
	pop %rax
	jmp isr_common

isr_nocopy:
isr_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
	mov %rsp, %rdi
	/* a frame-pointer link so backtraces cross into the interrupted code */
	mov 17*8(%rsp), %rax		/* rip */
	push %rax
	push %rbp
	mov %rsp, %rbp
	call trap_dispatch
	add $16, %rsp
	.globl trap_return
trap_return:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp			/* vector, error */
	iretq

	.globl arch_resume_trapframe
/* void arch_resume_trapframe(const struct trapframe *tf): every register
 * as tf says, by the interrupt return path (rt_sigreturn) */
arch_resume_trapframe:
	mov %rdi, %rsp
	jmp trap_return

/* long arch_try(long (*fn)(void *), void *arg, int *vector): see arch.h.
 * struct recover on the stack: rsp, rip, vector, prev, rbp. */
	.text
	.globl arch_try
arch_try:
	push %rbp
	mov %rsp, %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdx
	sub $80, %rsp
	mov %rsp, 0(%rsp)
	lea try_landing(%rip), %rax
	mov %rax, 8(%rsp)
	movq $-1, 16(%rsp)
	mov %gs:PCPU_RECOVER, %rax
	mov %rax, 24(%rsp)
	mov %rbp, 32(%rsp)
	mov %rsp, %gs:PCPU_RECOVER
	mov %rdi, %rax
	mov %rsi, %rdi
	call *%rax
	mov 24(%rsp), %rcx
	mov %rcx, %gs:PCPU_RECOVER
	jmp try_out
	.globl try_landing
try_landing:
	mov 24(%rsp), %rcx
	mov %rcx, %gs:PCPU_RECOVER
	mov 80(%rsp), %rdx
	test %rdx, %rdx
	jz try_out
	mov 16(%rsp), %ecx
	mov %ecx, (%rdx)
try_out:
	add $88, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

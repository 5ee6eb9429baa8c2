/* Thread context switch: callee-saved registers on the old stack, stack
 * pointers exchanged. A new thread's stack is laid out (core/sched/thread.c)
 * so that the first switch "returns" into thread_entry. */
	.text
	.globl arch_switch
/* void arch_switch(uintptr_t *save_rsp, uintptr_t new_rsp) */
arch_switch:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

	.globl arch_thread_entry
/* first code of a new thread: r12 = function, r13 = argument */
arch_thread_entry:
	xor %ebp, %ebp
	mov %r13, %rdi
	mov %r12, %rsi
	call thread_start
	ud2

/* Vector-register check for the in-guest scheduler tests: fill
 * xmm0-xmm15 (and the ymm upper halves with AVX) from a seed, spin, and
 * verify nothing changed; preemption in between must not leak another
 * thread's registers in. Kernel C cannot touch these registers
 * (-mgeneral-regs-only), hence assembly.
 * long vec_check(uint64_t seed, long iters, int avx): 0 or 1 + bad reg */
	.text
	.globl vec_check
vec_check:
	push %rbx
	mov %rdi, %rax
	/* xmmN = (seed + N) in both halves */
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	lea \n(%rdi), %rax
	movq %rax, %xmm\n
	punpcklqdq %xmm\n, %xmm\n
	.endr
	test %edx, %edx
	jz 2f
	/* ymm upper halves = lower halves */
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vinsertf128 $1, %xmm\n, %ymm\n, %ymm\n
	.endr
2:	mov %rsi, %rcx
1:	pause
	dec %rcx
	jnz 1b
	/* verify: compare each with the expected value rebuilt in rax */
	xor %ebx, %ebx
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	lea \n(%rdi), %rax
	movq %xmm\n, %r8
	cmp %rax, %r8
	jne 9f
	pshufd $0x4e, %xmm\n, %xmm\n	/* SSE2 (qemu64 has no pextrq) */
	movq %xmm\n, %r8
	cmp %rax, %r8
	jne 9f
	inc %ebx
	.endr
	test %edx, %edx
	jz 3f
	xor %ebx, %ebx
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	lea \n(%rdi), %rax
	vextractf128 $1, %ymm\n, %xmm\n
	movq %xmm\n, %r8
	cmp %rax, %r8
	jne 9f
	inc %ebx
	.endr
3:	xor %eax, %eax
	pop %rbx
	ret
9:	lea 1(%rbx), %rax
	pop %rbx
	ret

	.globl gpr_check
/* long gpr_check(uint64_t seed, long iters): all general registers
 * loaded from the seed, spun on, checked: 0 or 1 + first bad register */
gpr_check:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsi, %rcx
	lea 1(%rdi), %rax
	lea 2(%rdi), %rbx
	lea 3(%rdi), %rdx
	lea 4(%rdi), %rbp
	lea 5(%rdi), %r8
	lea 6(%rdi), %r9
	lea 7(%rdi), %r10
	lea 8(%rdi), %r11
	lea 9(%rdi), %r12
	lea 10(%rdi), %r13
	lea 11(%rdi), %r14
	lea 12(%rdi), %r15
	mov %rdi, %rsi
1:	pause
	dec %rcx
	jnz 1b
	mov $1, %ecx
	lea 1(%rdi), %rsi; cmp %rsi, %rax; jne 8f; inc %ecx
	lea 2(%rdi), %rsi; cmp %rsi, %rbx; jne 8f; inc %ecx
	lea 3(%rdi), %rsi; cmp %rsi, %rdx; jne 8f; inc %ecx
	lea 4(%rdi), %rsi; cmp %rsi, %rbp; jne 8f; inc %ecx
	lea 5(%rdi), %rsi; cmp %rsi, %r8; jne 8f; inc %ecx
	lea 6(%rdi), %rsi; cmp %rsi, %r9; jne 8f; inc %ecx
	lea 7(%rdi), %rsi; cmp %rsi, %r10; jne 8f; inc %ecx
	lea 8(%rdi), %rsi; cmp %rsi, %r11; jne 8f; inc %ecx
	lea 9(%rdi), %rsi; cmp %rsi, %r12; jne 8f; inc %ecx
	lea 10(%rdi), %rsi; cmp %rsi, %r13; jne 8f; inc %ecx
	lea 11(%rdi), %rsi; cmp %rsi, %r14; jne 8f; inc %ecx
	lea 12(%rdi), %rsi; cmp %rsi, %r15; jne 8f
	xor %ecx, %ecx
8:	mov %rcx, %rax
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

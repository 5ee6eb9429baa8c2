/* Copies to and from pointers the kernel was handed. A fault on the
 * handed-in side lands at the fixup (ex_table) and returns -EFAULT;
 * include/uaccess.h checks the range first. */
	.text
	.globl arch_copy_user
/* long arch_copy_user(void *dst, const void *src, size_t n): 0 or -EFAULT */
arch_copy_user:
	/* eight bytes a step, then the rest: under TCG each step of a rep
	 * prefix is a pass of its own (a fault in either is -EFAULT) */
	mov %rdx, %rcx
	shr $3, %rcx
1:	rep movsq
	mov %rdx, %rcx
	and $7, %rcx
7:	rep movsb
	xor %eax, %eax
	ret
2:	mov $-14, %rax
	ret

	.globl arch_strncpy_user
/* long arch_strncpy_user(char *dst, const char *src, size_t max):
 * length copied without the NUL (NUL stored), max if none within max,
 * or -EFAULT */
arch_strncpy_user:
	xor %eax, %eax
3:	cmp %rdx, %rax
	je 5f
4:	movb (%rsi, %rax), %cl
	movb %cl, (%rdi, %rax)
	test %cl, %cl
	jz 5f
	inc %rax
	jmp 3b
5:	ret
6:	mov $-14, %rax
	ret

	.section ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.quad 7b, 2b
	.quad 4b, 6b

/* The futex word's atomic update in app memory: a lock cmpxchg whose
 * fault lands at the fixup (ex_table) and returns -EFAULT, as the copies
 * of uaccess.S. include/uaccess.h checks the range first. */
	.text
	.globl arch_cmpxchg_user32
/* long arch_cmpxchg_user32(uint32_t *uaddr, uint32_t old, uint32_t new):
 * the word as it was (replaced by new when it was old), or -EFAULT */
arch_cmpxchg_user32:
	mov %esi, %eax
1:	lock cmpxchg %edx, (%rdi)
	ret /* %eax: the old word, zero-extended into %rax */
2:	mov $-14, %rax
	ret

	.section ex_table, "a"
	.balign 8
	.quad 1b, 2b

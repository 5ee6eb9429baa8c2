/* musl's __clone (src/thread/x86_64/clone.s, this file takes its place in
 * the kernel's musl) through door 2: clone and the child's exit are calls
 * of the kernel's door2_entry (the import __unum_door) where musl has
 * SYSCALL. The call's return address goes on the caller's stack and the
 * door takes it off again, so the child starts after the call on the
 * stack clone gave it, as after a SYSCALL. rbx holds the door: the
 * parent's is kept on its stack, the child needs none back.
 * __clone(func, stack, flags, arg, ptid, tls, ctid) */
.text
.global __clone
.hidden __clone
.type   __clone,@function
__clone:
	push %rbx
	xor %eax,%eax
	mov $56,%al
	mov %rdi,%r11
	mov %rdx,%rdi
	mov %r8,%rdx
	mov %r9,%r8
	mov 16(%rsp),%r10
	mov %r11,%r9
	and $-16,%rsi
	sub $8,%rsi
	mov %rcx,(%rsi)
	mov __unum_door@GOTPCREL(%rip),%rbx
	call *%rbx
	test %eax,%eax
	jnz 1f
	xor %ebp,%ebp
	pop %rdi
	call *%r9
	mov %eax,%edi
	xor %eax,%eax
	mov $60,%al
	mov __unum_door@GOTPCREL(%rip),%rbx
	call *%rbx
	hlt
1:	pop %rbx
	ret
	.section .note.GNU-stack, "", @progbits

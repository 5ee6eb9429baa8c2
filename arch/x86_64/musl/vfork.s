/* musl's vfork (src/process/x86_64/vfork.s, this file takes its place in
 * the kernel's musl) through door 2 (the import __unum_door) where musl
 * has SYSCALL. As musl's, the return address is off the stack while the
 * call is made, so a child sharing the stack cannot spoil it; the door's
 * own return address is taken off at its entry. rbx (callee-saved, here
 * the door) waits in r8, which the door keeps and the ABI lets us use. */
.global vfork
.type vfork,@function
vfork:
	pop %rdx
	mov %rbx,%r8
	mov __unum_door@GOTPCREL(%rip),%rbx
	mov $58,%eax
	call *%rbx
	mov %r8,%rbx
	push %rdx
	mov %rax,%rdi
	.hidden __syscall_ret
	jmp __syscall_ret
	.section .note.GNU-stack, "", @progbits

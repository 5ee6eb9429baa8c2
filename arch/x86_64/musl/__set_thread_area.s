/* musl's __set_thread_area (src/thread/x86_64/__set_thread_area.s, this
 * file takes its place in the kernel's musl): arch_prctl(ARCH_SET_FS,
 * tp) through door 2 (the import __unum_door) where musl has SYSCALL;
 * rbx, callee-saved, is kept on the stack. */
.text
.global __set_thread_area
.hidden __set_thread_area
.type __set_thread_area,@function
__set_thread_area:
	push %rbx
	mov %rdi,%rsi
	movl $0x1002,%edi
	movl $158,%eax
	mov __unum_door@GOTPCREL(%rip),%rbx
	call *%rbx
	pop %rbx
	ret
	.section .note.GNU-stack, "", @progbits

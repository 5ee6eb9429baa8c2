/* musl's cancellable system call (src/thread/x86_64/syscall_cp.s, this
 * file takes its place in the kernel's musl) through door 2: the kernel's
 * door2_entry in rbx (the import __unum_door, bound by our dynamic
 * linker) called with the two-byte `call *%rbx` where musl has SYSCALL,
 * so a signal that interrupts a call to restart sees rip at the call,
 * inside [__cp_begin, __cp_end), as musl's cancel handler expects. */
.text
.global __cp_begin
.hidden __cp_begin
.global __cp_end
.hidden __cp_end
.global __cp_cancel
.hidden __cp_cancel
.hidden __cancel
.global __syscall_cp_asm
.hidden __syscall_cp_asm
.type   __syscall_cp_asm,@function
__syscall_cp_asm:
	push %rbx
	mov __unum_door@GOTPCREL(%rip),%rbx
__cp_begin:
	mov (%rdi),%eax
	test %eax,%eax
	jnz __cp_cancel
	mov %rdi,%r11
	mov %rsi,%rax
	mov %rdx,%rdi
	mov %rcx,%rsi
	mov %r8,%rdx
	mov %r9,%r10
	mov 16(%rsp),%r8
	mov 24(%rsp),%r9
	mov %r11,16(%rsp)
	call *%rbx
__cp_end:
	pop %rbx
	ret
__cp_cancel:
	pop %rbx
	jmp __cancel
	.section .note.GNU-stack, "", @progbits

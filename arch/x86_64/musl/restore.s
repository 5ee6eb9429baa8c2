/* musl's signal return (src/signal/x86_64/restore.s, this file takes its
 * place in the kernel's musl): a handler returns here, with rsp at the
 * ucontext of its frame, and rt_sigreturn goes through door 2 (the import
 * __unum_door) where musl has SYSCALL. The call's return address lands on
 * the frame's spent return slot and the door takes it off, so the kernel
 * sees the rsp a SYSCALL here would show; rbx is free, as rt_sigreturn
 * restores every register. The nop before is musl's, for unwinders. */
	nop
.global __restore_rt
.hidden __restore_rt
.type __restore_rt,@function
__restore_rt:
	mov $15,%eax
	mov __unum_door@GOTPCREL(%rip),%rbx
	call *%rbx
	hlt
.size __restore_rt,.-__restore_rt
	.section .note.GNU-stack, "", @progbits

/* musl's __unmapself (src/thread/x86_64/__unmapself.s, this file takes
 * its place in the kernel's musl): a detached thread unmaps its own stack
 * and exits, both through door 2 (the import __unum_door) where musl has
 * SYSCALL. The door's call pushes a return address, and after the munmap
 * the thread has no stack: both calls push theirs on a scratch word here,
 * which any number of exiting threads may write at once, as the door
 * takes it off at its entry and nothing reads it after. No signal frame
 * can land there: musl's pthread_exit blocked every signal first.
 * __unmapself(base, size) */
.text
.global __unmapself
.type   __unmapself,@function
__unmapself:
	lea __unum_unmap_sp(%rip),%rsp
	mov __unum_door@GOTPCREL(%rip),%rbx
	movl $11,%eax
	call *%rbx
	xor %edi,%edi
	movl $60,%eax
	call *%rbx
	hlt
.bss
	.align 16
	.zero 16
__unum_unmap_sp:
	.section .note.GNU-stack, "", @progbits

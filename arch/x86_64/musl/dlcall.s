/* long __unum_dlcall(long op, long a, long b, long c): the kernel's musl
 * asks our dynamic linker (loader/dynlink.c's dynlink_service) through
 * its door, door2_dl_entry, which our linker binds to the import
 * __unum_dl; the door takes SYSCALL's registers (rcx is lost). */
.text
.global __unum_dlcall
.hidden __unum_dlcall
.type __unum_dlcall,@function
__unum_dlcall:
	push %rbx
	mov %rcx,%r10
	mov __unum_dl@GOTPCREL(%rip),%rbx
	call *%rbx
	pop %rbx
	ret
	.section .note.GNU-stack, "", @progbits

/* long FN(long *off) (tests/e2e/dyn-tlsdesc.sh): one TLSDESC call of
 * TLSVAR (both given with -D) while every register but rax and rsp holds
 * a known value, the general ones and xmm0-15, which the x86-64 TLSDESC
 * ABI says the resolver keeps: 1 when they were all kept, else 0.
 * *off: what the call answered, TLSVAR's offset from the thread pointer.
 * Linked into libdyntlsdesc.so (dlopen'ed: a dynamic resolver, whose slow
 * path runs on a thread's first use) and libdyntlsdesc-needed.so (a
 * DT_NEEDED one: static TLS). */
	.text
	.globl FN
	.type FN,@function
FN:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi
	.irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	movdqa pattern+16*\r(%rip),%xmm\r
	.endr
	movabs $0x101010101010101,%rbx
	movabs $0x202020202020202,%rcx
	movabs $0x303030303030303,%rdx
	movabs $0x404040404040404,%rsi
	movabs $0x505050505050505,%rdi
	movabs $0x606060606060606,%rbp
	movabs $0x707070707070707,%r8
	movabs $0x808080808080808,%r9
	movabs $0x909090909090909,%r10
	movabs $0xa0a0a0a0a0a0a0a,%r11
	movabs $0xb0b0b0b0b0b0b0b,%r12
	movabs $0xc0c0c0c0c0c0c0c,%r13
	movabs $0xd0d0d0d0d0d0d0d,%r14
	movabs $0xe0e0e0e0e0e0e0e,%r15
	lea TLSVAR@tlsdesc(%rip),%rax
	call *TLSVAR@tlscall(%rax)
	push %rax
	movabs $0x101010101010101,%rax
	cmp %rax,%rbx
	jne 1f
	movabs $0x202020202020202,%rax
	cmp %rax,%rcx
	jne 1f
	movabs $0x303030303030303,%rax
	cmp %rax,%rdx
	jne 1f
	movabs $0x404040404040404,%rax
	cmp %rax,%rsi
	jne 1f
	movabs $0x505050505050505,%rax
	cmp %rax,%rdi
	jne 1f
	movabs $0x606060606060606,%rax
	cmp %rax,%rbp
	jne 1f
	movabs $0x707070707070707,%rax
	cmp %rax,%r8
	jne 1f
	movabs $0x808080808080808,%rax
	cmp %rax,%r9
	jne 1f
	movabs $0x909090909090909,%rax
	cmp %rax,%r10
	jne 1f
	movabs $0xa0a0a0a0a0a0a0a,%rax
	cmp %rax,%r11
	jne 1f
	movabs $0xb0b0b0b0b0b0b0b,%rax
	cmp %rax,%r12
	jne 1f
	movabs $0xc0c0c0c0c0c0c0c,%rax
	cmp %rax,%r13
	jne 1f
	movabs $0xd0d0d0d0d0d0d0d,%rax
	cmp %rax,%r14
	jne 1f
	movabs $0xe0e0e0e0e0e0e0e,%rax
	cmp %rax,%r15
	jne 1f
	.irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	pcmpeqb pattern+16*\r(%rip),%xmm\r
	pmovmskb %xmm\r,%eax
	cmp $0xffff,%eax
	jne 1f
	.endr
	mov $1,%eax
	jmp 2f
1:	xor %eax,%eax
2:	pop %rcx
	pop %rdi
	mov %rcx,(%rdi)
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
	.size FN,.-FN

	.section .rodata
	.balign 16
pattern: /* xmm0-15's values */
	.irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.quad 0x0123456789abcd00+\r, 0xfedcba9876543200+\r
	.endr
	.section .note.GNU-stack,"",@progbits

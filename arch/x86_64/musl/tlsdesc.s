/* The TLSDESC resolvers (x86-64 TLSDESC ABI: called with rax at the
 * descriptor, they return the variable's offset from the thread pointer
 * in rax and keep every other register, flags aside), exported from the
 * kernel's musl so that loader/dynlink.c can point descriptors at them.
 * musl's own are hidden. Exercised by tests/e2e/dyn-tlsdesc.sh.
 *
 * __unum_tlsdesc_static: a variable in the static TLS; the descriptor's
 * second word is its offset. */
.text
.global __unum_tlsdesc_static
.type __unum_tlsdesc_static,@function
__unum_tlsdesc_static:
	mov 8(%rax),%rax
	ret

/* __unum_tlsdesc_dynamic: a variable of a module dlopen'ed, outside the
 * static TLS. The descriptor's second word is the argument itself,
 * module id << 48 | offset in the module's block (the linker checks both
 * fit), so nothing is allocated for it: it goes with the object's GOT
 * when dlclose unmaps it. The thread's block is dtv[id] (struct
 * pthread's second word, checked in libc/musl/unum.c); when the dtv is
 * too short or the block not made yet, the glue's __unum_tls_slow makes
 * it, as for __tls_get_addr. That is C (malloc, the linker's door), so
 * the slow path keeps what C may clobber: the caller-saved registers,
 * and the x87/SSE/AVX state with XSAVE (FXSAVE without it). */
.global __unum_tlsdesc_dynamic
.type __unum_tlsdesc_dynamic,@function
__unum_tlsdesc_dynamic:
	push %rcx
	push %rdx
	mov 8(%rax),%rax
	mov %rax,%rcx
	shr $48,%rcx            /* the module id */
	mov %fs:8,%rdx          /* the thread's dtv; dtv[0]: its last id */
	cmp (%rdx),%rcx
	ja 1f
	mov (%rdx,%rcx,8),%rdx
	test %rdx,%rdx
	jz 1f
	shl $16,%rax
	shr $16,%rax            /* the offset */
	add %rdx,%rax
	sub %fs:0,%rax
	pop %rdx
	pop %rcx
	ret

1:	push %rbp
	mov %rsp,%rbp
	push %rbx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	mov %rcx,%rdi
	mov %rax,%rsi
	shl $16,%rsi
	shr $16,%rsi
	mov xstate_size(%rip),%rbx
	test %rbx,%rbx
	jnz 2f
	mov $1,%eax             /* first use: how big the state is */
	cpuid
	mov $512,%ebx           /* FXSAVE's */
	bt $27,%ecx             /* OSXSAVE: XSAVE on, XCR0 set */
	jnc 3f
	mov $0xd,%eax
	xor %ecx,%ecx
	cpuid                   /* ebx: the size XCR0's components need */
3:	mov %rbx,xstate_size(%rip)
2:	sub %rbx,%rsp
	and $-64,%rsp
	cmp $512,%rbx
	je 4f
	xor %eax,%eax           /* XRSTOR faults on garbage in the header */
	mov %rax,512(%rsp)
	mov %rax,520(%rsp)
	mov %rax,528(%rsp)
	mov %rax,536(%rsp)
	mov %rax,544(%rsp)
	mov %rax,552(%rsp)
	mov %rax,560(%rsp)
	mov %rax,568(%rsp)
	mov $-1,%eax
	mov $-1,%edx
	xsave (%rsp)
	jmp 5f
4:	fxsave (%rsp)
5:	call __unum_tls_slow    /* (id, offset): the variable's address */
	mov %rax,%r11
	cmp $512,%rbx
	je 6f
	mov $-1,%eax
	mov $-1,%edx
	xrstor (%rsp)
	jmp 7f
6:	fxrstor (%rsp)
7:	mov %r11,%rax
	lea -56(%rbp),%rsp
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rbx
	pop %rbp
	sub %fs:0,%rax
	pop %rdx
	pop %rcx
	ret

.bss
.align 8
xstate_size:            /* bytes for XSAVE (512: FXSAVE), 0 until known */
	.quad 0

	.section .note.GNU-stack, "", @progbits

/* The SYSCALL door (DESIGN.md, The Linux system-call layer): the app is
 * in ring 0 and keeps its own stack and red zone, so the entry moves to
 * the thread's kernel stack before it pushes anything, and the return is
 * a jump (SYSRET would drop to ring 3). Interrupts are off on entry
 * (FMASK) until the stack is switched. rcx and r11 are clobbered, as on
 * Linux; everything else but rax is preserved. */
#include "asm.h"

	.text
	.globl syscall_entry
syscall_entry:
	incq %gs:PCPU_DOOR_CALLS	/* door 1; flags are in r11 */
syscall_common:
	mov %rsp, %gs:PCPU_SYSCALL_RSP
	mov %gs:PCPU_KSTACK_HI, %rsp
	pushq %gs:PCPU_SYSCALL_RSP	/* rsp */
	push %r11			/* rflags */
	push %rcx			/* rip */
	push %rax
	push %rdi
	push %rsi
	push %rdx
	push %r10
	push %r8
	push %r9
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	sti
	xor %ebp, %ebp
	call syscall_dispatch
	/* interrupts are off (syscall_dispatch); the result is in the
	 * frame's rax slot */
	mov %rsp, %rdi
	jmp arch_return_to_app

/* Door 2 (DESIGN.md, two doors): the kernel's musl calls here where
 * musl would execute SYSCALL (arch/x86_64/musl/syscall_arch.h), with
 * SYSCALL's registers, by the two-byte `call *%rbx`. What the CPU does for
 * SYSCALL is done by hand: rflags into r11, interrupts off, the return
 * address into rcx as the rip to resume at, and rsp back to the caller's;
 * from there both doors are one path (the same frame, syscall_dispatch's
 * signal delivery and restart, strace). A restart rewinds rip by two
 * bytes to the call, as it would to a SYSCALL. The stack below the
 * return address is ours to use: the caller made a call. */
	.globl door2_entry
door2_entry:
	pushfq
	pop %r11
	cli
	pop %rcx
	incq %gs:PCPU_DOOR_CALLS+8
	jmp syscall_common

/* The linker's door for the kernel's musl (libc/musl/unum.c: dlopen,
 * dlsym, dladdr, dl_iterate_phdr, __tls_get_addr's slow path), called as
 * door2_entry is (__unum_dlcall: `call *%rbx`, operation in rdi,
 * arguments in rsi, rdx, r10) but served by dynlink_service
 * (loader/dynlink.c) and not by the system-call table, so no door-1
 * program can reach it; no signal is delivered on its way out (the next
 * system call delivers it). */
	.globl door2_dl_entry
door2_dl_entry:
	pushfq
	pop %r11
	cli
	pop %rcx
	mov %rsp, %gs:PCPU_SYSCALL_RSP
	mov %gs:PCPU_KSTACK_HI, %rsp
	pushq %gs:PCPU_SYSCALL_RSP	/* rsp */
	push %r11			/* rflags */
	push %rcx			/* rip */
	push %rax
	push %rdi
	push %rsi
	push %rdx
	push %r10
	push %r8
	push %r9
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	sti
	xor %ebp, %ebp
	call dynlink_service
	mov %rsp, %rdi
	jmp arch_return_to_app

	.globl arch_enter_app
/* void arch_enter_app(uintptr_t entry, uintptr_t sp): the ELF entry with
 * the ABI's initial state: rsp at argc, rdx 0 (no atexit function), the
 * other registers zero, flags clear but IF */
arch_enter_app:
	mov %rsi, %rsp
	mov %rdi, %rcx
	xor %eax, %eax
	xor %ebx, %ebx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %ebp, %ebp
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	pushq $0x202
	popfq
	jmp *%rcx

	.globl arch_return_to_app
/* void arch_return_to_app(const struct syscall_frame *f): resume the app
 * from a syscall frame: the end of every system call, and the start of a
 * thread made by clone (from a copy of its parent's frame). Interrupts
 * stay off until the app's first instruction (sti's one-instruction
 * shadow covers the jump): an interrupt that comes in between could not
 * deliver a signal (its frame is not the app's) and would be lost. */
arch_return_to_app:
	cli
	mov %rdi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	pop %r9
	pop %r8
	pop %r10
	pop %rdx
	pop %rsi
	pop %rdi
	pop %rax
	pop %rcx
	andq $~0x200, (%rsp)		/* IF: by the sti below */
	popfq
	pop %r11
	mov %r11, %rsp
	sti
	jmp *%rcx

/* Application processor start-up code. smp.c copies it to physical
 * 0x8000 (TRAMP_PHYS) and fills its data words; a STARTUP IPI with page
 * 8 starts the AP here in real mode. It climbs to long mode on the kernel's
 * page tables (smp.c maps this page at its own address meanwhile) and
 * calls ap_entry in the higher half with the AP's per-CPU area in %rdi. */
#define TRAMP_PHYS 0x8000
#define T(x) (TRAMP_PHYS + (x) - trampoline_start)

	.section .rodata
	.globl trampoline_start, trampoline_end
	.globl tramp_cr3, tramp_stack, tramp_entry, tramp_arg
	.balign 16
	.code16
trampoline_start:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ds
	lgdtl T(tramp_gdt_ptr)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x18, $T(tramp32)

	.code32
tramp32:
	mov $0x20, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov T(tramp_cr3), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER: LME | NXE */
	rdmsr
	or $0x900, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax		/* PG | WP | PE */
	mov %eax, %cr0
	ljmp $0x08, $T(tramp64)

	.code64
tramp64:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov T(tramp_stack), %rsp
	mov T(tramp_arg), %rdi
	mov T(tramp_entry), %rax
	xor %ebp, %ebp
	call *%rax
1:	hlt
	jmp 1b

	.balign 8
tramp_gdt:
	/* accessed bits preset: the page is mapped read-only, and a CPU
	 * loading a descriptor would otherwise write that bit */
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x10: data */
	.quad 0x00cf9b000000ffff	/* 0x18: 32-bit code */
	.quad 0x00cf93000000ffff	/* 0x20: 32-bit data */
tramp_gdt_ptr:
	.word tramp_gdt_ptr - tramp_gdt - 1
	.long T(tramp_gdt)
	.balign 8
tramp_cr3:	.quad 0
tramp_stack:	.quad 0
tramp_entry:	.quad 0
tramp_arg:	.quad 0
trampoline_end:

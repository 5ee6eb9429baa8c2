/* 32-bit entry points and the switch to long mode.
 * PVH (Xen ELF note 18, %ebx -> hvm_start_info) for QEMU -kernel and
 * Firecracker; multiboot2 (%eax = 0x36d76289, %ebx -> boot info) for GRUB.
 * Both build the same boot page tables and reach arch_start(kind, info). */
#include "asm.h"

#define MB2_MAGIC     0xe85250d6
#define MB2_ARCH_I386 0
#define PG_P  0x1
#define PG_RW 0x2
#define PG_PS 0x80

	.section .mb2hdr, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* entry address tag: GRUB would otherwise take the 64-bit e_entry */
	.balign 8
	.word 3, 0
	.long 12
	.long mb2_start
	.balign 8
	.word 0, 0		/* end tag */
	.long 8
mb2_header_end:

	.section .note.Xen, "a"
	.balign 4
	.long 4			/* name size */
	.long 8			/* desc size: QEMU reads 8 bytes for ELF64 */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.quad pvh_start

	.section .boot.text, "ax"
	.code32
	.globl pvh_start
pvh_start:
	mov $BOOT_PVH, %edi
	mov %ebx, %esi
	jmp common32

	.globl mb2_start
mb2_start:
	mov $BOOT_MB2, %edi
	cmp $0x36d76289, %eax
	je 1f
	mov $BOOT_UNKNOWN, %edi
1:	mov %ebx, %esi

common32:
	cli
	cld
	/* PML4[0] and PML4[256] (direct map) -> low PDPT, PML4[511] -> high */
	mov $PHYS(boot_pdpt_lo), %eax
	or $(PG_P | PG_RW), %eax
	mov %eax, PHYS(boot_pml4)
	mov %eax, PHYS(boot_pml4) + 256 * 8
	mov $PHYS(boot_pdpt_hi), %eax
	or $(PG_P | PG_RW), %eax
	mov %eax, PHYS(boot_pml4) + 511 * 8
	/* low PDPT[0] and high PDPT[510] -> the first GiB: one 1 GiB page
	 * where the CPU has them (CPUID 0x80000001 EDX bit 26), else one PD
	 * of 512 2 MiB pages */
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb 1f
	mov $0x80000001, %eax
	cpuid
	bt $26, %edx
	jnc 1f
	mov $(PG_P | PG_RW | PG_PS), %eax
	mov %eax, PHYS(boot_pdpt_lo)
	mov %eax, PHYS(boot_pdpt_hi) + 510 * 8
	jmp 3f
1:	mov $PHYS(boot_pd), %eax
	or $(PG_P | PG_RW), %eax
	mov %eax, PHYS(boot_pdpt_lo)
	mov %eax, PHYS(boot_pdpt_hi) + 510 * 8
	mov $PHYS(boot_pd), %ebx
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $21, %eax
	or $(PG_P | PG_RW | PG_PS), %eax
	mov %eax, (%ebx, %ecx, 8)
	inc %ecx
	cmp $512, %ecx
	jne 2b

3:
	mov %cr4, %eax
	or $0x20, %eax		/* PAE */
	mov %eax, %cr4
	mov $PHYS(boot_pml4), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx	/* EFER: LME | NXE */
	rdmsr
	or $0x900, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax	/* PG | WP | PE */
	mov %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $8, $long64

	.code64
long64:
	mov $16, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	movabs $boot_stack_top, %rsp
	xor %ebp, %ebp
	movabs $arch_start, %rax
	call *%rax
3:	hlt
	jmp 3b

	.section .boot.rodata, "a"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 64-bit code */
	.quad 0x00cf92000000ffff	/* data */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .bss
	.balign 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt_lo:	.skip 4096
boot_pdpt_hi:	.skip 4096
	.globl boot_pd
boot_pd:	.skip 4096
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip 16384
boot_stack_top:

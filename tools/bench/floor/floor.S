/*
 * Floor kernel: the least a PVH kernel can do. Its first instruction at the
 * 32-bit PVH entry starts the isa-debug-exit write (port 0xf4, v=0: QEMU
 * exits with status 1), so a boot of it measures QEMU + firmware alone.
 * Build: make -f tools/bench/bench.mk build/bench/floor.elf
 */
	.section .text, "ax"
	.code32
	.globl pvh_start
pvh_start:
	xorl	%eax, %eax
	outl	%eax, $0xf4		/* QEMU exits here: status 2*0+1 */
1:	hlt				/* only if there is no isa-debug-exit */
	jmp	1b

/*
 * Xen PVH ELF note, type 18 (XEN_ELFNOTE_PHYS32_ENTRY). QEMU 7.2 reads the
 * descriptor of an ELF64 note as 8 bytes at 12 + align_up(namesz, p_align),
 * so the note is 4-aligned (p_align 4) and its descriptor a .quad.
 */
	.section .note.pvh, "a", @note
	.balign	4
	.long	4			/* namesz: "Xen\0" */
	.long	8			/* descsz */
	.long	18			/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz	"Xen"
	.quad	pvh_start

	.section .note.GNU-stack, "", @progbits

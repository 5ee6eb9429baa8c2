/*
 * Known-count kernel: a PVH kernel whose instruction counts between its
 * global labels are known, to check tools/bench/icount.c exactly (a loop,
 * a REP STOSB counted once as hardware retires it). Booted by
 * tests/e2e/bench_kit.sh; build: make -f tools/bench/bench.mk build/bench/exact.elf
 */
	.section .text, "ax"
	.code32
	.globl pvh_start, mark_loop, mark_rep, mark_end
pvh_start:
	movl	$1000, %ecx		/* 1 */
mark_loop:
1:	decl	%ecx			/* 1000 x 2 */
	jnz	1b
mark_rep:
	movl	$0x200000, %edi		/* 4, the REP STOSB of 4096 bytes once */
	movl	$4096, %ecx
	xorl	%eax, %eax
	rep stosb
mark_end:
	xorl	%eax, %eax		/* 2, then QEMU exits with status 1 */
	outl	%eax, $0xf4
2:	hlt
	jmp	2b

	.section .note.pvh, "a", @note	/* as in floor.S */
	.balign	4
	.long	4, 8, 18
	.asciz	"Xen"
	.quad	pvh_start

	.section .note.GNU-stack, "", @progbits

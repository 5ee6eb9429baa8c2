/* The kernel's musl (Makefile's MUSL_SO: build/musl-libc.so), carried in
 * the kernel image as Linux carries the vDSO; loader/dynlink.c maps it
 * into the app's half for every program whose PT_INTERP is
 * /lib/ld-musl-x86_64.so.1. */
	.section .rodata, "a"
	.balign 4096
	.globl kmusl_image
kmusl_image:
	.incbin KMUSL_SO
	.globl kmusl_image_end
kmusl_image_end:
	.section .note.GNU-stack, "", @progbits

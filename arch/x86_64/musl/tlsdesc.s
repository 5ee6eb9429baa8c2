/* The TLSDESC resolver of a variable in the static TLS (x86-64 TLSDESC
 * ABI: called with rax at the descriptor, returns the variable's offset
 * from the thread pointer, every other register kept), exported from the
 * kernel's musl so that loader/dynlink.c can point descriptors at it:
 * the descriptor's second word is that offset. musl's own is hidden. */
.text
.global __unum_tlsdesc_static
.type __unum_tlsdesc_static,@function
__unum_tlsdesc_static:
	mov 8(%rax),%rax
	ret
	.section .note.GNU-stack, "", @progbits

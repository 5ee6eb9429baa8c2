/* memcpy and memset (include/lib.h) as x86's string instructions; the
 * other memory and string functions are plain C in libc/string.c. */
#include "lib.h"

/* rep movsq/stosq move eight bytes a step: under TCG each step of a rep
 * prefix costs an instruction, and page-sized copies are common */
void *
memcpy(void *dst, const void *src, size_t n)
{
	void *ret = dst;
	size_t q = n / 8, r = n % 8;

	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(q)::"memory");
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(r)::"memory");
	return ret;
}

void *
memset(void *dst, int c, size_t n)
{
	void *ret = dst;
	uint64_t v = 0x0101010101010101ull * (uint8_t)c;
	size_t q = n / 8, r = n % 8;

	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(q) : "a"(v) : "memory");
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(r) : "a"(v) : "memory");
	return ret;
}

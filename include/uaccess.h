/* Every kernel access to a pointer it was handed (by the app, through a
 * system call) goes through these. A pointer outside the app's half of
 * the address space, or one that faults, gives -EFAULT, never a kernel
 * crash (the fault lands on an ex_table fixup).
 * Typical use in a system call:
 *   struct timespec ts;
 *   if (copy_from_user(&ts, uptr, sizeof(ts))) return -EFAULT;
 */
#ifndef UNUM_UACCESS_H
#define UNUM_UACCESS_H

#include "errno.h"
#include "types.h"

#define USER_TOP 0x0000800000000000ul /* first address above the app's half */

long arch_copy_user(void *dst, const void *src, size_t n);
long arch_strncpy_user(char *dst, const char *src, size_t max);

static inline bool
user_range_ok(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;

	return a + n >= a && a + n <= USER_TOP;
}

static inline long
copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (!user_range_ok(usrc, n))
		return -EFAULT;
	return arch_copy_user(dst, usrc, n);
}

static inline long
copy_to_user(void *udst, const void *src, size_t n)
{
	if (!user_range_ok(udst, n))
		return -EFAULT;
	return arch_copy_user(udst, src, n);
}

/* As copy_to_user, but a fault part-way is not all or nothing: the bytes
 * up to the first page that faults are copied, and their count returned
 * (0..n), as Linux's read(2) reports a buffer that runs into unmapped
 * memory. It copies page by page of the destination, so the count is
 * exact: a page is written whole or faults at its start. */
static inline size_t
copy_to_user_partial(void *udst, const void *src, size_t n)
{
	uintptr_t d = (uintptr_t)udst;
	size_t done = 0;

	while (done < n) {
		size_t k = MIN(n - done, 4096 - ((d + done) & 4095));
		if (copy_to_user((void *)(d + done), (const uint8_t *)src + done, k))
			break;
		done += k;
	}
	return done;
}

long arch_cmpxchg_user32(uint32_t *uaddr, uint32_t old, uint32_t neu);

/* atomically: when *uaddr == old, store neu; the word as it was (so the
 * swap happened iff the result is old), or -EFAULT (futex words) */
static inline long
cmpxchg_user32(uint32_t *uaddr, uint32_t old, uint32_t neu)
{
	if (!user_range_ok(uaddr, sizeof(*uaddr)) || ((uintptr_t)uaddr & 3))
		return -EFAULT;
	return arch_cmpxchg_user32(uaddr, old, neu);
}

/* a NUL-terminated string of at most max-1 bytes: its length, or
 * -ENAMETOOLONG when no NUL within max, or -EFAULT */
static inline long
strncpy_from_user(char *dst, const char *usrc, size_t max)
{
	long n;

	if ((uintptr_t)usrc >= USER_TOP || max == 0)
		return -EFAULT;
	if (max > USER_TOP - (uintptr_t)usrc)
		max = USER_TOP - (uintptr_t)usrc;
	n = arch_strncpy_user(dst, usrc, max);
	if (n == (long)max) {
		dst[max - 1] = '\0';
		return -ENAMETOOLONG;
	}
	return n;
}

#endif

/* lwIP's compiler and platform glue (lwip/arch.h includes it): the
 * kernel's types, printk for diagnostics, panic for assertions. */
#ifndef UNUM_NET_ARCH_CC_H
#define UNUM_NET_ARCH_CC_H

#include "types.h"

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_UNISTD_H 1
#define LWIP_NO_LIMITS_H 1 /* -nostdinc: gcc's limits.h wants the libc's */
#define INT_MAX __INT_MAX__
typedef long ssize_t; /* lwIP wants one; the same as Linux's */
#define SSIZE_MAX INT64_MAX
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_RAND() net_rand32()
uint32_t net_rand32(void);

void net_diag(const char *fmt, ...) __printf(1, 2);
void net_assert_failed(const char *msg, const char *file, int line) __noreturn;
#define LWIP_PLATFORM_DIAG(x)                                                                      \
	do {                                                                                       \
		net_diag x;                                                                        \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) net_assert_failed(x, __FILE__, __LINE__)

#endif

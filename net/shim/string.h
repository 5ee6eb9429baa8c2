/* <string.h> for lwIP's sources, built -nostdinc: the kernel's own
 * memcpy, memset, strlen... (include/lib.h) */
#ifndef UNUM_NET_SHIM_STRING_H
#define UNUM_NET_SHIM_STRING_H
#include "lib.h"
#endif

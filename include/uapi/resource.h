/* Resource limits, Linux values (asm-generic/resource.h) */
#ifndef UNUM_UAPI_RESOURCE_H
#define UNUM_UAPI_RESOURCE_H

#include "types.h"

#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0ull)

/* getrlimit, setrlimit, prlimit64 */
struct linux_rlimit {
	uint64_t cur, max;
};

#endif

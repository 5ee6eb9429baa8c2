/* Resource limits of the app (core/proc/rlimit.c): getrlimit, setrlimit and
 * prlimit64 keep one soft and hard value per resource, as Linux does.
 * Enforced: RLIMIT_NOFILE (fd allocation, core/fs/file.c); RLIMIT_STACK's
 * hard limit is the main stack's fixed size (APP_STACK_SIZE), so it
 * cannot be raised (-EPERM). The others are kept and reported only. */
#ifndef UNUM_RLIMIT_H
#define UNUM_RLIMIT_H

#include "types.h"
#include "uapi/resource.h"

/* the soft limit of resource r (0 <= r < RLIM_NLIMITS) */
uint64_t rlimit_cur(int r);

#endif

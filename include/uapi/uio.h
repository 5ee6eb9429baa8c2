/* struct iovec (readv, writev, preadv, pwritev), Linux's (linux/uio.h) */
#ifndef UNUM_UAPI_UIO_H
#define UNUM_UAPI_UIO_H

#include "types.h"

struct linux_iovec {
	void *base;
	size_t len;
};

#endif

/* Pipes (core/fs/pipe.c) as other subsystems see them: fcntl's pipe
 * size. Each returns -EBADF for a file that is not a pipe end. */
#ifndef UNUM_PIPE_H
#define UNUM_PIPE_H

#include "types.h"

struct file;
/* F_GETPIPE_SZ: the capacity in bytes */
long pipe_size(struct file *f);
/* F_SETPIPE_SZ: at least 'size' bytes (a power of two of pages, 4 KiB
 * at least); the new capacity, or -EBUSY when more bytes are held than
 * fit, -EPERM above 1 MiB (Linux's pipe-max-size), -ENOMEM */
long pipe_resize(struct file *f, unsigned long size);

#endif

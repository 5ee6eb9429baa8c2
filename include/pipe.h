/* Pipes (core/fs/pipe.c) as other subsystems see them: fcntl's pipe size
 * and epoll's edge trigger. Each returns -EBADF / false for a file that
 * is not a pipe end. */
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
/* the count of arrivals at this end (writes for the read end, reads
 * making room for the write end) into *seq: true for a pipe */
bool pipe_events(struct file *f, uint64_t *seq);

#endif

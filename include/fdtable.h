/* The app's fd table (core/fs/fdtable.c): fd numbers to open files
 * (include/vfs.h's struct file), each with its close-on-exec flag (the
 * working directory is the VFS's: vfs_cwd_get). One app, so one table; it grows on demand up to
 * RLIMIT_NOFILE, which root may raise to NR_OPEN. */
#ifndef UNUM_FDTABLE_H
#define UNUM_FDTABLE_H

#include "types.h"

struct file;
struct vnode;

#define NR_OPEN 1048576                                   /* Linux's /proc/sys/fs/nr_open */
int fd_install(struct file *f, int min_fd, bool cloexec); /* fd or -EMFILE */
struct file *fd_get(int fd);                              /* with a reference, or NULL (-EBADF) */
int fd_close(int fd);
/* dup (newfd < 0: the lowest free fd >= min_fd; -EINVAL when min_fd is
 * negative or past RLIMIT_NOFILE, as F_DUPFD) or dup2 (-EBADF past the
 * limit; the caller refuses a negative newfd with -EBADF) */
int fd_dup(int oldfd, int newfd, int min_fd, bool cloexec);
/* the lowest open fd >= from, its file in *f with a reference; -1: none */
int fd_next(int from, struct file **f);
/* fd's close-on-exec flag (0/1) after setting it when 'on' >= 0; -EBADF */
int fd_cloexec(int fd, int on);
/* An fd held for a file still to come, as Linux's get_unused_fd_flags
 * (accept takes one before it takes a connection, so at the limit the
 * connection stays queued): the lowest free fd, or -EMFILE, -ENOMEM. It
 * is open to nobody (-EBADF; dup2 onto it -EBUSY) until fd_fill puts f
 * there, or fd_unreserve frees it. */
int fd_reserve(void);
void fd_fill(int fd, struct file *f, bool cloexec);
void fd_unreserve(int fd);

#endif

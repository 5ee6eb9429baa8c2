/* open(2) flags, *at(2) flags, fcntl(2) commands and locks, flock(2),
 * access(2) modes, renameat2, fallocate and utimensat: Linux x86-64
 * values (asm-generic/fcntl.h, linux/fcntl.h, linux/falloc.h, linux/fs.h,
 * linux/stat.h). */
#ifndef UNUM_UAPI_FCNTL_H
#define UNUM_UAPI_FCNTL_H

#include "types.h"

#define O_ACCMODE 3
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_EXCL 0200
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_PATH 010000000
#define __O_TMPFILE 020000000
#define O_TMPFILE (__O_TMPFILE | O_DIRECTORY)

#define AT_FDCWD -100
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EACCESS 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000

/* access(2) */
#define R_OK 4
#define W_OK 2
#define X_OK 1

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1

/* struct flock: l_type */
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2

struct linux_flock {
	int16_t l_type, l_whence;
	int64_t l_start, l_len;
	int32_t l_pid;
};

/* flock(2) */
#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

/* renameat2(2) */
#define RENAME_NOREPLACE 1

/* fallocate(2) */
#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#define FALLOC_FL_ZERO_RANGE 0x10

/* utimensat(2): tv_nsec */
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

#endif

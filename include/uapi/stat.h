/* File modes, struct stat and struct statfs as Linux x86-64 lays them
 * out (linux/stat.h, asm/stat.h, asm-generic/statfs.h). */
#ifndef UNUM_UAPI_STAT_H
#define UNUM_UAPI_STAT_H

#include "types.h"

#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define S_IFLNK 0120000
#define S_IFCHR 0020000
#define S_IFBLK 0060000
#define S_IFIFO 0010000
#define S_IFSOCK 0140000
#define S_ISVTX 0001000 /* sticky: in a directory, only owners remove names */
#define S_ISGID 0002000

/* struct stat (stat, fstat, statx fill from it) */
struct linux_stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	uint64_t st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
	int64_t reserved[3];
};

/* struct statfs (statfs, fstatfs) */
struct linux_statfs {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};

#endif

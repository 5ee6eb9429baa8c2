/* Files: a ramfs tree (the root file system, filled from the initrd),
 * open files behind one ops table (ramfs files and directories, the
 * console streams), and the app's fd table. Errors are -errno values.
 * Paths resolve with ".", "..", and symlinks (40 hops: -ELOOP).
 * XXX: one mount (the ramfs root); /dev, /proc, /tmp come later. */
#ifndef UNUM_VFS_H
#define UNUM_VFS_H

#include "fdtable.h" /* the fd table, beside the open files */
#include "queue.h"
#include "sync.h"
#include "types.h"
#include "uapi/fcntl.h"
#include "uapi/poll.h"
#include "uapi/stat.h"

/* a node of the ramfs tree */
struct vnode {
	uint32_t v_mode; /* S_IF* | permission bits */
	uint64_t v_ino;
	uint64_t v_mtime_ns;         /* contents changed (realtime ns) */
	uint64_t v_atime_ns;         /* last access: set at creation and by utimensat */
	uint64_t v_ctime_ns;         /* contents or metadata changed */
	uint32_t v_rdev;             /* device nodes: Linux's (major << 8 | minor) */
	size_t v_size;               /* file bytes; symlink target length */
	size_t v_cap;                /* bytes allocated in v_data */
	uint8_t *v_data;             /* file contents or symlink target: kmalloc
	                              * up to RAMFS_SMALL of v_cap, vmem beyond */
	struct vnode *v_parent;      /* directories: ".." (root: itself) */
	struct list_node v_children; /* directories */
	struct list_node v_sibling;
	char *v_name;
	int v_nlink;
	struct mutex v_lock;          /* data and children */
	const struct file_ops *v_dev; /* device nodes: their file ops */
	uint32_t v_uid, v_gid;
	/* hard links (ramfs.c, under its tree lock): a second name is an
	 * entry whose v_inode is the node holding the data; the node lists
	 * its entries in v_links (an entry: its place in that list) */
	struct vnode *v_inode;
	struct list_node v_links;
	/* optional, dynamic directories (/proc/self/fd): refill the
	 * children before each lookup or listing (tree lock held) */
	void (*v_fill)(struct vnode *dir);
	/* optional, /proc/self/fd links: following one leads to this node
	 * (the open file's), not to the link's text */
	struct vnode *v_magic;
	/* MAP_SHARED pages of this file (mm/vma.c); NULL when unmapped */
	struct filemap *v_map;
	/* open files and file regions (mmap) using the node
	 * (vfs_node_hold/release): a regular file's bytes are freed when its
	 * last name is gone and this falls to 0 */
	int v_refs;
};

/* the node a directory entry names (itself, or a hard link's target) */
static inline struct vnode *
vfs_node(struct vnode *entry)
{
	return entry->v_inode ? entry->v_inode : entry;
}

struct file;
struct poll_table;
struct file_ops {
	long (*read)(struct file *f, void *buf, size_t n, uint64_t *off);        /* optional */
	long (*write)(struct file *f, const void *buf, size_t n, uint64_t *off); /* optional */
	int (*stat)(struct file *f, void *statbuf);                 /* struct linux_stat */
	long (*getdents)(struct file *f, void *buf, size_t n);      /* optional: directories */
	int (*ioctl)(struct file *f, unsigned long cmd, void *arg); /* optional */
	/* POLLIN/POLLOUT/... ready now, and with pt non-NULL the caller
	 * registered on each wait queue of the file that a change of those
	 * wakes (poll_register, include/poll.h); optional: files without it
	 * are always readable and writable */
	int (*poll)(struct file *f, struct poll_table *pt);
	int (*fsync)(struct file *f);    /* optional: fsync, fdatasync (block devices) */
	int64_t (*size)(struct file *f); /* optional: SEEK_END's base when not v_size */
	void (*close)(struct file *f);   /* optional */
	/* optional: files with no path: /proc/self/fd shows anon_inode:[fd_name] */
	const char *fd_name;
	bool seekable;
};

struct file {
	const struct file_ops *f_ops;
	struct vnode *f_node; /* ramfs files and directories */
	uint64_t f_off;       /* protected by f_lock */
	int f_flags;          /* O_* */
	int f_refs;           /* atomic */
	void *f_priv;
	struct mutex f_lock;
	/* the epoll interests watching it (core/event/epoll.c): removed
	 * from their epolls when the last reference goes */
	struct ep_item *f_ep;
};

/* --- the tree (core/fs/ramfs.c) --- */
void vfs_init(void);
struct vnode *vfs_root(void);
/* resolve 'path' from 'cwd' (absolute paths ignore it); 'follow': the
 * last component's symlink too. *out, or -ENOENT, -ENOTDIR, -ELOOP,
 * -ENAMETOOLONG */
int vfs_lookup(struct vnode *cwd, const char *path, bool follow, struct vnode **out);
/* create a node at path (its parent must exist): -EEXIST when present */
int vfs_create(struct vnode *cwd, const char *path, uint32_t mode, struct vnode **out);
/* file bytes: kmalloc up to this capacity, vmem (mm.h) beyond, growing
 * by doubling without a copy. 0, -EFBIG past 64 GiB, -ENOSPC out of memory */
#define RAMFS_SMALL (64 * 1024)
int vfs_write_data(struct vnode *v, uint64_t off, const void *buf, size_t n);
/* a smaller size frees the vmem pages past it (rounded up to a page) */
int vfs_truncate(struct vnode *v, uint64_t size);
/* an open file or a file region takes and drops the node */
void vfs_node_hold(struct vnode *v);
void vfs_node_release(struct vnode *v);
/* unlink (dir false: -EISDIR on a directory) or rmdir (-ENOTDIR, -ENOTEMPTY) */
int vfs_remove(struct vnode *cwd, const char *path, bool dir);
/* rename with Linux's rules (-EISDIR, -ENOTDIR, -ENOTEMPTY, -EINVAL for a
 * directory into itself; 'noreplace': -EEXIST) */
int vfs_rename(struct vnode *ocwd, const char *opath, struct vnode *ncwd, const char *npath,
               bool noreplace);
void vfs_stat_node(struct vnode *v, void *statbuf);
/* a hard link: a new name for node v (not a directory: -EPERM) at path;
 * -EEXIST when the name is taken */
int vfs_link(struct vnode *v, struct vnode *cwd, const char *path);
/* the absolute path of a node's (first) name into buf; " (deleted)" is
 * appended when it has none left. The length, or -ENAMETOOLONG */
int vfs_path(struct vnode *v, char *buf, size_t size);
int vfs_path_locked(struct vnode *v, char *buf, size_t size); /* v_fill callbacks */
/* a node in no directory (its path is "/name"); NULL: out of memory */
struct vnode *vfs_node_new(const char *name, uint32_t mode);
/* for v_fill callbacks (tree lock held): begin marks every child stale;
 * symlink makes or updates child 'name' -> target (magic: see v_magic);
 * end drops the children still stale (kept allocated: a lookup may hold
 * one). Typical use: begin, one symlink per entry, end. */
void vfs_fill_begin(struct vnode *dir);
void vfs_fill_symlink(struct vnode *dir, const char *name, const char *target, struct vnode *magic);
void vfs_fill_end(struct vnode *dir);
/* run dir's v_fill under the tree lock (a listing from the start) */
void vfs_refill(struct vnode *dir);

/* --- open files (core/fs/file.c) --- */
struct file *file_open(struct vnode *cwd, const char *path, int flags, uint32_t mode, int *err);
void file_get(struct file *f);
void file_put(struct file *f);
/* the fd table and the current directory: include/fdtable.h */

/* the console streams: stdin (the initrd's /.unum/stdin, then EOF, or
 * with the kernel argument tty.in the COM1 keyboard: include/tty.h),
 * stdout (COM1), stderr (COM2) */
void console_files_init(const void *stdin_data, size_t stdin_len);
/* start-up (core/main.c): the console files, stdin's bytes the initrd's
 * /.unum/stdin (docs/host-guest.md) */
void console_init(void);
/* console stream i (0 stdin, 1 stdout, 2 stderr) with a reference, as
 * made at start-up (whatever the app did to fds 0-2 since); NULL before */
struct file *console_file(int i);

/* --- flock (core/fs/flock.c): whole-file locks of open file descriptions --- */
/* LOCK_SH/LOCK_EX/LOCK_UN (| LOCK_NB): 0, -EWOULDBLOCK, -EINTR, -EINVAL */
int flock_file(struct file *f, int op);
/* the last reference to f went: its lock goes */
void flock_release(struct file *f);
/* fcntl F_GETLK/F_SETLK/F_SETLKW and F_OFD_*: checked, never in conflict */
long flock_fcntl(struct file *f, int cmd, void *uarg);

/* --- /dev (core/fs/devfs.c): null, zero, full, random, urandom, console,
 * tty, stdin, stdout, stderr, fd, and /tmp --- */
void devfs_init(void);
/* a node whose open file reads and writes console stream i (0-2): where
 * /proc/self/fd/N of a console fd leads */
struct vnode *devfs_console_node(int i);
/* the host name: "unum", or the kernel argument hostname=NAME */
const char *vfs_hostname(void);
/* /etc/passwd, group, hosts, hostname, nsswitch.conf when the app's tree
 * has none (core/fs/etc.c) */
void etc_init(void);
/* --- /proc (core/fs/procfs.c): self/exe, self/fd/, self/maps, self/stat,
 * self/status, self/cmdline, cpuinfo, meminfo, uptime, stat, mounts,
 * sys/kernel/hostname --- */
void procfs_init(const char *exe, const char *const *argv);

/* --- readiness (core/event/poll.c, include/poll.h): poll/select/epoll --- */
/* f's readiness now, and with pt its caller registered on f's wait
 * queues (include/poll.h) */
int file_poll(struct file *f, struct poll_table *pt);

/* --- the initrd (core/fs/initrd.c): cpio newc into the ramfs --- */
/* 0, or -EINVAL with *why saying what is wrong with the archive */
int initrd_unpack(const uint8_t *data, size_t len, const char **why);
/* start-up (core/main.c): boot module 0 unpacked into /; a broken
 * archive panics with what is wrong */
void initrd_init(void);
/* start-up, once /.unum (docs/host-guest.md) is read: its files removed,
 * the app's tree is its own (the bytes of those held stay allocated) */
void initrd_unum_remove(void);

#endif

/* Files, for their users: the namespace (a root ramfs filled from the
 * initrd, with file systems mounted on it: /dev, /proc, /sys, /tmp), open
 * files behind one ops table each, and the app's fd table. Errors are
 * -errno values. Paths resolve with ".", "..", symlinks (40 hops: -ELOOP)
 * and mount points. File systems implement include/vfs_fs.h. */
#ifndef UNUM_VFS_H
#define UNUM_VFS_H

#include "fdtable.h" /* the fd table, beside the open files */
#include "queue.h"
#include "sync.h"
#include "types.h"
#include "uapi/fcntl.h"
#include "uapi/poll.h"
#include "uapi/stat.h"

struct mount;
struct vnode_ops;
struct file_ops;

/* a file of some file system (include/vfs_fs.h for the implementers'
 * side). The path walk, the mount table and the checks every file system
 * shares are core/fs/vfs.c's; what a node holds is its file system's. */
struct vnode {
	const struct vnode_ops *v_ops; /* its file system's operations */
	struct mount *v_mount;         /* the mount it belongs to */
	struct mount *v_covered;       /* a directory something is mounted on: that mount */
	uint32_t v_mode;               /* S_IF* | permission bits */
	uint64_t v_ino;
	uint64_t v_mtime_ns; /* contents changed (realtime ns) */
	uint64_t v_atime_ns; /* last access: set at creation and by utimensat */
	uint64_t v_ctime_ns; /* contents or metadata changed */
	uint32_t v_rdev;     /* device nodes: Linux's (major << 8 | minor) */
	size_t v_size;       /* file bytes; symlink target length */
	/* the directory and name of its first link: ".." and vfs_path
	 * (a file system's root: itself and "") */
	struct vnode *v_parent;
	char *v_name;
	int v_nlink;
	struct mutex v_lock;          /* data and metadata (mode, owner, times) */
	const struct file_ops *v_dev; /* device and generated files: their open file's ops */
	void *v_priv;                 /* the file system's (procfs: the generator) */
	uint32_t v_uid, v_gid;
	/* optional, /proc/self/fd links: following one leads to this node
	 * (the open file's), not to the link's text */
	struct vnode *v_magic;
	/* MAP_SHARED pages of this file (mm/vma.c); NULL when unmapped */
	struct filemap *v_map;
	/* references (atomic): one per name (link), one per child (a node
	 * holds its directory), and the holds of lookups, open files, file
	 * regions (mmap) and the working directory (vfs_node_hold/vfs_put,
	 * which also make the mount busy: umount is -EBUSY). The node, its
	 * bytes and its metadata are freed when this falls to 0. */
	int v_refs;
	/* a hard link's entry (a second name, made by its file system): the
	 * node that holds the data (vfs_node); NULL for the node itself */
	struct vnode *v_inode;
	/* what the file system keeps besides (ramfs: its bytes, children and
	 * hash table) is in its own node, which begins with this struct
	 * (vfs_node_alloc's size) */
};

/* the node a directory entry names (itself, or a hard link's target) */
static inline struct vnode *
vfs_node(struct vnode *entry)
{
	return entry->v_inode ? entry->v_inode : entry;
}

struct file;
struct poll_table;
struct vma_map;
struct linux_iovec;
struct file_ops {
	/* optional: at *off, moved on by the count; read/write pass &f_off
	 * (under f_lock for seekable files), pread/pwrite and preadv/
	 * pwritev a local offset, so these are the pread/pwrite ops too */
	long (*read)(struct file *f, void *buf, size_t n, uint64_t *off);
	long (*write)(struct file *f, const void *buf, size_t n, uint64_t *off);
	int (*stat)(struct file *f, void *statbuf);                 /* struct linux_stat */
	long (*getdents)(struct file *f, void *buf, size_t n);      /* optional: directories */
	int (*ioctl)(struct file *f, unsigned long cmd, void *arg); /* optional */
	/* POLLIN/POLLOUT/... ready now, and with pt non-NULL the caller
	 * registered on each wait queue of the file that a change of those
	 * wakes (poll_register, include/poll.h); optional: files without it
	 * are always readable and writable */
	int (*poll)(struct file *f, struct poll_table *pt);
	/* optional: how mmap maps the file (include/vma.h, struct vma_map:
	 * set m->node, or leave it NULL for anonymous memory), 0 or -errno;
	 * called after the open mode was checked against prot and flags.
	 * Files without it cannot be mapped: -ENODEV, as Linux (pipes,
	 * directories, /dev/null, the tty, /proc files, eventfd, epoll) */
	int (*mmap)(struct file *f, struct vma_map *m);
	int (*fsync)(struct file *f);    /* optional: fsync, fdatasync (block devices) */
	int64_t (*size)(struct file *f); /* optional: SEEK_END's base when not v_size */
	/* optional: readv/writev as one call (a socket's one message), the
	 * vector checked (entries within the app, 1024 at most) */
	long (*rwv)(struct file *f, const struct linux_iovec *uiov, int cnt, bool write);
	/* optional: the last reference went (file_put) */
	void (*release)(struct file *f);
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

/* --- the namespace (core/fs/vfs.c): one path walk for every call --- */
/* the root file system (ramfs) and the kernel's mounts: /dev (devtmpfs),
 * /proc (proc), /sys (sysfs) */
void vfs_init(void);
struct vnode *vfs_root(void);
/* resolve 'path' from 'cwd' (absolute paths ignore it; NULL: the root),
 * crossing mount points (and ".." out of a mount's root); 'follow': the
 * last component's symlink too. *out held (vfs_put when done), or
 * -ENOENT, -ENOTDIR, -ELOOP, -ENAMETOOLONG */
int vfs_lookup(struct vnode *cwd, const char *path, bool follow, struct vnode **out);
/* Once the app has dropped root, every directory the walk looks a name up
 * in needs search (x) permission by the file-system ids (-EACCES);
 * vfs_lookup_real checks by the real ids (access(2) without AT_EACCESS).
 * Making a name (vfs_create, vfs_symlink, vfs_link) needs write and
 * search on its directory, removing or renaming one too (vfs_remove,
 * vfs_rename), and in a sticky directory (S_ISVTX, /tmp's 01777) only the
 * owner of the file or of the directory may remove or rename it
 * (-EPERM), as Linux. */
int vfs_lookup_real(struct vnode *cwd, const char *path, bool follow, struct vnode **out);
/* create a node at path (its parent must exist): a directory, regular
 * file, device or FIFO by mode's S_IF* (a symlink: vfs_symlink). -EEXIST
 * when present, -EROFS on a read-only mount. *out: the node made, or the
 * one there on -EEXIST, held (vfs_put); else NULL */
int vfs_create(struct vnode *cwd, const char *path, uint32_t mode, struct vnode **out);
int vfs_symlink(struct vnode *cwd, const char *path, const char *target);
/* a symlink's target into buf (not NUL-terminated): its length, -EINVAL
 * when v is not a symlink */
int vfs_readlink(struct vnode *v, char *buf, size_t size);
/* file bytes: 0, -EFBIG, -ENOSPC (out of memory, or past a tmpfs's
 * size), -EROFS, -EINVAL (a device) */
int vfs_write_data(struct vnode *v, uint64_t off, const void *buf, size_t n);
/* up to n bytes at off into a kernel buffer: the count (0: end of file) */
long vfs_read_data(struct vnode *v, uint64_t off, void *buf, size_t n);
/* a smaller size frees the memory past it */
int vfs_truncate(struct vnode *v, uint64_t size);
/* a hold on a node (lookups give one, open files, file regions and the
 * working directory take one) and its end: the last reference frees it */
void vfs_node_hold(struct vnode *v);
void vfs_put(struct vnode *v);
static inline void
vfs_node_release(struct vnode *v) /* the end of a vfs_node_hold (mm/vma.c's name) */
{
	vfs_put(v);
}
/* the working directory, held (vfs_put); chdir takes its own hold */
struct vnode *vfs_cwd_get(void);
void vfs_set_cwd(struct vnode *v);
/* unlink (dir false: -EISDIR on a directory) or rmdir (-ENOTDIR,
 * -ENOTEMPTY); a mount point: -EBUSY */
int vfs_remove(struct vnode *cwd, const char *path, bool dir);
/* rename with Linux's rules (-EISDIR, -ENOTDIR, -ENOTEMPTY, -EINVAL for a
 * directory into itself; 'noreplace': -EEXIST; another mount: -EXDEV) */
int vfs_rename(struct vnode *ocwd, const char *opath, struct vnode *ncwd, const char *npath,
               bool noreplace);
void vfs_stat_node(struct vnode *v, void *statbuf);
/* may the app (by its real ids, or with 'effective' its file-system
 * ones, as open() does) read, write, execute (R_OK, W_OK, X_OK) v? 0,
 * -EACCES, or -EROFS (writing on a read-only mount) */
int vfs_may_access(struct vnode *v, int mode, bool effective);
/* metadata changes, under the node's lock: what 'mask' names (VA_*) */
#define VA_MODE 1
#define VA_UID 2
#define VA_GID 4
#define VA_ATIME 8
#define VA_MTIME 16
struct vattr {
	unsigned mask;
	uint32_t mode, uid, gid;
	uint64_t atime_ns, mtime_ns;
};
/* 0 or -EROFS; ctime becomes now */
int vfs_setattr(struct vnode *v, const struct vattr *a);
/* a directory's entries from *pos (0: "."), each to emit (false: no room,
 * the entry is given again next time); 0, or -ENOTDIR */
typedef bool (*vfs_emit_fn)(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type);
int vfs_readdir(struct vnode *dir, uint64_t *pos, vfs_emit_fn emit, void *ctx);
/* a hard link: a new name for node v (not a directory: -EPERM) at path;
 * -EEXIST when the name is taken, -EXDEV on another mount */
int vfs_link(struct vnode *v, struct vnode *cwd, const char *path);
/* the absolute path of a node's (first) name into buf, across mounts;
 * " (deleted)" is appended when it has none left. The length, or
 * -ENAMETOOLONG */
int vfs_path(struct vnode *v, char *buf, size_t size);
int vfs_path_locked(struct vnode *v, char *buf, size_t size); /* namespace lock held */
/* the app's umask (umask(2)): the permission bits a new name goes without */
uint32_t vfs_umask(void);
/* a node in no directory (its path is "/name"); NULL: out of memory */
struct vnode *vfs_node_new(const char *name, uint32_t mode);

/* --- the page cache (core/fs/filemap.c): files as mm/ and the loader
 * reach them. A file system in memory (ramfs, tmpfs) holds a file's
 * bytes in frames by page (its page op), and those frames are what
 * every mapping maps: there is no second copy to keep in step --- */
/* a region piece of v that maps its pages (MAP_SHARED, or MAP_PRIVATE
 * paged from it) came (1) or went (-1): 0 or -ENOMEM */
int filemap_ref(struct vnode *v, int delta);
/* the frame that holds file page pg, in *pa: for a write (make) one of
 * the file's own is made for a hole (frame_alloc_app: the app's demand),
 * else a hole is 0 (the caller maps the zero frame). 0, -ENOMEM, -ENOSPC
 * (the mount's limit), -ENXIO (past the end) */
int filemap_page(struct vnode *v, uint64_t pg, bool make, uint64_t *pa);
/* a private copy of the page at file offset 'at' into dst: the file's
 * bytes as they are now, zeros for a hole and past the end */
void filemap_copy(struct vnode *v, uint64_t at, void *dst);
/* a regular file whose file system keeps its bytes in memory (the page
 * op): the ones the loader reads in place and the mmap op of files of a
 * file system maps through the page cache; devices and /proc files not */
bool vfs_mappable(const struct vnode *v);
/* a mappable file's bytes in kernel memory, one block, and their count
 * (valid until the file is truncated or goes), or NULL */
const void *vfs_bytes(struct vnode *v, size_t *size);
uint64_t vfs_size(const struct vnode *v);
/* lseek's SEEK_DATA (hole false) or SEEK_HOLE from off, below size: the
 * file system's answer when it knows its holes (v may be NULL), else off
 * (all is data) or size (the end is the hole) */
int64_t vfs_seek_data(struct vnode *v, uint64_t off, uint64_t size, bool hole);

/* --- the mount table (core/fs/mount.c) --- */
/* /tmp: a tmpfs (half the memory) when the initrd brought nothing under
 * /tmp; else the initrd's /tmp stays, on the root */
void vfs_mount_tmp(void);
/* /proc/mounts ('info' false) or /proc/self/mountinfo text: the length */
size_t vfs_mounts_describe(char *buf, size_t size, bool info);
/* statfs of the file system holding v (NULL: the root's) */
void vfs_statfs(struct vnode *v, struct linux_statfs *st);

/* --- open files (core/fs/file.c) --- */
struct file *file_open(struct vnode *cwd, const char *path, int flags, uint32_t mode, int *err);
void file_get(struct file *f);
void file_put(struct file *f);
/* the fd table: include/fdtable.h; the working directory: vfs_cwd_get */

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
 * tty, stdin, stdout, stderr, fd, in each devtmpfs mount --- */
/* a node whose open file reads and writes console stream i (0-2): where
 * /proc/self/fd/N of a console fd leads */
struct vnode *devfs_console_node(int i);
/* the host name: "unum", or the kernel argument hostname=NAME */
const char *vfs_hostname(void);
/* /etc/passwd, group, hosts, hostname, nsswitch.conf when the app's tree
 * has none (core/fs/etc.c) */
void etc_init(void);
/* /etc/resolv.conf from the DNS servers configured, unless the app has one
 * (after net_wait_config) */
void etc_resolv_init(void);
/* --- /proc (core/fs/procfs.c): self/exe, self/fd/, self/maps, self/stat,
 * self/status, self/cmdline, self/mountinfo, cpuinfo, meminfo, uptime,
 * stat, mounts, sys/kernel/hostname; and /sys: devices/system/cpu/ --- */
/* the app's path and argv, for self/exe, cmdline, status and stat */
void procfs_init(const char *exe, const char *const *argv);
/* the file the loader ran (its hold kept for good): self/exe names it */
void procfs_set_exe(struct vnode *v);

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

/* Files, for file systems: the operations a file system gives its nodes
 * (struct vnode_ops), the mount table's entries, and the file system
 * types mount(2) knows. core/fs/vfs.c walks paths and makes the checks
 * every file system shares (names, read-only mounts, mount points,
 * crossing to another mount) before it calls these; they run under the
 * namespace lock unless said otherwise. Implementations: ramfs and tmpfs
 * (core/fs/ramfs.c), devtmpfs (devfs.c), proc and sysfs (procfs.c), which
 * build their trees from ramfs's. */
#ifndef UNUM_VFS_FS_H
#define UNUM_VFS_FS_H

#include "uapi/mount.h"
#include "vfs.h"

struct vnode_ops {
	/* directories: the child called name[0..len) (a hard link's node,
	 * not its entry), or -ENOENT */
	int (*lookup)(struct vnode *dir, const char *name, size_t len, struct vnode **out);
	/* new children; the name is free (vfs.c looked): a regular file, a
	 * directory, a device or FIFO, a symlink to target */
	int (*create)(struct vnode *dir, const char *name, size_t len, uint32_t mode,
	              struct vnode **out);
	int (*mkdir)(struct vnode *dir, const char *name, size_t len, uint32_t mode,
	             struct vnode **out);
	int (*mknod)(struct vnode *dir, const char *name, size_t len, uint32_t mode, uint32_t rdev,
	             struct vnode **out);
	int (*symlink)(struct vnode *dir, const char *name, size_t len, const char *target,
	               struct vnode **out);
	/* a name goes: -ENOENT, -EISDIR (unlink of a directory), -ENOTDIR,
	 * -ENOTEMPTY (rmdir) */
	int (*unlink)(struct vnode *dir, const char *name, size_t len);
	int (*rmdir)(struct vnode *dir, const char *name, size_t len);
	/* within one mount: Linux's rules (vfs.h, vfs_rename) */
	int (*rename)(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
	              const char *nname, size_t nlen, bool noreplace);
	/* a new name for v (not a directory) in dir */
	int (*link)(struct vnode *v, struct vnode *dir, const char *name, size_t len);
	/* entries from *pos (0 ".", 1 "..", then the children) */
	int (*readdir)(struct vnode *dir, uint64_t *pos, vfs_emit_fn emit, void *ctx);
	/* any node (no namespace lock): */
	int (*readlink)(struct vnode *v, char *buf, size_t size);
	void (*getattr)(struct vnode *v, struct linux_stat *st); /* st_dev: vfs.c's */
	void (*setattr)(struct vnode *v, const struct vattr *a); /* v_lock held */
	int (*truncate)(struct vnode *v, uint64_t size);
	long (*read)(struct vnode *v, uint64_t off, void *buf, size_t n);
	int (*write)(struct vnode *v, uint64_t off, const void *buf, size_t n);
	/* optional, the page cache's (v_lock held): the frame that holds
	 * file page pg, below the file's last page, in *pa: how is
	 * VFS_PAGE_FIND (0 for a hole), VFS_PAGE_MAKE (a zeroed frame of the
	 * file's own for a hole) or VFS_PAGE_MAKE_APP (the same for the app's
	 * demand: frame_alloc_app). 0, -ENOSPC (over the mount's limit),
	 * -ENOMEM, -ENXIO (past the end). The frame stays the file's: it is
	 * freed when the file is cut below it (after vma_file_cut) or goes. */
	int (*page)(struct vnode *v, uint64_t pg, int how, uint64_t *pa);
	/* optional, with page (v_lock held): the whole file as one block of
	 * kernel memory (holes filled), its length in *n; NULL when memory
	 * is short. Valid until the file is cut or goes. */
	const uint8_t *(*bytes)(struct vnode *v, size_t *n);
	/* optional, lseek's SEEK_DATA (hole false) and SEEK_HOLE at off <
	 * v_size: the offset, as Linux's tmpfs (pages that hold a frame are
	 * data, the end of the file is a hole) */
	int64_t (*seek)(struct vnode *v, uint64_t off, bool hole);
	/* the last reference went (v_refs 0): free what the node holds (the
	 * VFS frees its name and the node) */
	void (*release)(struct vnode *v);
	/* optional, Linux's inode permission op: the file system decides
	 * whether the app may R_OK/W_OK/X_OK v (0 or -EACCES) instead of
	 * the mode bits (read-only mounts are still -EROFS) */
	int (*permission)(struct vnode *v, int mode);
};

struct mount {
	struct list_node mnt_link; /* the table, in mount order */
	int mnt_id;
	const struct fs_type *mnt_type;
	struct vnode *mnt_root;
	struct vnode *mnt_point;  /* the directory it covers (the root mount: NULL) */
	struct mount *mnt_parent; /* the mount holding mnt_point */
	char mnt_source[64];      /* as given to mount(2) */
	unsigned long mnt_flags;  /* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_NOATIME */
	uint64_t mnt_dev;         /* st_dev of its files */
	uint64_t mnt_size_max;    /* tmpfs: bytes of file data it may hold (0: no limit) */
	uint64_t mnt_used;        /* bytes its files' data take (atomic) */
	int mnt_busy;             /* held nodes (atomic): open files, file regions */
};

struct fs_type {
	const char *name;
	uint32_t magic; /* statfs f_type */
	/* make m's root (m->mnt_root, ns lock held) from the options
	 * (mount(2)'s data, a NUL-terminated copy, may be NULL): 0 or -errno */
	int (*fill)(struct mount *m, const char *opts);
	/* MS_REMOUNT's options (optional: none understood) */
	int (*remount)(struct mount *m, const char *opts);
	/* umount: free what the tree holds (optional) */
	void (*kill)(struct mount *m);
	/* the " size=..." of /proc/mounts (optional): the length written */
	size_t (*show)(struct mount *m, char *buf, size_t size);
};

/* the namespace lock: the shape of every tree and the mount table */
void vfs_ns_lock(void);
void vfs_ns_unlock(void);
/* the root mount's root (core/fs/mount.c, at start-up) */
void vfs_set_root(struct vnode *r);
/* references that are not holds (a name, a child, a link's target): no
 * mount is busy for them; the last one frees the node */
void vfs_ref(struct vnode *v);
void vfs_unref(struct vnode *v);
/* a new node of mount m (named name[0..len), nlink 1, owner root, times
 * now), zeroed: 'size' bytes, the file system's node beginning with its
 * struct vnode (whose kfree frees it all when the last reference goes) */
struct vnode *vfs_node_alloc(size_t size, struct mount *m, const struct vnode_ops *ops,
                             const char *name, size_t len, uint32_t mode);

/* a getattr's common part: ids, mode, links, times, rdev from the vnode
 * (size and blocks 0); file systems add what they know */
void vfs_generic_getattr(struct vnode *v, struct linux_stat *st);

/* --- ramfs (core/fs/ramfs.c), for the trees built on it --- */
extern const struct vnode_ops ramfs_ops;
/* file bytes: kmalloc'd up to this size (symlinks: always), beyond it a
 * table of frames by page, where a page never written has none */
#define RAMFS_SMALL 2048
/* m's root directory (ramfs_ops, mode) */
int ramfs_fill_root(struct mount *m, uint32_t mode);
/* a child 'name' of dir made directly (ns lock held), ramfs's node with
 * ops (NULL: ramfs_ops): the node, or NULL when the name is taken or
 * memory short */
struct vnode *ramfs_add(struct vnode *dir, const char *name, uint32_t mode,
                        const struct vnode_ops *ops);
/* free every node's bytes of a tree no one uses any more (umount) */
void ramfs_kill(struct mount *m);
/* a dynamic directory (/proc/self/fd), ns lock held: begin marks every
 * child stale; symlink makes or updates child 'name' -> target (magic:
 * see v_magic); end drops the children still stale (kept allocated: a
 * lookup may hold one). Typical use: begin, one symlink per entry, end. */
void ramfs_fill_begin(struct vnode *dir);
void ramfs_fill_symlink(struct vnode *dir, const char *name, const char *target,
                        struct vnode *magic);
void ramfs_fill_end(struct vnode *dir);

/* the page op's how */
#define VFS_PAGE_FIND 0
#define VFS_PAGE_MAKE 1
#define VFS_PAGE_MAKE_APP 2
/* the file has mapped regions (core/fs/filemap.c): a file system that
 * changes its pages under them tells mm/vma.c (vma_file_cut,
 * vma_file_filled) */
bool filemap_mapped(struct vnode *v);

/* the file system types (mount(2)'s -t) */
extern const struct fs_type ramfs_type, tmpfs_type, devtmpfs_type, proc_type, sysfs_type;
/* tmpfs options: size=N[k|m|g|%] (default: half the memory), mode=,
 * uid=, gid=; -EINVAL for others */
int tmpfs_options(struct mount *m, const char *opts, bool remount);
/* tmpfs's remount and show (devtmpfs has them too) */
int tmpfs_remount(struct mount *m, const char *opts);
size_t tmpfs_show(struct mount *m, char *buf, size_t size);

#endif

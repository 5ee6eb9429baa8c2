/* Fuzz core/fs/initrd.c: initrd_unpack() on the input as the cpio newc
 * archive, over a model of the VFS calls it makes (vfs_* below: a flat
 * table of paths with the contract of include/vfs.h: the parent must be a
 * directory, -EEXIST hands back the node there, held). Besides the
 * sanitizers (the input is an exact-size heap block: a header or name read
 * past the end is caught), the harness fails when
 * - initrd_unpack fails without a reason or with another error than -EINVAL;
 * - file data given to vfs_write_data lies outside the archive;
 * - a node hold is left over (every vfs_create/vfs_lookup hold is put).
 * Seeds: real initrds written by tools/unum's writer (tests/fuzz/seeds.py). */
#include "boot.h"
#include "errno.h"
#include "fuzz.h"
#include "lib.h"
#include "uapi/stat.h"
#include "vfs.h"

int initrd_unpack(const uint8_t *data, size_t len, const char **why);

#define NODES 256
#define PATH_MAX_MODEL 4096

static struct model_node {
	struct vnode v; /* first: the harness casts back */
	char path[PATH_MAX_MODEL];
	int holds;
	size_t size;
} nodes[NODES];
static int nnodes;
static const uint8_t *archive;
static size_t archive_len;

/* "a//b/" -> "a/b"; false for a path the model does not take */
static bool
normalize(const char *path, char *out)
{
	size_t n = 0;

	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *c = p;
		while (*p && *p != '/')
			p++;
		size_t len = p - c;
		if (len > 255)
			return false; /* -ENAMETOOLONG */
		if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return false; /* the model keeps no "." or ".." */
		if (n + len + 2 > PATH_MAX_MODEL)
			return false;
		if (n)
			out[n++] = '/';
		memcpy(out + n, c, len);
		n += len;
	}
	out[n] = '\0';
	return true;
}

static struct model_node *
find(const char *norm)
{
	for (int i = 0; i < nnodes; i++)
		if (!strcmp(nodes[i].path, norm))
			return &nodes[i];
	return NULL;
}

static struct model_node *
of(struct vnode *v)
{
	struct model_node *m = (struct model_node *)v;

	if (m < nodes || m >= nodes + nnodes)
		fuzz_fail("a vnode the model never handed out: %p", (void *)v);
	return m;
}

int
vfs_create(struct vnode *cwd, const char *path, uint32_t mode, struct vnode **out)
{
	char norm[PATH_MAX_MODEL], parent[PATH_MAX_MODEL];
	struct model_node *m;

	*out = NULL;
	if (cwd)
		fuzz_fail("vfs_create with a cwd");
	if (!normalize(path, norm) || !*norm)
		return -EINVAL;
	if ((m = find(norm))) {
		m->holds++;
		*out = &m->v;
		return -EEXIST;
	}
	strcpy(parent, norm);
	char *slash = strrchr(parent, '/');
	if (slash) {
		*slash = '\0';
		struct model_node *p = find(parent);
		if (!p)
			return -ENOENT;
		if ((p->v.v_mode & S_IFMT) != S_IFDIR)
			return -ENOTDIR;
	}
	if (nnodes == NODES)
		return -ENOSPC;
	m = &nodes[nnodes++];
	memset(m, 0, sizeof(*m));
	strcpy(m->path, norm);
	m->v.v_mode = mode;
	m->holds = 1;
	*out = &m->v;
	return 0;
}

int
vfs_write_data(struct vnode *v, uint64_t off, const void *buf, size_t n)
{
	struct model_node *m = of(v);
	uintptr_t b = (uintptr_t)buf, a = (uintptr_t)archive;

	if (n && (b < a || b - a > archive_len || n > archive_len - (b - a)))
		fuzz_fail("file data from outside the archive: %zu bytes at offset %#lx", n,
		          (unsigned long)(b - a));
	if (n && __asan_region_is_poisoned((void *)buf, n))
		fuzz_fail("file data from poisoned memory");
	m->size = off + n;
	return 0;
}

int
vfs_lookup(struct vnode *cwd, const char *path, bool follow, struct vnode **out)
{
	char norm[PATH_MAX_MODEL];
	struct model_node *m;

	*out = NULL;
	if (!normalize(path, norm))
		return -ENOENT;
	if (!(m = find(norm)))
		return -ENOENT;
	m->holds++;
	*out = &m->v;
	return 0;
}

void
vfs_put(struct vnode *v)
{
	struct model_node *m = of(v);

	if (m->holds-- <= 0)
		fuzz_fail("vfs_put of %s without a hold", m->path);
}

/* what initrd.c's other functions (initrd_init, initrd_unum_remove) link
 * to: never reached from initrd_unpack */
struct boot_info boot_info;

int
vfs_remove(struct vnode *cwd, const char *path, bool dir)
{
	fuzz_fail("vfs_remove called by the unpack");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;

	nnodes = 0;
	archive = data;
	archive_len = size;
	int err = initrd_unpack(data, size, &why);
	if (err && err != -EINVAL)
		fuzz_fail("initrd_unpack returned %d (not -EINVAL)", err);
	if (err && (!why || !*why))
		fuzz_fail("initrd_unpack failed without a reason");
	for (int i = 0; i < nnodes; i++)
		if (nodes[i].holds != 0)
			fuzz_fail("%s: %d holds left after the unpack", nodes[i].path,
			          nodes[i].holds);
	return 0;
}

/* In-guest tests of the VFS's node lifetime (core/fs/vfs.c, ramfs.c): a
 * node, its bytes and its metadata are freed when its last name and its
 * last reference (open file, lookup, hard link) are gone, so the heap's
 * count of live blocks and the free frames come back after each round. */
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "vfs.h"

static uint64_t
live_blocks(void)
{
	struct heap_stats st;

	heap_stats(&st);
	return st.allocs - st.frees;
}

static bool
make_dir(const char *path)
{
	struct vnode *v;
	int err = vfs_create(NULL, path, S_IFDIR | 0755, &v);

	if (v)
		vfs_put(v);
	return !err || err == -EEXIST;
}

/* a file of 'size' bytes at path, left open: the open file */
static struct file *
open_filled(const char *path, size_t size)
{
	static uint8_t buf[4096];
	struct file *f;
	int err;

	if (!(f = file_open(NULL, path, O_CREAT | O_RDWR, 0644, &err)))
		return NULL;
	for (size_t off = 0; off < size; off += sizeof(buf))
		if (vfs_write_data(f->f_node, off, buf, MIN(sizeof(buf), size - off))) {
			file_put(f);
			return NULL;
		}
	return f;
}

KTEST(vfs_unlinked_open_file_freed_on_close)
{
	EXPECT(make_dir("/ktest_vfs"));
	for (int round = 0; round < 2; round++) {
		uint64_t blocks = live_blocks(), frames = frame_free_bytes();
		for (int i = 0; i < 20; i++) {
			/* small (kmalloc'ed bytes) and large (vmem) files */
			struct file *f = open_filled("/ktest_vfs/f", i % 2 ? 300 : KiB(200));
			EXPECT(f != NULL);
			if (!f)
				return;
			EXPECT_EQ(vfs_remove(NULL, "/ktest_vfs/f", false), 0);
			EXPECT_EQ(f->f_node->v_nlink, 0); /* still there while open */
			file_put(f);
		}
		if (round == 0)
			continue; /* the first round may fill caches for good */
		EXPECT_EQ(live_blocks(), blocks);
		EXPECT_EQ(frame_free_bytes(), frames);
	}
}

KTEST(vfs_lookup_hold_and_hard_links)
{
	EXPECT(make_dir("/ktest_vfs"));
	struct file *f = open_filled("/ktest_vfs/warm", 10);
	EXPECT(f != NULL);
	if (f)
		file_put(f);
	EXPECT_EQ(vfs_remove(NULL, "/ktest_vfs/warm", false), 0);
	uint64_t blocks = live_blocks();
	struct vnode *v, *w;

	/* a name, a hard link, a lookup's hold: the node goes with the last */
	f = open_filled("/ktest_vfs/a", 1000);
	EXPECT(f != NULL);
	if (!f)
		return;
	file_put(f);
	EXPECT_EQ(vfs_lookup(NULL, "/ktest_vfs/a", true, &v), 0);
	EXPECT_EQ(vfs_link(v, NULL, "/ktest_vfs/b"), 0);
	EXPECT_EQ(v->v_nlink, 2);
	EXPECT_EQ(vfs_remove(NULL, "/ktest_vfs/a", false), 0);
	EXPECT_EQ(vfs_lookup(NULL, "/ktest_vfs/b", true, &w), 0);
	EXPECT(w == v);
	vfs_put(w);
	EXPECT_EQ(vfs_remove(NULL, "/ktest_vfs/b", false), 0);
	EXPECT_EQ(v->v_nlink, 0);
	vfs_put(v); /* the last reference */
	/* a directory and a symlink */
	EXPECT(make_dir("/ktest_vfs/d"));
	EXPECT_EQ(vfs_symlink(NULL, "/ktest_vfs/d/l", "../a"), 0);
	EXPECT_EQ(vfs_remove(NULL, "/ktest_vfs/d", true), -ENOTEMPTY);
	EXPECT_EQ(vfs_remove(NULL, "/ktest_vfs/d/l", false), 0);
	EXPECT_EQ(vfs_remove(NULL, "/ktest_vfs/d", true), 0);
	EXPECT_EQ(live_blocks(), blocks);
}

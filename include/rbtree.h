/* The tree's one balanced search tree: a red-black tree, intrusive (the
 * node lives inside the object, as queue.h's list_node does), with an
 * optional augmentation: a per-node value computed from the node and its
 * two subtrees (the app's VMAs keep the largest free gap below them), kept
 * up to date through rotations. No locking: the owner says what protects
 * it. Pure logic: host-tested by tests/unit/test_rbtree.c.
 * Typical use:
 *   struct rb_tree t = RB_TREE_INIT(NULL);      // or a struct rb_augment *
 *   struct obj { struct rb_node o_rb; uint64_t key; };
 *   rb_insert(&t, &o->o_rb, obj_less);          // equal keys go after
 *   struct rb_node *n = rb_search(&t, &key, key_below);  // first n with key < n
 *   for (n = rb_first(&t); n; n = rb_next(n)) ...        // in order
 *   rb_remove(&t, &o->o_rb);
 */
#ifndef UNUM_RBTREE_H
#define UNUM_RBTREE_H

#include "types.h"

struct rb_node {
	struct rb_node *rb_parent, *rb_left, *rb_right;
	bool rb_red;
};

/* Augmentation: 'update' recomputes n's value from n itself and its
 * children's values (n's children are already up to date). The tree calls
 * it on every node whose subtree changed shape; when the caller changes
 * what a node's own value depends on, it calls rb_propagate(n). */
struct rb_augment {
	void (*update)(struct rb_node *n);
};

struct rb_tree {
	struct rb_node *rb_root;
	const struct rb_augment *rb_aug; /* optional */
};

#define RB_TREE_INIT(aug)                                                                          \
	{                                                                                          \
		NULL, (aug)                                                                        \
	}
#define rb_entry(n, type, member) ((type *)((char *)(n)-offsetof(type, member)))
/* the object of n, or NULL when n is NULL */
#define rb_entry_or_null(n, type, member)                                                          \
	({                                                                                         \
		struct rb_node *_n = (n);                                                          \
		_n ? rb_entry(_n, type, member) : NULL;                                            \
	})

/* insert n, ordered by less(a, b) (a before b); a node equal to others
 * goes after them */
void rb_insert(struct rb_tree *t, struct rb_node *n,
               bool (*less)(const struct rb_node *a, const struct rb_node *b));
/* unlink n (which must be in t) */
void rb_remove(struct rb_tree *t, struct rb_node *n);
/* the first node n in order for which below(key, n) holds, or NULL; below
 * must be false then true along the order (a lower bound) */
struct rb_node *rb_search(const struct rb_tree *t, const void *key,
                          bool (*below)(const void *key, const struct rb_node *n));
struct rb_node *rb_first(const struct rb_tree *t);
struct rb_node *rb_last(const struct rb_tree *t);
struct rb_node *rb_next(const struct rb_node *n);
struct rb_node *rb_prev(const struct rb_node *n);
/* n's own augmented value changed: update it and its ancestors */
void rb_propagate(const struct rb_tree *t, struct rb_node *n);

static inline bool
rb_empty(const struct rb_tree *t)
{
	return !t->rb_root;
}

#endif

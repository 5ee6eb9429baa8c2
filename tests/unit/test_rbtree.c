/* libc/rbtree.c on the host: random inserts (duplicate keys too), removes
 * and value changes against a sorted-array model, checking after every
 * operation the red-black invariants (black root, no red child of a red
 * node, one black height, parent links), the in-order sequence both ways,
 * lower-bound searches and an augmented subtree maximum.
 * Run: make unit && build/tests/unit/test_rbtree */
#include "rbtree.h"
#include "unit.h"

#define NITEMS 600

struct item {
	struct rb_node rb;
	int key, val;
	int max; /* augmented: the largest val in the subtree */
	bool in;
};

static struct item items[NITEMS];
static struct item *model[NITEMS]; /* the items in the tree, in order */
static int nmodel;

static void
item_update(struct rb_node *n)
{
	struct item *it = rb_entry(n, struct item, rb);
	int m = it->val;

	if (n->rb_left && rb_entry(n->rb_left, struct item, rb)->max > m)
		m = rb_entry(n->rb_left, struct item, rb)->max;
	if (n->rb_right && rb_entry(n->rb_right, struct item, rb)->max > m)
		m = rb_entry(n->rb_right, struct item, rb)->max;
	it->max = m;
}

static const struct rb_augment item_aug = {.update = item_update};
static struct rb_tree tree = RB_TREE_INIT(&item_aug);

static bool
item_less(const struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct item, rb)->key < rb_entry(b, struct item, rb)->key;
}

static bool
key_below(const void *key, const struct rb_node *n)
{
	return *(const int *)key < rb_entry(n, struct item, rb)->key;
}

/* the subtree's black height, or -1 after noting what is broken */
static int
check_node(const struct rb_node *n, const struct rb_node *parent, int *count)
{
	if (!n)
		return 0;
	const struct item *it = rb_entry(n, struct item, rb);
	int bad = 0, m = it->val;
	if (n->rb_parent != parent) {
		unit_note("key %d: parent link wrong", it->key);
		bad = 1;
	}
	if (n->rb_red && parent && parent->rb_red) {
		unit_note("key %d: red under red", it->key);
		bad = 1;
	}
	int lh = check_node(n->rb_left, n, count);
	++*count;
	int rh = check_node(n->rb_right, n, count);
	if (lh < 0 || rh < 0 || bad)
		return -1;
	if (lh != rh) {
		unit_note("key %d: black heights %d left, %d right", it->key, lh, rh);
		return -1;
	}
	if (n->rb_left && rb_entry(n->rb_left, struct item, rb)->max > m)
		m = rb_entry(n->rb_left, struct item, rb)->max;
	if (n->rb_right && rb_entry(n->rb_right, struct item, rb)->max > m)
		m = rb_entry(n->rb_right, struct item, rb)->max;
	if (it->max != m) {
		unit_note("key %d: augmented max %d, expected %d", it->key, it->max, m);
		return -1;
	}
	return lh + !n->rb_red;
}

static bool
check_tree(const char *after)
{
	int count = 0, i;
	struct rb_node *n;

	if (tree.rb_root && tree.rb_root->rb_red) {
		unit_note("after %s: red root", after);
		return false;
	}
	if (check_node(tree.rb_root, NULL, &count) < 0) {
		unit_note("after %s: invariant broken (above)", after);
		return false;
	}
	EXPECT_EQ(count, nmodel);
	for (i = 0, n = rb_first(&tree); n && i < nmodel; i++, n = rb_next(n))
		if (rb_entry(n, struct item, rb) != model[i])
			break;
	if (i != nmodel || n) {
		unit_note("after %s: in-order walk differs from the model at %d of %d", after, i,
		          nmodel);
		return false;
	}
	for (i = nmodel - 1, n = rb_last(&tree); n && i >= 0; i--, n = rb_prev(n))
		if (rb_entry(n, struct item, rb) != model[i])
			break;
	if (i != -1 || n) {
		unit_note("after %s: reverse walk differs from the model at %d", after, i);
		return false;
	}
	return true;
}

/* the model's place for a new key: after its equals */
static void
model_insert(struct item *it)
{
	int i = nmodel;

	while (i > 0 && model[i - 1]->key > it->key) {
		model[i] = model[i - 1];
		i--;
	}
	model[i] = it;
	nmodel++;
}

static void
model_remove(struct item *it)
{
	int i = 0;

	while (model[i] != it)
		i++;
	memmove(&model[i], &model[i + 1], (size_t)(nmodel - i - 1) * sizeof(model[0]));
	nmodel--;
}

static void
rbtree_empty(void)
{
	struct rb_tree t = RB_TREE_INIT(NULL);
	int key = 0;

	EXPECT(rb_empty(&t));
	EXPECT(rb_first(&t) == NULL);
	EXPECT(rb_last(&t) == NULL);
	EXPECT(rb_search(&t, &key, key_below) == NULL);
}

/* sorted inserts, then removes from the front: the classic worst case of
 * an unbalanced tree; the height stays logarithmic */
static void
rbtree_sorted(void)
{
	struct rb_tree t = RB_TREE_INIT(NULL);
	int depth = 0;

	for (int i = 0; i < NITEMS; i++) {
		items[i] = (struct item){.key = i};
		rb_insert(&t, &items[i].rb, item_less);
	}
	for (struct rb_node *n = rb_first(&t); n; n = n->rb_parent)
		depth++;
	EXPECT(depth <= 2 * 10); /* 2 log2(600 + 1) */
	for (int i = 0; i < NITEMS; i++) {
		EXPECT(rb_first(&t) == &items[i].rb);
		rb_remove(&t, &items[i].rb);
	}
	EXPECT(rb_empty(&t));
}

static void
rbtree_random(void)
{
	memset(items, 0, sizeof(items));
	nmodel = 0;
	for (int step = 0; step < 20000; step++) {
		struct item *it = &items[unit_rand() % NITEMS];
		unsigned op = unit_rand() % 8;
		const char *what;
		if (!it->in && op < 5) {
			it->key = (int)(unit_rand() % 400); /* duplicates happen */
			it->val = (int)(unit_rand() % 100000);
			it->in = true;
			rb_insert(&tree, &it->rb, item_less);
			model_insert(it);
			what = "insert";
		} else if (it->in && op < 6) {
			it->val = (int)(unit_rand() % 100000);
			rb_propagate(&tree, &it->rb);
			what = "value change";
		} else if (it->in) {
			rb_remove(&tree, &it->rb);
			it->in = false;
			model_remove(it);
			what = "remove";
		} else {
			continue;
		}
		if (!check_tree(what)) {
			unit_note("at step %d (seed in the plan line)", step);
			EXPECT(false);
			return;
		}
		int key = (int)(unit_rand() % 420) - 10, i = 0;
		while (i < nmodel && model[i]->key <= key)
			i++;
		struct rb_node *got = rb_search(&tree, &key, key_below);
		EXPECT(got == (i < nmodel ? &model[i]->rb : NULL));
		int want_max = -1;
		for (i = 0; i < nmodel; i++)
			want_max = model[i]->val > want_max ? model[i]->val : want_max;
		if (nmodel)
			EXPECT_EQ(rb_entry(tree.rb_root, struct item, rb)->max, want_max);
	}
	while (nmodel) {
		struct item *it = model[unit_rand() % (unsigned)nmodel];
		rb_remove(&tree, &it->rb);
		model_remove(it);
		if (!check_tree("drain")) {
			EXPECT(false);
			return;
		}
	}
	EXPECT(rb_empty(&tree));
}

int
main(void)
{
	RUN(rbtree_empty);
	RUN(rbtree_sorted);
	RUN(rbtree_random);
	return unit_done();
}

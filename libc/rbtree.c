/* A red-black tree (include/rbtree.h), as in CLRS chapter 13 with NULL
 * leaves: every path from a node down to a leaf crosses the same number of
 * black nodes, and no red node has a red child, so no path is more than
 * twice as long as another. Host-tested by tests/unit/test_rbtree.c. */
#include "rbtree.h"

static void
update(const struct rb_tree *t, struct rb_node *n)
{
	if (t->rb_aug)
		t->rb_aug->update(n);
}

void
rb_propagate(const struct rb_tree *t, struct rb_node *n)
{
	if (!t->rb_aug)
		return;
	for (; n; n = n->rb_parent)
		t->rb_aug->update(n);
}

/* put 'by' where 'n' hangs (by may be NULL) */
static void
replace(struct rb_tree *t, struct rb_node *n, struct rb_node *by)
{
	struct rb_node *p = n->rb_parent;

	if (!p)
		t->rb_root = by;
	else if (p->rb_left == n)
		p->rb_left = by;
	else
		p->rb_right = by;
	if (by)
		by->rb_parent = p;
}

/* x's right child y takes x's place, x becomes y's left child */
static void
rotate_left(struct rb_tree *t, struct rb_node *x)
{
	struct rb_node *y = x->rb_right;

	x->rb_right = y->rb_left;
	if (y->rb_left)
		y->rb_left->rb_parent = x;
	replace(t, x, y);
	y->rb_left = x;
	x->rb_parent = y;
	update(t, x); /* x is below y now: x first */
	update(t, y);
}

static void
rotate_right(struct rb_tree *t, struct rb_node *x)
{
	struct rb_node *y = x->rb_left;

	x->rb_left = y->rb_right;
	if (y->rb_right)
		y->rb_right->rb_parent = x;
	replace(t, x, y);
	y->rb_right = x;
	x->rb_parent = y;
	update(t, x);
	update(t, y);
}

static bool
is_red(const struct rb_node *n)
{
	return n && n->rb_red;
}

void
rb_insert(struct rb_tree *t, struct rb_node *n,
          bool (*less)(const struct rb_node *a, const struct rb_node *b))
{
	struct rb_node **link = &t->rb_root, *p = NULL, *g, *u;

	while (*link) {
		p = *link;
		link = less(n, p) ? &p->rb_left : &p->rb_right;
	}
	*n = (struct rb_node){.rb_parent = p, .rb_red = true};
	*link = n;
	rb_propagate(t, n);
	/* a red node under a red parent: recolour up, or rotate once or twice */
	while ((p = n->rb_parent) && p->rb_red) {
		g = p->rb_parent; /* p is red, so not the root */
		if (p == g->rb_left) {
			u = g->rb_right;
			if (is_red(u)) {
				p->rb_red = u->rb_red = false;
				g->rb_red = true;
				n = g;
				continue;
			}
			if (n == p->rb_right) {
				rotate_left(t, p);
				n = p;
				p = n->rb_parent;
			}
			p->rb_red = false;
			g->rb_red = true;
			rotate_right(t, g);
		} else {
			u = g->rb_left;
			if (is_red(u)) {
				p->rb_red = u->rb_red = false;
				g->rb_red = true;
				n = g;
				continue;
			}
			if (n == p->rb_left) {
				rotate_right(t, p);
				n = p;
				p = n->rb_parent;
			}
			p->rb_red = false;
			g->rb_red = true;
			rotate_left(t, g);
		}
	}
	t->rb_root->rb_red = false;
}

/* x (maybe NULL, under parent xp) lacks one black on its paths */
static void
remove_fixup(struct rb_tree *t, struct rb_node *x, struct rb_node *xp)
{
	struct rb_node *w;

	while (x != t->rb_root && !is_red(x)) {
		if (x == xp->rb_left) {
			w = xp->rb_right; /* not NULL: its side has a black more */
			if (w->rb_red) {
				w->rb_red = false;
				xp->rb_red = true;
				rotate_left(t, xp);
				w = xp->rb_right;
			}
			if (!is_red(w->rb_left) && !is_red(w->rb_right)) {
				w->rb_red = true;
				x = xp;
				xp = x->rb_parent;
				continue;
			}
			if (!is_red(w->rb_right)) {
				w->rb_left->rb_red = false;
				w->rb_red = true;
				rotate_right(t, w);
				w = xp->rb_right;
			}
			w->rb_red = xp->rb_red;
			xp->rb_red = false;
			w->rb_right->rb_red = false;
			rotate_left(t, xp);
		} else {
			w = xp->rb_left;
			if (w->rb_red) {
				w->rb_red = false;
				xp->rb_red = true;
				rotate_right(t, xp);
				w = xp->rb_left;
			}
			if (!is_red(w->rb_left) && !is_red(w->rb_right)) {
				w->rb_red = true;
				x = xp;
				xp = x->rb_parent;
				continue;
			}
			if (!is_red(w->rb_left)) {
				w->rb_right->rb_red = false;
				w->rb_red = true;
				rotate_left(t, w);
				w = xp->rb_left;
			}
			w->rb_red = xp->rb_red;
			xp->rb_red = false;
			w->rb_left->rb_red = false;
			rotate_right(t, xp);
		}
		x = t->rb_root;
	}
	if (x)
		x->rb_red = false;
}

void
rb_remove(struct rb_tree *t, struct rb_node *n)
{
	struct rb_node *x, *xp, *y;
	bool removed_red = n->rb_red;

	if (!n->rb_left || !n->rb_right) {
		x = n->rb_left ? n->rb_left : n->rb_right;
		xp = n->rb_parent;
		replace(t, n, x);
	} else {
		/* two children: n's successor y, the leftmost of its right
		 * subtree, takes n's place and colour */
		for (y = n->rb_right; y->rb_left; y = y->rb_left)
			;
		removed_red = y->rb_red;
		x = y->rb_right;
		if (y->rb_parent == n) {
			xp = y;
		} else {
			xp = y->rb_parent;
			replace(t, y, x);
			y->rb_right = n->rb_right;
			y->rb_right->rb_parent = y;
		}
		replace(t, n, y);
		y->rb_left = n->rb_left;
		y->rb_left->rb_parent = y;
		y->rb_red = n->rb_red;
	}
	*n = (struct rb_node){0};
	rb_propagate(t, xp); /* passes y's new place too */
	if (!removed_red)
		remove_fixup(t, x, xp);
}

struct rb_node *
rb_search(const struct rb_tree *t, const void *key,
          bool (*below)(const void *key, const struct rb_node *n))
{
	struct rb_node *n = t->rb_root, *best = NULL;

	while (n) {
		if (below(key, n)) {
			best = n;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

struct rb_node *
rb_first(const struct rb_tree *t)
{
	struct rb_node *n = t->rb_root;

	while (n && n->rb_left)
		n = n->rb_left;
	return n;
}

struct rb_node *
rb_last(const struct rb_tree *t)
{
	struct rb_node *n = t->rb_root;

	while (n && n->rb_right)
		n = n->rb_right;
	return n;
}

struct rb_node *
rb_next(const struct rb_node *n)
{
	const struct rb_node *p;

	if (n->rb_right) {
		for (n = n->rb_right; n->rb_left; n = n->rb_left)
			;
		return (struct rb_node *)n;
	}
	while ((p = n->rb_parent) && n == p->rb_right)
		n = p;
	return (struct rb_node *)p;
}

struct rb_node *
rb_prev(const struct rb_node *n)
{
	const struct rb_node *p;

	if (n->rb_left) {
		for (n = n->rb_left; n->rb_right; n = n->rb_right)
			;
		return (struct rb_node *)n;
	}
	while ((p = n->rb_parent) && n == p->rb_left)
		n = p;
	return (struct rb_node *)p;
}

/* The tree's one list: circular, doubly linked, intrusive. An empty list
 * is a head pointing at itself. No locking: the owner of the list says
 * what protects it.
 * Typical use:
 *   struct list_node rq;               // head, list_init(&rq)
 *   struct thread { struct list_node t_rq; ... };
 *   list_add_tail(&rq, &t->t_rq);
 *   struct thread *t = list_first_entry(&rq, struct thread, t_rq);
 *   list_del(&t->t_rq);
 */
#ifndef UNUM_QUEUE_H
#define UNUM_QUEUE_H

#include "types.h"

struct list_node {
	struct list_node *next, *prev;
};

#define LIST_HEAD_INIT(h)                                                                          \
	{                                                                                          \
		&(h), &(h)                                                                         \
	}
#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))
#define list_entry(n, type, member) container_of(n, type, member)
#define list_first_entry(h, type, member) container_of((h)->next, type, member)
#define list_for_each(n, h) for ((n) = (h)->next; (n) != (h); (n) = (n)->next)
#define list_for_each_safe(n, tmp, h)                                                              \
	for ((n) = (h)->next, (tmp) = (n)->next; (n) != (h); (n) = (tmp), (tmp) = (n)->next)

static inline void
list_init(struct list_node *h)
{
	h->next = h->prev = h;
}
static inline bool
list_empty(const struct list_node *h)
{
	return h->next == h;
}
/* a node that is on no list (after list_del or list_init) */
static inline bool
list_unlinked(const struct list_node *n)
{
	return n->next == n;
}

static inline void
list_insert(struct list_node *prev, struct list_node *n, struct list_node *next)
{
	n->prev = prev;
	n->next = next;
	prev->next = n;
	next->prev = n;
}

static inline void
list_add_head(struct list_node *h, struct list_node *n)
{
	list_insert(h, n, h->next);
}
static inline void
list_add_tail(struct list_node *h, struct list_node *n)
{
	list_insert(h->prev, n, h);
}
/* insert n before node 'pos' (for sorted lists) */
static inline void
list_add_before(struct list_node *pos, struct list_node *n)
{
	list_insert(pos->prev, n, pos);
}

static inline void
list_del(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

static inline size_t
list_count(const struct list_node *h)
{
	size_t c = 0;

	for (const struct list_node *n = h->next; n != h; n = n->next)
		c++;
	return c;
}

#endif

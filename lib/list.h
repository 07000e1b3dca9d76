/*
 * lib/list.h - intrusive circular doubly-linked lists.
 *
 * A struct list_head is embedded in each element; an empty list is a head
 * whose next and prev point to itself. Invariant: for every node n on a
 * list, n->next->prev == n and n->prev->next == n. list_del() poisons the
 * removed node's pointers with non-canonical addresses, so a use after
 * removal faults at once (#GP) instead of corrupting a list quietly.
 * No locking: callers serialize.
 */
#ifndef LIB_LIST_H
#define LIB_LIST_H

#include <stdbool.h>
#include "lib/compiler.h"

struct list_head {
	struct list_head *next, *prev;
};

/* Non-canonical on x86-64: any dereference takes a general protection fault. */
#define LIST_POISON_NEXT	((struct list_head *)0xdead000000000100UL)
#define LIST_POISON_PREV	((struct list_head *)0xdead000000000200UL)

#define LIST_HEAD_INIT(name)	{ &(name), &(name) }
#define LIST_HEAD(name)		struct list_head name = LIST_HEAD_INIT(name)

/**
 * INIT_LIST_HEAD() - make @head an empty list.
 * @head: the head (or a node, to mark it as on no list).
 */
static inline void INIT_LIST_HEAD(struct list_head *head)
{
	head->next = head;
	head->prev = head;
}

/* Link @node between the adjacent nodes @prev and @next. */
static inline void __list_insert(struct list_head *node,
				 struct list_head *prev, struct list_head *next)
{
	next->prev = node;
	node->next = next;
	node->prev = prev;
	prev->next = node;
}

/**
 * list_add() - insert @node right after @head (stack order).
 * @node: node to insert; must not be on a list.
 * @head: list head or node to insert after.
 */
static inline void list_add(struct list_head *node, struct list_head *head)
{
	__list_insert(node, head, head->next);
}

/**
 * list_add_tail() - insert @node right before @head (queue order).
 * @node: node to insert; must not be on a list.
 * @head: list head; @node becomes the last entry.
 */
static inline void list_add_tail(struct list_head *node, struct list_head *head)
{
	__list_insert(node, head->prev, head);
}

/* Unlink whatever lies between @prev and @next. */
static inline void __list_unlink(struct list_head *prev, struct list_head *next)
{
	next->prev = prev;
	prev->next = next;
}

/**
 * list_del() - remove @node from its list and poison its pointers.
 * @node: node on a list. It must not be used as a list node again until
 *        re-initialized or re-added.
 */
static inline void list_del(struct list_head *node)
{
	__list_unlink(node->prev, node->next);
	node->next = LIST_POISON_NEXT;
	node->prev = LIST_POISON_PREV;
}

/**
 * list_del_init() - remove @node from its list and make it an empty list.
 * @node: node on a list; list_empty(@node) is true afterwards.
 */
static inline void list_del_init(struct list_head *node)
{
	__list_unlink(node->prev, node->next);
	INIT_LIST_HEAD(node);
}

/**
 * list_empty() - test whether a list has no entries.
 * @head: the list head.
 *
 * Return: true if empty.
 */
static inline bool list_empty(const struct list_head *head)
{
	return head->next == head;
}

/**
 * list_is_last() - test whether @node is the last entry of @head.
 * @node: a node on the list.
 * @head: the list head.
 *
 * Return: true if @node is the last entry.
 */
static inline bool list_is_last(const struct list_head *node,
				const struct list_head *head)
{
	return node->next == head;
}

/**
 * list_move() - move @node from its list to right after @head.
 * @node: node on a list.
 * @head: destination list head.
 */
static inline void list_move(struct list_head *node, struct list_head *head)
{
	__list_unlink(node->prev, node->next);
	list_add(node, head);
}

/**
 * list_move_tail() - move @node from its list to the tail of @head.
 * @node: node on a list.
 * @head: destination list head.
 */
static inline void list_move_tail(struct list_head *node, struct list_head *head)
{
	__list_unlink(node->prev, node->next);
	list_add_tail(node, head);
}

/**
 * list_splice_tail_init() - append all entries of @list to @head, empty @list.
 * @list: source list; left empty (re-initialized).
 * @head: destination list; the entries keep their order, after its own.
 */
static inline void list_splice_tail_init(struct list_head *list,
					 struct list_head *head)
{
	if (list_empty(list))
		return;
	list->next->prev = head->prev;
	head->prev->next = list->next;
	list->prev->next = head;
	head->prev = list->prev;
	INIT_LIST_HEAD(list);
}

/* The containing structure of the list node @ptr. */
#define list_entry(ptr, type, member)	container_of(ptr, type, member)

/* First / last entry; the list must not be empty. */
#define list_first_entry(head, type, member) \
	list_entry((head)->next, type, member)
#define list_last_entry(head, type, member) \
	list_entry((head)->prev, type, member)

/* First entry, or NULL if the list is empty. */
#define list_first_entry_or_null(head, type, member) ({			\
	struct list_head *__lh = (head);				\
	__lh->next != __lh ? list_entry(__lh->next, type, member) : NULL; })

#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_prev_entry(pos, member) \
	list_entry((pos)->member.prev, __typeof__(*(pos)), member)

/* Iterate over raw nodes; @pos must not be removed in the body. */
#define list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/* Iterate over entries; the current entry must not be removed in the body. */
#define list_for_each_entry(pos, head, member)				\
	for ((pos) = list_first_entry(head, __typeof__(*(pos)), member);	\
	     &(pos)->member != (head);					\
	     (pos) = list_next_entry(pos, member))

/* Iterate over entries backwards, last to first. */
#define list_for_each_entry_reverse(pos, head, member)			\
	for ((pos) = list_last_entry(head, __typeof__(*(pos)), member);	\
	     &(pos)->member != (head);					\
	     (pos) = list_prev_entry(pos, member))

/*
 * Iterate over entries; @n caches the next one so that the body may
 * remove (or free) the current entry @pos.
 */
#define list_for_each_entry_safe(pos, n, head, member)			\
	for ((pos) = list_first_entry(head, __typeof__(*(pos)), member),	\
	     (n) = list_next_entry(pos, member);				\
	     &(pos)->member != (head);					\
	     (pos) = (n), (n) = list_next_entry(n, member))

#endif /* LIB_LIST_H */

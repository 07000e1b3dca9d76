/*
 * tests/host/test_list.c - host unit tests of lib/list.h.
 *
 * After every operation the whole list is checked: the circular
 * next/prev invariant in both directions and the exact order of entries.
 * Also checks the compiler.h helpers the list macros depend on.
 */
#define KT_SUITE "list"
#include <stdint.h>
#include <string.h>
#include "tests/host/klib.h"
#include "tests/host/harness.h"

struct item {
	int val;
	struct list_head node;
	int pad;
};

/* Check invariants and that the values on @head are exactly @want[0..n). */
static bool list_is(const char *file, int line, struct list_head *head,
		    const int *want, int n)
{
	struct list_head *p = head;
	struct item *it;
	int i = 0;

	/* Links consistent in both directions, and the ring closes. */
	do {
		if (p->next->prev != p || p->prev->next != p) {
			kt_fail(file, line, "broken links at node %d", i);
			return false;
		}
		p = p->next;
		if (++i > n + 1) {
			kt_fail(file, line, "expected %d entries, got more", n);
			return false;
		}
	} while (p != head);

	i = 0;
	list_for_each_entry(it, head, node) {
		if (i >= n || it->val != want[i]) {
			kt_fail(file, line, "entry %d: expected %d, got %d", i,
				i < n ? want[i] : -1, it->val);
			return false;
		}
		i++;
	}
	if (i != n) {
		kt_fail(file, line, "expected %d entries, got %d", n, i);
		return false;
	}
	/* The same, backwards. */
	list_for_each_entry_reverse(it, head, node) {
		if (it->val != want[--i]) {
			kt_fail(file, line, "reverse entry %d: expected %d, got %d",
				i, want[i], it->val);
			return false;
		}
	}
	CHECK_INT(n == 0, list_empty(head));
	return true;
}

#define LIST_IS(head, ...) do {						\
	static const int kt_w[] = { __VA_ARGS__ };			\
	list_is(__FILE__, __LINE__, (head), kt_w + 1,			\
		(int)(sizeof(kt_w) / sizeof(kt_w[0])) - 1);		\
} while (0)

/* LIST_IS(head, 0, a, b, c): the leading 0 lets the list be empty. */

TEST(empty_list)
{
	LIST_HEAD(h);
	struct list_head h2;

	INIT_LIST_HEAD(&h2);
	CHECK(list_empty(&h));
	CHECK(list_empty(&h2));
	CHECK_PTR(&h, h.next);
	CHECK_PTR(&h, h.prev);
	LIST_IS(&h, 0);
	CHECK_PTR(NULL, list_first_entry_or_null(&h, struct item, node));
}

TEST(add_and_add_tail)
{
	LIST_HEAD(h);
	struct item it[4] = { { .val = 0 }, { .val = 1 }, { .val = 2 }, { .val = 3 } };

	list_add(&it[1].node, &h);
	LIST_IS(&h, 0, 1);
	list_add(&it[0].node, &h);		/* front */
	LIST_IS(&h, 0, 0, 1);
	list_add_tail(&it[3].node, &h);		/* back */
	LIST_IS(&h, 0, 0, 1, 3);
	list_add(&it[2].node, &it[1].node);	/* after a node */
	LIST_IS(&h, 0, 0, 1, 2, 3);
	CHECK_PTR(&it[0], list_first_entry(&h, struct item, node));
	CHECK_PTR(&it[3], list_last_entry(&h, struct item, node));
	CHECK_PTR(&it[0], list_first_entry_or_null(&h, struct item, node));
	CHECK(list_is_last(&it[3].node, &h));
	CHECK(!list_is_last(&it[2].node, &h));
}

TEST(del_poisons)
{
	LIST_HEAD(h);
	struct item it[3] = { { .val = 0 }, { .val = 1 }, { .val = 2 } };

	for (int i = 0; i < 3; i++)
		list_add_tail(&it[i].node, &h);
	list_del(&it[1].node);
	LIST_IS(&h, 0, 0, 2);
	CHECK_PTR(LIST_POISON_NEXT, it[1].node.next);
	CHECK_PTR(LIST_POISON_PREV, it[1].node.prev);
	/* Poison is non-canonical on x86-64: bits 63..47 not all equal. */
	uintptr_t p = (uintptr_t)LIST_POISON_NEXT;
	CHECK(p >> 47 != 0 && p >> 47 != 0x1ffff);
	list_del(&it[0].node);
	LIST_IS(&h, 0, 2);
	list_del(&it[2].node);
	LIST_IS(&h, 0);
}

TEST(del_init)
{
	LIST_HEAD(h);
	struct item a = { .val = 1 }, b = { .val = 2 };

	list_add_tail(&a.node, &h);
	list_add_tail(&b.node, &h);
	list_del_init(&a.node);
	CHECK(list_empty(&a.node));
	LIST_IS(&h, 0, 2);
	list_add(&a.node, &h);			/* re-add is fine */
	LIST_IS(&h, 0, 1, 2);
}

TEST(safe_iteration_deletes)
{
	LIST_HEAD(h);
	struct item it[10], *pos, *n;

	for (int i = 0; i < 10; i++) {
		it[i].val = i;
		list_add_tail(&it[i].node, &h);
	}
	/* Delete every odd entry, and the current one, while walking. */
	list_for_each_entry_safe(pos, n, &h, node)
		if (pos->val % 2)
			list_del(&pos->node);
	LIST_IS(&h, 0, 0, 2, 4, 6, 8);
	list_for_each_entry_safe(pos, n, &h, node)
		list_del(&pos->node);
	LIST_IS(&h, 0);
}

TEST(move_and_move_tail)
{
	LIST_HEAD(a);
	LIST_HEAD(b);
	struct item it[4];

	for (int i = 0; i < 4; i++) {
		it[i].val = i;
		list_add_tail(&it[i].node, &a);
	}
	list_move_tail(&it[0].node, &a);	/* rotate within a list */
	LIST_IS(&a, 0, 1, 2, 3, 0);
	list_move_tail(&it[2].node, &b);
	list_move_tail(&it[1].node, &b);
	LIST_IS(&a, 0, 3, 0);
	LIST_IS(&b, 0, 2, 1);
	list_move(&it[0].node, &b);
	LIST_IS(&a, 0, 3);
	LIST_IS(&b, 0, 0, 2, 1);
	list_move_tail(&it[3].node, &b);
	LIST_IS(&a, 0);
	LIST_IS(&b, 0, 0, 2, 1, 3);
}

TEST(splice_tail_init)
{
	LIST_HEAD(a);
	LIST_HEAD(b);
	struct item it[6];

	for (int i = 0; i < 6; i++) {
		it[i].val = i;
		list_add_tail(&it[i].node, i < 3 ? &a : &b);
	}
	list_splice_tail_init(&b, &a);
	LIST_IS(&a, 0, 0, 1, 2, 3, 4, 5);
	LIST_IS(&b, 0);
	list_splice_tail_init(&b, &a);		/* empty source: no-op */
	LIST_IS(&a, 0, 0, 1, 2, 3, 4, 5);
	list_splice_tail_init(&a, &b);		/* into an empty list */
	LIST_IS(&b, 0, 0, 1, 2, 3, 4, 5);
	LIST_IS(&a, 0);
	/* single element */
	list_del(&it[5].node);
	list_add(&it[5].node, &a);
	list_splice_tail_init(&a, &b);
	LIST_IS(&b, 0, 0, 1, 2, 3, 4, 5);
}

TEST(list_for_each_raw)
{
	LIST_HEAD(h);
	struct item it[3] = { { .val = 7 }, { .val = 8 }, { .val = 9 } };
	struct list_head *p;
	int sum = 0, cnt = 0;

	for (int i = 0; i < 3; i++)
		list_add_tail(&it[i].node, &h);
	list_for_each(p, &h) {
		sum += list_entry(p, struct item, node)->val;
		cnt++;
	}
	CHECK_INT(3, cnt);
	CHECK_INT(24, sum);
	CHECK_PTR(&it[1], list_next_entry(&it[0], node));
	CHECK_PTR(&it[0], list_prev_entry(&it[1], node));
}

struct hdr {
	char c;
	int x;
	long y;
};

TEST(compiler_helpers)
{
	struct hdr h;
	int arr[7];
	unsigned long u = 0x1234;

	CHECK_PTR(&h, container_of(&h.y, struct hdr, y));
	CHECK_UINT(7, ARRAY_SIZE(arr));
	CHECK_UINT(0x2000, ALIGN_UP(u, 0x1000));
	CHECK_UINT(0x1000, ALIGN_DOWN(u, 0x1000));
	CHECK_UINT(0x1000, ALIGN_UP(0x1000UL, 0x1000));
	CHECK_UINT(0, ALIGN_UP(0UL, 8));
	CHECK(IS_ALIGNED(0x3000UL, 0x1000));
	CHECK(!IS_ALIGNED(u, 8));
	CHECK_UINT(0xffffffff80001000UL, ALIGN_UP(0xffffffff80000001UL, 4096));
	CHECK_UINT(3, DIV_ROUND_UP(9, 4));
	CHECK_UINT(2, DIV_ROUND_UP(8, 4));
	CHECK_INT(-3, MIN(-3, 4));
	CHECK_INT(4, MAX(-3, 4));
	int k = 0;
	CHECK_INT(1, MAX(k++, 0) + 1);		/* evaluated once */
	CHECK_INT(1, k);
	CHECK(likely(1) && !unlikely(0));
	CHECK_UINT(1, likely(42));
	BUILD_BUG_ON(sizeof(long) != 8);
	CHECK_UINT(offsetof(struct hdr, y), __builtin_offsetof(struct hdr, y));

	struct __packed pk { char a; int b; };
	struct al { char a; } __aligned(64);
	CHECK_UINT(5, sizeof(struct pk));
	CHECK_UINT(64, _Alignof(struct al));
}

/*
 * mm/pmm.c - buddy allocator over all of RAM, and the early frame allocator
 * that feeds the kernel's page tables before it exists.
 *
 * Invariants (zone_lock held):
 *   - a free block of order k starts at a pfn divisible by 2^k; its head
 *     page has PG_buddy and ->order == k and sits on free_area[k].list;
 *     the other pages of the block have no PG_buddy;
 *   - two buddies of order k are never both free (they would have merged);
 *   - nr_free == sum over k of 2^k * free_area[k].count.
 */
#include "mm/pmm.h"
#include "mm/fail_nth.h"
#include "kernel/params.h"
#include "mm/paging.h"
#include "mm/pcp.h"
#include "kernel/bootinfo.h"
#include "kernel/printk.h"
#include "kernel/panic.h"
#include "kernel/locking/spinlock.h"
#include "lib/string.h"

struct page *page_array;
uint64_t max_pfn;

static struct free_area {
	struct list_head list;
	uint64_t count;
} free_area[MAX_ORDER];

static uint64_t nr_free, nr_managed;
DEFINE_SPINLOCK(zone_lock);

extern char __kernel_start[], __kernel_end[];

/* ---- early allocator: a bump pointer in the first usable region above the
 * kernel image, below 1 GiB so the boot mapping reaches it. ------------- */
static uint64_t early_base, early_next, early_limit;

static void early_setup(void)
{
	uint64_t kend = ALIGN_UP(__pa(__kernel_end), PAGE_SIZE);
	for (int i = 0; i < boot_info.nr_mem; i++) {
		const struct mem_region *r = &boot_info.mem[i];
		if (r->type != MEM_USABLE)
			continue;
		uint64_t s = ALIGN_UP(r->base, PAGE_SIZE), e = ALIGN_DOWN(r->base + r->length, PAGE_SIZE);
		if (s < kend)
			s = kend;
		if (e > (1ull << 30))
			e = 1ull << 30;
		if (e > s && e - s > early_limit - early_next) {
			early_base = early_next = s;
			early_limit = e;
		}
	}
	if (!early_base)
		panic("pmm: no usable memory above the kernel image");
}

uint64_t early_alloc_frame(void)
{
	if (!early_base)
		early_setup();
	if (early_next + PAGE_SIZE > early_limit)
		panic("pmm: early allocator exhausted");
	uint64_t pa = early_next;
	early_next += PAGE_SIZE;
	memset(phys_to_virt_early(pa), 0, PAGE_SIZE);
	return pa;
}

/* ---- buddy allocator -------------------------------------------------- */

struct page *virt_to_page(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	if (v < PAGE_OFFSET || v >= PAGE_OFFSET + (max_pfn << PAGE_SHIFT))
		return NULL;
	return pfn_to_page((v - PAGE_OFFSET) >> PAGE_SHIFT);
}

static void add_free_block(uint64_t pfn, unsigned order)
{
	struct page *p = pfn_to_page(pfn);
	WRITE_ONCE(p->flags, PG_buddy);             /* see struct page */
	p->order = (uint8_t)order;
	list_add(&p->lru, &free_area[order].list);
	WRITE_ONCE(free_area[order].count, free_area[order].count + 1);    /* pmm_free_blocks() */
}

static void del_free_block(struct page *p, unsigned order)
{
	list_del(&p->lru);
	WRITE_ONCE(p->flags, p->flags & ~PG_buddy);
	WRITE_ONCE(free_area[order].count, free_area[order].count - 1);
}

/* Free a block and merge upward while the buddy is free. Zone lock held. */
static void __free_block(uint64_t pfn, unsigned order)
{
	WRITE_ONCE(nr_free, nr_free + (1ull << order));    /* pmm_free_frames() reads it lockless */
	while (order < MAX_ORDER - 1) {
		uint64_t buddy = pfn ^ (1ull << order);
		if (buddy + (1ull << order) > max_pfn)
			break;
		struct page *b = pfn_to_page(buddy);
		if (!(b->flags & PG_buddy) || b->order != order)
			break;
		del_free_block(b, order);
		pfn &= ~(1ull << order);    /* the merged block starts at the lower buddy */
		order++;
	}
	add_free_block(pfn, order);
}

/* The buddy part of alloc_pages(); the caller sets up the page. */
static struct page *buddy_alloc(unsigned order)
{
	unsigned long flags;
	spin_lock_irqsave(&zone_lock, flags);
	unsigned k = order;
	while (k < MAX_ORDER && list_empty(&free_area[k].list))
		k++;
	if (k == MAX_ORDER) {
		spin_unlock_irqrestore(&zone_lock, flags);
		return NULL;
	}
	struct page *p = list_first_entry(&free_area[k].list, struct page, lru);
	del_free_block(p, k);
	uint64_t pfn = page_to_pfn(p);
	/* Split: keep the lower half, free the upper halves. */
	while (k > order) {
		k--;
		add_free_block(pfn + (1ull << k), k);
	}
	WRITE_ONCE(nr_free, nr_free - (1ull << order));
	spin_unlock_irqrestore(&zone_lock, flags);
	return p;
}

unsigned pmm_take_batch(struct list_head *list, unsigned n)
{
	unsigned long flags;
	unsigned got = 0;
	spin_lock_irqsave(&zone_lock, flags);
	for (; got < n; got++) {
		unsigned k = 0;
		while (k < MAX_ORDER && list_empty(&free_area[k].list))
			k++;
		if (k == MAX_ORDER)
			break;
		struct page *p = list_first_entry(&free_area[k].list, struct page, lru);
		del_free_block(p, k);
		uint64_t pfn = page_to_pfn(p);
		while (k > 0) {
			k--;
			add_free_block(pfn + (1ull << k), k);
		}
		WRITE_ONCE(nr_free, nr_free - 1);  /* read racily by pmm_free_frames() */
		p->flags = 0;
		list_add_tail(&p->lru, list);
	}
	spin_unlock_irqrestore(&zone_lock, flags);
	return got;
}

void pmm_give_batch(struct list_head *list, unsigned n)
{
	unsigned long flags;
	spin_lock_irqsave(&zone_lock, flags);
	/* The coldest first: the list is LIFO, its tail was freed longest ago. */
	for (unsigned i = 0; i < n && !list_empty(list); i++) {
		struct page *p = list_last_entry(list, struct page, lru);
		list_del(&p->lru);
		__free_block(page_to_pfn(p), 0);
	}
	spin_unlock_irqrestore(&zone_lock, flags);
}

static struct fail_nth page_fail;

void page_alloc_fail_nth(unsigned long nth, const void *owner)
{
	fail_nth_arm(&page_fail, nth, owner);
}

bool page_alloc_fail_pending(void)
{
	return fail_nth_pending(&page_fail);
}

static int set_fail_page_alloc(const char *v)
{
	return fail_nth_param(&page_fail, v);
}
KERNEL_PARAM(fail_page_alloc, "fail_page_alloc", "N", "fault injection: the Nth alloc_pages() after boot fails",
	     set_fail_page_alloc);

struct page *alloc_pages(unsigned order)
{
	if (order >= MAX_ORDER)
		return NULL;
	if (fail_nth_should_fail(&page_fail))
		return NULL;
	struct page *p = NULL;
	if (order == 0 && READ_ONCE(pcp_enabled))
		p = pcp_alloc();
	if (!p)
		p = buddy_alloc(order);
	if (!p && pcp_frames()) {
		pcp_drain_all();        /* frames parked on lists: not out of memory yet */
		p = buddy_alloc(order);
	}
	if (!p)
		return NULL;
	uint64_t pfn = page_to_pfn(p);

	WRITE_ONCE(p->flags, 0);
	page_set_anon(p, PAGE_NOT_ANON);    /* until a fault installs it as one */
	p->order = (uint8_t)order;
	/* A free frame has count zero (free_pages sets it); anything else
	 * means a reference was taken on it while it was free. */
	int c = atomic_xchg(&p->refcount, 1);
	if (c != 0 && __atomic_fetch_add(&page_alloc_bad_count, 1, __ATOMIC_RELAXED) == 0)
		pr_err("alloc_pages: free frame pfn %#llx had count %d\n", (unsigned long long)pfn, c);
	return p;
}

static void check_block(struct page *p, unsigned order)
{
	uint64_t pfn = page_to_pfn(p);
	if (pfn >= max_pfn || (pfn & ((1ull << order) - 1)) || (p->flags & (PG_buddy | PG_reserved)))
		panic("free_pages: bad block pfn %#llx order %u flags %#x",
		      (unsigned long long)pfn, order, p->flags);
}

void free_pages_released(struct page *p, unsigned order)
{
	check_block(p, order);
	WRITE_ONCE(p->flags, p->flags & ~PG_free_deferred);
	atomic_set(&p->refcount, 0);
	if (order == 0 && READ_ONCE(pcp_enabled)) {
		pcp_free(p);
		return;
	}
	unsigned long flags;
	spin_lock_irqsave(&zone_lock, flags);
	__free_block(page_to_pfn(p), order);
	spin_unlock_irqrestore(&zone_lock, flags);
}

void free_pages_released_list(struct list_head *pages)
{
	struct page *p;
	list_for_each_entry(p, pages, lru) {
		check_block(p, 0);
		WRITE_ONCE(p->flags, p->flags & ~PG_free_deferred);
		atomic_set(&p->refcount, 0);
	}
	if (READ_ONCE(pcp_enabled)) {
		pcp_free_list(pages);
		return;
	}
	unsigned long flags;
	spin_lock_irqsave(&zone_lock, flags);
	while (!list_empty(pages)) {
		p = list_first_entry(pages, struct page, lru);
		list_del(&p->lru);
		__free_block(page_to_pfn(p), 0);
	}
	spin_unlock_irqrestore(&zone_lock, flags);
}

void free_pages(struct page *p, unsigned order)
{
	check_block(p, order);
	/* Say how to free it before dropping our reference: once we drop it,
	 * a transient holder's put may be the last one, and it frees the
	 * block from these fields (page_ref.c).  The decrement below is a
	 * full barrier: pairs with put_page_n()'s atomic_sub_return, after
	 * which the last holder reads them. */
	p->order = (uint8_t)order;
	WRITE_ONCE(p->flags, p->flags | PG_free_deferred);
	int c = atomic_sub_return(1, &p->refcount);
	if (c > 0) {
		/* A fast-GUP try-get got in (it will fail its recheck and put). */
		__atomic_fetch_add(&page_free_referenced, 1, __ATOMIC_RELAXED);
		return;
	}
	/* 0: ours was the last reference.  Below 0: a block whose count was
	 * already 0 (never handed out by alloc_pages): free it as before. */
	free_pages_released(p, order);
}

void *get_zeroed_page(void)
{
	struct page *p = alloc_page();
	if (!p)
		return NULL;
	void *va = page_address(p);
	memset(va, 0, PAGE_SIZE);
	return va;
}

void free_page_addr(void *addr)
{
	struct page *p = virt_to_page(addr);
	if (!p || ((uintptr_t)addr & (PAGE_SIZE - 1)))
		panic("free_page_addr: %p is not a page of the direct map", addr);
	free_page(p);
}

uint64_t pmm_free_frames(void) { return READ_ONCE(nr_free) + pcp_frames(); }
uint64_t pmm_total_frames(void) { return nr_managed; }
uint64_t pmm_free_blocks(unsigned order) { return order < MAX_ORDER ? READ_ONCE(free_area[order].count) : 0; }

/* Free [spfn, epfn) as the largest aligned blocks that fit. Zone lock held. */
static void free_range(uint64_t spfn, uint64_t epfn)
{
	while (spfn < epfn) {
		unsigned order = MAX_ORDER - 1;
		while (order && ((spfn & ((1ull << order) - 1)) || spfn + (1ull << order) > epfn))
			order--;
		for (uint64_t i = 0; i < (1ull << order); i++)
			WRITE_ONCE(pfn_to_page(spfn + i)->flags, 0);
		nr_managed += 1ull << order;
		__free_block(spfn, order);
		spfn += 1ull << order;
	}
}

void pmm_release_range(uint64_t start, uint64_t end)
{
	unsigned long flags;
	spin_lock_irqsave(&zone_lock, flags);
	free_range(ALIGN_UP(start, PAGE_SIZE) >> PAGE_SHIFT, ALIGN_DOWN(end, PAGE_SIZE) >> PAGE_SHIFT);
	spin_unlock_irqrestore(&zone_lock, flags);
}

void pmm_init(void)
{
	for (unsigned k = 0; k < MAX_ORDER; k++)
		INIT_LIST_HEAD(&free_area[k].list);
	for (int i = 0; i < boot_info.nr_mem; i++) {
		const struct mem_region *r = &boot_info.mem[i];
		uint64_t end = (r->base + r->length) >> PAGE_SHIFT;
		if (r->type == MEM_USABLE && end > max_pfn)
			max_pfn = end;
	}
	if (max_pfn > (DIRECT_MAP_MAX >> PAGE_SHIFT))
		max_pfn = DIRECT_MAP_MAX >> PAGE_SHIFT;

	/* The struct page array, from the early allocator (contiguous frames). */
	uint64_t bytes = max_pfn * sizeof(struct page);
	uint64_t frames = DIV_ROUND_UP(bytes, PAGE_SIZE);
	uint64_t first = early_alloc_frame();
	for (uint64_t i = 1; i < frames; i++)
		if (early_alloc_frame() != first + i * PAGE_SIZE)
			panic("pmm: early allocations not contiguous");
	page_array = __va(first);
	for (uint64_t pfn = 0; pfn < max_pfn; pfn++) {
		struct page *p = &page_array[pfn];
		memset(p, 0, sizeof(*p));
		WRITE_ONCE(p->flags, PG_reserved);
		spin_lock_init(&p->ptl);
	}

	/* Free usable RAM minus: the low 1 MiB (BIOS data, the AP trampoline),
	 * the kernel image, and what the early allocator handed out. */
	uint64_t kstart = __pa(__kernel_start), kend = ALIGN_UP(__pa(__kernel_end), PAGE_SIZE);
	uint64_t holes[3][2] = { { 0, 1ull << 20 }, { kstart, kend }, { early_base, early_next } };
	unsigned long flags;
	spin_lock_irqsave(&zone_lock, flags);
	for (int i = 0; i < boot_info.nr_mem; i++) {
		const struct mem_region *r = &boot_info.mem[i];
		if (r->type != MEM_USABLE)
			continue;
		uint64_t s = ALIGN_UP(r->base, PAGE_SIZE), e = ALIGN_DOWN(r->base + r->length, PAGE_SIZE);
		if (e > max_pfn << PAGE_SHIFT)
			e = max_pfn << PAGE_SHIFT;
		/* Walk [s, e) page by page in runs that avoid every hole. */
		uint64_t run = s;
		for (uint64_t pa = s; pa <= e; pa += PAGE_SIZE) {
			bool in_hole = pa == e;
			for (int h = 0; h < 3 && !in_hole; h++)
				in_hole = pa >= holes[h][0] && pa < holes[h][1];
			if (in_hole) {
				if (pa > run)
					free_range(run >> PAGE_SHIFT, pa >> PAGE_SHIFT);
				run = pa + PAGE_SIZE;
			}
		}
	}
	spin_unlock_irqrestore(&zone_lock, flags);
	pr_info("pmm: %llu MiB managed, %llu frames free, struct page array %llu KiB\n",
		(unsigned long long)(nr_managed >> 8), (unsigned long long)nr_free,
		(unsigned long long)(bytes >> 10));
}

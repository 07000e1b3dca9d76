/*
 * mm/filemap.c - the page cache (see filemap.h): a fixed three-level radix
 * index per file, looked up under RCU, changed under a spinlock.
 *
 * The protocol, reader and writer side by side:
 *
 *   lookup (filemap_get_page)            insert (filemap_grab_page)
 *   rcu_read_lock()                      fill the new page (zeroes)
 *   p = rcu_dereference(slot)            spin_lock(tree_lock)
 *   try_get_page(p)  (fails at zero)     slot still empty?  (the recheck)
 *   p == rcu_dereference(slot)?          rcu_assign_pointer(slot, p)
 *     no: put_page(p), start again       spin_unlock(tree_lock)
 *   rcu_read_unlock()
 *                                        remove (filemap_truncate)
 *                                        spin_lock(tree_lock)
 *                                        WRITE_ONCE(slot, NULL)
 *                                        put_page(p)   (the cache's ref)
 *
 * 1. Publication: rcu_assign_pointer() (a release) orders the page's
 *    zeroes before the slot; the reader's rcu_dereference() (an address
 *    dependency) orders its reads of the page after it.  A pair.
 * 2. A reader can find a page just as it is removed and freed.
 *    try_get_page() never lifts a zero count, and its cmpxchg is a full
 *    barrier, so the recheck of the slot comes after the reference is
 *    taken: if the slot still names the page, the remover had not yet
 *    cleared it, and the remover's put (after its clear) cannot be the
 *    last one while we hold ours.  Same shape as fast GUP (mm/gup.c),
 *    Linux's filemap_get_entry()/folio_try_get().
 * 3. Index nodes are never freed while the file lives (only in
 *    filemap_destroy(), when nobody can look the file up), so an RCU reader
 *    never walks a freed node and nodes need no RCU-deferred free.
 * 4. Lookup-or-insert: the slot is rechecked under tree_lock, so two
 *    racing inserts for one index yield one page; the loser frees its own
 *    and takes the winner's (counted in filemap_insert_races).
 *    PAGECACHE_BROKEN skips the recheck: the second insert overwrites the
 *    first, and the two callers hold two different pages for one offset
 *    (tests/kernel/pagecache.c catches it).
 *
 * Lock order: a caller may hold its inode's i_rwsem (file.c); tree_lock
 * is innermost (nothing is taken under it but the allocator's locks).
 * A future fault path on file mappings takes only the RCU lookup and
 * tree_lock, never i_rwsem: write() holds i_rwsem across copy_from_user(),
 * which may fault and take mmap_lock, so the fault path taking i_rwsem
 * under mmap_lock would be an ABBA deadlock.
 */
#include "mm/filemap.h"
#include "mm/page.h"
#include "mm/pmm.h"
#include "mm/kmalloc.h"
#include "kernel/errno.h"
#include "kernel/config.h"
#include "kernel/rcu/rcu.h"
#include "lib/string.h"

struct filemap_node {
	void *slots[FILEMAP_FANOUT];    /* nodes, or pages at the last level */
};

long filemap_total_pages;
unsigned long filemap_insert_races;

static unsigned slot_of(uint64_t index, int level)
{
	int shift = FILEMAP_SHIFT * (FILEMAP_LEVELS - 1 - level);
	return (unsigned)(index >> shift) & (FILEMAP_FANOUT - 1);
}

void filemap_init(struct address_space *m, int (*charge)(long pages))
{
	spin_lock_init(&m->tree_lock);
	m->root = NULL;
	m->nrpages = 0;
	m->charge = charge;
}

/* The leaf-level slot for @index, or NULL if a node on the way is missing.
 * Lockless: every pointer read is an rcu_dereference(), pairing with the
 * rcu_assign_pointer() that published the node (alloc_path()). */
static void **leaf_slot(struct address_space *m, uint64_t index)
{
	struct filemap_node *n = rcu_dereference(m->root);
	for (int level = 0; n && level < FILEMAP_LEVELS - 1; level++)
		n = rcu_dereference(n->slots[slot_of(index, level)]);
	return n ? &n->slots[slot_of(index, FILEMAP_LEVELS - 1)] : NULL;
}

struct page *filemap_get_page(struct address_space *m, uint64_t index)
{
	if (index > FILEMAP_MAX_INDEX)
		return NULL;
	struct page *p;
	rcu_read_lock();
	for (;;) {
		void **slot = leaf_slot(m, index);
		p = slot ? rcu_dereference(*slot) : NULL;
		if (!p)
			break;
		/* Step 2 of the header: the try-get fails on a page whose
		 * last reference went; its full barrier orders the recheck
		 * after it (pairs with the remover's clear before its put). */
		if (!try_get_page(p))
			continue;
		if (rcu_dereference(*slot) == p)
			break;
		put_page(p);                /* removed (and maybe reused) meanwhile */
	}
	rcu_read_unlock();
	return p;
}

/* Under tree_lock: the leaf slot for @index, allocating the nodes on the
 * way.  A new node is zeroed before rcu_assign_pointer() publishes it:
 * lockless readers (leaf_slot()) see it empty, never uninitialised. */
static void **alloc_path(struct address_space *m, uint64_t index)
{
	struct filemap_node **link = &m->root;
	for (int level = 0; level < FILEMAP_LEVELS; level++) {
		struct filemap_node *n = *link;
		if (!n) {
			n = kzalloc(sizeof(*n));
			if (!n)
				return NULL;
			rcu_assign_pointer(*link, n);
		}
		if (level == FILEMAP_LEVELS - 1)
			return &n->slots[slot_of(index, level)];
		link = (struct filemap_node **)&n->slots[slot_of(index, level)];
	}
	return NULL;
}

/* Lookup-or-insert; with @size, insert only while @index is below the
 * size read under tree_lock (a file fault against truncate, which
 * stores the size before it takes tree_lock to drop pages). */
static int grab(struct address_space *m, uint64_t index, const uint64_t *size, struct page **out)
{
	if (index > FILEMAP_MAX_INDEX)
		return -EFBIG;
	struct page *p = filemap_get_page(m, index);
	if (p) {
		*out = p;
		return 0;
	}
	if (m->charge && m->charge(1))
		return -ENOSPC;
	struct page *new = alloc_page();
	if (!new) {
		if (m->charge)
			m->charge(-1);
		return -ENOMEM;
	}
	/* Zeroed before publication (step 1): a reader of a hole reads 0. */
	memset(page_address(new), 0, PAGE_SIZE);
	spin_lock(&m->tree_lock);
	void **slot = alloc_path(m, index);
	if (!slot) {
		spin_unlock(&m->tree_lock);
		free_page(new);
		if (m->charge)
			m->charge(-1);
		return -ENOMEM;
	}
	if (size && index >= (READ_ONCE(*size) + PAGE_SIZE - 1) / PAGE_SIZE) {
		/* Truncated meanwhile: never a page past the end. */
		spin_unlock(&m->tree_lock);
		free_page(new);
		if (m->charge)
			m->charge(-1);
		return -ERANGE;
	}
	p = *slot;                      /* stable: we hold tree_lock */
	if (p)                          /* one counter for every file: atomic */
		__atomic_fetch_add(&filemap_insert_races, 1, __ATOMIC_RELAXED);
#ifdef CONFIG_PAGECACHE_BROKEN
	/* Broken on purpose: no recheck under the lock.  The other racer's
	 * page is overwritten (its cache reference leaks) and the two callers
	 * go on with different pages for one offset. */
	p = NULL;
#endif
	if (p) {
		/* Lost the race (step 4): use the winner's page.  It cannot
		 * be freed under us: removal also takes tree_lock. */
		get_page(p);
		spin_unlock(&m->tree_lock);
		free_page(new);
		if (m->charge)
			m->charge(-1);
		*out = p;
		return 0;
	}
	get_page(new);                  /* the caller's; the cache keeps the first */
	rcu_assign_pointer(*slot, new); /* pairs with filemap_get_page()'s rcu_dereference */
	WRITE_ONCE(m->nrpages, m->nrpages + 1);    /* stat reads it without the lock */
	__atomic_fetch_add(&filemap_total_pages, 1, __ATOMIC_RELAXED);
	spin_unlock(&m->tree_lock);
	*out = new;
	return 0;
}

int filemap_grab_page(struct address_space *m, uint64_t index, struct page **out)
{
	return grab(m, index, NULL, out);
}

int filemap_grab_page_below(struct address_space *m, uint64_t index, const uint64_t *size,
			    struct page **out)
{
	return grab(m, index, size, out);
}

/* Under tree_lock: clear the leaf slots of @n (at @level, covering
 * indices from @base) that are >= @start, putting the cache's references;
 * return how many pages went. */
static long truncate_node(struct filemap_node *n, int level, uint64_t base, uint64_t start)
{
	long freed = 0;
	int shift = FILEMAP_SHIFT * (FILEMAP_LEVELS - 1 - level);
	for (unsigned i = 0; i < FILEMAP_FANOUT; i++) {
		uint64_t first = base + ((uint64_t)i << shift);
		uint64_t last = first + (1ull << shift) - 1;
		if (!n->slots[i] || last < start)
			continue;
		if (level < FILEMAP_LEVELS - 1) {
			freed += truncate_node(n->slots[i], level + 1, first, start);
			continue;
		}
		struct page *p = n->slots[i];
		/* Clear, then put (step 2): a reader that took a reference
		 * before the clear sees the slot changed, or holds the page
		 * past our put. */
		WRITE_ONCE(n->slots[i], NULL);
		put_page(p);
		freed++;
	}
	return freed;
}

void filemap_truncate(struct address_space *m, uint64_t start)
{
	spin_lock(&m->tree_lock);
	long freed = m->root ? truncate_node(m->root, 0, 0, start) : 0;
	WRITE_ONCE(m->nrpages, m->nrpages - (unsigned long)freed);
	spin_unlock(&m->tree_lock);
	__atomic_fetch_sub(&filemap_total_pages, freed, __ATOMIC_RELAXED);
	if (freed && m->charge)
		m->charge(-freed);
}

static void free_nodes(struct filemap_node *n, int level)
{
	if (level < FILEMAP_LEVELS - 1)
		for (unsigned i = 0; i < FILEMAP_FANOUT; i++)
			if (n->slots[i])
				free_nodes(n->slots[i], level + 1);
	kfree(n);
}

void filemap_destroy(struct address_space *m)
{
	filemap_truncate(m, 0);
	/* Step 3: no reader can reach this index any more (the file is
	 * gone), so its nodes go back at once, without a grace period. */
	if (m->root)
		free_nodes(m->root, 0);
	m->root = NULL;
}

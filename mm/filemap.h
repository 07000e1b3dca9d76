/*
 * mm/filemap.h - the page cache: a file's pages, indexed by page offset.
 *
 * Each file (inode) owns one struct address_space (Linux's name), whose
 * index maps a page offset to the struct page holding those bytes.  The
 * cache holds one reference on every page in its index; a lookup returns
 * the page with a reference of the caller's own, so a page that truncate
 * removes meanwhile stays valid until the caller puts it.
 *
 * Invariant: at most one page per (address_space, index).  Insertion is a
 * lookup-or-insert done under @tree_lock; lookups take no lock, only
 * rcu_read_lock() (filemap_get_page()), so a later file-mapping fault path
 * can find a page without any sleeping lock (docs/files.md).
 */
#ifndef MM_FILEMAP_H
#define MM_FILEMAP_H

#include <stdint.h>
#include "kernel/locking/spinlock.h"

struct page;
struct filemap_node;

/* Index levels: 3 x 6 bits = 2^18 pages = 1 GiB per file, more than the
 * largest file (TMPFS_FILE_MAX). */
#define FILEMAP_SHIFT    6
#define FILEMAP_FANOUT   (1u << FILEMAP_SHIFT)
#define FILEMAP_LEVELS   3
#define FILEMAP_MAX_INDEX ((1ul << (FILEMAP_SHIFT * FILEMAP_LEVELS)) - 1)

struct address_space {
	spinlock_t tree_lock;           /* inserts and removals; never lookups */
	struct filemap_node *root;      /* published with rcu_assign_pointer */
	unsigned long nrpages;          /* pages in the index (under tree_lock) */
	int i_mmap_count;               /* VMAs mapping the file (atomics; vma.c): truncate
					 * walks the address spaces only when it is not 0 */
	/* Optional: asked before a page is added (+1) and told when pages
	 * leave (-n): the file system's space limit.  Return 0 or -ENOSPC. */
	int (*charge)(long pages);
};

/** filemap_init() - an empty page cache for one file. */
void filemap_init(struct address_space *m, int (*charge)(long pages));

/**
 * filemap_get_page() - the cached page at @index, with a reference.
 * Return: the page (put_page() it when done), or NULL if none is cached.
 * Context: any process context; takes no lock, only rcu_read_lock().  The
 * page may be truncated away right after: the reference keeps its frame,
 * not its place in the file.
 */
struct page *filemap_get_page(struct address_space *m, uint64_t index);

/**
 * filemap_grab_page() - the page at @index, a zeroed one inserted if none
 * was cached.
 * @out: the page, with a reference for the caller.
 * Return: 0; -ENOMEM; -ENOSPC (@charge refused); -EFBIG (@index beyond
 * FILEMAP_MAX_INDEX).  Context: process context (allocates).  Two callers
 * racing on one index get the same page.
 */
int filemap_grab_page(struct address_space *m, uint64_t index, struct page **out);

/**
 * filemap_grab_page_below() - filemap_grab_page() for a fault on a file
 * mapping: a page is inserted only while @index is below the file size
 * *@size, read under tree_lock (so never after a truncate below it has
 * dropped the pages: mm/filemap_fault.c).
 * Return: as filemap_grab_page(), or -ERANGE (past the end).
 */
int filemap_grab_page_below(struct address_space *m, uint64_t index, const uint64_t *size,
			    struct page **out);

/**
 * filemap_truncate() - drop every page at @start or beyond from the index
 * and put the cache's reference on each (uncharging them).
 * Context: process context.  Pages others hold references on live on
 * until those are put.  A file's mappings must be unmapped past the end
 * first (unmap_mapping_range()), as Linux's truncate_pagecache() unmaps
 * before it drops: kernel/fs/file.c's vfs_truncate() does both.
 */
void filemap_truncate(struct address_space *m, uint64_t start);

/**
 * filemap_destroy() - truncate everything and free the index's nodes.
 * Context: the file is gone: nobody can look it up any more, under RCU or
 * otherwise (its last reference was put).
 */
void filemap_destroy(struct address_space *m);

/**
 * unmap_mapping_range() - zap, in every address space, the PTEs of every
 * mapping of @m's file at file pages @first and beyond (Linux's name):
 * truncate's step between storing the smaller size and dropping the
 * pages (mm/filemap_fault.c has the protocol).  Private copies made by
 * write faults go too: past the end a mapping has no pages, only SIGBUS.
 * Context: process context, may sleep; takes each mm's mmap_lock for
 * read (the caller may hold the file's i_rwsem: that lock nests outside
 * mmap_lock already).
 */
void unmap_mapping_range(struct address_space *m, uint64_t first);

/* Debug counters (tests): pages the cache holds over all files, and
 * lookup-or-insert races in filemap_grab_page() that found the index
 * filled under the lock (the other racer's page used, its own freed). */
extern long filemap_total_pages;
extern unsigned long filemap_insert_races;

#endif

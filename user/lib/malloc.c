/*
 * user/lib/malloc.c - malloc(), free(), calloc(), realloc().
 *
 * Small blocks (below LARGE_MIN) come from a first-fit free list in the
 * style of K&R's allocator: one circular list of free blocks, sorted by
 * address, whose neighbours are merged on free().  The list grows by
 * ARENA_CHUNK bytes of mmap() at a time and never shrinks.  Large blocks get
 * a mapping of their own, which free() unmaps, so big buffers go back to the
 * kernel at once.
 *
 * Every block starts with a 16-byte header, so payloads are 16-byte aligned.
 * An allocated block's header carries a tag telling small from large; free()
 * of anything else aborts.  One spinlock guards the list (held for a short
 * walk only, never across a system call); large blocks need no lock.
 */
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "user/lib/libc.h"

union header {
	struct {
		union header *next;	/* free: next free block; in use: a tag */
		size_t units;		/* size in headers, header included;
					   large: size of the mapping in bytes */
	} s;
	_Alignas(16) char pad[16];
};

#define UNIT		sizeof(union header)
#define TAG_SMALL	((union header *)0x5a5a5a5a5a5a5a5aul)
#define TAG_LARGE	((union header *)0x1a1a1a1a1a1a1a1aul)
#define LARGE_MIN	(64ul << 10)	/* this and above: a mapping of its own */
#define ARENA_CHUNK	(256ul << 10)

static union header base;		/* the list's anchor, size 0 */
static union header *freep;		/* where the last search ended */
static int lock;

static void lock_acquire(void)
{
	int spins = 0;

	while (__atomic_test_and_set(&lock, __ATOMIC_ACQUIRE)) {
		/* The holder may have been preempted: after a while, let it run. */
		if (++spins % 64 == 0)
			sched_yield();
		else
			__builtin_ia32_pause();
	}
}

static void lock_release(void)
{
	__atomic_clear(&lock, __ATOMIC_RELEASE);
}

/* Put @bp on the free list, merging with free neighbours.  Lock held. */
static void free_locked(union header *bp)
{
	union header *p;

	for (p = freep; !(bp > p && bp < p->s.next); p = p->s.next)
		if (p >= p->s.next && (bp > p || bp < p->s.next))
			break;		/* at the wrap-around: bp is first or last */

	if (bp + bp->s.units == p->s.next) {	/* merge with the upper one */
		bp->s.units += p->s.next->s.units;
		bp->s.next = p->s.next->s.next;
	} else {
		bp->s.next = p->s.next;
	}
	if (p + p->s.units == bp) {		/* merge with the lower one */
		p->s.units += bp->s.units;
		p->s.next = bp->s.next;
	} else {
		p->s.next = bp;
	}
	freep = p;
}

static void *malloc_large(size_t size)
{
	size_t len = (size + UNIT + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	union header *h;

	if (len < size)				/* overflow */
		return NULL;
	h = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED)
		return NULL;			/* errno: ENOMEM from mmap */
	h->s.next = TAG_LARGE;
	h->s.units = len;
	return h + 1;
}

void *malloc(size_t size)
{
	union header *p, *prev;
	size_t units;

	if (size >= LARGE_MIN)
		return malloc_large(size);
	units = (size + UNIT - 1) / UNIT + 1;

	lock_acquire();
	if (!freep) {
		base.s.next = freep = &base;
		base.s.units = 0;
	}
	for (prev = freep, p = prev->s.next;; prev = p, p = p->s.next) {
		if (p->s.units >= units) {
			if (p->s.units == units) {
				prev->s.next = p->s.next;
			} else {		/* hand out the tail end */
				p->s.units -= units;
				p += p->s.units;
				p->s.units = units;
			}
			freep = prev;
			p->s.next = TAG_SMALL;
			lock_release();
			return p + 1;
		}
		if (p == freep) {		/* wrapped: get more memory */
			union header *chunk;

			lock_release();
			chunk = mmap(NULL, ARENA_CHUNK, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (chunk == MAP_FAILED)
				return NULL;
			chunk->s.units = ARENA_CHUNK / UNIT;
			lock_acquire();
			free_locked(chunk);
			p = freep;		/* restart from the merged list */
		}
	}
}

void free(void *ptr)
{
	union header *h;

	if (!ptr)
		return;
	h = (union header *)ptr - 1;
	if (h->s.next == TAG_LARGE) {
		munmap(h, h->s.units);
		return;
	}
	if (h->s.next != TAG_SMALL) {
		static const char msg[] = "free(): invalid pointer or double free\n";

		__write_all(2, msg, sizeof(msg) - 1);
		abort();
	}
	lock_acquire();
	free_locked(h);
	lock_release();
}

void *calloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total))
		return NULL;
	p = malloc(total);
	if (p && total < LARGE_MIN)	/* fresh mappings are zero already */
		memset(p, 0, total);
	return p;
}

void *realloc(void *ptr, size_t size)
{
	union header *h;
	size_t have;
	void *n;

	if (!ptr)
		return malloc(size);
	if (size == 0) {
		free(ptr);
		return NULL;
	}
	h = (union header *)ptr - 1;
	have = h->s.next == TAG_LARGE ? h->s.units - UNIT : (h->s.units - 1) * UNIT;
	if (size <= have)
		return ptr;
	n = malloc(size);
	if (n) {
		memcpy(n, ptr, have);
		free(ptr);
	}
	return n;
}

/*
 * tests/models/gup.pml - fast GUP's pin-then-recheck against zap, free and
 * reuse, with page reference counts and the deferred free of a block whose
 * owner freed it while a speculative try-get held it (mm/gup.c
 * gup_fast_pte_range(), mm/page.h page_ref_add_unless_zero(),
 * mm/page_ref.c, mm/pmm.c free_pages(), mm/mmu_gather.c; docs/gup.md).
 *
 * Properties (safety):
 *  - a page fast GUP returns was mapped at its address at some moment of
 *    the call while GUP held its reference (ghost: mapped_held, set when
 *    the try-get succeeds on the mapped page or when the page is mapped
 *    there again while held);
 *  - no reference is taken on a free page (the bug page_ref_on_free
 *    counts), no page is handed out or freed while someone holds a
 *    reference to it (ghost: holders[], each party that believes it holds
 *    one), no put goes below zero;
 *  - none is leaked: at the end every page with no holder is back in the
 *    allocator, and every page's count equals its holders.
 *
 * Bounds: 3 CPUs, 1 address, 2 frames; one fast GUP call, one zap and
 * fault, one kernel allocation and free.
 *
 * Memory model: sequentially consistent.  Sound for x86 here: the try-get
 * is a locked compare-and-exchange, so GUP's recheck reads after it; the
 * zap's PTE clear is released by the PTE lock and followed by the flush
 * and the locked decrement of put_page(); every count change is a locked
 * instruction; GUP makes no plain store another CPU reads.
 *
 * The system: one address X, two frames.  X maps frame 1 (its count 1,
 * the mapping's reference); frame 2 is free.  CPU0 runs fast GUP on X
 * once, then drops what it got (put_user_pages()).  CPU1 zaps X
 * (MADV_DONTNEED or munmap: PTE cleared, flush, the mapping's reference
 * put) and then touches X again (a fault maps a fresh frame).  CPU2 is a
 * kernel user of the allocator: it allocates a frame and frees it
 * (free_pages()), so a frame GUP read a moment ago can be a kernel page by
 * the time GUP tries to take it.
 *
 * Abstracted away, and why that is sound:
 *  - page tables: the PMD recheck is left out; tables are unhooked here
 *    only once empty, so a changed PMD entry always comes with a cleared
 *    PTE, which the PTE recheck sees (mm/gup.c's comment), and the table
 *    itself stays allocated for the walk (pgtable_free.pml);
 *  - pins: a pin adds GUP_PIN_COUNTING_BIAS instead of 1; the argument is
 *    the same with any positive amount, so the model adds 1;
 *  - the TLB flush between the PTE clear and the put is one step of the
 *    zapper (tlb.pml checks flushes);
 *  - the page's data (poison) and the PTE's protection bits: what the
 *    properties are about is which frame and its count.
 *
 * Variants (models.txt): GUP_BROKEN (grab() is a plain get and there is
 * no recheck), NO_RECHECK (a try-get, no recheck), NO_RELEASE (the
 * recheck's failure path forgets release()), NO_DEFERRED_FREE
 * (free_pages() frees the block whatever its count, as before
 * PG_free_deferred).
 */

#define NPAGES 3        /* frames 1 and 2; 0 is "none" */

byte pte = 1;           /* the PTE of X: the frame it maps, 0 if none */
byte refcount[NPAGES];  /* struct page ->refcount */
bit isfree[NPAGES];     /* in the buddy allocator (PG_buddy) */
bit deferred[NPAGES];   /* PG_free_deferred */
byte holders[NPAGES];   /* ghost: parties that believe they hold a reference */
byte gup_holds;         /* ghost: the frame GUP holds a reference on, 0 if none */
bit mapped_held;        /* ghost: X mapped gup_holds at a moment GUP held it */
byte owner;             /* ghost: the frame CPU2 owns */

/* put_page() / release(): drop one reference of frame p (page_ref.c).
 * Macros rather than inlines here and below: spin then reports their
 * steps at the line that uses them, where the tag says why. */
#define put_page(p) \
	d_step { \
		assert(refcount[p] > 0);        /* a put below zero (page_ref_underflow) */ \
		refcount[p]--; \
		if \
		:: refcount[p] == 0 && !isfree[p] -> \
			/* The last reference: poison and free_pages_released(), \
			 * at the owner's order if it freed it meanwhile. */ \
			assert(holders[p] == 0); \
			isfree[p] = 1; \
			deferred[p] = 0 \
		:: else -> skip \
		fi \
	}

/* alloc_pages(0): any free frame; *r = it (count 1), or 0 if none. */
#define alloc_page(r) \
	d_step { \
		if \
		:: isfree[1] -> r = 1 \
		:: isfree[2] -> r = 2 \
		:: else -> r = 0 \
		fi; \
		if \
		:: r != 0 -> \
			/* atomic_xchg(&p->refcount, 1): a free frame has count \
			 * zero; a reference taken on it while free shows here. */ \
			assert(refcount[r] == 0 && holders[r] == 0); \
			isfree[r] = 0; \
			refcount[r] = 1 \
		:: else -> skip \
		fi \
	}

/* CPU0: gup_fast() on X, one page, then the caller's put_user_pages(). */
proctype gup()
{
	byte p, p2, got;
	printf("@column %d CPU0 | fast GUP\n", _pid);
	p = pte;                                /* @gup_fast_pte_range: 1: pte = READ_ONCE(*ptep) */
	if
	:: p == 0 -> goto out                   /* @gup_fast_pte_range: 2: not present: GUP_FB_ABSENT, the slow part */
	:: else -> skip
	fi;
#ifdef GUP_BROKEN
	d_step {                                /* @grab: GUP_BROKEN: page_ref_get_n(), a plain increment */
		assert(refcount[p] > 0);        /* page_ref_get_n(): "reference taken on a free page" */
		refcount[p]++;
		holders[p]++;
		gup_holds = p;
		mapped_held = (pte == p)
	}
#else
	d_step {                                /* @page_ref_add_unless_zero: 3: try-get, a cmpxchg that refuses a zero count */
		if
		:: refcount[p] > 0 ->
			refcount[p]++;
			holders[p]++;
			gup_holds = p;
			mapped_held = (pte == p);
			got = 1
		:: else -> got = 0
		fi
	}
	if
	:: !got -> goto out                     /* @gup_fast_pte_range: 3 failed: GUP_FB_REF, the slow part */
	:: else -> skip
	fi;
#if !defined(NO_RECHECK)
	p2 = pte;                               /* @gup_fast_pte_range: 4: pte2 = READ_ONCE(*ptep), after the try-get's barrier */
	if
	:: p2 != p ->
#ifndef NO_RELEASE
		d_step { holders[p]--; gup_holds = 0 };   /* @release: the recheck failed: put_page() */
		put_page(p);                    /* @put_page: the speculative reference dropped */
#else
		d_step { holders[p]--; gup_holds = 0 };   /* @gup_fast_pte_range: NO_RELEASE: the reference forgotten */
#endif
		goto out                        /* @gup_fast_pte_range: GUP_FB_RECHECK, the slow part */
	:: else -> skip
	fi;
#endif
#endif
	/* The page is returned: it must have been mapped at X while held. */
	assert(mapped_held);                    /* @gup_fast_section_walk: c->pages[c->nr++] = page: returned */
	d_step { holders[p]--; gup_holds = 0 }; /* @put_user_pages: the caller is done with it */
	put_page(p);                            /* @put_page: the caller's reference dropped */
out:
	p = 0; p2 = 0; got = 0
}

/* CPU1: a zap of X, then a fault that maps a fresh frame there. */
proctype mm_user()
{
	byte p;
	printf("@column %d CPU1 | zap, fault\n", _pid);
	d_step { p = pte; pte = 0; holders[p]-- }   /* @zap_range: clear the PTE under the PTE lock */
	skip;                                   /* @tlb_flush_mmu: flush_tlb_mm_range() before the pages' references go */
	put_page(p);                            /* @tlb_flush_mmu: put_page(): the mapping's reference */
	alloc_page(p);                          /* @fault_in_vma: alloc_page() for the fault on X */
	if
	:: p != 0 ->
		d_step {                        /* @fault_in_vma: WRITE_ONCE(*pte, mk_pte(page)) under the PTE lock */
			pte = p;
			holders[p]++;
			if
			:: gup_holds == p -> mapped_held = 1
			:: else -> skip
			fi
		}
	:: else -> skip                         /* @fault_in_vma: FAULT_OOM */
	fi;
	p = 0
}

/* CPU2: a kernel user of frames: alloc_page(), then free_pages(). */
proctype kernel_user()
{
	byte p;
	printf("@column %d CPU2 | kernel allocation\n", _pid);
	alloc_page(p);                          /* @alloc_pages: a frame for a kernel object (count 1) */
	if
	:: p != 0 ->
		d_step { owner = p; holders[p]++ };   /* @alloc_pages: the owner's reference */
#ifdef NO_DEFERRED_FREE
		d_step {                        /* @free_pages: NO_DEFERRED_FREE: back to the allocator whatever the count */
			holders[p]--; owner = 0;
			refcount[p]--;
			assert(holders[p] == 0);
			isfree[p] = 1;
			refcount[p] = 0
		}
#else
		d_step {                        /* @free_pages: PG_free_deferred, then atomic_sub_return(1): free only at zero */
			holders[p]--; owner = 0;
			deferred[p] = 1;
			refcount[p]--;
			if
			:: refcount[p] == 0 ->
				assert(holders[p] == 0);
				isfree[p] = 1;
				deferred[p] = 0
			:: else -> skip     /* a try-get got in: its put frees the block */
			fi
		}
#endif
	:: else -> skip
	fi;
	p = 0
}

init
{
	byte p;
	atomic {
		refcount[1] = 1; holders[1] = 1;        /* frame 1 mapped at X */
		isfree[2] = 1;                          /* frame 2 free */
		run gup();
		run mm_user();
		run kernel_user()
	}
	_nr_pr == 1;                            /* @hw: every CPU is done */
	/* Nothing leaked: every frame is held by exactly its count, and a
	 * frame nobody holds is back in the allocator. */
	d_step {
		p = 1;
		do
		:: p < NPAGES ->
			assert(refcount[p] == holders[p]);
			assert(isfree[p] == (holders[p] == 0));
			p++
		:: else -> break
		od
	}
}

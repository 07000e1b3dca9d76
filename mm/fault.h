/*
 * mm/fault.h - the page-fault handler for user addresses.
 */
#ifndef MM_FAULT_H
#define MM_FAULT_H

#include <stdint.h>

struct mm_struct;

#define FAULT_WRITE (1u << 0)
#define FAULT_EXEC  (1u << 1)
#define FAULT_USER  (1u << 2)
/* Not an access but a read pin's request (mm/gup.c): if the page at the
 * address is an anonymous page shared with another mm, make this mm's
 * page exclusive (reuse it if it holds the only reference, else copy it),
 * leaving the PTE read-only.  Needs read permission only.  Linux's
 * FAULT_FLAG_UNSHARE. */
#define FAULT_UNSHARE (1u << 3)

/* Why a fault could not be resolved (for the segfault message). */
enum fault_result {
	FAULT_OK = 0,
	FAULT_NO_VMA,           /* outside every mapping */
	FAULT_ACCESS,           /* against the mapping's protection */
	FAULT_OOM,              /* no memory for a page or a table */
	FAULT_STUCK,            /* the same fault again and again: no progress */
	FAULT_SIGBUS,           /* a file mapping past the end of its file: SIGBUS */
};

/* Consecutive faults of one thread on one page, each finding the PTE
 * already present (nothing to map), after which the fault is declared
 * unresolvable: a CPU or emulator that keeps refusing an access the page
 * tables allow.  A stale TLB entry explains one such fault; a fault that
 * maps a page is progress and starts the count again. */
#define FAULT_MAX_REPEATS 1000

/**
 * handle_mm_fault() - resolve a fault at @addr in @mm (the `locked` path):
 * under mmap_lock for read, find the VMA, check the access, allocate
 * missing tables, and map a zeroed page on first touch.
 * Return: FAULT_OK, or why not.  Context: process context, may sleep.
 */
enum fault_result handle_mm_fault(struct mm_struct *mm, uintptr_t addr, unsigned flags);

/**
 * handle_user_fault() - the arch's entry for a fault on a user address by
 * the current thread (from user mode, or from a uaccess routine): resolve
 * it in current->mm by the FAULT path built (spf or vma first, falling back
 * to handle_mm_fault()), and give up on a fault that repeats with no
 * progress.
 * Return: FAULT_OK, or why not (FAULT_NO_VMA for a thread without an mm).
 * Context: process context, may sleep.
 */
enum fault_result handle_user_fault(uintptr_t addr, unsigned flags);

struct vm_area_struct;
/**
 * filemap_fault() - a fault in a file mapping (VM_FILE; mm/filemap_fault.c):
 * map the page-cache page (shared, or private read) or a private copy
 * (private write), or copy-on-write a present read-only page.  The access
 * is already known to be allowed by @vma's protection.
 * Return: FAULT_OK (*@spurious: nothing was mapped), FAULT_OOM, or
 * FAULT_SIGBUS (at or past the end of the file).
 * Context: @vma held by mmap_lock (read) or its per-VMA read lock.
 */
enum fault_result filemap_fault(struct mm_struct *mm, struct vm_area_struct *vma, uintptr_t addr,
				unsigned flags, bool *spurious);
/* Counts (tests, `faults`): file faults handled, and those refused with SIGBUS. */
extern uint64_t filemap_faults, filemap_sigbus;

/** fault_reason() - "no mapping", "protection", "out of memory". */
const char *fault_reason(enum fault_result r);

/* Why a speculative fault (FAULT=spf) gave up and fell back to the locked
 * path. */
enum spf_abort {
	SPF_ABORT_SEQ,          /* a writer held or took mmap_lock: sequence odd or changed */
	SPF_ABORT_NO_TABLE,     /* a level above the PTE is missing: the locked path allocates */
	SPF_ABORT_VMA,          /* no VMA, or it forbids the access: the locked path decides */
	SPF_ABORT_PTE,          /* the PTE changed between the walk and the PTE lock */
	SPF_ABORT_UNSUPPORTED,  /* not anonymous demand-zero nor a spurious/upgrade fault, or no memory */
	SPF_ABORT_COW,          /* a COW fault: the sequence or the PTE changed while it copied */
	SPF_ABORT_FILE,         /* a file mapping (VM_FILE): always handled by the locked path */
	SPF_ABORT_NR
};

/* Why a per-VMA-lock fault (FAULT=vma) fell back to mmap_lock. */
enum vma_fallback {
	VMA_FB_NO_VMA,          /* none at the address, or it forbids the access */
	VMA_FB_BUSY,            /* write-locked or marked by a writer, or detached since the lookup */
	VMA_FB_NR
};

/* Fault counts, summed over CPUs. */
struct fault_stats {
	uint64_t locked;        /* resolved under mmap_lock (the fallbacks included) */
	uint64_t spf;           /* resolved speculatively */
	uint64_t vma;           /* resolved under a VMA lock alone */
	uint64_t spurious;      /* found the PTE already there (any path) */
	uint64_t spf_abort[SPF_ABORT_NR];
	uint64_t vma_fallback[VMA_FB_NR];
	uint64_t lock_waits;        /* locked faults that found mmap_lock taken for write or wanted by a writer */
	uint64_t lock_wait_cycles;  /* TSC cycles those spent getting it */
};

/** fault_get_stats() - the counts so far, summed over every CPU. */
void fault_get_stats(struct fault_stats *s);
/** spf_abort_name() / vma_fallback_name() - short names for reports. */
const char *spf_abort_name(enum spf_abort a);
const char *vma_fallback_name(enum vma_fallback f);

/* Tests only: a pause in every fault path between reading what the fault
 * depends on (VMA, PTE) and installing the PTE: the window the writers'
 * protocols must close. */
extern uint64_t fault_test_delay_ns;

/* Tests only: when set, the spf path (after its snapshot and VMA copy,
 * before its walk and the PTE lock) and the vma path (under the VMA read lock, before installing) call
 * it, so a test can hold a fault inside its window (tests/kernel/fault.c,
 * the directed race).  NULL in normal operation. */
extern void (*fault_test_window)(uintptr_t addr);

#endif

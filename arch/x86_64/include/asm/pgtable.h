/*
 * asm/pgtable.h - x86-64 4-level page-table entries, the way generic mm
 * code sees them: pteval_t values built and read only through the
 * accessors below, the protections the kernel uses, and the TLB and CR3
 * operations.  Generic code (kernel/, mm/) never spells a _PAGE_ bit: this
 * header and asm/page.h are the only places that know them (make lint).
 * All entries are 64-bit; a PUD or PMD entry with _PAGE_PSE maps a 1 GiB or
 * 2 MiB page directly.
 */
#ifndef ASM_PGTABLE_H
#define ASM_PGTABLE_H

#include <stdint.h>
#include <stdbool.h>
#include "asm/page.h"
#include "asm/cpu.h"

typedef uint64_t pgprot_t;

/* A PTE that is not present but holds a page (PROT_NONE): a software bit,
 * ignored by the MMU because _PAGE_PRESENT is clear. */
#define _PAGE_PROTNONE (1ul << 9)

#define PAGE_KERNEL         (_PAGE_PRESENT | _PAGE_RW | _PAGE_GLOBAL | _PAGE_NX)
#define PAGE_KERNEL_RO      (_PAGE_PRESENT | _PAGE_GLOBAL | _PAGE_NX)
#define PAGE_KERNEL_EXEC    (_PAGE_PRESENT | _PAGE_GLOBAL)
#define PAGE_KERNEL_ROX     (_PAGE_PRESENT | _PAGE_GLOBAL)           /* kernel text */
#define PAGE_KERNEL_NOCACHE (PAGE_KERNEL | _PAGE_PCD | _PAGE_PWT)
#define PAGE_TABLE          (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)  /* an entry pointing to a table */

static inline uint64_t entry_addr(uint64_t v) { return v & PTE_ADDR_MASK; }
static inline bool entry_present(uint64_t v) { return v & _PAGE_PRESENT; }
static inline bool entry_huge(uint64_t v) { return v & _PAGE_PSE; }

/** pte_maps_page() - does leaf entry @v hold a page (present, or PROT_NONE)? */
static inline bool pte_maps_page(pteval_t v) { return v & (_PAGE_PRESENT | _PAGE_PROTNONE); }
/** pte_user() - may user mode reach the page of present leaf @v? */
static inline bool pte_user(pteval_t v) { return v & _PAGE_USER; }
/** pte_write() - does present leaf @v allow writes? */
static inline bool pte_write(pteval_t v) { return v & _PAGE_RW; }
/** pte_wrprotect() - @v without write permission (fork's copy-on-write sharing). */
static inline pteval_t pte_wrprotect(pteval_t v) { return v & ~(pteval_t)_PAGE_RW; }
/** pte_mkwrite() - @v with write permission (a copy-on-write page reused). */
static inline pteval_t pte_mkwrite(pteval_t v) { return v | _PAGE_RW; }
/** pte_flags() - @v without its frame address: the protection (and A/D) bits. */
static inline pgprot_t pte_flags(pteval_t v) { return v & ~PTE_ADDR_MASK; }
/**
 * pte_same() - do @a and @b map the same page the same way?  The
 * accessed and dirty bits are left out: the MMU sets them on its own, at
 * any time, so a recheck that compared them would fail for nothing.
 */
static inline bool pte_same(pteval_t a, pteval_t b)
{
	return ((a ^ b) & ~(pteval_t)(_PAGE_ACCESSED | _PAGE_DIRTY)) == 0;
}
/** mk_pte() - a leaf entry mapping @pa with @prot. */
static inline pteval_t mk_pte(uint64_t pa, pgprot_t prot) { return pa | prot; }
/** pte_modify() - @old's page with protection @prot instead. */
static inline pteval_t pte_modify(pteval_t old, pgprot_t prot) { return entry_addr(old) | prot; }
/** mk_huge_pmd() - a PMD entry mapping the 2 MiB page at @pa with @prot. */
static inline pteval_t mk_huge_pmd(uint64_t pa, pgprot_t prot) { return pa | prot | _PAGE_PSE; }

/**
 * mk_table_entry() - an upper-level entry pointing to the table at @pa.
 * Upper levels are permissive (RW, and USER under user addresses): the leaf
 * decides the access rights.
 */
static inline pteval_t mk_table_entry(uint64_t pa, bool user)
{
	return pa | _PAGE_PRESENT | _PAGE_RW | (user ? _PAGE_USER : 0);
}

/**
 * pgprot_user() - the protection of a user page: @read, @write, @exec as
 * the VMA allows.  None of them gives a PROT_NONE entry (not present, page
 * kept).  x86 cannot map write- or exec-only: either implies read.
 */
static inline pgprot_t pgprot_user(bool read, bool write, bool exec)
{
	if (!read && !write && !exec)
		return _PAGE_PROTNONE;
	return _PAGE_PRESENT | _PAGE_USER | (write ? _PAGE_RW : 0) | (exec ? 0 : _PAGE_NX);
}

/**
 * arch_paging_enable() - turn on what the kernel's page tables rely on
 * before they are loaded: no-execute (EFER.NXE), global pages (CR4.PGE) and
 * write protection in ring 0 (CR0.WP).
 */
static inline void arch_paging_enable(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr4(read_cr4() | CR4_PGE);
	write_cr0(read_cr0() | CR0_WP);
}

/** arch_flush_tlb_one() - drop this CPU's TLB entry for @va. */
static inline void arch_flush_tlb_one(uintptr_t va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }

/** arch_flush_tlb_all() - drop every non-global entry (reload CR3). */
static inline void arch_flush_tlb_all(void)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) :: "memory");
}

/** arch_flush_tlb_global() - drop every entry, global ones too (toggle CR4.PGE). */
static inline void arch_flush_tlb_global(void)
{
	uint64_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" :: "r"(cr4 & ~(1ul << 7)) : "memory");
	__asm__ volatile("mov %0, %%cr4" :: "r"(cr4) : "memory");
}

static inline uint64_t arch_read_pgd_phys(void)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	return cr3 & PTE_ADDR_MASK;
}

static inline void arch_load_pgd(uint64_t pgd_phys)
{
	__asm__ volatile("mov %0, %%cr3" :: "r"(pgd_phys) : "memory");
}

#endif

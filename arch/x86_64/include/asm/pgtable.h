/*
 * asm/pgtable.h - x86-64 4-level page-table entries, the way generic mm
 * code sees them: pgd_t/pud_t/pmd_t/pte_t with accessors, and the
 * protections the kernel uses.  All entries are 64-bit; a PUD or PMD entry
 * with _PAGE_PSE maps a 1 GiB or 2 MiB page directly.
 */
#ifndef ASM_PGTABLE_H
#define ASM_PGTABLE_H

#include <stdint.h>
#include <stdbool.h>
#include "asm/page.h"

typedef struct { uint64_t val; } pgd_t;
typedef struct { uint64_t val; } pud_t;
typedef struct { uint64_t val; } pmd_t;

typedef uint64_t pgprot_t;

#define PAGE_KERNEL         (_PAGE_PRESENT | _PAGE_RW | _PAGE_GLOBAL | _PAGE_NX)
#define PAGE_KERNEL_RO      (_PAGE_PRESENT | _PAGE_GLOBAL | _PAGE_NX)
#define PAGE_KERNEL_EXEC    (_PAGE_PRESENT | _PAGE_GLOBAL)
#define PAGE_KERNEL_NOCACHE (PAGE_KERNEL | _PAGE_PCD | _PAGE_PWT)
#define PAGE_TABLE          (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)  /* an entry pointing to a table */

static inline uint64_t entry_addr(uint64_t v) { return v & PTE_ADDR_MASK; }
static inline bool entry_present(uint64_t v) { return v & _PAGE_PRESENT; }
static inline bool entry_huge(uint64_t v) { return v & _PAGE_PSE; }

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

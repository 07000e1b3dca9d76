/*
 * mm/paging.h - the kernel's page tables and the map/unmap/translate API
 * that user address spaces reuse.
 *
 * The kernel half (PGD slots from USER_PGD_ENTRIES on) is built once at boot and shared by
 * every address space: its PUD tables are all allocated up front, so a
 * mapping added later (ioremap, vmalloc-like areas) is seen everywhere
 * without copying PGD entries.
 */
#ifndef MM_PAGING_H
#define MM_PAGING_H

#include <stdint.h>
#include <stdbool.h>
#include "asm/pgtable.h"

extern pgd_t *kernel_pgd;
extern uint64_t kernel_pgd_phys;

/**
 * paging_init() - build the kernel's page tables (image with per-section
 * protections, direct map of all RAM), switch to them, and drop the boot
 * tables.  Context: boot CPU, once, after bootinfo_parse().
 */
void paging_init(void);

/** paging_release_boot_tables() - give the boot page tables' frames to the allocator (after pmm_init). */
void paging_release_boot_tables(void);

/**
 * phys_to_virt_early() - a usable virtual address for @pa during boot: the
 * KERNEL_VMA alias before paging_init() (first 1 GiB only), the direct map
 * afterwards.
 */
void *phys_to_virt_early(uint64_t pa);

/**
 * pgtable_map() - map the 4 KiB page @va to @pa with @prot in @pgd,
 * allocating missing intermediate tables (zeroed, from the frame allocator).
 * Return: 0, -ENOMEM if a table cannot be allocated, -EEXIST if @va is
 * already mapped, -EINVAL for unaligned or non-canonical addresses.
 * The caller flushes the TLB if it replaces a translation some CPU may cache.
 */
int pgtable_map(pgd_t *pgd, uintptr_t va, uint64_t pa, pgprot_t prot);

/**
 * pgtable_unmap() - clear the 4 KiB mapping of @va in @pgd.
 * Return: the old entry (0 if none was present).  Does not free tables and
 * does not flush the TLB: that is the caller's (mmu_gather's) job.
 */
uint64_t pgtable_unmap(pgd_t *pgd, uintptr_t va);

/**
 * pgtable_translate() - physical address @va maps to in @pgd.
 * @flags: if not NULL, the effective leaf entry's flag bits.
 * Return: true if mapped (4 KiB, 2 MiB or 1 GiB page), false otherwise.
 */
bool pgtable_translate(pgd_t *pgd, uintptr_t va, uint64_t *pa, uint64_t *flags);

/** kmap_page() - map @va to @pa in the kernel half and flush it locally. */
int kmap_page(uintptr_t va, uint64_t pa, pgprot_t prot);
/** kunmap_page() - unmap a kernel page and flush it locally. */
void kunmap_page(uintptr_t va);

/** kernel_addr_mapped() - is @va mapped in the current address space? Never faults. */
bool kernel_addr_mapped(uintptr_t va);

/**
 * ioremap() - map @size bytes of device memory at @phys, uncached.
 * Return: the virtual address, or NULL when out of ioremap space or memory.
 */
void *ioremap(uint64_t phys, uint64_t size);

#endif

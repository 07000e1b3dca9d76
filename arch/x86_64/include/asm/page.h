/*
 * asm/page.h - the x86-64 virtual memory layout and page-table entry bits.
 *
 * Layout (4-level paging, 48-bit addresses):
 *   0x0000000000000000 - 0x00007fffffffffff  user space
 *   0xffff888000000000 - ...                 direct map of all RAM (PAGE_OFFSET)
 *   0xffffc80000000000 - 0xffffc8ffffffffff  kernel thread stacks, each below a guard page
 *   0xffffc90000000000 - 0xffffc9ffffffffff  ioremap (MMIO, uncached)
 *   0xffffffff80000000 - 0xffffffffffffffff  kernel image (KERNEL_VMA + phys)
 */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <stdint.h>

#define PAGE_SHIFT      12
#define PAGE_SIZE       (1ul << PAGE_SHIFT)
#define PAGE_MASK       (~(PAGE_SIZE - 1))
#define PMD_SIZE        (1ul << 21)
#define PUD_SIZE        (1ul << 30)

#define KERNEL_VMA      0xffffffff80000000ul
#define PAGE_OFFSET     0xffff888000000000ul
#define DIRECT_MAP_MAX  (64ul << 40)              /* 64 TiB of RAM at most */
#define KSTACK_AREA     0xffffc80000000000ul
#define IOREMAP_BASE    0xffffc90000000000ul
#define IOREMAP_SIZE    (1ul << 40)
#define USER_TOP        0x0000800000000000ul

/* Page-table entry bits (Intel SDM vol. 3, 4.5). */
#define _PAGE_PRESENT   (1ul << 0)
#define _PAGE_RW        (1ul << 1)
#define _PAGE_USER      (1ul << 2)
#define _PAGE_PWT       (1ul << 3)
#define _PAGE_PCD       (1ul << 4)
#define _PAGE_ACCESSED  (1ul << 5)
#define _PAGE_DIRTY     (1ul << 6)
#define _PAGE_PSE       (1ul << 7)   /* huge page at PMD/PUD level */
#define _PAGE_GLOBAL    (1ul << 8)
#define _PAGE_NX        (1ul << 63)
#define PTE_ADDR_MASK   0x000ffffffffff000ul

#define PTRS_PER_TABLE  512                        /* entries in a table of any level */
#define PGD_SHIFT       39
#define PUD_SHIFT       30
#define PMD_SHIFT       21
#define PGD_SIZE        (1ul << PGD_SHIFT)         /* what one PGD entry covers */
#define USER_PGD_ENTRIES (PTRS_PER_TABLE / 2)      /* PGD slots 0-255: user; 256-511: kernel, shared */

#define pgd_index(va)   (((va) >> PGD_SHIFT) & (PTRS_PER_TABLE - 1))
#define pud_index(va)   (((va) >> PUD_SHIFT) & (PTRS_PER_TABLE - 1))
#define pmd_index(va)   (((va) >> PMD_SHIFT) & (PTRS_PER_TABLE - 1))
#define pte_index(va)   (((va) >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1))

/* An entry of any level is a pteval_t; pgd_t names the top-level table
 * (a pgd_t * is a page-table root, as CR3 points to). */
typedef uint64_t pteval_t;
typedef pteval_t pgd_t;

/* The kernel image is mapped at KERNEL_VMA + phys; everything else through
 * the direct map.  __pa/__va convert for the direct map only. */
static inline uintptr_t __pa(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	return v >= KERNEL_VMA ? v - KERNEL_VMA : v - PAGE_OFFSET;
}
static inline void *__va(uintptr_t pa) { return (void *)(pa + PAGE_OFFSET); }

#endif

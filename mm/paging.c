/*
 * mm/paging.c - the kernel's 4-level page tables.
 *
 * Built in paging_init() from frames of the early allocator:
 *   - the kernel image at KERNEL_VMA + phys in 4 KiB pages, each section
 *     with its own protection: text RX, rodata R+NX, data/bss RW+NX;
 *   - the direct map of [0, end of RAM) at PAGE_OFFSET in 2 MiB pages, RW+NX;
 *   - the PUD tables of the kernel half (PGD slots USER_PGD_ENTRIES up),
 *     empty but present, so every later address space can share them by
 *     copying those PGD slots.
 * Kernel mappings are global (CR4.PGE): they survive CR3 switches.
 */
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/pagewalk.h"
#include "kernel/bootinfo.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/panic.h"
#include "kernel/locking/spinlock.h"
#include "lib/string.h"

pgd_t *kernel_pgd;
uint64_t kernel_pgd_phys;
static bool direct_map_live;
DEFINE_SPINLOCK(kernel_pgtable_lock);

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], __bss_start[], __bss_end[];
extern char __init_start[], __init_end[];

void *phys_to_virt_early(uint64_t pa)
{
	return direct_map_live ? __va(pa) : (void *)(pa + KERNEL_VMA);
}

static bool canonical(uintptr_t va)
{
	return va < USER_TOP || va >= 0xffff800000000000ul;
}

/* Allocate a zeroed page-table page: early frames during boot, buddy after. */
static uint64_t alloc_table(void)
{
	if (!page_array)
		return early_alloc_frame();
	struct page *p = alloc_page();
	if (!p)
		return 0;
	WRITE_ONCE(p->flags, p->flags | PG_pagetable);    /* see struct page */
	memset(page_address(p), 0, PAGE_SIZE);
	return page_to_phys(p);
}

/* pt_walk's allocator for the kernel's tables (and the boot-time ones of
 * user addresses): the caller holds kernel_pgtable_lock, or runs alone at
 * boot, so no other installer races us.  Readers do, though: the kernel
 * half is walked without the lock (kernel_addr_mapped() from the stack
 * tracer, on any CPU) and by every CPU's MMU. */
static pteval_t kernel_table_alloc(pteval_t *slot, int level, void *priv)
{
	(void)level;
	uintptr_t va = *(const uintptr_t *)priv;
	uint64_t pa = alloc_table();
	if (!pa)
		return 0;
	pteval_t e = mk_table_entry(pa, va < USER_TOP);
	/* The zeroed table before the entry that makes it reachable: pairs
	 * with the address dependency of pt_walk()'s READ_ONCE of the entry
	 * in lockless readers, as user_table_alloc() (mm/mm.c). */
	smp_wmb();
	WRITE_ONCE(*slot, e);
	return e;
}

static void *table_va(uint64_t pa) { return phys_to_virt_early(pa); }

int pgtable_map(pgd_t *pgd, uintptr_t va, uint64_t pa, pgprot_t prot)
{
	if ((va | pa) & (PAGE_SIZE - 1) || !canonical(va))
		return -EINVAL;
	const struct pt_walk_ops ops = { .alloc = kernel_table_alloc, .table_va = table_va, .priv = &va };
	int level;
	pteval_t *pte = pt_walk(pgd, va, PT_PTE, &ops, &level);
	if (!pte || level != PT_PTE)
		return -ENOMEM;     /* out of memory, or a huge page in the way */
	if (entry_present(*pte))
		return -EEXIST;
	WRITE_ONCE(*pte, mk_pte(pa, prot));
	return 0;
}

/* The leaf for @va: a PTE, or a huge PMD/PUD entry (*level says which). */
static pteval_t *walk(pgd_t *pgd, uintptr_t va, int *level)
{
	const struct pt_walk_ops ops = { .table_va = table_va };
	return pt_walk(pgd, va, PT_PTE, &ops, level);
}

uint64_t pgtable_unmap(pgd_t *pgd, uintptr_t va)
{
	int level;
	pteval_t *e = walk(pgd, va, &level);
	if (!e || level != PT_PTE)
		return 0;
	return xchg(e, 0ul);
}

bool pgtable_translate(pgd_t *pgd, uintptr_t va, uint64_t *pa, uint64_t *flags)
{
	if (!canonical(va))
		return false;
	int level;
	pteval_t *e = walk(pgd, va, &level);
	if (!e)
		return false;
	pteval_t v = READ_ONCE(*e);
	if (!entry_present(v))
		return false;
	uint64_t size = 1ul << pt_level_shift(level);
	if (pa)
		*pa = (entry_addr(v) & ~(size - 1)) + (va & (size - 1));
	if (flags)
		*flags = v & ~PTE_ADDR_MASK;
	return true;
}

bool kernel_addr_mapped(uintptr_t va)
{
	pgd_t *pgd = phys_to_virt_early(arch_read_pgd_phys());
	return pgtable_translate(pgd, va, NULL, NULL);
}

int kmap_page(uintptr_t va, uint64_t pa, pgprot_t prot)
{
	unsigned long flags;
	spin_lock_irqsave(&kernel_pgtable_lock, flags);
	int r = pgtable_map(kernel_pgd, va, pa, prot);
	spin_unlock_irqrestore(&kernel_pgtable_lock, flags);
	arch_flush_tlb_one(va);
	return r;
}

void kunmap_page(uintptr_t va)
{
	unsigned long flags;
	spin_lock_irqsave(&kernel_pgtable_lock, flags);
	pgtable_unmap(kernel_pgd, va);
	spin_unlock_irqrestore(&kernel_pgtable_lock, flags);
	arch_flush_tlb_one(va);
}

void *ioremap(uint64_t phys, uint64_t size)
{
	static uint64_t next = IOREMAP_BASE;
	uint64_t off = phys & (PAGE_SIZE - 1);
	uint64_t start = phys - off, len = ALIGN_UP(size + off, PAGE_SIZE);
	uint64_t va = __atomic_fetch_add(&next, len + PAGE_SIZE, __ATOMIC_SEQ_CST); /* + a guard page */
	if (va + len > IOREMAP_BASE + IOREMAP_SIZE)
		return NULL;
	for (uint64_t i = 0; i < len; i += PAGE_SIZE)
		if (kmap_page(va + i, start + i, PAGE_KERNEL_NOCACHE) != 0)
			return NULL;
	return (void *)(va + off);
}

static void map_range_early(uintptr_t va, uint64_t pa, uint64_t len, pgprot_t prot)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		if (pgtable_map(kernel_pgd, va + off, pa + off, prot))
			panic("paging: cannot map %#lx", (unsigned long)(va + off));
}

void paging_init(void)
{
	/* NX and global pages are used below; enable them before the switch. */
	arch_paging_enable();

	kernel_pgd_phys = early_alloc_frame();
	kernel_pgd = phys_to_virt_early(kernel_pgd_phys);
	for (unsigned i = USER_PGD_ENTRIES; i < PTRS_PER_TABLE; i++)
		kernel_pgd[i] = mk_table_entry(early_alloc_frame(), false);

	/* The kernel image, section by section. */
	map_range_early((uintptr_t)__text_start, __pa(__text_start),
			(uint64_t)(__text_end - __text_start), PAGE_KERNEL_ROX);
	map_range_early((uintptr_t)__rodata_start, __pa(__rodata_start),
			(uint64_t)(__rodata_end - __rodata_start), PAGE_KERNEL_RO);
	map_range_early((uintptr_t)__data_start, __pa(__data_start),
			(uint64_t)(__data_end - __data_start), PAGE_KERNEL);
	map_range_early((uintptr_t)__bss_start, __pa(__bss_start),
			(uint64_t)(__bss_end - __bss_start), PAGE_KERNEL);

	/* The direct map: every byte up to the end of RAM, 2 MiB pages, RW.
	 * Except the blocks that hold the kernel's text and rodata: there the
	 * alias must be no more writable than the image itself (else a write
	 * to 0xffff888000100000 patches kernel code), so those blocks are
	 * mapped in 4 KiB pages, text and rodata read-only. */
	uint64_t ro_start = __pa(__text_start) & PAGE_MASK;
	uint64_t ro_end = ALIGN_UP(__pa(__rodata_end), PAGE_SIZE);
	uint64_t ram_end = 0;
	for (int i = 0; i < boot_info.nr_mem; i++)
		if (boot_info.mem[i].type == MEM_USABLE &&
		    boot_info.mem[i].base + boot_info.mem[i].length > ram_end)
			ram_end = boot_info.mem[i].base + boot_info.mem[i].length;
	if (ram_end > DIRECT_MAP_MAX)
		ram_end = DIRECT_MAP_MAX;
	ram_end = ALIGN_UP(ram_end, PMD_SIZE);
	for (uint64_t pa = 0; pa < ram_end; pa += PMD_SIZE) {
		uintptr_t va = PAGE_OFFSET + pa;
		if (pa < ro_end && pa + PMD_SIZE > ro_start) {
			for (uint64_t p = pa; p < pa + PMD_SIZE; p += PAGE_SIZE)
				map_range_early(PAGE_OFFSET + p, p, PAGE_SIZE,
						p >= ro_start && p < ro_end ? PAGE_KERNEL_RO : PAGE_KERNEL);
			continue;
		}
		const struct pt_walk_ops ops = { .alloc = kernel_table_alloc, .table_va = table_va, .priv = &va };
		int level;
		pteval_t *pmd = pt_walk(kernel_pgd, va, PT_PMD, &ops, &level);
		if (!pmd || level != PT_PMD)
			panic("paging: direct map");
		*pmd = mk_huge_pmd(pa, PAGE_KERNEL);
	}

	arch_load_pgd(kernel_pgd_phys);
	direct_map_live = true;
	kernel_pgd = __va(kernel_pgd_phys);
	pr_info("paging: kernel page tables live; direct map of %llu MiB at %#lx\n",
		(unsigned long long)(ram_end >> 20), PAGE_OFFSET);
}

void paging_release_boot_tables(void)
{
	/* The boot PML4/PDPTs/PD are no longer referenced by CR3: unmap their
	 * image alias and give the frames back. */
	for (uintptr_t va = (uintptr_t)__init_start; va < (uintptr_t)__init_end; va += PAGE_SIZE)
		kunmap_page(va);
	pmm_release_range(__pa(__init_start), __pa(__init_end));
	pr_info("paging: released %lu KiB of boot page tables\n",
		(unsigned long)((__init_end - __init_start) >> 10));
}

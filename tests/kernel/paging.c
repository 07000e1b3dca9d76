/*
 * tests/kernel/paging.c - the kernel page tables and the protections they
 * enforce (suite `paging`).
 *
 * Covers: pgtable_map/translate/unmap on kernel_pgd (a mapped frame is seen
 * through both the new address and the direct map; after unmap an access
 * faults not-present at that address; -EEXIST, -EINVAL); W^X on the kernel
 * image (rodata and text are not writable, data/bss/rodata/direct map are
 * NX, text is executable) checked both in the entries and by faulting;
 * the direct map matches RAM and aliases the image; EFER.NXE, CR0.WP and
 * CR4.PGE are on; the boot identity map and boot image alias are gone;
 * and the fault catcher itself: it says "no fault" when there was none,
 * and reports the right vector, error code, RIP and address.
 */
#include "tests/kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/bootinfo.h"
#include "kernel/percpu.h"
#include "kernel/preempt.h"
#include "kernel/irqflags.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/kmalloc.h"
#include "asm/cpu.h"
#include "asm/traps.h"
#include "lib/string.h"

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], __bss_start[], __bss_end[];
extern char __init_start[], __init_end[], __kernel_start[], __kernel_end[];

/* A kernel-half address nobody maps: the upper half of the ioremap window
 * (ioremap hands out addresses from its bottom), in a preallocated PGD slot. */
#define TEST_VA (IOREMAP_BASE + (512ul << 30))

/* ---- small fault-raising helpers for ktest_expect_fault() ------------- */

static void do_read(void *addr) { (void)*(volatile uint64_t *)addr; }
static void do_write(void *addr) { *(volatile uint64_t *)addr = 0x600dcafe600dcafeull; }
/* Writes back the byte it read: harmless if the write does not fault. */
static void do_rewrite_byte(void *addr) { volatile uint8_t *b = addr; *b = *b; }
static void do_call(void *addr) { ((void (*)(void))(uintptr_t)addr)(); }

static bool is_pf(const struct fault_record *r) { return r->vector == VEC_PF; }

/* ---- map / translate / unmap ------------------------------------------ */

static void paging_map_translate_unmap(struct ktest *t)
{
	uint64_t pa, flags;
	struct fault_record rec;

	KTEST_ASSERT_TRUE(t, !pgtable_translate(kernel_pgd, TEST_VA, NULL, NULL));
	struct page *pg = alloc_page();
	KTEST_ASSERT_NOT_NULL(t, pg);
	uint64_t frame = page_to_phys(pg);
	volatile uint64_t *direct = page_address(pg);
	volatile uint64_t *mapped = (volatile uint64_t *)TEST_VA;
	direct[0] = 0;
	direct[511] = 0;

	KTEST_EXPECT_EQ(t, pgtable_map(kernel_pgd, TEST_VA, frame, PAGE_KERNEL), 0);
	arch_flush_tlb_one(TEST_VA);
	KTEST_EXPECT_TRUE(t, pgtable_translate(kernel_pgd, TEST_VA + 0x123, &pa, &flags));
	KTEST_EXPECT_EQ(t, pa, frame + 0x123);
	KTEST_EXPECT_EQ(t, flags & (_PAGE_PRESENT | _PAGE_RW | _PAGE_NX | _PAGE_USER),
			_PAGE_PRESENT | _PAGE_RW | _PAGE_NX);
	KTEST_EXPECT_TRUE(t, kernel_addr_mapped(TEST_VA));

	/* One frame, two names: writes through either are seen through the other. */
	bool ok = !ktest_expect_fault(do_write, (void *)TEST_VA, &rec);
	KTEST_EXPECT_TRUE(t, ok);
	if (ok) {
		KTEST_EXPECT_EQ(t, direct[0], 0x600dcafe600dcafeull);
		mapped[511] = 0x1234567887654321ull;
		KTEST_EXPECT_EQ(t, direct[511], 0x1234567887654321ull);
		direct[1] = 0xabcdef;
		KTEST_EXPECT_EQ(t, mapped[1], 0xabcdefull);
	}

	uint64_t old = pgtable_unmap(kernel_pgd, TEST_VA);
	arch_flush_tlb_one(TEST_VA);
	KTEST_EXPECT_TRUE(t, entry_present(old));
	KTEST_EXPECT_EQ(t, entry_addr(old), frame);
	KTEST_EXPECT_FALSE(t, pgtable_translate(kernel_pgd, TEST_VA, NULL, NULL));
	KTEST_EXPECT_EQ(t, pgtable_unmap(kernel_pgd, TEST_VA), 0ull);   /* nothing left */

	/* Now a read and a write fault, not-present, at that address. */
	KTEST_EXPECT_TRUE(t, ktest_expect_fault(do_read, (void *)(TEST_VA + 8), &rec));
	KTEST_EXPECT_EQ(t, rec.vector, (unsigned)VEC_PF);
	KTEST_EXPECT_EQ(t, rec.addr, TEST_VA + 8);
	KTEST_EXPECT_EQ(t, rec.error_code & (PF_PRESENT | PF_WRITE | PF_USER | PF_FETCH), 0ull);
	KTEST_EXPECT_TRUE(t, ktest_expect_fault(do_write, (void *)(TEST_VA + 16), &rec));
	KTEST_EXPECT_EQ(t, rec.vector, (unsigned)VEC_PF);
	KTEST_EXPECT_EQ(t, rec.addr, TEST_VA + 16);
	KTEST_EXPECT_EQ(t, rec.error_code & (PF_PRESENT | PF_WRITE | PF_USER), (uint64_t)PF_WRITE);

	/* The frame kept what was written while it was mapped. */
	KTEST_EXPECT_EQ(t, direct[1], 0xabcdefull);
	free_page(pg);
}

static void paging_map_errors(struct ktest *t)
{
	struct page *a = alloc_page(), *b = alloc_page();
	KTEST_ASSERT_TRUE(t, a && b);
	uint64_t pa_a = page_to_phys(a), pa_b = page_to_phys(b), pa;
	uintptr_t va = TEST_VA + PAGE_SIZE;

	KTEST_EXPECT_EQ(t, pgtable_map(kernel_pgd, va, pa_a, PAGE_KERNEL), 0);
	KTEST_EXPECT_EQ(t, pgtable_map(kernel_pgd, va, pa_b, PAGE_KERNEL), -EEXIST);
	KTEST_EXPECT_EQ(t, pgtable_map(kernel_pgd, va, pa_a, PAGE_KERNEL_RO), -EEXIST);
	/* The first mapping stands. */
	KTEST_EXPECT_TRUE(t, pgtable_translate(kernel_pgd, va, &pa, NULL) && pa == pa_a);

	uintptr_t va2 = va + PAGE_SIZE;
	KTEST_EXPECT_EQ(t, pgtable_map(kernel_pgd, va2 + 8, pa_b, PAGE_KERNEL), -EINVAL);
	KTEST_EXPECT_EQ(t, pgtable_map(kernel_pgd, va2, pa_b + 0x800, PAGE_KERNEL), -EINVAL);
	KTEST_EXPECT_EQ(t, pgtable_map(kernel_pgd, 0x0000900000000000ul, pa_b, PAGE_KERNEL), -EINVAL);
	KTEST_EXPECT_EQ(t, pgtable_map(kernel_pgd, 0xffff7ffffffff000ul, pa_b, PAGE_KERNEL), -EINVAL);
	/* None of the refused calls left a mapping behind. */
	KTEST_EXPECT_FALSE(t, pgtable_translate(kernel_pgd, va2, NULL, NULL));
	KTEST_EXPECT_FALSE(t, pgtable_translate(kernel_pgd, 0x0000900000000000ul, NULL, NULL));

	KTEST_EXPECT_EQ(t, entry_addr(pgtable_unmap(kernel_pgd, va)), pa_a);
	arch_flush_tlb_one(va);
	KTEST_EXPECT_FALSE(t, pgtable_translate(kernel_pgd, va, NULL, NULL));
	free_page(a);
	free_page(b);
}

/* ---- protections of the kernel image --------------------------------- */

static const uint64_t ro_value __attribute__((used)) = 0x0123456789abcdefull;

static void paging_rodata_not_writable(struct ktest *t)
{
	struct fault_record rec;
	uint64_t flags;
	uintptr_t va = (uintptr_t)&ro_value;

	KTEST_EXPECT_TRUE(t, va >= (uintptr_t)__rodata_start && va < (uintptr_t)__rodata_end);
	KTEST_ASSERT_TRUE(t, pgtable_translate(kernel_pgd, va, NULL, &flags));
	KTEST_EXPECT_EQ(t, flags & _PAGE_RW, 0ull);
	KTEST_EXPECT_EQ(t, flags & _PAGE_NX, _PAGE_NX);

	KTEST_EXPECT_TRUE(t, ktest_expect_fault(do_write, (void *)va, &rec));
	KTEST_EXPECT_EQ(t, rec.vector, (unsigned)VEC_PF);
	KTEST_EXPECT_EQ(t, rec.addr, va);
	KTEST_EXPECT_EQ(t, rec.error_code & (PF_PRESENT | PF_WRITE | PF_USER | PF_FETCH),
			(uint64_t)(PF_PRESENT | PF_WRITE));
	KTEST_EXPECT_EQ(t, *(const volatile uint64_t *)&ro_value, 0x0123456789abcdefull);
}

static uint8_t data_code[16] = { 0xc3 };        /* ret, in .data */
static uint8_t bss_code[16];                    /* ret, in .bss (set below) */

/* Code placed in data must not run: an instruction-fetch #PF at its address. */
static void expect_fetch_fault(struct ktest *t, void *code, const char *what)
{
	struct fault_record rec;
	if (!ktest_expect_fault(do_call, code, &rec)) {
		ktest_fail(t, __FILE__, __LINE__, "%s at %p executed", what, code);
		return;
	}
	if (!is_pf(&rec) || rec.addr != (uintptr_t)code || rec.rip != (uintptr_t)code ||
	    (rec.error_code & (PF_PRESENT | PF_FETCH | PF_USER)) != (PF_PRESENT | PF_FETCH))
		ktest_fail(t, __FILE__, __LINE__, "%s at %p: vector %u error %#llx rip %#llx cr2 %#llx",
			   what, code, rec.vector, (unsigned long long)rec.error_code,
			   (unsigned long long)rec.rip, (unsigned long long)rec.addr);
}

static void paging_data_not_executable(struct ktest *t)
{
	bss_code[0] = 0xc3;
	expect_fetch_fault(t, data_code, ".data");
	expect_fetch_fault(t, bss_code, ".bss");
	expect_fetch_fault(t, __va(__pa(data_code)), "direct map");
	uint8_t *heap = kmalloc(64);
	KTEST_ASSERT_NOT_NULL(t, heap);
	heap[0] = 0xc3;
	expect_fetch_fault(t, heap, "kmalloc memory");
	kfree(heap);
	/* Control: a ret in text runs; the helper above is not just failing. */
	struct fault_record rec;
	extern char paging_text_ret[];
	KTEST_EXPECT_FALSE(t, ktest_expect_fault(do_call, paging_text_ret, &rec));
}
__asm__(".pushsection .text\n.global paging_text_ret\npaging_text_ret: ret\n.popsection");

static void paging_text_not_writable(struct ktest *t)
{
	struct fault_record rec;
	uint64_t flags;
	uintptr_t va = (uintptr_t)paging_text_not_writable;

	KTEST_ASSERT_TRUE(t, pgtable_translate(kernel_pgd, va, NULL, &flags));
	KTEST_EXPECT_EQ(t, flags & _PAGE_RW, 0ull);
	KTEST_EXPECT_EQ(t, flags & _PAGE_NX, 0ull);
	KTEST_EXPECT_TRUE(t, ktest_expect_fault(do_rewrite_byte, (void *)va, &rec));
	KTEST_EXPECT_EQ(t, rec.vector, (unsigned)VEC_PF);
	KTEST_EXPECT_EQ(t, rec.addr, va);
	KTEST_EXPECT_EQ(t, rec.error_code & (PF_PRESENT | PF_WRITE | PF_FETCH), (uint64_t)(PF_PRESENT | PF_WRITE));
}

/* Every page of the image, section by section: text RX, rodata R+NX,
 * data/bss RW+NX; the boot page tables (init) are unmapped. */
static void paging_image_sections(struct ktest *t)
{
	static const struct {
		const char *name;
		char *start, *end;
		uint64_t want;          /* of _PAGE_PRESENT | _PAGE_RW | _PAGE_NX | _PAGE_USER */
	} sec[] = {
		{ "text", __text_start, __text_end, _PAGE_PRESENT },
		{ "rodata", __rodata_start, __rodata_end, _PAGE_PRESENT | _PAGE_NX },
		{ "data", __data_start, __init_start, _PAGE_PRESENT | _PAGE_RW | _PAGE_NX },
		{ "bss", __bss_start, __bss_end, _PAGE_PRESENT | _PAGE_RW | _PAGE_NX },
	};
	const uint64_t mask = _PAGE_PRESENT | _PAGE_RW | _PAGE_NX | _PAGE_USER;

	for (unsigned i = 0; i < ARRAY_SIZE(sec); i++) {
		int bad = 0, pages = 0;
		for (uintptr_t va = (uintptr_t)sec[i].start; va < (uintptr_t)sec[i].end; va += PAGE_SIZE) {
			uint64_t pa, flags = 0;
			bool m = pgtable_translate(kernel_pgd, va, &pa, &flags);
			pages++;
			if (!m || pa != va - KERNEL_VMA || (flags & mask) != sec[i].want || !(flags & _PAGE_GLOBAL)) {
				if (bad++ < 3)
					ktest_fail(t, __FILE__, __LINE__, "%s page %#lx: mapped %d pa %#llx flags %#llx",
						   sec[i].name, (unsigned long)va, m, (unsigned long long)pa,
						   (unsigned long long)flags);
			}
		}
		KTEST_EXPECT_GT(t, pages, 0);
		KTEST_EXPECT_EQ(t, bad, 0);
	}
	for (uintptr_t va = (uintptr_t)__init_start; va < (uintptr_t)__init_end; va += PAGE_SIZE)
		KTEST_EXPECT_FALSE(t, pgtable_translate(kernel_pgd, va, NULL, NULL));
}

/* ---- the direct map --------------------------------------------------- */

/* RW+NX, except the alias of the kernel's text and rodata: read-only. */
static void check_direct(struct ktest *t, uint64_t pa)
{
	uint64_t got, flags;
	bool image_ro = pa >= (__pa(__text_start) & PAGE_MASK) && pa < __pa(__rodata_end);
	uint64_t want = _PAGE_PRESENT | _PAGE_NX | (image_ro ? 0 : _PAGE_RW);
	if (!pgtable_translate(kernel_pgd, (uintptr_t)__va(pa), &got, &flags) || got != pa ||
	    (flags & (_PAGE_PRESENT | _PAGE_RW | _PAGE_NX | _PAGE_USER)) != want)
		ktest_fail(t, __FILE__, __LINE__, "direct map of %#llx: got %#llx flags %#llx",
			   (unsigned long long)pa, (unsigned long long)got, (unsigned long long)flags);
}

static volatile uint64_t alias_probe;

static void paging_direct_map(struct ktest *t)
{
	int checked = 0;
	for (int i = 0; i < boot_info.nr_mem; i++) {
		const struct mem_region *r = &boot_info.mem[i];
		if (r->type != MEM_USABLE)
			continue;
		uint64_t s = ALIGN_UP(r->base, PAGE_SIZE), e = ALIGN_DOWN(r->base + r->length, PAGE_SIZE);
		if (e > max_pfn << PAGE_SHIFT)
			e = max_pfn << PAGE_SHIFT;
		if (e <= s)
			continue;
		check_direct(t, s);
		check_direct(t, s + ALIGN_DOWN((e - s) / 2, PAGE_SIZE) + 0x10);
		check_direct(t, e - 8);
		checked += 3;
	}
	KTEST_EXPECT_GE(t, checked, 3);
	/* Frames the allocator hands out are reached there too. */
	struct page *pg = alloc_pages(3);
	KTEST_ASSERT_NOT_NULL(t, pg);
	for (int i = 0; i < 8; i++)
		check_direct(t, page_to_phys(pg) + i * PAGE_SIZE + 0x7f8);
	free_pages(pg, 3);

	/* The image alias and the direct map are one memory. */
	uint64_t pa = __pa((const void *)&alias_probe);
	volatile uint64_t *via_direct = __va(pa);
	KTEST_EXPECT_EQ(t, pa, (uintptr_t)&alias_probe - KERNEL_VMA);
	alias_probe = 0x1111222233334444ull;
	KTEST_EXPECT_EQ(t, *via_direct, 0x1111222233334444ull);
	*via_direct = 0x5555666677778888ull;
	KTEST_EXPECT_EQ(t, alias_probe, 0x5555666677778888ull);
	KTEST_EXPECT_EQ(t, memcmp(__text_start, __va(__pa(__text_start)), PAGE_SIZE), 0);
	KTEST_EXPECT_EQ(t, memcmp(__rodata_start, __va(__pa(__rodata_start)), PAGE_SIZE), 0);
}

static void paging_cpu_bits(struct ktest *t)
{
	KTEST_EXPECT_TRUE(t, rdmsr(MSR_EFER) & EFER_NXE);
	KTEST_EXPECT_TRUE(t, rdmsr(MSR_EFER) & EFER_LME);
	KTEST_EXPECT_TRUE(t, read_cr0() & CR0_WP);
	KTEST_EXPECT_TRUE(t, read_cr0() & (1ul << 31));         /* PG */
	KTEST_EXPECT_TRUE(t, read_cr4() & CR4_PGE);
	KTEST_EXPECT_EQ(t, arch_read_pgd_phys(), kernel_pgd_phys);
	KTEST_EXPECT_EQ(t, (uintptr_t)kernel_pgd, (uintptr_t)__va(kernel_pgd_phys));
}

/* The boot tables mapped the first 1 GiB at 0 and at KERNEL_VMA; neither
 * may survive outside the image's own pages. */
static void paging_boot_maps_gone(struct ktest *t)
{
	struct fault_record rec;
	const uint64_t *pgd = (const uint64_t *)kernel_pgd;
	int user_slots = 0;
	for (int i = 0; i < 256; i++)
		user_slots += pgd[i] != 0;
	KTEST_EXPECT_EQ(t, user_slots, 0);
	KTEST_EXPECT_FALSE(t, pgtable_translate(kernel_pgd, 0x100000, NULL, NULL));
	KTEST_EXPECT_FALSE(t, pgtable_translate(kernel_pgd, 0x1000, NULL, NULL));
	KTEST_EXPECT_FALSE(t, pgtable_translate(kernel_pgd, 0x3ffff000, NULL, NULL));
	KTEST_EXPECT_FALSE(t, kernel_addr_mapped(0x100000));
	KTEST_EXPECT_TRUE(t, ktest_expect_fault(do_read, (void *)0x100000, &rec));
	KTEST_EXPECT_EQ(t, rec.vector, (unsigned)VEC_PF);
	KTEST_EXPECT_EQ(t, rec.addr, 0x100000ull);
	KTEST_EXPECT_EQ(t, rec.error_code & PF_PRESENT, 0ull);

	/* KERNEL_VMA alias: below the image and just past its end. */
	uintptr_t past = ALIGN_UP((uintptr_t)__kernel_end, PMD_SIZE) + PMD_SIZE;
	KTEST_EXPECT_FALSE(t, pgtable_translate(kernel_pgd, KERNEL_VMA, NULL, NULL));
	KTEST_EXPECT_FALSE(t, pgtable_translate(kernel_pgd, KERNEL_VMA + 0x1000, NULL, NULL));
	KTEST_EXPECT_FALSE(t, pgtable_translate(kernel_pgd, past, NULL, NULL));
	KTEST_EXPECT_TRUE(t, pgtable_translate(kernel_pgd, (uintptr_t)__kernel_start, NULL, NULL));
}

/* ---- the fault catcher itself ----------------------------------------- */

static void count_call(void *arg) { (*(volatile int *)arg)++; }

extern char paging_ud2_site[];
__asm__(".pushsection .text\n.global paging_ud2_site\npaging_ud2_site: ud2\nret\n.popsection");

static void do_gp_noncanonical(void *arg)
{
	(void)arg;
	(void)*(volatile uint64_t *)0x8000000000000000ull;
}

static void paging_expect_fault_facility(struct ktest *t)
{
	struct fault_record rec;
	int calls = 0;

	/* No fault: false, the function ran to its end, the catcher is disarmed. */
	memset(&rec, 0xff, sizeof(rec));
	KTEST_EXPECT_FALSE(t, ktest_expect_fault(count_call, &calls, &rec));
	KTEST_EXPECT_EQ(t, calls, 1);
	KTEST_EXPECT_EQ(t, rec.vector, 0u);
	KTEST_EXPECT_TRUE(t, this_cpu()->fault_catch == NULL);

	/* Each fault is told apart: vector, RIP, error code. */
	int pc = preempt_count();
	bool was_off = irqs_disabled();
	KTEST_EXPECT_TRUE(t, ktest_expect_fault((void (*)(void *))(uintptr_t)paging_ud2_site, NULL, &rec));
	KTEST_EXPECT_EQ(t, rec.vector, (unsigned)VEC_UD);
	KTEST_EXPECT_EQ(t, rec.rip, (uintptr_t)paging_ud2_site);
	KTEST_EXPECT_EQ(t, rec.addr, 0ull);
	KTEST_EXPECT_TRUE(t, ktest_expect_fault(do_gp_noncanonical, NULL, &rec));
	KTEST_EXPECT_EQ(t, rec.vector, (unsigned)VEC_GP);

	/* After a caught fault: disarmed, interrupts and preemption as before
	 * (cases run with interrupts on; then once with them off), and the
	 * next call without a fault says so again. */
	KTEST_EXPECT_TRUE(t, this_cpu()->fault_catch == NULL);
	KTEST_EXPECT_EQ(t, irqs_disabled(), was_off);
	KTEST_EXPECT_EQ(t, preempt_count(), pc);
	unsigned long flags;
	local_irq_save(flags);
	bool caught = ktest_expect_fault(do_read, (void *)0x100000, &rec);
	bool off_after = irqs_disabled();
	local_irq_restore(flags);
	KTEST_EXPECT_TRUE(t, caught);
	KTEST_EXPECT_TRUE(t, off_after);
	KTEST_EXPECT_FALSE(t, ktest_expect_fault(count_call, &calls, NULL));
	KTEST_EXPECT_EQ(t, calls, 2);
}

/* The direct-map alias of the kernel's text and rodata is read-only: a
 * write through it faults, as a write to the image itself does. */
static void paging_text_alias_not_writable(struct ktest *t)
{
	struct fault_record rec;
	uint64_t flags;
	uintptr_t alias = (uintptr_t)__va(__pa((void *)paging_text_alias_not_writable));
	uintptr_t ro_alias = (uintptr_t)__va(__pa(__rodata_start));
	KTEST_ASSERT_TRUE(t, pgtable_translate(kernel_pgd, alias, NULL, &flags));
	KTEST_EXPECT_EQ(t, flags & _PAGE_RW, 0ull);
	KTEST_EXPECT_TRUE(t, flags & _PAGE_NX);
	KTEST_ASSERT_TRUE(t, pgtable_translate(kernel_pgd, ro_alias, NULL, &flags));
	KTEST_EXPECT_EQ(t, flags & _PAGE_RW, 0ull);
	KTEST_EXPECT_TRUE(t, ktest_expect_fault(do_rewrite_byte, (void *)alias, &rec));
	KTEST_EXPECT_EQ(t, rec.vector, (unsigned)VEC_PF);
	KTEST_EXPECT_EQ(t, rec.addr, alias);
	/* The data just after the image is still reachable and writable there. */
	KTEST_ASSERT_TRUE(t, pgtable_translate(kernel_pgd, (uintptr_t)__va(__pa(__data_start)), NULL, &flags));
	KTEST_EXPECT_TRUE(t, flags & _PAGE_RW);
}

/* W^X over the whole kernel half: no leaf is both writable and executable,
 * in the image, the direct map, stacks or ioremap. */
static unsigned long wx_leaves, wx_bad;
static void wx_walk(const uint64_t *table, int level, uintptr_t base)
{
	for (unsigned i = 0; i < PTRS_PER_TABLE; i++) {
		uint64_t e = table[i];
		if (!(e & _PAGE_PRESENT))
			continue;
		uintptr_t va = base + ((uintptr_t)i << (PAGE_SHIFT + 9 * (level - 1)));
		if (level == 1 || (e & _PAGE_PSE)) {
			wx_leaves++;
			if ((e & _PAGE_RW) && !(e & _PAGE_NX)) {
				if (wx_bad++ < 5)
					ktest_log("writable and executable: %#lx (entry %#lx)", (unsigned long)va,
						  (unsigned long)e);
			}
			continue;
		}
		wx_walk(__va(e & PTE_ADDR_MASK), level - 1, va);
	}
}

static void paging_no_writable_executable_page(struct ktest *t)
{
	wx_leaves = wx_bad = 0;
	/* No lock: kernel page tables are never freed, only added to. */
	for (unsigned i = USER_PGD_ENTRIES; i < PTRS_PER_TABLE; i++)
		if (kernel_pgd[i] & _PAGE_PRESENT)
			wx_walk(__va(kernel_pgd[i] & PTE_ADDR_MASK), 3, 0xffff000000000000ul | ((uintptr_t)i << PGD_SHIFT));
	ktest_log("%lu kernel leaves checked", wx_leaves);
	KTEST_EXPECT_GE(t, wx_leaves, 100ul);
	KTEST_EXPECT_EQ(t, wx_bad, 0ul);
}

static struct ktest_case paging_cases[] = {
	KTEST_CASE(paging_map_translate_unmap),
	KTEST_CASE(paging_map_errors),
	KTEST_CASE(paging_rodata_not_writable),
	KTEST_CASE(paging_data_not_executable),
	KTEST_CASE(paging_text_not_writable),
	KTEST_CASE(paging_image_sections),
	KTEST_CASE(paging_direct_map),
	KTEST_CASE(paging_text_alias_not_writable),
	KTEST_CASE(paging_no_writable_executable_page),
	KTEST_CASE(paging_cpu_bits),
	KTEST_CASE(paging_boot_maps_gone),
	KTEST_CASE(paging_expect_fault_facility),
	{}
};
KTEST_SUITE(paging, paging_cases);

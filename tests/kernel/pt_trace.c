/*
 * tests/kernel/pt_trace.c - suite `pttrace`: the by-hand walk of
 * mm/pt_trace.c (lab 1), checked against the kernel's own walker
 * (pgtable_translate(), through pt_walk()) on the kernel's table.
 *
 * Covers: a 4 KiB page of the kernel image (four steps, each table the
 * one the entry above points to, the indices the address's 9-bit
 * fields); a 2 MiB page of the direct map (three steps); an address no
 * table maps (the walk stops at the first absent entry, nothing mapped);
 * a non-canonical address (-EINVAL, nothing walked); and a sweep of
 * addresses across the image and the direct map that must agree with
 * pgtable_translate() on every one.
 */
#include "tests/kernel/ktest.h"
#include "kernel/errno.h"
#include "mm/paging.h"
#include "mm/pt_trace.h"
#include "mm/pmm.h"
#include "asm/page.h"

extern char __text_start[], __data_start[], __rodata_end[];

/* The steps of @tr chain: the first table is the PGD, each next table is
 * the address the entry above holds, each index is @va's field. */
static void expect_chain(struct ktest *t, const struct pt_trace *tr, uintptr_t va)
{
	KTEST_ASSERT_GE(t, tr->nsteps, 1);
	KTEST_EXPECT_EQ(t, tr->step[0].table_pa, kernel_pgd_phys);
	for (int i = 0; i < tr->nsteps; i++) {
		KTEST_EXPECT_EQ(t, tr->step[i].level, PT_PGD - i);
		KTEST_EXPECT_EQ(t, tr->step[i].index, pt_index(va, PT_PGD - i));
		if (i > 0)
			KTEST_EXPECT_EQ(t, tr->step[i].table_pa, entry_addr(tr->step[i - 1].entry));
	}
}

static void test_trace_image_page(struct ktest *t)
{
	uintptr_t va = (uintptr_t)__text_start + 0x123;
	struct pt_trace tr;
	KTEST_ASSERT_EQ(t, pt_trace(kernel_pgd_phys, va, &tr), 0);
	KTEST_EXPECT_EQ(t, tr.nsteps, 4);
	expect_chain(t, &tr, va);
	uint64_t pa = 0;
	KTEST_ASSERT_TRUE(t, pgtable_translate(kernel_pgd, va, &pa, NULL));
	KTEST_EXPECT_TRUE(t, tr.mapped);
	KTEST_EXPECT_EQ(t, tr.page_size, (uint64_t)PAGE_SIZE);
	KTEST_EXPECT_EQ(t, tr.pa, pa);
	KTEST_EXPECT_EQ(t, tr.pa, __pa((const void *)va));
}

static void test_trace_direct_map_huge(struct ktest *t)
{
	/* A direct-map address 0x4567 into the first 2 MiB block past the
	 * kernel's text and rodata: a 2 MiB leaf at the PMD.  (The blocks
	 * that hold the image are mapped in 4 KiB pages, read-only where the
	 * image is, so the block must be chosen past __rodata_end: as the
	 * kernel grows past 2 MiB, the block at 2 MiB is no longer huge.) */
	uint64_t block = ALIGN_UP(__pa(__rodata_end), 2ul << 20);
	uintptr_t va = (uintptr_t)__va(block + 0x4567);
	struct pt_trace tr;
	KTEST_ASSERT_EQ(t, pt_trace(kernel_pgd_phys, va, &tr), 0);
	KTEST_EXPECT_EQ(t, tr.nsteps, 3);
	expect_chain(t, &tr, va);
	KTEST_EXPECT_TRUE(t, tr.mapped);
	KTEST_EXPECT_EQ(t, tr.page_size, 2ul << 20);
	KTEST_EXPECT_EQ(t, tr.pa, block + 0x4567);
}

static void test_trace_unmapped(struct ktest *t)
{
	/* User addresses are not in the kernel's table: its PGD slot is empty. */
	uintptr_t va = 0x400000;
	struct pt_trace tr;
	KTEST_ASSERT_EQ(t, pt_trace(kernel_pgd_phys, va, &tr), 0);
	KTEST_EXPECT_FALSE(t, tr.mapped);
	KTEST_ASSERT_GE(t, tr.nsteps, 1);
	expect_chain(t, &tr, va);
	KTEST_EXPECT_FALSE(t, entry_present(tr.step[tr.nsteps - 1].entry));
	for (int i = 0; i + 1 < tr.nsteps; i++)
		KTEST_EXPECT_TRUE(t, entry_present(tr.step[i].entry));
}

static void test_trace_non_canonical(struct ktest *t)
{
	struct pt_trace tr;
	KTEST_EXPECT_EQ(t, pt_trace(kernel_pgd_phys, 0x0000900000000000ul, &tr), -EINVAL);
	KTEST_EXPECT_EQ(t, tr.nsteps, 0);
	KTEST_EXPECT_FALSE(t, tr.mapped);
}

/* Every 37th page of the image and the first 64 MiB of the direct map:
 * the by-hand walk agrees with the kernel's walker on each. */
static void test_trace_agrees_with_walker(struct ktest *t)
{
	unsigned checked = 0, wrong = 0;
	for (int pass = 0; pass < 2; pass++) {
		uintptr_t base = pass == 0 ? (uintptr_t)__text_start : (uintptr_t)__va(0);
		uintptr_t len = pass == 0 ? (uintptr_t)__data_start - (uintptr_t)__text_start : 64ul << 20;
		for (uintptr_t off = 0; off < len; off += 37 * PAGE_SIZE + 8) {
			uintptr_t va = base + off;
			struct pt_trace tr;
			uint64_t pa = 0;
			bool m = pgtable_translate(kernel_pgd, va, &pa, NULL);
			if (pt_trace(kernel_pgd_phys, va, &tr) != 0 || tr.mapped != m || (m && tr.pa != pa)) {
				if (wrong++ < 3)
					ktest_log("%#lx: walker says %s %#llx, pt_trace %s %#llx", (unsigned long)va,
						  m ? "mapped" : "unmapped", (unsigned long long)pa,
						  tr.mapped ? "mapped" : "unmapped", (unsigned long long)tr.pa);
			}
			checked++;
		}
	}
	KTEST_EXPECT_GE(t, checked, 100u);
	KTEST_EXPECT_EQ(t, wrong, 0u);
}

static struct ktest_case pttrace_cases[] = {
	KTEST_CASE(test_trace_image_page),
	KTEST_CASE(test_trace_direct_map_huge),
	KTEST_CASE(test_trace_unmapped),
	KTEST_CASE(test_trace_non_canonical),
	KTEST_CASE(test_trace_agrees_with_walker),
	{}
};
KTEST_SUITE(pttrace, pttrace_cases);

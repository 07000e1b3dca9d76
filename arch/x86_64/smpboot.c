/*
 * arch/x86_64/smpboot.c - the INIT-SIPI-SIPI sequence and the trampoline.
 *
 * APs are started one at a time: the BSP writes the trampoline's parameter
 * block (page tables, stack, logical id, entry point), sends INIT, waits
 * 10 ms, sends STARTUP, waits 200 us, sends a second STARTUP if the AP has
 * not yet checked in (the Intel MP specification's sequence; modern CPUs
 * need only one), then waits for the AP to set its `online` flag.  An AP
 * that stays silent is reported by APIC id and skipped.
 *
 * The trampoline runs with paging on at its own physical address, so it
 * needs page tables that map that page 1:1 as well as the kernel half:
 * a private PGD whose upper half is the kernel's and whose lower half maps
 * only the trampoline page.  It is freed when all APs are up.
 */
#include "asm/smpboot.h"
#include "asm/apic.h"
#include "asm/gdt.h"
#include "asm/traps.h"
#include "asm/cpu.h"
#include "asm/context.h"
#include "kernel/percpu.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/time.h"
#include "kernel/smp.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "lib/string.h"

extern const char trampoline_start[], trampoline_end[], trampoline_params[];

struct trampoline_params {
	uint64_t cr3, stack, cpu, entry;
};

static pgd_t *tramp_pgd;

/* Where the AP lands in the higher half (called from trampoline.asm). */
void ap_entry(unsigned cpu);

int arch_smp_prepare(void)
{
	size_t len = (size_t)(trampoline_end - trampoline_start);
	memcpy(__va(TRAMPOLINE_BASE), trampoline_start, len);

	struct page *p = alloc_page();
	if (!p)
		return -ENOMEM;
	tramp_pgd = page_address(p);
	if (page_to_phys(p) >= (1ull << 32)) {
		/* The trampoline loads CR3 in 32-bit code. */
		free_page(p);
		tramp_pgd = NULL;
		return -ENOMEM;
	}
	memset(tramp_pgd, 0, PAGE_SIZE);
	/* The kernel half, shared: the same PUD tables as kernel_pgd. */
	for (unsigned i = 256; i < 512; i++)
		tramp_pgd[i] = kernel_pgd[i];
	int r = pgtable_map(tramp_pgd, TRAMPOLINE_BASE, TRAMPOLINE_BASE, _PAGE_PRESENT | _PAGE_RW);
	if (r)
		return r;
	return 0;
}

bool arch_boot_ap(unsigned cpu, uint32_t apic_id, void *stack_top)
{
	struct trampoline_params *tp = __va(TRAMPOLINE_BASE + (uint64_t)(trampoline_params - trampoline_start));
	tp->cr3 = __pa(tramp_pgd);
	tp->stack = (uint64_t)stack_top;
	tp->cpu = cpu;
	tp->entry = (uint64_t)ap_entry;
	/* The parameters must be in memory before the AP can run: the IPI
	 * write is ordered after these stores (icr_send fences). */

	struct percpu *pc = cpu_data(cpu);
	lapic_send_init(apic_id);
	mdelay(10);
	lapic_send_startup(apic_id, TRAMPOLINE_BASE >> 12);
	udelay(200);
	if (!smp_load_acquire(&pc->online)) {
		lapic_send_startup(apic_id, TRAMPOLINE_BASE >> 12);
		udelay(200);
	}
	/* Emulated CPUs may take a while to be scheduled: wait up to 2 s.
	 * Acquire: pairs with ap_entry()'s release of `online`, so the AP's
	 * setup (its per-CPU area, apic_id) is visible once we return. */
	uint64_t deadline = ktime_ns() + 2000000000ull;
	while (!smp_load_acquire(&pc->online)) {
		if (ktime_ns() > deadline)
			return false;
		cpu_relax();
	}
	return true;
}

void arch_smp_done(void)
{
	if (!tramp_pgd)
		return;
	/* Free the lower-half tables that map the trampoline page, then the PGD. */
	uint64_t *pgd = (uint64_t *)tramp_pgd;
	uint64_t *pud = __va(entry_addr(pgd[0]));
	uint64_t *pmd = __va(entry_addr(pud[0]));
	uint64_t *pte = __va(entry_addr(pmd[0]));
	free_page_addr(pte);
	free_page_addr(pmd);
	free_page_addr(pud);
	free_page_addr(tramp_pgd);
	tramp_pgd = NULL;
}

void arch_ap_setup(unsigned cpu)
{
	arch_load_pgd(kernel_pgd_phys);     /* leave the trampoline tables */
	/* The BSP stored our APIC id from the MADT; the APIC itself can be
	 * read only after lapic_init_ap() switched it to the BSP's mode. */
	percpu_init_this_cpu(cpu, cpu_data(cpu)->apic_id);
	if (gdt_init_cpu(cpu) != 0) {
		pr_err("smp: CPU %u: no memory for its GDT/TSS; halting it\n", cpu);
		for (;;)
			halt();
	}
	idt_load();
	arch_cpu_features_init();
	arch_syscall_init();
	lapic_init_ap();
	if (lapic_id() != this_cpu()->apic_id)
		pr_warn("smp: CPU %u has APIC id %u, the MADT said %u\n", cpu, lapic_id(),
			this_cpu()->apic_id);
	this_cpu()->apic_id = lapic_id();
	lapic_timer_start();
}

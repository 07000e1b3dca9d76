/*
 * arch/x86_64/gdt.c - per-CPU GDT and TSS.
 *
 * Every CPU needs its own TSS (it holds that CPU's ring-0 stack pointer and
 * IST stacks), and a TSS descriptor is marked busy once loaded, so every CPU
 * also gets its own GDT.  The boot CPU uses static storage (the allocator is
 * not up yet when it runs this); the others get theirs from the heap.
 */
#include "asm/gdt.h"
#include "kernel/percpu.h"
#include "kernel/errno.h"
#include "lib/string.h"
#include "mm/kmalloc.h"

struct cpu_gdt {
	uint64_t gdt[8];
	struct tss tss;
	uint8_t df_stack[IST_STACK_SIZE] __aligned(16);
	uint8_t nmi_stack[IST_STACK_SIZE] __aligned(16);
	uint8_t mc_stack[IST_STACK_SIZE] __aligned(16);
} __aligned(16);

static struct cpu_gdt boot_cpu_gdt;

static void load_gdt(struct cpu_gdt *g)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) ptr = {
		.limit = sizeof(g->gdt) - 1, .base = (uint64_t)g->gdt,
	};
	__asm__ volatile(
		"lgdt %0\n\t"
		/* reload CS with a far return, then the data segments */
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w2, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"ltr %w3\n\t"
		:: "m"(ptr), "i"(KERNEL_CS), "r"(KERNEL_DS), "r"(TSS_SEL)
		: "rax", "memory");
	/* %fs and %gs selectors are left alone: GS base is the percpu pointer
	 * (an MSR), and loading a selector into %gs would clear it. */
}

int gdt_init_cpu(unsigned cpu)
{
	struct cpu_gdt *g = cpu == 0 ? &boot_cpu_gdt : kzalloc(sizeof(*g));
	if (!g)
		return -ENOMEM;
	memset(g, 0, sizeof(*g));
	g->gdt[0] = 0;
	g->gdt[1] = 0x00af9a000000ffffull;   /* kernel code: L, P, DPL0, exec/read */
	g->gdt[2] = 0x00cf92000000ffffull;   /* kernel data */
	g->gdt[3] = 0x00cffa000000ffffull;   /* user code32 placeholder, DPL3 */
	g->gdt[4] = 0x00cff2000000ffffull;   /* user data, DPL3 */
	g->gdt[5] = 0x00affa000000ffffull;   /* user code64, DPL3 */
	uint64_t base = (uint64_t)&g->tss, limit = sizeof(g->tss) - 1;
	g->gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	g->gdt[7] = base >> 32;
	g->tss.ist[IST_DF - 1] = (uint64_t)(g->df_stack + IST_STACK_SIZE);
	g->tss.ist[IST_NMI - 1] = (uint64_t)(g->nmi_stack + IST_STACK_SIZE);
	g->tss.ist[IST_MC - 1] = (uint64_t)(g->mc_stack + IST_STACK_SIZE);
	g->tss.iomap_base = sizeof(struct tss);  /* no I/O bitmap */
	struct percpu *pc = cpu_data(cpu);
	pc->arch = g;
	pc->df_stack_top = g->df_stack + IST_STACK_SIZE;
	pc->nmi_stack_top = g->nmi_stack + IST_STACK_SIZE;
	load_gdt(g);
	return 0;
}

void tss_set_rsp0(uint64_t rsp0)
{
	struct cpu_gdt *g = this_cpu()->arch;
	g->tss.rsp[0] = rsp0;
}

/*
 * arch/x86_64/setup.c - the arch half of kmain's order (see asm/arch.h).
 */
#include "asm/arch.h"
#include "asm/gdt.h"
#include "asm/traps.h"
#include "kernel/cpumask.h"
#include "kernel/smp.h"

void arch_early_init(void)
{
	gdt_init_cpu(0);
	idt_init();
	idt_load();
	cpu_data(0)->online = true;
	cpumask_set_cpu(0, &cpu_online_mask);
}

void arch_late_init(void)
{
	smp_init();
}

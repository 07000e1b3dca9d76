/*
 * kernel/percpu.c - the per-CPU areas and the online mask.
 */
#include "kernel/percpu.h"
#include "kernel/cpumask.h"

struct percpu percpu_area[NR_CPUS];
unsigned int nr_cpus_possible = 1;
cpumask_t cpu_online_mask;

void percpu_init_this_cpu(unsigned int cpu, uint32_t apic_id)
{
	struct percpu *p = &percpu_area[cpu];
	p->self = p;
	p->cpu_id = cpu;
	p->apic_id = apic_id;
	/* The per-CPU base holds p for as long as the CPU runs. */
	arch_percpu_set_base(p);
}

/*
 * kernel/smp.c - placeholder until the SMP layer lands: one CPU.
 */
#include "kernel/smp.h"
#include "kernel/panic.h"
#include "asm/cpu.h"

void smp_init(void) {}
void smp_stop_other_cpus(void) {}
void smp_panic_stop_self(struct trap_frame *f)
{
	(void)f;
	for (;;)
		halt();
}
void lapic_eoi(void) {}
void preempt_schedule_check(void) {}

/*
 * asm/ipi.h - interrupting other CPUs, by logical CPU id.  Generic code
 * uses these and the VEC_* numbers of asm/traps.h; how an IPI is sent
 * (x2APIC MSR, xAPIC MMIO) stays in apic.c.
 */
#ifndef ASM_IPI_H
#define ASM_IPI_H

#include "asm/apic.h"
#include "kernel/percpu.h"

/** arch_send_ipi() - interrupt @cpu with @vector. */
static inline void arch_send_ipi(unsigned cpu, unsigned vector)
{
	lapic_send_ipi(cpu_data(cpu)->apic_id, (uint8_t)vector);
}

/** arch_send_nmi() - NMI to @cpu (panic stop). */
static inline void arch_send_nmi(unsigned cpu)
{
	lapic_send_nmi(cpu_data(cpu)->apic_id);
}

#endif

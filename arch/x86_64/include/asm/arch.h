/*
 * asm/arch.h - the two calls kmain makes into the architecture.
 */
#ifndef ASM_ARCH_H
#define ASM_ARCH_H

/** arch_early_init() - GDT, TSS and IDT of the boot CPU: exceptions are reported from here on. */
void arch_early_init(void);

/**
 * arch_late_init() - after memory is up: ACPI tables, interrupt controllers,
 * the timer tick, and bringing up the other CPUs.
 */
void arch_late_init(void);

#endif

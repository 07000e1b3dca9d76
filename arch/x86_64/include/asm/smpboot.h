/*
 * asm/smpboot.h - starting application processors (arch half of smp_init).
 */
#ifndef ASM_SMPBOOT_H
#define ASM_SMPBOOT_H

#include <stdint.h>
#include <stdbool.h>

#define TRAMPOLINE_BASE 0x8000

/**
 * arch_smp_prepare() - copy the trampoline below 1 MiB and build its page
 * tables.  Return: 0, or -ENOMEM.
 */
int arch_smp_prepare(void);

/**
 * arch_boot_ap() - INIT-SIPI-SIPI one AP and wait for it to report in.
 * @cpu: the logical id it will have; @apic_id: its APIC id;
 * @stack_top: its boot stack.  Return: true if it came online in time.
 */
bool arch_boot_ap(unsigned cpu, uint32_t apic_id, void *stack_top);

/** arch_smp_done() - free the trampoline page tables once every AP is up. */
void arch_smp_done(void);

/** arch_ap_setup() - this AP's GDT/TSS, IDT, local APIC and tick (from ap_entry). */
void arch_ap_setup(unsigned cpu);

#endif

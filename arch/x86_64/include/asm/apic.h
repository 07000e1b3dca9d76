/*
 * asm/apic.h - the local APIC (x2APIC where CPUID offers it, xAPIC MMIO
 * otherwise), the I/O APIC and the legacy PIC.
 */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <stdint.h>
#include <stdbool.h>

extern bool lapic_x2apic;           /* x2APIC mode (MSRs) rather than MMIO */
extern uint32_t lapic_timer_per_tick; /* timer counts per tick (divide by 16) */

/** lapic_init_bsp() - enable the boot CPU's local APIC (choose x2APIC or xAPIC) and mask the PIC. */
void lapic_init_bsp(uint64_t mmio_phys);
/** lapic_init_ap() - enable this AP's local APIC in the mode the BSP chose. */
void lapic_init_ap(void);
/** lapic_id() - this CPU's APIC id. */
uint32_t lapic_id(void);
/** lapic_read_id_raw() - APIC id read before percpu exists (trampoline path). */
uint32_t lapic_read_id_raw(void);

void lapic_eoi(void);
/** lapic_send_ipi() - fixed-delivery IPI of @vector to @apic_id. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
/** lapic_send_nmi() - NMI to @apic_id. */
void lapic_send_nmi(uint32_t apic_id);
/** lapic_send_init() / lapic_send_startup() - the AP start sequence. */
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint8_t page);

/** lapic_timer_calibrate() - count timer ticks against the TSC (boot CPU, once). */
void lapic_timer_calibrate(unsigned hz);
/** lapic_timer_start() - periodic tick at the calibrated rate on this CPU. */
void lapic_timer_start(void);

/** pic_disable() - remap the 8259s out of the exception range and mask them. */
void pic_disable(void);

/** ioapic_init() - map the I/O APICs of the MADT, mask every input. */
void ioapic_init(void);
/**
 * ioapic_route_isa_irq() - deliver ISA IRQ @irq (after MADT overrides) as
 * @vector to @apic_id.  Return: 0, or -ENODEV when no I/O APIC serves it.
 */
int ioapic_route_isa_irq(unsigned irq, uint8_t vector, uint32_t apic_id);

#endif

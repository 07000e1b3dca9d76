/*
 * arch/x86_64/setup.c - the arch half of kmain's order (see asm/arch.h).
 *
 * arch_late_init: ACPI -> which CPUs exist (MADT; else the boot CPU only)
 * -> local APIC of the boot CPU, PIC masked -> I/O APIC, serial input IRQ
 * -> timer calibrated and ticking -> the other CPUs started.
 */
#include "asm/arch.h"
#include "asm/acpi.h"
#include "asm/apic.h"
#include "asm/gdt.h"
#include "asm/serial.h"
#include "asm/cpu.h"
#include "asm/context.h"
#include "asm/traps.h"
#include "kernel/console.h"
#include "kernel/cpumask.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/sched/timer.h"

void arch_early_init(void)
{
	gdt_init_cpu(0);
	idt_init();
	idt_load();
	arch_cpu_features_init();
	arch_syscall_init();
	cpu_data(0)->online = true;
	cpumask_set_cpu(0, &cpu_online_mask);
}

/* Logical ids: the boot CPU is 0, the other enabled MADT entries follow in
 * table order.  Online-capable (hot-pluggable) entries are listed but not
 * started: nothing here enables them. */
static void enumerate_cpus(bool have_madt)
{
	uint32_t bsp = lapic_id();
	cpu_data(0)->apic_id = bsp;
	nr_cpus_possible = 1;
	if (!have_madt)
		return;
	bool bsp_listed = false;
	for (int i = 0; i < acpi_madt.nr_cpus; i++) {
		const struct madt_cpu *c = &acpi_madt.cpus[i];
		if (c->apic_id == bsp) {
			bsp_listed = true;
			continue;
		}
		if (!c->enabled) {
			if (c->online_capable)
				pr_info("smp: APIC id %u is online-capable but not enabled; not started\n", c->apic_id);
			continue;
		}
		if (!lapic_x2apic && c->apic_id > 254) {
			pr_warn("smp: APIC id %u needs x2APIC; skipped\n", c->apic_id);
			continue;
		}
		if (nr_cpus_possible == NR_CPUS) {
			pr_warn("smp: more than %d CPUs; the rest are ignored\n", NR_CPUS);
			break;
		}
		cpu_data(nr_cpus_possible++)->apic_id = c->apic_id;
	}
	if (!bsp_listed)
		pr_warn("smp: the boot CPU (APIC id %u) is not in the MADT\n", bsp);
}

static void serial_interrupt(struct trap_frame *f)
{
	(void)f;
	serial_rx_drain();
	console_input_arrived();
}

void arch_late_init(void)
{
	arch_relax_init();          /* before any other CPU spins */
	bool have_madt = acpi_init() == 0;
	if (!have_madt)
		pr_warn("acpi: no usable MADT: booting with one CPU, no I/O APIC\n");
	lapic_init_bsp(have_madt ? acpi_madt.lapic_address : 0);
	enumerate_cpus(have_madt);
	irq_register_vector(VEC_TIMER, timer_tick);
	if (have_madt) {
		ioapic_init();
		irq_register_vector(VEC_SERIAL, serial_interrupt);
		if (ioapic_route_isa_irq(4, VEC_SERIAL, lapic_id()) == 0) {
			serial_enable_rx_irq();
			console_input_irq_ready();
		} else {
			pr_warn("ioapic: COM1's IRQ 4 has no route; the console polls\n");
		}
	}
	lapic_timer_calibrate(tick_hz);
	lapic_timer_start();
	arch_irq_enable();
	smp_init();
}

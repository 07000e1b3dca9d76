/*
 * arch/x86_64/ioapic.c - the I/O APIC: device interrupts to local APICs.
 *
 * Registers are reached indirectly: write the index to IOREGSEL (offset 0),
 * then read or write IOWIN (offset 0x10).  Redirection entry n is the
 * register pair 0x10 + 2n (low: vector, polarity, trigger, mask) and
 * 0x11 + 2n (high: destination APIC id in bits 56-63).
 */
#include "asm/apic.h"
#include "asm/acpi.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "mm/paging.h"

struct ioapic {
	volatile uint32_t *mmio;
	uint32_t gsi_base;
	unsigned nr_pins;
};

static struct ioapic ioapics[MADT_MAX_IOAPICS];
static int nr_ioapics;

static uint32_t ioapic_read(struct ioapic *io, unsigned reg)
{
	io->mmio[0] = reg;
	return io->mmio[4];
}

static void ioapic_write(struct ioapic *io, unsigned reg, uint32_t v)
{
	io->mmio[0] = reg;
	io->mmio[4] = v;
}

void ioapic_init(void)
{
	for (int i = 0; i < acpi_madt.nr_ioapics; i++) {
		struct ioapic *io = &ioapics[nr_ioapics];
		io->mmio = ioremap(acpi_madt.ioapics[i].address, 4096);
		if (!io->mmio)
			continue;
		io->gsi_base = acpi_madt.ioapics[i].gsi_base;
		io->nr_pins = ((ioapic_read(io, 1) >> 16) & 0xff) + 1;
		for (unsigned pin = 0; pin < io->nr_pins; pin++)
			ioapic_write(io, 0x10 + 2 * pin, 1u << 16);     /* masked */
		pr_info("ioapic: id %u at %#x, GSIs %u-%u\n", acpi_madt.ioapics[i].id,
			acpi_madt.ioapics[i].address, io->gsi_base, io->gsi_base + io->nr_pins - 1);
		nr_ioapics++;
	}
}

int ioapic_route_isa_irq(unsigned irq, uint8_t vector, uint32_t apic_id)
{
	/* ISA defaults: edge-triggered, active high; an override may say
	 * otherwise (MPS INTI flags: polarity 3 = low, trigger 3 = level). */
	uint32_t gsi = irq;
	bool active_low = false, level = false;
	for (int i = 0; i < acpi_madt.nr_overrides; i++) {
		const struct madt_override *o = &acpi_madt.overrides[i];
		if (o->source == irq) {
			gsi = o->gsi;
			active_low = (o->flags & 3) == 3;
			level = ((o->flags >> 2) & 3) == 3;
		}
	}
	for (int i = 0; i < nr_ioapics; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi < io->gsi_base || gsi >= io->gsi_base + io->nr_pins)
			continue;
		unsigned pin = gsi - io->gsi_base;
		uint32_t low = vector | (active_low ? 1u << 13 : 0) | (level ? 1u << 15 : 0);
		ioapic_write(io, 0x11 + 2 * pin, apic_id << 24);
		ioapic_write(io, 0x10 + 2 * pin, low);
		return 0;
	}
	return -ENODEV;
}

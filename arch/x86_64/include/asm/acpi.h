/*
 * asm/acpi.h - what the kernel takes from the ACPI tables: the CPUs and
 * interrupt controllers of the MADT.
 */
#ifndef ASM_ACPI_H
#define ASM_ACPI_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define MADT_MAX_CPUS      256
#define MADT_MAX_IOAPICS   8
#define MADT_MAX_OVERRIDES 16

struct madt_cpu {
	uint32_t apic_id;
	uint32_t acpi_uid;
	bool enabled;               /* usable now */
	bool online_capable;        /* may be enabled later (hot-plug) */
	bool x2apic_entry;          /* came from a type-9 entry */
};

struct madt_ioapic {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
};

struct madt_override {
	uint8_t source;             /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags;             /* MPS INTI flags: polarity bits 0-1, trigger bits 2-3 */
};

struct madt_info {
	uint64_t lapic_address;
	uint32_t flags;             /* bit 0: the system also has 8259 PICs */
	struct madt_cpu cpus[MADT_MAX_CPUS];
	int nr_cpus;
	struct madt_ioapic ioapics[MADT_MAX_IOAPICS];
	int nr_ioapics;
	struct madt_override overrides[MADT_MAX_OVERRIDES];
	int nr_overrides;
	int skipped;                /* entries dropped (malformed or over limits) */
};

/** acpi_checksum_ok() - do the @len bytes at @p sum to 0 (mod 256)? */
bool acpi_checksum_ok(const void *p, size_t len);

/**
 * acpi_parse_madt() - decode a MADT (signature "APIC") of @len bytes.
 * Checks the header, the checksum and every entry's length against the
 * table; a malformed entry ends the parse.  Pure: reads only @table.
 * Return: 0, or -EINVAL with a warning printed saying what is wrong.
 */
int acpi_parse_madt(const void *table, size_t len, struct madt_info *out);

/**
 * acpi_init() - find the RSDP (the loader's copy, else a scan of the EBDA
 * and 0xE0000-0xFFFFF), verify RSDP, RSDT/XSDT and MADT, and fill
 * acpi_madt.  Return: 0, or -ENOENT/-EINVAL after a warning: the caller
 * then boots one CPU.
 */
int acpi_init(void);

extern struct madt_info acpi_madt;
extern const void *acpi_madt_table;     /* raw firmware MADT (tests), or NULL */
extern size_t acpi_madt_len;

#endif

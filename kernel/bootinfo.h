/*
 * kernel/bootinfo.h - what the boot loader told us, in one protocol-neutral
 * structure, copied out of the loader's memory before anything can
 * overwrite it.
 */
#ifndef KERNEL_BOOTINFO_H
#define KERNEL_BOOTINFO_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define MEM_USABLE      1
#define MEM_RESERVED    2
#define MEM_ACPI        3
#define MEM_NVS         4
#define MEM_BAD         5

#define BOOT_MAX_REGIONS 64
#define BOOT_CMDLINE_MAX 1024

struct mem_region {
	uint64_t base;
	uint64_t length;
	uint32_t type;              /* MEM_* (the multiboot numbering) */
};

struct boot_info {
	const char *protocol;       /* "multiboot1" or "multiboot2" */
	char loader[64];
	char cmdline[BOOT_CMDLINE_MAX];
	struct mem_region mem[BOOT_MAX_REGIONS];
	int nr_mem;
	bool have_rsdp;             /* the loader handed us an RSDP copy */
	uint8_t rsdp[36];           /* ACPI 1.0 (20 bytes) or 2.0+ (36) RSDP */
	size_t rsdp_len;
	int warnings;               /* malformed fields seen while parsing */
};

extern struct boot_info boot_info;

/**
 * bootinfo_parse() - fill boot_info from the loader's information.
 * @magic: EAX at entry: 0x2badb002 (multiboot1) or 0x36d76289 (multiboot2).
 * @info: its physical address (EBX).
 *
 * Every length and pointer is checked before it is followed; a malformed
 * field is reported and skipped.  Without a usable memory map the kernel
 * cannot go on, so that alone panics.
 * Context: early boot, identity map of the first 1 GiB still live.
 */
void bootinfo_parse(uint32_t magic, uint32_t info);

/** mem_type_name() - "usable", "reserved", ... */
const char *mem_type_name(uint32_t type);

#endif

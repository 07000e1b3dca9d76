/*
 * kernel/ksyms.c - lookups in the embedded symbol table.
 *
 * The table (section .ksyms, generated from `nm -n` of the previous link
 * stage) is sorted by address: ksyms_addrs[i] is the start of the symbol
 * whose NUL-terminated name starts at ksyms_names + ksyms_name_off[i].
 */
#include "kernel/ksyms.h"
#include "lib/printf.h"
#include "lib/string.h"

extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_names[];
extern const uint64_t ksyms_count;
extern char __text_start[], __text_end[];

const char *ksym_lookup(uintptr_t addr, uintptr_t *offset)
{
	if (addr < (uintptr_t)__text_start || addr >= (uintptr_t)__text_end || ksyms_count == 0)
		return NULL;
	/* Binary search for the last symbol starting at or below addr. */
	uint64_t lo = 0, hi = ksyms_count;
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;
		if (ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms_addrs[lo] > addr)
		return NULL;
	if (offset)
		*offset = addr - ksyms_addrs[lo];
	return ksyms_names + ksyms_name_off[lo];
}

uintptr_t ksym_address(const char *name)
{
	for (uint64_t i = 0; i < ksyms_count; i++)
		if (strcmp(ksyms_names + ksyms_name_off[i], name) == 0)
			return ksyms_addrs[i];
	return 0;
}

void ksym_format(char *buf, size_t size, uintptr_t addr)
{
	uintptr_t off;
	const char *name = ksym_lookup(addr, &off);
	if (name)
		snprintf(buf, size, "%s+0x%lx", name, (unsigned long)off);
	else
		snprintf(buf, size, "0x%016lx", (unsigned long)addr);
}

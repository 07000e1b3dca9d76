/*
 * kernel/ksyms.h - the kernel's own symbol table, embedded in the image at
 * link time (scripts/gen-ksyms.py), for symbolized backtraces.
 */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stdint.h>
#include <stddef.h>

/**
 * ksym_lookup() - the function containing @addr.
 * @offset: set to @addr minus the symbol's start.
 * Return: the symbol's name, or NULL if @addr is outside the kernel text.
 */
const char *ksym_lookup(uintptr_t addr, uintptr_t *offset);

/** ksym_address() - address of the text symbol @name, or 0. */
uintptr_t ksym_address(const char *name);

/** ksym_format() - write "name+0xoff" (or the bare hex address) to @buf. */
void ksym_format(char *buf, size_t size, uintptr_t addr);

#endif

/*
 * kernel/proc/elf.h - loading static ELF64 executables into an address space.
 */
#ifndef KERNEL_ELF_H
#define KERNEL_ELF_H

#include <stdint.h>
#include <stddef.h>

struct mm_struct;

/**
 * elf_load() - check the ELF image @data of @size bytes and map its PT_LOAD
 * segments into @mm (VMAs with the segments' protections, contents copied).
 * Every header field is checked against the file's size and the user
 * address range; a bad image is refused with a message naming the problem.
 * @entry: set to the entry point.
 * Return: 0, -ENOEXEC (bad image, message printed), or -ENOMEM.
 */
int elf_load(struct mm_struct *mm, const uint8_t *data, size_t size, uintptr_t *entry);

/** elf_check() - only the checks of elf_load(): 0 or -ENOEXEC; @why gets the reason. */
int elf_check(const uint8_t *data, size_t size, const char **why);

#endif

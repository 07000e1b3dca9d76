/*
 * asm/gdt.h - segments, the per-CPU GDT and TSS.
 *
 * Selector layout (fixed by SYSCALL/SYSRET: STAR.SYSRET base 0x18 gives
 * user SS = 0x20 and user CS = 0x28):
 *   0x08 kernel code   0x10 kernel data
 *   0x18 user code32 (unused placeholder)  0x20 user data  0x28 user code
 *   0x30 TSS (two slots)
 */
#ifndef ASM_GDT_H
#define ASM_GDT_H

#include <stdint.h>

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_DS   (0x20 | 3)
#define USER_CS   (0x28 | 3)
#define TSS_SEL   0x30

#define IST_DF   1
#define IST_NMI  2
#define IST_MC   3
#define IST_STACK_SIZE 8192

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/**
 * gdt_init_cpu() - build and load this CPU's GDT and TSS, with its own IST
 * stacks for #DF, NMI and #MC.
 * @cpu: logical CPU id; its percpu area must be live (GS base set).
 * Return: 0, or -ENOMEM if the stacks of an AP cannot be allocated.
 */
int gdt_init_cpu(unsigned cpu);

/** tss_set_rsp0() - the stack the CPU switches to on a trap from ring 3. */
void tss_set_rsp0(uint64_t rsp0);

#endif

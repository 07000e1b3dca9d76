/*
 * asm/traps.h - the IDT and its vectors.
 *
 * Vectors 0-31 are the CPU's exceptions; 32-47 stay unused (the legacy PIC
 * is masked but remapped there so a spurious 8259 IRQ cannot look like an
 * exception); devices and IPIs use the vectors below.
 */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include "asm/trapframe.h"

enum {
	VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5,
	VEC_UD = 6, VEC_NM = 7, VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12,
	VEC_GP = 13, VEC_PF = 14, VEC_MF = 16, VEC_AC = 17, VEC_MC = 18, VEC_XM = 19,
	VEC_VE = 20, VEC_CP = 21,
};

#define VEC_PIC_BASE        0x20    /* 32-47: masked legacy PIC */
#define VEC_SERIAL          0x30    /* COM1 through the I/O APIC */
#define VEC_TIMER           0xe0    /* local APIC timer tick */
#define VEC_CALL_FUNCTION   0xf0    /* smp_call_function queue kick */
#define VEC_RESCHEDULE      0xf1    /* scheduler: reschedule this CPU */
#define VEC_TLB_FLUSH       0xf2    /* reserved: TLB shootdown */
#define VEC_BENCH_PING      0xf8    /* benchmark: IPI round trip, out */
#define VEC_BENCH_PONG      0xf9    /* benchmark: IPI round trip, back */
#define VEC_SPURIOUS        0xff    /* local APIC spurious vector */

/* #PF error code bits */
#define PF_PRESENT (1u << 0)
#define PF_WRITE   (1u << 1)
#define PF_USER    (1u << 2)
#define PF_RSVD    (1u << 3)
#define PF_FETCH   (1u << 4)
#define PF_PK      (1u << 5)
#define PF_SS      (1u << 6)

typedef void (*irq_handler_t)(struct trap_frame *f);

/** idt_init() - build the IDT (once, on the boot CPU). */
void idt_init(void);
/** idt_load() - load the shared IDT on this CPU. */
void idt_load(void);
/** irq_register_vector() - call @h for interrupts on @vector (>= 32). */
void irq_register_vector(unsigned vector, irq_handler_t h);

/** dump_trap_frame() - print all registers of @f. */
void dump_trap_frame(const struct trap_frame *f);

/** exception_name() - "#PF page fault" etc. for vectors 0-31. */
const char *exception_name(unsigned vector);

/* Called from isr.asm for every vector. */
void trap_dispatch(struct trap_frame *f);

/** arch_halt_window_fixup() - a trap that interrupted a halting wait's
 * compare-and-HLT window returns past the HLT (halt_wait.c). */
void arch_halt_window_fixup(struct trap_frame *f);

/* arch hook the SMP code fills in: acknowledge an interrupt at the LAPIC. */
void lapic_eoi(void);

#endif

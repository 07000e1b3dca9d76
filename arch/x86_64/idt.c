/*
 * arch/x86_64/idt.c - the interrupt descriptor table, shared by all CPUs.
 *
 * All 256 vectors have interrupt gates (IF cleared on entry) pointing at the
 * stubs in isr.asm.  #DF, NMI and #MC run on their own IST stacks, because
 * they can arrive when the current stack is unusable (a #DF after a stack
 * overflow, an NMI at any instruction).  Vector 3 (#BP) is callable from
 * ring 3 so that int3 in a user program is a normal breakpoint.
 */
#include <stdint.h>
#include "asm/gdt.h"
#include "asm/traps.h"
#include "kernel/panic.h"

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

static struct idt_gate idt[256] __aligned(16);
extern const uint64_t isr_stub_table[256];

static void set_gate(unsigned v, uint64_t handler, unsigned ist, unsigned dpl)
{
	idt[v] = (struct idt_gate){
		.offset_lo = handler & 0xffff,
		.selector = KERNEL_CS,
		.ist = (uint8_t)ist,
		.type_attr = (uint8_t)(0x8e | (dpl << 5)),  /* present, 64-bit interrupt gate */
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_hi = (uint32_t)(handler >> 32),
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, isr_stub_table[v], 0, 0);
	set_gate(VEC_DF, isr_stub_table[VEC_DF], IST_DF, 0);
	set_gate(VEC_NMI, isr_stub_table[VEC_NMI], IST_NMI, 0);
	set_gate(VEC_MC, isr_stub_table[VEC_MC], IST_MC, 0);
	set_gate(VEC_BP, isr_stub_table[VEC_BP], 0, 3);
}

void idt_load(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) ptr = {
		.limit = sizeof(idt) - 1, .base = (uint64_t)idt,
	};
	__asm__ volatile("lidt %0" :: "m"(ptr));
}

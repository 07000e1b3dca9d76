/*
 * arch/x86_64/pic.c - the legacy 8259 PIC pair, switched off.
 *
 * It is reprogrammed first so its vectors (0x20-0x2f) cannot be mistaken
 * for CPU exceptions if a spurious IRQ slips through, then fully masked;
 * interrupts come through the local and I/O APICs instead.
 */
#include "asm/apic.h"
#include "asm/cpu.h"
#include "asm/traps.h"

void pic_disable(void)
{
	outb(0x20, 0x11); outb(0xa0, 0x11);             /* ICW1: init, ICW4 follows */
	outb(0x21, VEC_PIC_BASE); outb(0xa1, VEC_PIC_BASE + 8); /* ICW2: vectors */
	outb(0x21, 0x04); outb(0xa1, 0x02);             /* ICW3: cascade on IRQ2 */
	outb(0x21, 0x01); outb(0xa1, 0x01);             /* ICW4: 8086 mode */
	outb(0x21, 0xff); outb(0xa1, 0xff);             /* mask everything */
}

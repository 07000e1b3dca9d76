/*
 * kernel/irqflags.h - generic names for turning local interrupts off and on.
 * The arch provides the instructions; this adds nothing but the names
 * Linux readers expect, so kernel/ and mm/ never spell cli/sti.
 */
#ifndef KERNEL_IRQFLAGS_H
#define KERNEL_IRQFLAGS_H

#include "asm/cpu.h"

#define local_irq_disable()      arch_irq_disable()
#define local_irq_enable()       arch_irq_enable()
#define local_irq_save(flags)    do { (flags) = arch_irq_save(); } while (0)
#define local_irq_restore(flags) arch_irq_restore(flags)
#define irqs_disabled()          arch_irqs_disabled()

#endif

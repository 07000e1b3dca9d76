/*
 * kernel/sched/timer.h - the periodic tick.
 */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include "asm/trapframe.h"

extern unsigned int tick_hz;    /* ticks per second on every CPU (HZ, hz=) */

/** timer_tick() - the tick interrupt on this CPU. Context: hard IRQ. */
void timer_tick(struct trap_frame *f);

#endif

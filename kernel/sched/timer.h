/*
 * kernel/sched/timer.h - the periodic tick and its per-CPU sleep timers
 * (schedule_timeout() and msleep() are declared in sched.h).
 */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

struct trap_frame;

extern unsigned int tick_hz;    /* ticks per second on every CPU (HZ, hz=) */

/** timer_tick() - the tick interrupt on this CPU. Context: hard IRQ. */
void timer_tick(struct trap_frame *f);

/** timer_init_cpu() - empty sleep-timer list of @cpu (before its scheduler starts). */
void timer_init_cpu(unsigned cpu);

#endif

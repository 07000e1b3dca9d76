/*
 * kernel/sched/sched.h - the scheduler: per-CPU run queues, round robin with a
 * tick-driven timeslice, kernel preemption, affinity and migration.
 *
 * Sleeping follows the usual pattern, which cannot lose a wakeup:
 *
 *   set_current_state(THREAD_BLOCKED);     (a full barrier)
 *   if (!condition) schedule();
 *   __set_current_state(THREAD_RUNNING);
 *
 * A waker first makes the condition true, then calls wake_up_thread(),
 * which takes the sleeper's run-queue lock (a full barrier): either the
 * sleeper sees the condition, or the waker sees THREAD_BLOCKED and makes it
 * runnable, even if it has not reached schedule() yet.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/sched/thread.h"
struct trap_frame;

#define SCHED_SLICE_TICKS 2     /* timeslice: 2 ticks (20 ms at HZ=100) */

/** schedule() - give up the CPU; returns when this thread runs again. Context: may sleep. */
void schedule(void);
/** yield() - let another runnable thread on this CPU run first. */
void yield(void);

/** set_current_state() - mark the caller about to sleep (full barrier after the store). */
void set_current_state(enum thread_state s);
/* Marked: a waker may read the state at any time (wake_up_thread()). */
static inline void __set_current_state(enum thread_state s) { WRITE_ONCE(current->state, s); }

/**
 * wake_up_thread() - make a blocked thread runnable (on its CPU's queue, or
 * an allowed one), kicking that CPU with the reschedule IPI if remote.
 * Return: true if @t was blocked.  Context: any but NMI.
 */
bool wake_up_thread(struct thread *t);

/**
 * schedule_timeout() - sleep until woken or @ns pass.  The caller sets its
 * state first, as for schedule().  Return: nanoseconds left (0: timed out).
 */
uint64_t schedule_timeout(uint64_t ns);

/** msleep() - sleep at least @ms milliseconds. Context: may sleep. */
void msleep(unsigned ms);

/**
 * might_sleep() - debug check at the top of every function that can sleep:
 * sleeping with a spinlock held, with preemption or interrupts disabled, or
 * in interrupt context is reported with a backtrace (and counted in
 * sched_sleep_warnings).
 */
#define might_sleep() __might_sleep(__FILE__, __LINE__)
void __might_sleep(const char *file, int line);
extern unsigned long sched_sleep_warnings;

/** sched_tick() - from the timer interrupt: timeslices. */
void sched_tick(void);

/** sched_start_thread() - put a new thread on a run queue. */
void sched_start_thread(struct thread *t);

/** sched_init_cpu() - this CPU's run queue; @idle becomes its idle thread. */
void sched_init_cpu(unsigned cpu, struct thread *idle);

/** sched_ap_start() - an AP's boot context becomes its idle thread. Never returns. */
__attribute__((noreturn)) void sched_ap_start(void);

/** cpu_idle_loop() - what a CPU runs when nothing else is runnable. */
__attribute__((noreturn)) void cpu_idle_loop(void);

/** sched_nr_running() - runnable threads queued on @cpu (not counting the running one). */
unsigned sched_nr_running(unsigned cpu);

/** sched_ready() - the scheduler runs on this CPU (threads_init was called). */
bool sched_ready(void);

/** sched_context_switches() - switches done on @cpu since boot. */
uint64_t sched_context_switches(unsigned cpu);

#endif

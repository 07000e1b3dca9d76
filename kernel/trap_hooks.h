/*
 * kernel/trap_hooks.h - where the arch trap code and generic code meet.
 *
 * The arch decodes what the CPU reported and calls generic code with
 * generic arguments (an address and FAULT_* flags, "were interrupts on");
 * generic code asks the arch for what only it can read (the registers of a
 * trap frame, which it treats as opaque).  Nothing in kernel/ or mm/ reads
 * a trap-frame field.
 */
#ifndef KERNEL_TRAP_HOOKS_H
#define KERNEL_TRAP_HOOKS_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame;

/* ---- provided by the arch (arch/x86_64/fault.c, traps.c) ---------------- */

/**
 * arch_handle_exception() - decode an exception and resolve it if generic
 * code can: a user page fault (handle_user_fault()), a uaccess fixup, or the
 * end of the user process that raised it.
 * Return: true if handled and the frame may be resumed; false: oops.
 */
bool arch_handle_exception(struct trap_frame *f);

/** trap_irqs_were_enabled() - did the interrupted context run with IRQs on? */
bool trap_irqs_were_enabled(const struct trap_frame *f);

/**
 * trap_instruction_pointer() - where the context that @f interrupted was
 * executing: the address of the next instruction it runs on resume
 * (the sampling profiler, kernel/profile.c).
 */
uintptr_t trap_instruction_pointer(const struct trap_frame *f);

/** dump_trap_backtrace() - print the registers of @f and the call chain it interrupted. */
void dump_trap_backtrace(const struct trap_frame *f);

/* ---- provided by generic code, called by the arch ----------------------- */

/** nmi_handler() - an NMI arrived: panic stop, a requested backtrace, or unexpected (kernel/nmi.c). */
void nmi_handler(struct trap_frame *f);

/** irq_exit_hook() - last step of an interrupt: preemption point (kernel/sched/sched.c). */
void irq_exit_hook(struct trap_frame *f);

/** stack_guard_hit() - is @addr in some kernel stack's guard page? (kernel/sched/thread.c) */
bool stack_guard_hit(uintptr_t addr);

#endif

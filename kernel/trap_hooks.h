/*
 * kernel/trap_hooks.h - the points where the arch trap code hands a
 * decision to generic code.  Each is one function, filled in by the
 * subsystem that owns the decision as it arrives.
 */
#ifndef KERNEL_TRAP_HOOKS_H
#define KERNEL_TRAP_HOOKS_H

#include <stdbool.h>
#include <stdint.h>
#include "asm/trapframe.h"

/**
 * arch_handle_exception_hook() - give generic code a chance to resolve an
 * exception (user page fault, exception-table fixup, user signal).
 * Return: true if handled and the frame may be resumed.
 */
bool arch_handle_exception_hook(struct trap_frame *f);

/** nmi_handler() - an NMI arrived (panic stop, or unexpected). */
void nmi_handler(struct trap_frame *f);

/** irq_exit_hook() - last step of an interrupt: preemption point. */
void irq_exit_hook(struct trap_frame *f);

/** stack_guard_hit() - is @addr in some kernel stack's guard page? */
bool stack_guard_hit(uintptr_t addr);

#endif

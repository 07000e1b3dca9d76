/*
 * kernel/stacktrace.h - symbolized backtraces from frame pointers.
 */
#ifndef KERNEL_STACKTRACE_H
#define KERNEL_STACKTRACE_H

#include <stdint.h>

/**
 * print_backtrace() - print the call chain starting at @rip with frame
 * pointer @rbp, one "  [<addr>] name+0xoff" line per frame, at most 32.
 * Frames are followed only while they stay on mapped kernel memory and
 * move up the stack, so a corrupt chain ends the trace, not the kernel.
 */
void print_backtrace(uintptr_t rip, uintptr_t rbp);

/** dump_stack() - print the caller's own backtrace. */
void dump_stack(void);

#endif

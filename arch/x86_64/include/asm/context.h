/*
 * asm/context.h - what the scheduler needs from the CPU to switch threads.
 */
#ifndef ASM_CONTEXT_H
#define ASM_CONTEXT_H

#include <stdint.h>

struct thread;

/** switch_context() - save callee-saved registers and RSP in *@prev_sp; resume @next_sp. */
void switch_context(uint64_t *prev_sp, uint64_t next_sp);

/** arch_switch_thread() - per-thread CPU state before the switch: the TSS ring-0 stack (and, with user mode, CR3 and FPU). */
void arch_switch_thread(struct thread *prev, struct thread *next);

/**
 * arch_thread_init_stack() - lay out a new thread's stack so that the first
 * switch_context() to it enters thread_start(fn, arg).
 * Return: the initial saved stack pointer.
 */
uint64_t arch_thread_init_stack(void *stack_top, void (*fn)(void *), void *arg);

#endif

/*
 * asm/context.h - what the scheduler needs from the CPU to switch threads.
 */
#ifndef ASM_CONTEXT_H
#define ASM_CONTEXT_H

#include <stdint.h>
#include "asm/cpu.h"

struct thread;
struct trap_frame;

/** switch_context() - save RFLAGS, callee-saved registers and RSP in *@prev_sp; resume @next_sp. */
void switch_context(uint64_t *prev_sp, uint64_t next_sp);

/** arch_switch_thread() - per-thread CPU state before the switch: the TSS ring-0 stack (and, with user mode, CR3 and FPU). */
void arch_switch_thread(struct thread *prev, struct thread *next);

/**
 * arch_thread_init_stack() - lay out a new thread's stack so that the first
 * switch_context() to it enters thread_start(fn, arg).
 * Return: the initial saved stack pointer.
 */
uint64_t arch_thread_init_stack(void *stack_top, void (*fn)(void *), void *arg);

/** arch_thread_init_user() - FPU area of a new user thread. Return: 0 or -1 (no memory). */
int arch_thread_init_user(struct thread *t);
/** arch_thread_reset_user_fpu() - the current user thread @t's FPU back to its power-on state (execve). */
void arch_thread_reset_user_fpu(struct thread *t);

/** arch_cpu_features_init() - FPU/SSE for users, SMEP and SMAP, on this CPU. */
void arch_cpu_features_init(void);

/** arch_enter_user() - first entry to ring 3 at @rip with stack @rsp and RDI = @arg. */
__attribute__((noreturn)) void arch_enter_user(uint64_t rip, uint64_t rsp, uint64_t arg);

/**
 * arch_fork_save() - what fork's child needs of the calling user thread
 * to resume as it would: its user registers (the frame it entered the
 * system call with) and its FPU/SSE state, in a new opaque block.
 * Return: the block, or NULL (no memory).  Context: a user thread in a
 * system call.
 */
void *arch_fork_save(void);
/** arch_fork_free() - free a block of arch_fork_save() that was not used. */
void arch_fork_free(void *state);
/**
 * arch_ret_from_fork() - the child's first code: load @state (and free
 * it), then enter ring 3 where the parent's system call returns, with
 * the result 0.
 */
__attribute__((noreturn)) void arch_ret_from_fork(void *state);

/**
 * SYSCALL_MASKED_FLAGS - the RFLAGS bits SYSCALL clears on entry (MSR
 * SFMASK): IF, TF, DF, AC, NT and IOPL, as Linux (why each: syscall_init.c).
 */
#define SYSCALL_MASKED_FLAGS \
	(RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT | RFLAGS_IOPL)

/** arch_syscall_init() - SYSCALL MSRs on this CPU. */
void arch_syscall_init(void);

#endif

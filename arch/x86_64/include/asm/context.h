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

/** arch_cpu_features_init() - FPU/SSE for users, SMEP and SMAP, on this CPU. */
void arch_cpu_features_init(void);

/** arch_enter_user() - first entry to ring 3 at @rip with stack @rsp and RDI = @arg. */
__attribute__((noreturn)) void arch_enter_user(uint64_t rip, uint64_t rsp, uint64_t arg);

/**
 * task_user_regs() - the user registers @t saved on entry to the kernel
 * (the trap frame at the top of its kernel stack: a system call and an
 * interrupt from ring 3 both build it there; Linux's task_pt_regs()).
 * Context: @t is a user thread inside the kernel (a system call).
 */
struct trap_frame *task_user_regs(struct thread *t);

/* Bytes of a saved FPU/SSE state (FXSAVE; 16-byte aligned buffer). */
#define ARCH_FPU_STATE_SIZE 512

/**
 * arch_fpu_save() - the caller's live FPU/SSE registers into @buf (fork:
 * the child resumes with the parent's user state).
 * Context: a user thread in a system call (its FPU state is live).
 */
void arch_fpu_save(void *buf);
/** arch_fpu_restore() - load the FPU/SSE registers from @buf (fork's child, before it leaves). */
void arch_fpu_restore(const void *buf);

/**
 * arch_ret_from_fork() - enter ring 3 through a copy of the user frame
 * @regs (fork's child), with RAX (the system call's result) 0.
 */
__attribute__((noreturn)) void arch_ret_from_fork(const struct trap_frame *regs);

/**
 * SYSCALL_MASKED_FLAGS - the RFLAGS bits SYSCALL clears on entry (MSR
 * SFMASK): IF, TF, DF, AC, NT and IOPL, as Linux (why each: syscall_init.c).
 */
#define SYSCALL_MASKED_FLAGS \
	(RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT | RFLAGS_IOPL)

/** arch_syscall_init() - SYSCALL MSRs on this CPU. */
void arch_syscall_init(void);

#endif

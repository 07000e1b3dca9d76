/*
 * arch/x86_64/context.c - the CPU side of a thread switch.
 *
 * The kernel itself uses no FPU/SSE (-mgeneral-regs-only), so switching
 * between kernel threads saves only the callee-saved registers
 * (switch.asm).  When user threads arrive their FPU state is saved here.
 */
#include "asm/context.h"
#include "asm/gdt.h"
#include "kernel/thread.h"

extern void thread_trampoline(void);

uint64_t arch_thread_init_stack(void *stack_top, void (*fn)(void *), void *arg)
{
	/* What switch_context pops: r15 r14 r13 r12 rbx rbp, then ret into
	 * thread_trampoline with RSP == stack_top (16-byte aligned), so its
	 * call leaves thread_start with the alignment the ABI expects. */
	uint64_t *sp = (uint64_t *)stack_top;
	*--sp = (uint64_t)thread_trampoline;
	*--sp = 0;                          /* rbp */
	*--sp = 0;                          /* rbx */
	*--sp = (uint64_t)fn;               /* r12 */
	*--sp = (uint64_t)arg;              /* r13 */
	*--sp = 0;                          /* r14 */
	*--sp = 0;                          /* r15 */
	return (uint64_t)sp;
}

void arch_switch_thread(struct thread *prev, struct thread *next)
{
	(void)prev;
	if (next->stack_base)
		tss_set_rsp0((uint64_t)next->stack_base + KSTACK_SIZE);
}

/*
 * asm/fault_catch.h - catch an expected exception in kernel code and
 * resume at a known point (the machinery under ktest_expect_fault()).
 *
 * fault_catch_enter() saves the callee-saved registers, the stack pointer,
 * the return address and RFLAGS, and returns 0.  When the trap handler finds
 * this CPU's fault_catch armed, it records the exception and calls
 * fault_catch_resume(), which makes fault_catch_enter() return 1 a second
 * time, with the stack and interrupt flag as they were.  Like setjmp, the
 * function that called enter must still be running when resume happens.
 */
#ifndef ASM_FAULT_CATCH_H
#define ASM_FAULT_CATCH_H

#include <stdint.h>

struct fault_record {
	unsigned vector;
	uint64_t error_code;
	uint64_t rip;
	uint64_t addr;              /* CR2 for #PF, else 0 */
};

struct fault_catch {
	uint64_t regs[9];           /* rbx rbp r12 r13 r14 r15 rsp rip rflags */
	struct fault_record rec;
};

int fault_catch_enter(struct fault_catch *fc) __attribute__((returns_twice));
__attribute__((noreturn)) void fault_catch_resume(struct fault_catch *fc);

#endif

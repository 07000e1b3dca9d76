/*
 * asm/trapframe.h - the registers saved on entry to an exception or
 * interrupt, in the order isr.asm pushes them (lowest address first).
 */
#ifndef ASM_TRAPFRAME_H
#define ASM_TRAPFRAME_H

#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code;        /* 0 for vectors without one */
	/* pushed by the CPU */
	uint64_t rip, cs, rflags, rsp, ss;
};

static inline int trap_from_user(const struct trap_frame *f) { return (f->cs & 3) == 3; }

#endif

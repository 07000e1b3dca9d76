/*
 * asm/percpu.h - how x86-64 finds this CPU's per-CPU area: the GS segment
 * base points at it (MSR_GS_BASE, set once per CPU at boot; while the CPU
 * runs user code, swapgs parks it in MSR_KERNEL_GS_BASE).  A %gs-relative
 * load is one instruction that cannot be split by an interrupt or a
 * migration, so it reads this CPU's field even with preemption on.
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <stdint.h>
#include "asm/cpu.h"

/** arch_percpu_set_base() - make @area this CPU's per-CPU area (boot, once per CPU). */
static inline void arch_percpu_set_base(void *area)
{
	wrmsr(MSR_GS_BASE, (uint64_t)area);
}

/** arch_percpu_self() - the pointer stored at offset 0 of this CPU's area. */
static inline void *arch_percpu_self(void)
{
	void *p;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/** arch_percpu_read_u32() - the 32-bit field at byte offset @off of this CPU's area. */
#define arch_percpu_read_u32(off) ({ \
	uint32_t v_; \
	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(v_) : "i"(off)); \
	v_; })

#endif

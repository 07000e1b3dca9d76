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
#include <stdbool.h>
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

/*
 * Per-CPU read-modify-write on this CPU's field at byte offset @off, of
 * @size bytes (1, 4 or 8), each ONE %gs-relative instruction.  That is the
 * point: `p = %gs:0; p->count++` is a load of the area's address and a
 * separate RMW through it, and an interrupt between the two can preempt the
 * thread and migrate it, so that the RMW lands on the CPU it left (a
 * preempt_disable() that protects nothing here and corrupts the count
 * there).  An interrupt is taken only between instructions, so these are
 * atomic with respect to interrupts and migration on this CPU, though not
 * against other CPUs (no lock prefix: only the owner writes these fields).
 * The "memory" clobber makes each a compiler barrier as well: generic code
 * also reads these fields through ordinary pointers.
 * scripts/check-percpu.py checks the image for the two-instruction form.
 */
#define arch_percpu_op_(insn, off, size, val) do { \
	switch (size) { \
	case 1: __asm__ volatile(insn "b %1, %%gs:%c0" :: "i"(off), "qi"((uint8_t)(uint64_t)(val)) : "memory", "cc"); break; \
	case 4: __asm__ volatile(insn "l %1, %%gs:%c0" :: "i"(off), "ri"((uint32_t)(uint64_t)(val)) : "memory", "cc"); break; \
	case 8: __asm__ volatile(insn "q %1, %%gs:%c0" :: "i"(off), "re"((uint64_t)(val)) : "memory", "cc"); break; \
	default: arch_percpu_bad_size_(); \
	} } while (0)

/* Never defined: a field of another size fails at link time. */
extern void arch_percpu_bad_size_(void);

/** arch_percpu_add() - this CPU's field (@off, @size bytes) += @val, one instruction. */
#define arch_percpu_add(off, size, val)   arch_percpu_op_("add", off, size, val)
/** arch_percpu_write() - this CPU's field (@off, @size bytes) = @val, one instruction. */
#define arch_percpu_write(off, size, val) arch_percpu_op_("mov", off, size, val)

/** arch_percpu_read() - this CPU's field (@off, @size bytes), one instruction. */
#define arch_percpu_read(off, size) ({ \
	uint64_t v_ = 0; \
	switch (size) { \
	case 1: { uint8_t b_; __asm__ volatile("movb %%gs:%c1, %0" : "=q"(b_) : "i"(off) : "memory"); v_ = b_; break; } \
	case 4: { uint32_t l_; __asm__ volatile("movl %%gs:%c1, %0" : "=r"(l_) : "i"(off) : "memory"); v_ = l_; break; } \
	case 8: __asm__ volatile("movq %%gs:%c1, %0" : "=r"(v_) : "i"(off) : "memory"); break; \
	default: arch_percpu_bad_size_(); \
	} \
	v_; })

/**
 * arch_percpu_dec_and_test() - decrement this CPU's 32-bit field at @off
 * (one `decl %gs:off`) and return whether it reached zero: the flag the
 * same instruction set, so no second read can see another CPU's count.
 */
#define arch_percpu_dec_and_test(off) ({ \
	bool z_; \
	__asm__ volatile("decl %%gs:%c1" : "=@ccz"(z_) : "i"(off) : "memory"); \
	z_; })

#endif

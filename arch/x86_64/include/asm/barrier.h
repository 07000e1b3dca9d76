/*
 * asm/barrier.h - memory barriers on x86-64.
 *
 * x86 is TSO: loads are not reordered with loads, stores not with stores,
 * and stores not with earlier loads.  The one reordering the hardware does
 * is a later load passing an earlier store (the store buffer), so only a
 * full barrier costs an instruction; read and write barriers only have to
 * stop the compiler.
 */
#ifndef ASM_BARRIER_H
#define ASM_BARRIER_H

#define barrier() __asm__ volatile("" ::: "memory")

/* A locked RMW on the stack orders like mfence for ordinary memory and is
 * cheaper on most cores; -4(%rsp) is below the stack pointer but the kernel
 * has no red zone, and nothing lives there. */
#define smp_mb()  __asm__ volatile("lock; addl $0, -4(%%rsp)" ::: "memory", "cc")
#define smp_rmb() barrier()
#define smp_wmb() barrier()

/* For device memory (MMIO) and non-temporal stores: real fences. */
#define mb()  __asm__ volatile("mfence" ::: "memory")
#define rmb() __asm__ volatile("lfence" ::: "memory")
#define wmb() __asm__ volatile("sfence" ::: "memory")

#endif

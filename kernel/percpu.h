/*
 * kernel/percpu.h - per-CPU data.
 *
 * Each CPU owns one struct percpu, found through the arch's per-CPU base
 * (asm/percpu.h: on x86-64, the GS segment base).  this_cpu() is valid from the first lines of
 * kmain/ap_main on.  Fields written by other CPUs are marked; everything
 * else is touched only by the owner, so it needs no lock.
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "lib/compiler.h"
#include "asm/percpu.h"

#define NR_CPUS 256

struct thread;
struct fault_catch;

struct percpu {
	struct percpu *self;        /* at offset 0: this_cpu() reads %gs:0 */
	uint64_t user_rsp_scratch;  /* at offset 8: syscall entry parks the user RSP */
	uint64_t syscall_stack;     /* at offset 16: kernel stack top of the current thread */
	unsigned int cpu_id;        /* dense logical id, 0 = boot CPU */
	uint32_t apic_id;
	struct thread *curr;        /* the thread running here (current) */
	int preempt_count;          /* >0: no preemption (nesting) */
	int irq_nesting;            /* depth of hard-IRQ handlers running */
	int nmi_nesting;            /* inside the NMI handler (in_nmi()): 0 or 1 */
	bool online;                /* written by the CPU itself when it comes up */
	volatile bool need_resched; /* set by tick/wakeup, acted on at a preemption point */
	volatile uint64_t ticks;    /* timer ticks taken here */
	uint64_t ipis_sent;
	volatile uint64_t ipis_received;
	void *kernel_stack_top;     /* idle/boot stack of this CPU */
	struct fault_catch *fault_catch; /* active ktest_expect_fault(), or NULL */
	void *nmi_stack_top, *df_stack_top;
	void *arch;                 /* arch-private: GDT/TSS of this CPU */
	unsigned int relax_spins;   /* cpu_relax() calls in delay mode (asm/cpu.h) */
} __aligned(64);

extern struct percpu percpu_area[NR_CPUS];
extern unsigned int nr_cpus_possible;   /* CPUs found in the MADT (or 1) */

/* The arch's syscall entry (syscall.asm) uses these offsets. */
#define PERCPU_USER_RSP_SCRATCH 8
#define PERCPU_SYSCALL_STACK    16
_Static_assert(offsetof(struct percpu, user_rsp_scratch) == PERCPU_USER_RSP_SCRATCH, "syscall.asm");
_Static_assert(offsetof(struct percpu, syscall_stack) == PERCPU_SYSCALL_STACK, "syscall.asm");

/**
 * this_cpu() - this CPU's area, as a pointer.
 * Context: preemption or IRQs off (or a pinned thread) for as long as the
 * pointer is used: after a migration it names the CPU the caller left.
 * With preemption on, use the this_cpu_*() accessors below.
 */
static inline struct percpu *this_cpu(void)
{
	return arch_percpu_self();
}

/*
 * this_cpu_read/write/add/inc/dec(field): one field of this CPU's area, each
 * a single instruction of the arch (asm/percpu.h), so correct in any
 * context, preemption on included: no interrupt and no migration can come
 * between finding the area and updating it.  Every read-modify-write of a
 * per-CPU field that the owner can do with preemption on goes through them
 * (`this_cpu()->x++` is two steps; scripts/check-percpu.py rejects it for
 * the counts preemption and RCU depend on).
 */
#define percpu_field_size_(field) sizeof(((struct percpu *)0)->field)
#define this_cpu_read(field) \
	((__typeof__(((struct percpu *)0)->field))arch_percpu_read( \
		offsetof(struct percpu, field), percpu_field_size_(field)))
#define this_cpu_write(field, v) \
	arch_percpu_write(offsetof(struct percpu, field), percpu_field_size_(field), (v))
#define this_cpu_add(field, v) \
	arch_percpu_add(offsetof(struct percpu, field), percpu_field_size_(field), (v))
#define this_cpu_inc(field) this_cpu_add(field, 1)
#define this_cpu_dec(field) this_cpu_add(field, -1)
/** this_cpu_dec_and_test() - decrement an int field, true if it reached 0 (one instruction). */
#define this_cpu_dec_and_test(field) ({ \
	_Static_assert(percpu_field_size_(field) == 4, "int field"); \
	arch_percpu_dec_and_test(offsetof(struct percpu, field)); })

/**
 * smp_processor_id() - the logical id of the CPU running this code.
 * Context: meaningful only where the caller cannot migrate (preemption or
 * IRQs off, or a thread pinned to one CPU).
 */
static inline unsigned int smp_processor_id(void)
{
	return arch_percpu_read_u32(offsetof(struct percpu, cpu_id));
}

static inline struct percpu *cpu_data(unsigned int cpu) { return &percpu_area[cpu]; }

/** percpu_init_this_cpu() - point GS at percpu_area[@cpu] and fill its ids. */
void percpu_init_this_cpu(unsigned int cpu, uint32_t apic_id);

#endif

/*
 * kernel/nmi.c - what NMIs are used for: a requested backtrace of another
 * CPU (the RCU stall detector), stopping every CPU on panic, and kicking a
 * CPU out of a halting wait (spinlock.c, smp.c: the kick does nothing but
 * end the HLT; the arch's trap entry has already moved a return address
 * that pointed into the wait's compare-and-HLT window past the HLT).
 *
 * An NMI arrives even with interrupts off, which is why both use it: a CPU
 * stuck with IRQs off still prints where it is.  What the handler prints
 * is buffered per CPU (in_nmi(), kernel/printk_nmi.c) and reaches the log
 * at the next printk or tick: the handler never waits for printk_lock.  The request flags are
 * plain per-CPU booleans: the requester sets one, then sends the NMI (the
 * APIC write orders the store before the interrupt).
 */
#include "kernel/smp.h"
#include "kernel/panic.h"
#include "kernel/paravirt.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/stacktrace.h"
#include "kernel/time.h"
#include "kernel/trap_hooks.h"
#include "asm/ipi.h"
#include "asm/cpu.h"

/* ---- backtraces on request (the RCU stall detector) --------------------- */

static volatile bool backtrace_wanted[NR_CPUS];

void smp_request_backtrace(unsigned cpu)
{
	if (cpu == smp_processor_id()) {
		dump_stack();
		return;
	}
	backtrace_wanted[cpu] = true;
	arch_send_nmi(cpu);
}

bool smp_backtrace_nmi(struct trap_frame *f)
{
	unsigned me = smp_processor_id();
	if (!backtrace_wanted[me])
		return false;
	backtrace_wanted[me] = false;
	printk(KERN_WARNING "CPU %u backtrace (requested):\n", me);
	dump_trap_backtrace(f);
	return true;
}

/* ---- kicks out of halting waits ----------------------------------------- */

/* Kicks sent to each CPU and not yet seen by its NMI handler.  A counter,
 * not a flag: two kicks in flight are two NMIs, and the second must not be
 * reported as unexpected.  NMIs can merge (one pending NMI is latched, a
 * third is dropped), so a count can stay above zero; the cost is that a
 * later genuinely unexpected NMI goes unreported, never a lost wake-up. */
static unsigned kicks_pending[NR_CPUS];

void smp_send_kick(unsigned cpu)
{
	/* The count is raised before the NMI is sent, so the handler that
	 * the NMI starts finds it; the caller's earlier stores (the lock
	 * handed over, the call finished) are ordered before the NMI by the
	 * ICR write's fence (asm/ipi.h). */
	__atomic_fetch_add(&kicks_pending[cpu], 1, __ATOMIC_SEQ_CST);
	arch_send_nmi(cpu);
}

static bool smp_kick_nmi(void)
{
	unsigned *k = &kicks_pending[smp_processor_id()];
	unsigned v = READ_ONCE(*k);
	while (v && !__atomic_compare_exchange_n(k, &v, v - 1, false,
						 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
	return v != 0;
}

/* ---- panic: stop everybody else ------------------------------------- */

static volatile bool cpu_stopped[NR_CPUS];

void smp_panic_stop_self(struct trap_frame *f)
{
	unsigned me = smp_processor_id();
	printk(KERN_EMERG "CPU %u stopped by panic:\n", me);
	dump_trap_backtrace(f);
	cpu_stopped[me] = true;
	for (;;) {
		arch_irq_disable();
		halt();
	}
}

void smp_stop_other_cpus(void)
{
	unsigned me = smp_processor_id(), cpu;
	/* One at a time, so their reports do not interleave. */
	for_each_online_cpu(cpu) {
		if (cpu == me)
			continue;
		arch_send_nmi(cpu);
		uint64_t deadline = get_cycles() + ns_to_tsc(1000000000ull);
		while (!cpu_stopped[cpu] && get_cycles() < deadline)
			cpu_relax();
		if (!cpu_stopped[cpu])
			printk(KERN_EMERG "CPU %u did not answer the stop NMI\n", cpu);
	}
}


void nmi_handler(struct trap_frame *f)
{
	/* in_nmi() from here to the return: printk buffers instead of
	 * locking, spinlocks spin instead of halting.  NMIs do not nest (the
	 * CPU blocks them until the handler's IRET), so a plain count. */
	this_cpu_inc(nmi_nesting);
	if (panic_on_other_cpu())
		smp_panic_stop_self(f);     /* never returns */
	/* One NMI may carry several reasons (NMIs merge): test them all.
	 * The host model's preemption first: it is where a vCPU is "out",
	 * and the other reasons are answered when it is back. */
	bool preempted = pvmodel_nmi(f);
	bool kick = smp_kick_nmi();
	if (!(smp_backtrace_nmi(f) || kick || preempted || pvmodel_stray_nmi())) {
		printk(KERN_WARNING "CPU %u: unexpected NMI\n", smp_processor_id());
		dump_trap_backtrace(f);
	}
	this_cpu_dec(nmi_nesting);
}

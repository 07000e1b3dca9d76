/*
 * kernel/nmi.c - what NMIs are used for: a requested backtrace of another
 * CPU (the RCU stall detector), and stopping every CPU on panic.
 *
 * An NMI arrives even with interrupts off, which is why both use it: a CPU
 * stuck with IRQs off still prints where it is.  The request flags are
 * plain per-CPU booleans: the requester sets one, then sends the NMI (the
 * APIC write orders the store before the interrupt).
 */
#include "kernel/smp.h"
#include "kernel/panic.h"
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
	if (panic_in_progress())
		smp_panic_stop_self(f);     /* never returns */
	if (smp_backtrace_nmi(f))
		return;
	printk(KERN_WARNING "CPU %u: unexpected NMI\n", smp_processor_id());
	dump_trap_backtrace(f);
}

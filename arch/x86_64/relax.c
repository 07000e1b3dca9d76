/*
 * arch/x86_64/relax.c - how a spinning CPU waits: cpu_relax().
 *
 * On hardware (and under KVM) the spin-wait hint is PAUSE: it saves power,
 * gives a hyperthread sibling the core, and under KVM lets the hypervisor
 * notice a vCPU that spins too long (pause-loop exiting).
 *
 * Under QEMU's TCG, PAUSE is a different instruction: the emulator ends the
 * vCPU's run of translated code to "let another CPU run", and the vCPU
 * thread takes QEMU's big lock (the BQL) on its way back in.  With one host
 * thread per vCPU (thread=multi, the only way this project runs QEMU) there
 * is nobody to let run, so all a PAUSE does is take the BQL: a spinning
 * vCPU takes it millions of times a second.  Every other vCPU needs the
 * same lock to take an exception or an interrupt, or to touch the local
 * APIC: so one CPU spinning on a lock, or waiting for an IPI to be
 * answered, slows every fault, IPI and EOI of the CPUs it waits for
 * (docs/performance.md, finding 16, measured with `bench=relax`).
 *
 * So under TCG, cpu_relax() spins a short plain delay instead and executes
 * PAUSE only on every RELAX_PAUSE_EVERY-th call on each CPU: rare enough
 * to leave the BQL alone, often enough that a single-threaded TCG
 * (thread=single, where PAUSE is what hands the host thread to the next
 * vCPU) still moves on within microseconds rather than at its 100 ms kick.
 *
 * relax=auto (default: delay under TCG, PAUSE elsewhere), relax=pause or
 * relax=delay on the command line; bench=relax measures both in one boot.
 * The choice is made once on the boot CPU before the others start
 * (arch_relax_init()); before that every cpu_relax() is a PAUSE, so the
 * per-CPU counter is never used before this CPU's per-CPU area is.
 */
#include "asm/cpu.h"
#include "asm/kvm.h"
#include "asm/barrier.h"
#include "kernel/atomic.h"
#include "kernel/errno.h"
#include "kernel/params.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "lib/string.h"

/* Plain loop iterations per cpu_relax() in delay mode: about a hardware
 * PAUSE's length under TCG (a few hundred host cycles), so a waiter still
 * sees the word it polls change promptly. */
#define RELAX_DELAY_LOOPS  64
/* One real PAUSE per this many delay-mode calls on a CPU. */
#define RELAX_PAUSE_EVERY  32

bool cpu_relax_delay;

enum relax_choice { RELAX_AUTO, RELAX_PAUSE, RELAX_DELAY };
static enum relax_choice relax_choice = RELAX_AUTO;

static int set_relax(const char *v)
{
	if (strcmp(v, "auto") == 0)
		relax_choice = RELAX_AUTO;
	else if (strcmp(v, "pause") == 0)
		relax_choice = RELAX_PAUSE;
	else if (strcmp(v, "delay") == 0)
		relax_choice = RELAX_DELAY;
	else
		return -EINVAL;         /* params_apply() says so */
	return 0;
}
KERNEL_PARAM(relax, "relax", "auto|pause|delay",
	     "how spin-waits wait: PAUSE, or a plain delay (QEMU TCG: PAUSE takes its global lock)",
	     set_relax);

static bool running_under_tcg(void)
{
	char sig[13];
	return arch_hypervisor_signature(sig) && strcmp(sig, "TCGTCGTCGTCG") == 0;
}

void arch_relax_init(void)
{
	bool tcg = running_under_tcg();
	bool delay = relax_choice == RELAX_DELAY || (relax_choice == RELAX_AUTO && tcg);
	WRITE_ONCE(cpu_relax_delay, delay);
	const char *why = relax_choice == RELAX_AUTO ? (tcg ? "auto, QEMU TCG" : "auto, not TCG")
				: relax_choice == RELAX_PAUSE ? "pause" : "delay";
	if (delay)
		pr_info("relax: spin-waits delay, with a PAUSE once in %d calls (relax=%s)\n",
			RELAX_PAUSE_EVERY, why);
	else
		pr_info("relax: spin-waits PAUSE (relax=%s)\n", why);
}

void arch_relax_delayed(void)
{
	for (int i = 0; i < RELAX_DELAY_LOOPS; i++)
		barrier();
	/* Not one atomic step, and need not be: a migration between the two
	 * only moves when the next PAUSE comes. */
	this_cpu_inc(relax_spins);
	if (this_cpu_read(relax_spins) % RELAX_PAUSE_EVERY == 0)
		__asm__ volatile("pause" ::: "memory");
}

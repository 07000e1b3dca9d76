/*
 * mm/tlb_ipi.c - the `ipi` shootdown backend: a cross-CPU call (one IPI to
 * each target, kernel/smp.c) that the flusher waits on.  mm/tlb_pv.c uses
 * it for the targets that are running.
 *
 * SHOOTDOWN_BROKEN=1 (tests only) sends nothing and reports success: remote
 * TLBs keep their stale entries, which the `tlb` torture test must catch.
 */
#include "mm/tlb_backend.h"
#include "kernel/config.h"
#include "kernel/paravirt.h"

int tlb_ipi_send(const cpumask_t *targets, const cpumask_t *must_run, smp_call_func_t fn, void *arg,
		 struct smp_call_handle *h, struct tlb_send_counts *c)
{
	(void)must_run;             /* every target runs it */
	/* A statistic (the pv_flush benchmark's): which IPIs go to a vCPU
	 * whose host says it is out.  Whoever writes the records (KVM or
	 * the model), an IPI to such a vCPU waits out its preemption. */
	unsigned cpu;
	c->deferred = c->to_preempted = 0;
	for_each_cpu(cpu, targets)
		c->to_preempted += pv_vcpu_preempted(cpu);
#ifdef CONFIG_SHOOTDOWN_BROKEN
	(void)targets;
	h->fn = fn;
	h->arg = arg;
	atomic_set(&h->pending, 0);
	return 0;
#else
	return smp_call_start(targets, fn, arg, h);
#endif
}

void tlb_ipi_wait(struct smp_call_handle *h)
{
	smp_call_wait(h);
}

#ifdef CONFIG_SHOOTDOWN_IPI
const struct tlb_backend tlb_backend = { .name = "ipi", .send = tlb_ipi_send, .wait = tlb_ipi_wait };
#endif

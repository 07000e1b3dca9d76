/*
 * mm/tlb_backend.h - how flush requests reach other CPUs: one small
 * interface, picked by the SHOOTDOWN switch.  `ipi` (mm/tlb_ipi.c)
 * interrupts every target and the caller waits for each acknowledgement.
 * `pv` (mm/tlb_pv.c) first hands the flush of every target whose
 * steal-time record says preempted to its host (flush on entry), then
 * interrupts and waits for the others only.
 */
#ifndef MM_TLB_BACKEND_H
#define MM_TLB_BACKEND_H

#include "kernel/smp.h"

/* What one send did besides the IPIs it returns. */
struct tlb_send_counts {
	unsigned deferred;          /* targets left to their host (pv) */
	unsigned to_preempted;      /* IPIs sent to a vCPU whose record said preempted:
				     * it takes the IPI only once it runs again */
};

struct tlb_backend {
	const char *name;
	/*
	 * Ask every CPU in @targets to run @fn(@arg), or have its TLB flushed
	 * before it runs again; return at once, counts in *@c.  The CPUs in
	 * @must_run (a subset) must run @fn themselves: what it does there is
	 * more than a TLB flush (a lazy CPU leaves the mm), which no host
	 * does for it.  Return: the IPIs sent.
	 */
	int (*send)(const cpumask_t *targets, const cpumask_t *must_run, smp_call_func_t fn, void *arg,
		    struct smp_call_handle *h, struct tlb_send_counts *c);
	/* Wait until every interrupted target has run it. */
	void (*wait)(struct smp_call_handle *h);
};

extern const struct tlb_backend tlb_backend;

/* The ipi backend's two halves, which pv uses for the targets it interrupts. */
int tlb_ipi_send(const cpumask_t *targets, const cpumask_t *must_run, smp_call_func_t fn, void *arg,
		 struct smp_call_handle *h, struct tlb_send_counts *c);
void tlb_ipi_wait(struct smp_call_handle *h);

#endif

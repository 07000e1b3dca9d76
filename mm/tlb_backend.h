/*
 * mm/tlb_backend.h - how flush requests reach other CPUs: one small
 * interface, picked by the SHOOTDOWN switch.  `ipi` interrupts every
 * target and the caller waits for each acknowledgement.  The paravirt
 * backend (SHOOTDOWN=pv) is not written yet: today it builds the `ipi`
 * backend, and will plug in here.
 */
#ifndef MM_TLB_BACKEND_H
#define MM_TLB_BACKEND_H

#include "kernel/smp.h"

struct tlb_backend {
	const char *name;
	/* Ask every CPU in @targets to run @fn(@arg); return at once. */
	int (*send)(const cpumask_t *targets, smp_call_func_t fn, void *arg, struct smp_call_handle *h);
	/* Wait until every target has run it. */
	void (*wait)(struct smp_call_handle *h);
};

extern const struct tlb_backend tlb_backend;

#endif

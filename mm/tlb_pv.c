/*
 * mm/tlb_pv.c - the `pv` shootdown backend (SHOOTDOWN=pv): KVM's PV TLB
 * flush, the flusher's half (Linux: kvm_flush_tlb_multi()).
 *
 * For each target, read the preempted byte of its steal-time record; if
 * it says KVM_VCPU_PREEMPTED, compare-and-exchange it to the same value
 * plus KVM_VCPU_FLUSH_TLB.  Success means the vCPU is out of guest
 * execution and its host will flush its TLB before the vCPU runs another
 * instruction: no IPI, and nothing to wait for.  Failure (it resumed, or
 * the byte changed) leaves it among the targets, which get the `ipi`
 * backend's IPI and wait.  The same code runs whether KVM or the model
 * (kernel/pvmodel.c) is the host: only the writer of the records differs.
 *
 * Ordering.  The caller's PTE changes and its tlb_gen increment (a full
 * barrier) come before our compare-and-exchange (itself a full barrier);
 * the host's exchange at entry is ordered after it on the same byte, and
 * the host flushes after that exchange: the vCPU's next walk sees the new
 * PTEs.
 *
 * Not deferred: targets in @must_run, the lazy CPUs of a table-freeing
 * flush, which must leave the mm themselves (mm/tlb.c); a host's TLB flush
 * does not do that.  (Linux can defer them: a lazy CPU there holds a
 * reference on the mm it still has loaded; here the mm's teardown relies
 * on that flush to send lazy CPUs away, and a deferred one was caught by
 * the tlb suite's teardown case at pvmodel=100000,2000,7: panic "mm_put:
 * mm still loaded on CPU 1".)
 *
 * What this gives up: "the flush is acknowledged" no longer means "that
 * CPU is not inside an IRQs-off section".  TABLE_FREE=ipi relies on
 * exactly that (mm/lockless_walk.h), so with it this backend lets a table
 * be freed under a preempted walker: the unsafe pairing, shown by the `pv`
 * test suite and explained in docs/pv.md.
 */
#include "kernel/trace/trace.h"
#include "mm/tlb_backend.h"
#include "kernel/config.h"
#include "kernel/paravirt.h"

#ifdef CONFIG_SHOOTDOWN_PV
static int pv_send(const cpumask_t *targets, const cpumask_t *must_run, smp_call_func_t fn, void *arg,
		   struct smp_call_handle *h, struct tlb_send_counts *c)
{
	cpumask_t ipi;
	unsigned n = 0;
	cpumask_copy(&ipi, targets);
#ifndef CONFIG_SHOOTDOWN_BROKEN
	unsigned cpu;
	for_each_cpu(cpu, targets) {
		/* A host flush would empty its TLB but not run fn: a lazy
		 * CPU would keep the mm loaded (CR3 on its tables) after a
		 * table-freeing flush, and the mm be freed under it. */
		if (cpumask_test_cpu(cpu, must_run))
			continue;
		uint8_t *p = &pv_steal_time[cpu].preempted;
		uint8_t state = __atomic_load_n(p, __ATOMIC_RELAXED);
		if (!(state & KVM_VCPU_PREEMPTED))
			continue;
		/* Full barrier; pairs with the host's exchange at entry
		 * (kernel/pvmodel.c, KVM's record_steal_time()). */
		if (__atomic_compare_exchange_n(p, &state, state | KVM_VCPU_FLUSH_TLB, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			cpumask_clear_cpu(cpu, &ipi);
			n++;
			trace(PV_DEFER, cpu, arg, 0);
		}
	}
#endif
	int sent = tlb_ipi_send(&ipi, must_run, fn, arg, h, c);
	c->deferred = n;
	return sent;
}

const struct tlb_backend tlb_backend = { .name = "pv", .send = pv_send, .wait = tlb_ipi_wait };
#endif

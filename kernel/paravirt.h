/*
 * kernel/paravirt.h - the steal-time records a paravirt shootdown reads,
 * and who writes them: KVM's host, or the in-kernel model of a host
 * (kernel/pvmodel.c) under TCG or KVM without PV TLB flush.
 *
 * The record is KVM's ABI (struct kvm_steal_time, 64 bytes, 64-aligned):
 * one per vCPU, in guest memory, written by the host.  The byte that
 * matters here is `preempted`: the host sets KVM_VCPU_PREEMPTED while the
 * vCPU is out of guest execution; a guest flusher that finds it set may
 * OR in KVM_VCPU_FLUSH_TLB (compare-and-exchange on that byte) instead of
 * sending an IPI; the host, before it lets the vCPU run again, exchanges
 * the byte with 0 and flushes the vCPU's TLB if the flag was set.
 * (Linux: arch/x86/include/uapi/asm/kvm_para.h, kvm_flush_tlb_multi(),
 * and KVM's record_steal_time().)  Nothing here is x86: the layout is the
 * hypervisor's; registering the record with KVM is arch (asm/kvm.c).
 */
#ifndef KERNEL_PARAVIRT_H
#define KERNEL_PARAVIRT_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/cpumask.h"

struct trap_frame;

#define KVM_VCPU_PREEMPTED (1 << 0)
#define KVM_VCPU_FLUSH_TLB (1 << 1)

struct kvm_steal_time {
	uint64_t steal;             /* ns this vCPU was runnable but not running */
	uint32_t version;           /* odd while the host updates steal */
	uint32_t flags;
	uint8_t preempted;          /* KVM_VCPU_PREEMPTED | KVM_VCPU_FLUSH_TLB */
	uint8_t u8_pad[3];
	uint32_t pad[11];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct kvm_steal_time) == 64, "KVM's steal-time record is 64 bytes");

/* One record per vCPU (registered with KVM, or written by the model). */
extern struct kvm_steal_time pv_steal_time[NR_CPUS];

/* Who writes the records. */
enum pv_host {
	PV_HOST_NONE,               /* nobody: nothing is ever preempted */
	PV_HOST_KVM,                /* KVM with steal time and PV TLB flush */
	PV_HOST_MODEL,              /* kernel/pvmodel.c */
};
extern enum pv_host pv_host;

/**
 * paravirt_init() - pick the host of the records (KVM if it offers steal
 * time and PV TLB flush, the model otherwise), register them, report the
 * shootdown backend at boot and why.  Context: boot CPU, after SMP bring-up.
 */
void paravirt_init(void);

/**
 * pv_vcpu_preempted() - does @cpu's record say it is out of guest
 * execution right now?  A hint only: it can change at any moment.
 */
static inline bool pv_vcpu_preempted(unsigned cpu)
{
	return __atomic_load_n(&pv_steal_time[cpu].preempted, __ATOMIC_RELAXED) & KVM_VCPU_PREEMPTED;
}

/* ---- the model (kernel/pvmodel.c) ---------------------------------------- */

/* Per vCPU, since boot. */
struct pvmodel_stats {
	uint64_t preemptions;       /* times taken out (ended: counted at resume) */
	uint64_t flushes_on_entry;  /* resumes that found KVM_VCPU_FLUSH_TLB */
	uint64_t preempted_ns;      /* time spent out */
};

/**
 * pvmodel_configure() - preempt each vCPU about @rate_hz times a second
 * for a random 1..@max_us microseconds each (seeded by @seed); @rate_hz 0
 * stops it.  The command line's pvmodel=rate_hz,max_us,seed calls this.
 * The rate is drawn at the other vCPUs' timer ticks: at most
 * HZ x (vCPUs - 1) a second per vCPU.  Context: any.
 */
void pvmodel_configure(unsigned rate_hz, unsigned max_us, uint64_t seed);
/** pvmodel_get_config() - the current settings (tests save and restore them). */
void pvmodel_get_config(unsigned *rate_hz, unsigned *max_us, uint64_t *seed);

/** struct pvmodel_config - the model's settings, as pvmodel_pause() saves them. */
struct pvmodel_config {
	unsigned rate_hz, max_us;
	uint64_t seed;
};
/**
 * pvmodel_pause() - stop preempting and wait until no tick is still drawing
 * with the old rate, no request is pending and every vCPU is back, saving
 * the settings in @saved for pvmodel_unpause().  Tests and benchmarks that
 * count a CPU's own flushes, or that preempt vCPUs themselves, run between
 * the two.  Context: busy wait, bounded (2 s plus the longest preemption).
 * Return: 0, or -ETIMEDOUT (logged, naming the vCPU) if the bound passed;
 * the model is stopped either way, so pvmodel_unpause() still restores it.
 */
int __must_check pvmodel_pause(struct pvmodel_config *saved);
/** pvmodel_unpause() - restore settings saved by pvmodel_pause() (may preempt again at once). */
void pvmodel_unpause(const struct pvmodel_config *saved);
/** pvmodel_resumes_total() - preemptions that have ended, over every online CPU. */
uint64_t pvmodel_resumes_total(void);

/**
 * pvmodel_preempt() - take @cpu out now for @us microseconds (tests: a
 * preemption at a chosen moment).  Return: false if @cpu is this CPU, or
 * is already out, or the model is not the host.  Context: not NMI.
 */
bool pvmodel_preempt(unsigned cpu, unsigned us);

/** pvmodel_resumes() - preemptions of @cpu that have ended (a walker reads its own before and after). */
static inline uint64_t pvmodel_resumes(unsigned cpu);
void pvmodel_get_stats(unsigned cpu, struct pvmodel_stats *out);

/** pvmodel_nmi() - NMI handler part: if this NMI is a preemption, be out. Return: true if it was. */
bool pvmodel_nmi(struct trap_frame *f);
/**
 * pvmodel_stray_nmi() - an NMI with no reason left, within 5 ms of a
 * resume here: one NMI can carry two reasons (a kick and a preemption sent
 * together), and then the second NMI finds both handled.  Return: true to
 * take it as that second NMI rather than report it unexpected.
 */
bool pvmodel_stray_nmi(void);
/** pvmodel_tick() - timer-tick part: maybe preempt other vCPUs. Context: hard IRQ. */
void pvmodel_tick(void);

/* Tests only: the host forgets to honour KVM_VCPU_FLUSH_TLB (a negative
 * control: the stale-entry test must then see the stale entry). */
extern bool pvmodel_test_skip_entry_flush;

extern struct pvmodel_stats pvmodel_stats[NR_CPUS];
static inline uint64_t pvmodel_resumes(unsigned cpu)
{
	return __atomic_load_n(&pvmodel_stats[cpu].preemptions, __ATOMIC_ACQUIRE);
}

#endif

/*
 * kernel/paravirt.c - who writes the steal-time records (see paravirt.h),
 * chosen once at boot, and the boot line that says which shootdown
 * backend runs and why.
 *
 * KVM that offers both steal time and PV TLB flush is the host: each vCPU
 * registers its record and the model stays off.  Anything else (TCG, KVM
 * without the features, bare metal) gets the model (kernel/pvmodel.c);
 * its preemptions start only when asked (pvmodel=, or a test), except
 * under SHOOTDOWN=pv, where a modest default keeps the protocol exercised.
 */
#include "kernel/paravirt.h"
#include "kernel/config.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "asm/kvm.h"
#include "asm/page.h"
#include "mm/tlb_backend.h"

struct kvm_steal_time pv_steal_time[NR_CPUS];
enum pv_host pv_host = PV_HOST_MODEL;

/* Under SHOOTDOWN=pv with the model and no pvmodel= given. */
#define DEFAULT_RATE_HZ 50
#define DEFAULT_MAX_US  500

static void register_this_cpu(void *arg)
{
	(void)arg;
	arch_kvm_register_steal_time(__pa(&pv_steal_time[smp_processor_id()]));
}

void paravirt_init(void)
{
	struct arch_kvm_features kf;
	arch_kvm_detect(&kf);
	if (kf.kvm && kf.steal_time && kf.pv_tlb_flush) {
		pv_host = PV_HOST_KVM;
		register_this_cpu(NULL);
		smp_call_function(register_this_cpu, NULL, true);
	} else {
		pv_host = PV_HOST_MODEL;
	}
	unsigned rate, max_us;
	uint64_t seed;
	pvmodel_get_config(&rate, &max_us, &seed);
	/*
	 * Two lines, each true for this build: the backend, and who preempts
	 * vCPUs.  Only the pv backend acts on the steal-time records; the ipi
	 * backend interrupts every target and reads them only to count IPIs
	 * sent to preempted vCPUs, so its line does not speak of the host.
	 */
#ifdef CONFIG_SHOOTDOWN_PV
	if (pv_host == PV_HOST_MODEL && rate == 0) {
		pvmodel_configure(DEFAULT_RATE_HZ, DEFAULT_MAX_US, 1);
		pvmodel_get_config(&rate, &max_us, &seed);
	}
	const char *why = pv_host == PV_HOST_KVM
		? "KVM offers steal time and PV TLB flush: the host defers flushes of preempted vCPUs"
		: !kf.kvm ? "no KVM (TCG or another hypervisor): the in-kernel host model writes the records"
		: kf.steal_time ? "KVM without PV TLB flush: the in-kernel host model writes the records"
		: "KVM without steal time: the in-kernel host model writes the records";
	pr_info("tlb: shootdown backend %s (SHOOTDOWN=%s); %s\n", tlb_backend.name, CONFIG_SHOOTDOWN_NAME, why);
	if (pv_host == PV_HOST_MODEL)
		pr_info("pvmodel: %s: %u preemptions/s per vCPU, up to %u us each, seed %llu\n",
			rate ? "on" : "off", rate, max_us, (unsigned long long)seed);
#else
	pr_info("tlb: shootdown backend %s (SHOOTDOWN=%s): an IPI to every target CPU, waited for\n",
		tlb_backend.name, CONFIG_SHOOTDOWN_NAME);
	if (pv_host == PV_HOST_KVM)
		pr_info("pvmodel: off: KVM preempts the vCPUs (SHOOTDOWN=ipi interrupts them all the same)\n");
	else if (rate)
		pr_info("pvmodel: on: %u preemptions/s per vCPU, up to %u us each, seed %llu "
			"(pvmodel=; SHOOTDOWN=ipi still interrupts preempted vCPUs)\n",
			rate, max_us, (unsigned long long)seed);
	else
		pr_info("pvmodel: off (SHOOTDOWN=ipi does not need it; pvmodel=RATE_HZ,MAX_US,SEED starts it)\n");
#endif
}

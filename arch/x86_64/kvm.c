/*
 * arch/x86_64/kvm.c - the hypervisor's signature, KVM detection and
 * steal-time registration.
 *
 * CPUID leaf 0x40000000 returns the hypervisor's signature in EBX, ECX,
 * EDX ("KVMKVMKVM\0\0\0" for KVM) and its highest leaf in EAX; leaf
 * 0x40000001 EAX holds KVM's feature bits.  A vCPU hands the host the
 * guest-physical address of its steal-time record by writing it, with the
 * enable bit, to MSR_KVM_STEAL_TIME (Linux: Documentation/virt/kvm/x86/
 * msr.rst, cpuid.rst; the values below are that ABI).
 */
#include "asm/kvm.h"
#include "asm/cpu.h"
#include "lib/string.h"

#define KVM_CPUID_SIGNATURE     0x40000000u
#define KVM_CPUID_FEATURES      0x40000001u
#define KVM_FEATURE_STEAL_TIME  5
#define KVM_FEATURE_PV_TLB_FLUSH 9
#define MSR_KVM_STEAL_TIME      0x4b564d03u
#define KVM_MSR_ENABLED         1ull

bool arch_hypervisor_signature(char sig[13])
{
	uint32_t a, b, c, d;
	sig[0] = 0;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 31)))
		return false;       /* CPUID.1:ECX.hypervisor clear: bare metal */
	cpuid(KVM_CPUID_SIGNATURE, 0, &a, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	return true;
}

void arch_kvm_detect(struct arch_kvm_features *out)
{
	memset(out, 0, sizeof(*out));
	char sig[13];
	if (!arch_hypervisor_signature(sig) || memcmp(sig, "KVMKVMKVM\0\0\0", 12) != 0)
		return;
	uint32_t a, b, c, d;
	cpuid(KVM_CPUID_SIGNATURE, 0, &a, &b, &c, &d);
	if (a < KVM_CPUID_FEATURES)
		return;
	out->kvm = true;
	cpuid(KVM_CPUID_FEATURES, 0, &a, &b, &c, &d);
	out->steal_time = a & (1u << KVM_FEATURE_STEAL_TIME);
	out->pv_tlb_flush = a & (1u << KVM_FEATURE_PV_TLB_FLUSH);
}

void arch_kvm_register_steal_time(uint64_t phys)
{
	wrmsr(MSR_KVM_STEAL_TIME, phys | KVM_MSR_ENABLED);
}

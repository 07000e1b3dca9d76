/*
 * asm/kvm.h - finding KVM and registering a vCPU's steal-time record
 * (arch/x86_64/kvm.c).  Generic code (kernel/paravirt.c) decides what to
 * do with the answers; only this side knows CPUID leaves and MSRs.
 */
#ifndef ASM_KVM_H
#define ASM_KVM_H

#include <stdbool.h>
#include <stdint.h>

struct arch_kvm_features {
	bool kvm;                   /* the hypervisor signature is KVM's */
	bool steal_time;            /* the host writes steal-time records */
	bool pv_tlb_flush;          /* ... and honours their flush-on-entry flag */
};

/**
 * arch_hypervisor_signature() - the 12-character CPUID signature of the
 * hypervisor ("KVMKVMKVM", "TCGTCGTCGTCG" for QEMU's TCG...) into @sig,
 * NUL-terminated; false (and "") on bare metal.  Context: any CPU.
 */
bool arch_hypervisor_signature(char sig[13]);

/** arch_kvm_detect() - what the hypervisor (if any) offers.  Context: any CPU. */
void arch_kvm_detect(struct arch_kvm_features *out);

/**
 * arch_kvm_register_steal_time() - tell the host where this vCPU's record
 * is (@phys, 64-byte aligned).  Context: on the vCPU concerned, after
 * arch_kvm_detect() said steal_time.
 */
void arch_kvm_register_steal_time(uint64_t phys);

#endif

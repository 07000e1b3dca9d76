/*
 * tests/kernel/security.c - suite `security`: the protections the kernel
 * keeps against its own user programs (docs/security.md).
 *
 * The CPU's switches (CR0.WP, EFER.NXE, CR4.SMEP/SMAP/UMIP where CPUID
 * offers them, the SYSCALL flag mask) on every CPU; SMEP refusing a kernel
 * call into a user page; and one user program per attack of issue 17
 * (user/bin/: nt_syscall, sidt, ...), each of which must be refused or
 * killed while the kernel goes on.  Where a protection is a code path
 * rather than a CPU switch, the case also runs a negative control that
 * takes the first line of defence away and checks that the second holds:
 * SYSCALL without the NT mask must end in a killed process, not a panic.
 */
#include "tests/kernel/ktest.h"
#include "kernel/cpumask.h"
#include "kernel/errno.h"
#include "kernel/proc/process.h"
#include "kernel/smp.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/tlb.h"
#include "mm/uaccess.h"
#include "asm/context.h"
#include "asm/cpu.h"
#include "asm/traps.h"

/* ---- the CPU's protection switches, on every CPU --------------------------- */

struct cpu_regs {
	uint64_t cr0, cr4, efer, sfmask;
};

static struct cpu_regs regs_of[NR_CPUS];

static void read_regs(void *arg)
{
	(void)arg;
	struct cpu_regs *r = &regs_of[smp_processor_id()];
	r->cr0 = read_cr0();
	r->cr4 = read_cr4();
	r->efer = rdmsr(MSR_EFER);
	r->sfmask = rdmsr(MSR_SFMASK);
}

static void read_all_regs(void)
{
	unsigned cpu;
	for_each_online_cpu(cpu)
		smp_call_function_single(cpu, read_regs, NULL, true);
}

static void test_cpu_protections(struct ktest *t)
{
	uint32_t ebx, ecx;
	cpuid_leaf7(&ebx, &ecx);
	if (!(ebx & CPUID7_EBX_SMEP))
		ktest_log("this CPU has no SMEP: not checked");
	if (!(ebx & CPUID7_EBX_SMAP))
		ktest_log("this CPU has no SMAP: not checked");
	read_all_regs();
	const uint64_t masked = SYSCALL_MASKED_FLAGS;
	unsigned cpu;
	for_each_online_cpu(cpu) {
		struct cpu_regs *r = &regs_of[cpu];
		/* WP: the kernel's writes obey read-only PTEs too. */
		KTEST_EXPECT_TRUE(t, r->cr0 & CR0_WP);
		/* NXE: without it the NX bit is reserved and data is executable. */
		KTEST_EXPECT_TRUE(t, r->efer & EFER_NXE);
		if (ebx & CPUID7_EBX_SMEP)
			KTEST_EXPECT_TRUE(t, r->cr4 & CR4_SMEP);
		if (ebx & CPUID7_EBX_SMAP)
			KTEST_EXPECT_TRUE(t, r->cr4 & CR4_SMAP);
		/* Every flag Linux masks on SYSCALL, NT and AC among them. */
		KTEST_EXPECT_EQ(t, r->sfmask & masked, masked);
	}
}

/* ---- UMIP: sgdt/sidt from user mode ------------------------------------------ */

static void test_umip(struct ktest *t)
{
	uint32_t ebx, ecx;
	cpuid_leaf7(&ebx, &ecx);
	if (!(ecx & CPUID7_ECX_UMIP)) {
		ktest_skip(t, "this CPU has no UMIP (CPUID.7.0:ECX[2]); sidt/sgdt are open to user mode");
		return;
	}
	read_all_regs();
	unsigned cpu;
	for_each_online_cpu(cpu)
		KTEST_EXPECT_TRUE(t, regs_of[cpu].cr4 & CR4_UMIP);
	char *sidt[] = { "sidt", "sidt", NULL }, *sgdt[] = { "sidt", "sgdt", NULL };
	KTEST_EXPECT_EQ(t, ktest_run_program("sidt", 2, sidt), EXIT_SEGV);
	KTEST_EXPECT_EQ(t, ktest_run_program("sidt", 2, sgdt), EXIT_SEGV);
}

/* ---- SMEP: the kernel cannot run user code ----------------------------------- */

static uintptr_t user_code;

static void kernel_calls_user(void *arg)
{
	(void)arg;
	((void (*)(void))user_code)();
}

static void test_smep_blocks_user_code(struct ktest *t)
{
	uint32_t ebx, ecx;
	cpuid_leaf7(&ebx, &ecx);
	if (!(ebx & CPUID7_EBX_SMEP)) {
		ktest_skip(t, "this CPU has no SMEP (CPUID.7.0:EBX[7])");
		return;
	}
	/* Decided by CPUID, not CR4: a kernel that forgot to switch SMEP on
	 * must fail here, not skip. */
	struct mm_struct *mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, mm);
	kthread_use_mm(mm);
	long a = do_mmap(mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	KTEST_EXPECT_GE(t, a, (long)USER_BASE);
	uint8_t ret = 0xc3;                         /* `ret`: harmless if it did run */
	if (a >= (long)USER_BASE && copy_to_user((void *)a, &ret, 1) == 0) {
		user_code = (uintptr_t)a;
		struct fault_record rec;
		KTEST_EXPECT_TRUE(t, ktest_expect_fault(kernel_calls_user, NULL, &rec));
		KTEST_EXPECT_EQ(t, rec.vector, 14u);
		KTEST_EXPECT_EQ(t, rec.addr, (uint64_t)a);
		KTEST_EXPECT_EQ(t, rec.error_code & (PF_PRESENT | PF_FETCH | PF_USER),
				(uint64_t)(PF_PRESENT | PF_FETCH));
	}
	kthread_unuse_mm(mm);
	mm_put(mm);
}

/* ---- RFLAGS.NT through SYSCALL --------------------------------------------------- */

static void set_sfmask(void *arg)
{
	wrmsr(MSR_SFMASK, *(uint64_t *)arg);
}

static void set_sfmask_everywhere(uint64_t mask)
{
	unsigned cpu;
	for_each_online_cpu(cpu)
		smp_call_function_single(cpu, set_sfmask, &mask, true);
}

static void test_nt_syscall(struct ktest *t)
{
	/* NT masked on entry: the calls work and NT is still set on return. */
	KTEST_EXPECT_EQ(t, ktest_run_program("nt_syscall", 0, NULL), 0);
	/* Negative control: without the mask the IRETQ back to user mode
	 * faults after its swapgs.  The entry must notice (the faulting RIP)
	 * and kill the process; the kernel goes on. */
	set_sfmask_everywhere(SYSCALL_MASKED_FLAGS & ~RFLAGS_NT);
	int status = ktest_run_program("nt_syscall", 0, NULL);
	set_sfmask_everywhere(SYSCALL_MASKED_FLAGS);
	KTEST_EXPECT_EQ(t, status, EXIT_SEGV);
	KTEST_EXPECT_EQ(t, ktest_run_program("true", 0, NULL), 0);
}

static struct ktest_case security_cases[] = {
	KTEST_CASE(test_cpu_protections),
	KTEST_CASE(test_umip),
	KTEST_CASE(test_smep_blocks_user_code),
	KTEST_CASE(test_nt_syscall),
	{ 0 },
};
KTEST_SUITE(security, security_cases);

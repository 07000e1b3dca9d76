/*
 * arch/x86_64/context.c - the CPU side of a thread switch.
 *
 * FPU/SSE state.  The kernel itself never touches it (-mgeneral-regs-only),
 * so only user threads have FPU state, kept in a 512-byte FXSAVE area
 * (thread->arch).  It is saved and restored eagerly, on every switch out of
 * and into a user thread, rather than lazily on the first FPU instruction
 * (#NM): eager switching is simpler, costs little with FXSAVE, and cannot
 * leak one thread's registers to another (the lazy-FPU leak of 2018).
 */
#include "asm/context.h"
#include "asm/cpu.h"
#include "asm/gdt.h"
#include "asm/trapframe.h"
#include "kernel/irqflags.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/sched/thread.h"
#include "mm/kmalloc.h"
#include "lib/string.h"

extern void thread_trampoline(void);

uint64_t arch_thread_init_stack(void *stack_top, void (*fn)(void *), void *arg)
{
	/* What switch_context pops: r15 r14 r13 r12 rbx rbp rflags, then ret
	 * into thread_trampoline with RSP == stack_top (16-byte aligned), so
	 * its call leaves thread_start with the alignment the ABI expects. */
	uint64_t *sp = (uint64_t *)stack_top;
	*--sp = (uint64_t)thread_trampoline;
	*--sp = 0x2;                        /* rflags: IF off (thread_start turns it on), AC, DF clear */
	*--sp = 0;                          /* rbp */
	*--sp = 0;                          /* rbx */
	*--sp = (uint64_t)fn;               /* r12 */
	*--sp = (uint64_t)arg;              /* r13 */
	*--sp = 0;                          /* r14 */
	*--sp = 0;                          /* r15 */
	return (uint64_t)sp;
}

/* The FXSAVE image of the power-on state: x87 control word 0x37f (all
 * exceptions masked, 64-bit precision), MXCSR 0x1f80, every register 0. */
static void fpu_init_image(uint8_t *fx)
{
	memset(fx, 0, 512);
	*(uint16_t *)(fx + 0) = 0x037f;
	*(uint32_t *)(fx + 24) = 0x1f80;
}

int arch_thread_init_user(struct thread *t)
{
	uint8_t *fx = kmalloc(512);         /* kmalloc: 512-byte objects are 512-aligned */
	if (!fx)
		return -1;
	fpu_init_image(fx);
	t->arch = fx;
	return 0;
}

void arch_thread_reset_user_fpu(struct thread *t)
{
	/* The registers are live in this CPU while @t runs (eager switching):
	 * reset the image and load it, with no switch in between. */
	unsigned long flags;
	local_irq_save(flags);
	fpu_init_image(t->arch);
	__asm__ volatile("fxrstor64 (%0)" :: "r"(t->arch) : "memory");
	local_irq_restore(flags);
}

void arch_switch_thread(struct thread *prev, struct thread *next)
{
	if (prev->arch)
		__asm__ volatile("fxsave64 (%0)" :: "r"(prev->arch) : "memory");
	if (next->arch)
		__asm__ volatile("fxrstor64 (%0)" :: "r"(next->arch) : "memory");
	if (next->stack_base) {
		uint64_t top = (uint64_t)next->stack_base + KSTACK_SIZE;
		tss_set_rsp0(top);                  /* interrupts from ring 3 */
		this_cpu()->syscall_stack = top;    /* syscall entry */
	}
}

void arch_cpu_features_init(void)
{
	/* FXSAVE/SSE for user programs: CR4.OSFXSR|OSXMMEXCPT, CR0.MP, !EM. */
	write_cr4(read_cr4() | CR4_OSFXSR | (1ul << 10));
	write_cr0((read_cr0() & ~(1ul << 2)) | (1ul << 1));
	/* SMEP/SMAP where the CPU has them: the kernel may neither run user
	 * code nor touch user data outside the uaccess routines.  UMIP makes
	 * sgdt, sidt, sldt, smsw and str privileged: without it any user can
	 * read the kernel addresses of the GDT and IDT (KASLR's old enemy). */
	uint32_t ebx, ecx;
	cpuid_leaf7(&ebx, &ecx);
	uint64_t cr4 = read_cr4();
	if (ebx & CPUID7_EBX_SMEP)
		cr4 |= CR4_SMEP;
	if (ebx & CPUID7_EBX_SMAP)
		cr4 |= CR4_SMAP;
	if (ecx & CPUID7_ECX_UMIP)
		cr4 |= CR4_UMIP;
	write_cr4(cr4);
	/* Said once, by the boot CPU (the APs are the same model). */
	if (smp_processor_id() == 0 && !(ecx & CPUID7_ECX_UMIP))
		pr_warn("cpu: no UMIP: user mode can read the GDT/IDT addresses (sgdt, sidt)\n");
}

/* fork's child starts from: the FPU area first (kmalloc aligns it). */
struct fork_state {
	uint8_t fpu[512];
	struct trap_frame regs;
};

void *arch_fork_save(void)
{
	struct fork_state *s = kmalloc(sizeof(*s));
	if (!s)
		return NULL;
	/* The frame the system call entry built at the top of our kernel
	 * stack (syscall.asm; Linux's task_pt_regs()). */
	s->regs = *((struct trap_frame *)((uint8_t *)current->stack_base + KSTACK_SIZE) - 1);
	/* The kernel never touches the FPU (-mgeneral-regs-only) and a switch
	 * back to us restored ours: the registers hold the user's state. */
	__asm__ volatile("fxsave64 (%0)" :: "r"(s->fpu) : "memory");
	return s;
}

void arch_fork_free(void *state)
{
	kfree(state);
}

/* syscall.asm: RSP = @f, then the common exit (pop, swapgs, iretq). */
__attribute__((noreturn)) void arch_iret_frame(struct trap_frame *f);

void arch_ret_from_fork(void *state)
{
	struct fork_state *s = state;
	/* A copy on this stack: the exit path pops it from wherever it is,
	 * and nothing of this thread's kernel stack is needed after. */
	struct trap_frame f = s->regs;
	/* Live from here; the next switch away saves it in thread->arch. */
	__asm__ volatile("fxrstor64 (%0)" :: "r"(s->fpu) : "memory");
	kfree(s);
	f.rax = 0;                          /* fork() returns 0 in the child */
	arch_iret_frame(&f);
}

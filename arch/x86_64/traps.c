/*
 * arch/x86_64/traps.c - what happens on an exception or interrupt.
 *
 * trap_dispatch() is called by isr.asm for every vector.  Interrupts
 * (vectors >= 32) go to the handler registered for the vector and are
 * acknowledged at the local APIC.  Exceptions go, in order, to:
 *   1. an armed fault catcher (ktest_expect_fault) on this CPU;
 *   2. arch_handle_exception() (fault.c): user page faults, uaccess
 *      fixups from the exception table, and killing a user process that
 *      raised any other exception;
 *   3. the oops path: the vector's name, the decoded error code, every
 *      register and a symbolized backtrace, then panic().
 */
#include "kernel/trace/trace.h"
#include "asm/traps.h"
#include "asm/cpu.h"
#include "asm/fault_catch.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/panic.h"
#include "kernel/ksyms.h"
#include "kernel/stacktrace.h"
#include "kernel/trap_hooks.h"
#include "kernel/proc/process.h"
#include "kernel/sched/thread.h"
#include "lib/printf.h"

static irq_handler_t irq_handlers[256];
static uint64_t spurious_irqs;

static const char *const exception_names[32] = {
	[VEC_DE] = "#DE divide error", [VEC_DB] = "#DB debug", [VEC_NMI] = "NMI",
	[VEC_BP] = "#BP breakpoint", [VEC_OF] = "#OF overflow", [VEC_BR] = "#BR bound range",
	[VEC_UD] = "#UD invalid opcode", [VEC_NM] = "#NM device not available",
	[VEC_DF] = "#DF double fault", [9] = "coprocessor segment overrun",
	[VEC_TS] = "#TS invalid TSS", [VEC_NP] = "#NP segment not present",
	[VEC_SS] = "#SS stack fault", [VEC_GP] = "#GP general protection",
	[VEC_PF] = "#PF page fault", [15] = "reserved 15", [VEC_MF] = "#MF x87 error",
	[VEC_AC] = "#AC alignment check", [VEC_MC] = "#MC machine check",
	[VEC_XM] = "#XM SIMD exception", [VEC_VE] = "#VE virtualization",
	[VEC_CP] = "#CP control protection",
};

const char *exception_name(unsigned vector)
{
	if (vector < 32 && exception_names[vector])
		return exception_names[vector];
	return vector < 32 ? "reserved exception" : "interrupt";
}

void irq_register_vector(unsigned vector, irq_handler_t h)
{
	if (vector < 32 || vector > 255)
		panic("irq_register_vector: bad vector %u", vector);
	irq_handlers[vector] = h;
}

void dump_trap_frame(const struct trap_frame *f)
{
	char sym[96];
	ksym_format(sym, sizeof(sym), f->rip);
	printk(KERN_EMERG "RIP: %04lx:%016lx %s\n", (unsigned long)f->cs, (unsigned long)f->rip, sym);
	printk(KERN_EMERG "RSP: %04lx:%016lx RFLAGS: %08lx\n", (unsigned long)f->ss,
	       (unsigned long)f->rsp, (unsigned long)f->rflags);
	printk(KERN_EMERG "RAX: %016lx RBX: %016lx RCX: %016lx\n", f->rax, f->rbx, f->rcx);
	printk(KERN_EMERG "RDX: %016lx RSI: %016lx RDI: %016lx\n", f->rdx, f->rsi, f->rdi);
	printk(KERN_EMERG "RBP: %016lx R08: %016lx R09: %016lx\n", f->rbp, f->r8, f->r9);
	printk(KERN_EMERG "R10: %016lx R11: %016lx R12: %016lx\n", f->r10, f->r11, f->r12);
	printk(KERN_EMERG "R13: %016lx R14: %016lx R15: %016lx\n", f->r13, f->r14, f->r15);
	printk(KERN_EMERG "CR0: %016lx CR2: %016lx CR3: %016lx CR4: %016lx\n",
	       read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

/* "present write kernel-mode data" for a #PF error code. */
static void describe_pf(uint64_t err, char *buf, size_t n)
{
	snprintf(buf, n, "%s %s %s-mode %s%s%s",
		 err & PF_PRESENT ? "protection-violation" : "not-present",
		 err & PF_WRITE ? "write" : "read",
		 err & PF_USER ? "user" : "kernel",
		 err & PF_FETCH ? "instruction-fetch" : "data",
		 err & PF_RSVD ? " reserved-bit" : "",
		 err & PF_PK ? " protection-key" : "");
}

__noreturn static void oops(struct trap_frame *f)
{
	char desc[128] = "";
	uint64_t cr2 = read_cr2();

	if (f->vector == VEC_PF)
		describe_pf(f->error_code, desc, sizeof(desc));
	else if (f->error_code && f->vector != VEC_DF)
		snprintf(desc, sizeof(desc), "%s selector 0x%lx%s",
			 f->error_code & 1 ? "external" : "",
			 (unsigned long)(f->error_code & 0xfff8),
			 f->error_code & 2 ? " (IDT)" : "");
	printk(KERN_EMERG "------------[ oops on CPU %u ]------------\n", smp_processor_id());
	printk(KERN_EMERG "%s, error code 0x%lx%s%s%s\n", exception_name((unsigned)f->vector),
	       (unsigned long)f->error_code, desc[0] ? " (" : "", desc, desc[0] ? ")" : "");
	if (f->vector == VEC_PF || f->vector == VEC_DF) {
		/* A #DF after a stack overflow: the #PF that could not be
		 * delivered left its address in CR2. */
		printk(KERN_EMERG "faulting address (CR2): %016lx\n", (unsigned long)cr2);
		if (stack_guard_hit(cr2))
			printk(KERN_EMERG "CR2 is in a kernel stack's guard page: kernel stack overflow\n");
	}
	dump_trap_frame(f);
	print_backtrace(f->rip, f->rbp);
	panic("fatal exception %s in %s mode", exception_name((unsigned)f->vector),
	      trap_from_user(f) ? "user" : "kernel");
}

static void handle_exception(struct trap_frame *f)
{
	struct fault_catch *fc = this_cpu()->fault_catch;
	if (fc && !trap_from_user(f) && f->vector != VEC_NMI && f->vector != VEC_DF &&
	    f->vector != VEC_MC) {
		this_cpu()->fault_catch = NULL;
		fc->rec.vector = (unsigned)f->vector;
		fc->rec.error_code = f->error_code;
		fc->rec.rip = f->rip;
		fc->rec.addr = f->vector == VEC_PF ? read_cr2() : 0;
		fault_catch_resume(fc);
	}
	if (arch_handle_exception(f))
		return;
	oops(f);
}

/* The IRETQ of the return to ring 3 (isr.asm). */
extern const char iret_to_user[];

/*
 * An exception raised by the IRETQ back to user mode.  It is taken at CPL 0
 * on the user's GS (isr.asm has already swapped back for it), and the frame
 * that IRETQ could not return through is the user's, at f->rsp: RIP, CS,
 * RFLAGS, RSP, SS.  A user can only get here with a state the entry should
 * have refused (RFLAGS.NT was one, now masked by SYSCALL), so the process
 * pays for it, never the kernel.  Linux instead rewrites the frame into a
 * fault in user mode (fixup_bad_iret); ending the process is the short
 * version of the same decision.
 */
static bool bad_iret(const struct trap_frame *f)
{
	/* NMI, #DF and #MC take the paranoid entry (their own stacks, GS
	 * decided by its base): an NMI that lands just before the IRETQ is
	 * not the IRETQ's fault, and the process is none of their business. */
	unsigned v = (unsigned)f->vector;       /* bit 63: the paranoid entry's mark */
	return !trap_from_user(f) && f->rip == (uint64_t)iret_to_user &&
	       v != VEC_NMI && v != VEC_DF && v != VEC_MC;
}

__noreturn static void bad_iret_kill(struct trap_frame *f)
{
	const uint64_t *iret = (const uint64_t *)f->rsp;
	char why[128];
	if (!current || !current->proc)
		oops(f);
	snprintf(why, sizeof(why), "%s on the return to user mode (ip %#lx, rflags %#lx)",
		 exception_name((unsigned)f->vector), (unsigned long)iret[0], (unsigned long)iret[2]);
	arch_irq_enable();
	process_kill_current(why);
}

void trap_dispatch(struct trap_frame *f)
{
	unsigned v = (unsigned)f->vector;
	/* First, before any handler can consume the news this trap may
	 * carry (a kick NMI, a call IPI): never return into a halting
	 * wait's window to HLT after it (halt_wait.c). */
	if (!trap_from_user(f))
		arch_halt_window_fixup(f);
	if (v == VEC_NMI) {
		nmi_handler(f);
		return;
	}
	if (v < 32) {
		if (bad_iret(f))
			bad_iret_kill(f);
		handle_exception(f);
		if (trap_from_user(f))
			user_return_check(f);
		return;
	}
	/* IRQs are off here (interrupt gates), but the count is per CPU and
	 * read by generic code: updated like every such count, in one
	 * instruction on this CPU (asm/percpu.h). */
	this_cpu_inc(irq_nesting);
	trace(IRQ_ENTRY, v, 0, 0);
	/* Acknowledge first, as Linux does for its system vectors: every
	 * source here is edge-triggered (IPIs, the APIC timer, ISA COM1), so
	 * an early EOI loses nothing, and it lets a handler that re-enables
	 * interrupts receive IPIs of the same priority class (0xf0-0xff)
	 * while it runs.  The spurious vector and the masked PIC's range get
	 * no EOI: nothing is in service at the local APIC for them. */
	if (v != VEC_SPURIOUS && (v < VEC_PIC_BASE || v >= VEC_PIC_BASE + 16))
		lapic_eoi();
	irq_handler_t h = irq_handlers[v];
	if (h)
		h(f);
	else
		spurious_irqs++;
	trace(IRQ_EXIT, v, 0, 0);
	this_cpu_dec(irq_nesting);
	irq_exit_hook(f);
	if (trap_from_user(f))
		user_return_check(f);
}

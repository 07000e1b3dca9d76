/*
 * kernel/trap_hooks.c - generic decisions taken on traps (see trap_hooks.h).
 *
 * Page faults: from user mode, demand paging (handle_mm_fault) or, if the
 * access is not allowed, the end of the process with a message.  From
 * kernel mode on a user address, only the uaccess routines may fault (they
 * have exception-table entries): the page is faulted in, or the routine
 * resumes at its fixup and returns -EFAULT.  Anything else is a kernel bug
 * and oopses.  Other exceptions from user mode end the process.
 */
#include "kernel/trap_hooks.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/percpu.h"
#include "kernel/proc/process.h"
#include "kernel/smp.h"
#include "kernel/sched/thread.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/fault.h"
#include "mm/uaccess.h"
#include "asm/cpu.h"
#include "asm/traps.h"
#include "lib/printf.h"

static unsigned fault_flags(uint64_t err)
{
	return (err & PF_WRITE ? FAULT_WRITE : 0) | (err & PF_FETCH ? FAULT_EXEC : 0) |
	       (err & PF_USER ? FAULT_USER : 0);
}

/* Resolve with interrupts on, as the faulting context had them. */
static enum fault_result fault_in(struct trap_frame *f, uintptr_t addr)
{
	if (!current || !current->mm)
		return FAULT_NO_VMA;
	if (f->rflags & (1ul << 9))
		arch_irq_enable();
	enum fault_result r = handle_mm_fault(current->mm, addr, fault_flags(f->error_code));
	arch_irq_disable();
	return r;
}

bool arch_handle_exception_hook(struct trap_frame *f)
{
	char why[160];
	if (f->vector == VEC_PF) {
		uintptr_t addr = read_cr2();
		if (trap_from_user(f)) {
			enum fault_result r = fault_in(f, addr);
			if (r == FAULT_OK)
				return true;
			snprintf(why, sizeof(why), "segfault at %#lx ip %#lx (%s%s, error %#lx)", (unsigned long)addr,
				 (unsigned long)f->rip, fault_reason(r),
				 f->error_code & PF_WRITE ? ", write" : f->error_code & PF_FETCH ? ", exec" : ", read",
				 (unsigned long)f->error_code);
			arch_irq_enable();
			process_kill_current(why);
		}
		uintptr_t fixup = extable_fixup(f->rip);
		if (addr < USER_END && fixup) {
			if (fault_in(f, addr) != FAULT_OK)
				f->rip = fixup;
			return true;
		}
		return false;
	}
	if (trap_from_user(f) && f->vector != VEC_NMI && f->vector != VEC_MC && f->vector != VEC_DF) {
		snprintf(why, sizeof(why), "%s at ip %#lx", exception_name((unsigned)f->vector),
			 (unsigned long)f->rip);
		arch_irq_enable();
		process_kill_current(why);
	}
	return false;
}

void nmi_handler(struct trap_frame *f)
{
	if (panic_in_progress()) {
		smp_panic_stop_self(f);     /* never returns */
	}
	if (smp_backtrace_nmi(f))
		return;
	printk(KERN_WARNING "CPU %u: unexpected NMI at %016lx\n", smp_processor_id(),
	       (unsigned long)f->rip);
}

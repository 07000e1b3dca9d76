/*
 * arch/x86_64/fault.c - the x86 page-fault and user-exception entry: decode
 * what the CPU reports (CR2, the #PF error code, RFLAGS.IF, the trapping
 * mode) and hand generic code a generic question.
 *
 * Generic code never sees an error code: it gets an address and
 * FAULT_WRITE/FAULT_EXEC/FAULT_USER (mm/fault.h), the way HelenOS's amd64
 * page-fault entry hands its generic mm an access type.  The decisions:
 *   - a fault taken in user mode goes to handle_user_fault(); if it cannot
 *     be resolved the process is killed with a message;
 *   - a fault in user mode whose error code says "supervisor access" (QEMU
 *     TCG reports a user far return or IRETQ that way) can never be
 *     resolved by mapping a page: the process is killed, not retried;
 *   - in kernel mode on a user address, only a uaccess routine (one with an
 *     exception-table entry) may fault: the page is faulted in, or the
 *     routine resumes at its fixup and returns -EFAULT;
 *   - anything else is a kernel bug: the caller oopses.
 * Other exceptions from user mode end the process.
 */
#include "asm/cpu.h"
#include "asm/page.h"
#include "asm/traps.h"
#include "kernel/proc/process.h"
#include "kernel/trap_hooks.h"
#include "mm/fault.h"
#include "mm/uaccess.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/stacktrace.h"
#include "lib/printf.h"

#define RFLAGS_IF (1ul << 9)

static unsigned fault_flags(uint64_t err)
{
	return (err & PF_WRITE ? FAULT_WRITE : 0) | (err & PF_FETCH ? FAULT_EXEC : 0) |
	       (err & PF_USER ? FAULT_USER : 0);
}

/* Resolve with interrupts on if the faulting context had them on (the
 * fault path may sleep on mmap_lock); back off before returning to the
 * exit path, which runs with interrupts off. */
static enum fault_result fault_in(const struct trap_frame *f, uintptr_t addr)
{
	if (f->rflags & RFLAGS_IF)
		arch_irq_enable();
	enum fault_result r = handle_user_fault(addr, fault_flags(f->error_code));
	arch_irq_disable();
	return r;
}

__noreturn static void kill_user(const char *why)
{
	arch_irq_enable();
	process_kill_current(why);
}

static bool page_fault(struct trap_frame *f)
{
	char why[192];
	uintptr_t addr = read_cr2();
	uint64_t err = f->error_code;
	if (trap_from_user(f)) {
		if (!(err & PF_USER)) {
			snprintf(why, sizeof(why),
				 "fault at %#lx ip %#lx taken in user mode but reported as a supervisor "
				 "access (error %#lx): not resolvable",
				 (unsigned long)addr, (unsigned long)f->rip, (unsigned long)err);
			kill_user(why);
		}
		enum fault_result r = fault_in(f, addr);
		if (r == FAULT_OK)
			return true;
		snprintf(why, sizeof(why), "%s at %#lx ip %#lx (%s%s, error %#lx)",
			 r == FAULT_SIGBUS ? "bus error" : "segfault", (unsigned long)addr,
			 (unsigned long)f->rip, fault_reason(r),
			 err & PF_WRITE ? ", write" : err & PF_FETCH ? ", exec" : ", read", (unsigned long)err);
		if (r == FAULT_SIGBUS) {
			arch_irq_enable();
			process_kill_current_signal(SIGBUS, "SIGBUS", why);
		}
		kill_user(why);
	}
	uintptr_t fixup = extable_fixup(f->rip);
	if (addr < USER_END && fixup) {
		if (fault_in(f, addr) != FAULT_OK)
			f->rip = fixup;
		return true;
	}
	return false;
}

bool arch_handle_exception(struct trap_frame *f)
{
	if (f->vector == VEC_PF)
		return page_fault(f);
	if (trap_from_user(f) && f->vector != VEC_NMI && f->vector != VEC_MC && f->vector != VEC_DF) {
		char why[160];
		snprintf(why, sizeof(why), "%s at ip %#lx", exception_name((unsigned)f->vector),
			 (unsigned long)f->rip);
		kill_user(why);
	}
	return false;
}

bool trap_irqs_were_enabled(const struct trap_frame *f)
{
	return f->rflags & RFLAGS_IF;
}

uintptr_t trap_instruction_pointer(const struct trap_frame *f)
{
	return f->rip;
}

void dump_trap_backtrace(const struct trap_frame *f)
{
	dump_trap_frame(f);
	print_backtrace(f->rip, f->rbp);
}
